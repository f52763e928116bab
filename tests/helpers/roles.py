"""The roles every role-matrix test walks, and a compact way to write a matrix row."""

from __future__ import annotations

# A service account holding no scope, and one holding every known scope.
ROLES = ("anonymous", "driver", "support", "operator", "admin", "service", "service+scopes")


def expect(default: object, **by_role: object) -> dict[str, object]:
    """The expected outcome for every role: `default` unless named (`service_scopes=` names
    "service+scopes")."""
    found = {role: default for role in ROLES}
    for role, outcome in by_role.items():
        name = role.replace("_scopes", "+scopes")
        assert name in found, f"unknown role {role}"
        found[name] = outcome
    return found
