"""Charger secrets in command payloads and answers: found and replaced by `***`.

A secret leaves the request only in the frame sent to the charger. What is stored in `commands`,
published in command events, logged and answered over REST has it redacted:

- 1.6 configuration entries (`ChangeConfiguration`, `GetConfiguration` answers) whose `key`
  names a secret (`AuthorizationKey`, anything like a password, secret or key): their `value`;
- 2.0.1 variables (`SetVariables`, `GetVariables` answers) whose `variable.name` names a secret
  (`BasicAuthPassword`, …): their `attributeValue`;
- any field whose own name is like a password, passphrase, secret or key (`apnPassword`, …).
"""

from __future__ import annotations

from typing import Any

REDACTED = "***"
_WORDS = ("password", "passwd", "passphrase", "secret")


def names_secret(name: object) -> bool:
    """`AuthorizationKey`, `BasicAuthPassword`, `apn_password`, `ClientSecret`; not `key` itself."""
    if not isinstance(name, str):
        return False
    normal = name.lower().replace("_", "").replace("-", "")
    return any(word in normal for word in _WORDS) or (normal.endswith("key") and normal != "key")


def _holds_secret_value(node: dict[str, Any]) -> bool:
    variable = node.get("variable")
    return names_secret(node.get("key")) or (
        isinstance(variable, dict) and names_secret(variable.get("name"))
    )


def _scrub(node: Any, found: list[bool]) -> Any:
    if isinstance(node, list):
        return [_scrub(item, found) for item in node]
    if not isinstance(node, dict):
        return node
    paired = _holds_secret_value(node)
    clean: dict[str, Any] = {}
    for name, value in node.items():
        if (paired and name in ("value", "attributeValue")) or (
            names_secret(name) and not isinstance(value, dict | list)
        ):
            found.append(True)
            clean[name] = REDACTED
        else:
            clean[name] = _scrub(value, found)
    return clean


def redact(payload: dict[str, Any] | None) -> tuple[dict[str, Any] | None, bool]:
    """The payload with every secret replaced, and whether there was one."""
    if payload is None:
        return None, False
    found: list[bool] = []
    clean = _scrub(payload, found)
    return clean, bool(found)


def redacted(payload: dict[str, Any] | None) -> dict[str, Any] | None:
    return redact(payload)[0]


_ADOPTED = ("Accepted", "RebootRequired")


def new_charger_password(
    action: str, payload: dict[str, Any], result: dict[str, Any]
) -> str | None:
    """The HTTP Basic password a charger accepted to use from now on, if this command set it.

    1.6: ChangeConfiguration `AuthorizationKey`; 2.0.1: SetVariables `BasicAuthPassword`.
    Once the charger accepts it, its next handshake comes with it.
    """
    if action == "ChangeConfiguration":
        accepted = result.get("status") in _ADOPTED
        if accepted and payload.get("key") == "AuthorizationKey":
            return str(payload.get("value"))
    if action == "SetVariables":
        statuses = {
            (item.get("component", {}).get("name"), item.get("variable", {}).get("name")): item.get(
                "attributeStatus"
            )
            for item in result.get("setVariableResult", [])
        }
        for item in payload.get("setVariableData", []):
            key = (item.get("component", {}).get("name"), item.get("variable", {}).get("name"))
            if key[1] == "BasicAuthPassword" and statuses.get(key) in _ADOPTED:
                return str(item.get("attributeValue"))
    return None
