"""Charger secrets out of frames before they are kept: the frame log never holds a password."""

from __future__ import annotations

import json
from typing import Any

REDACTED = "***"
# Frames whose payload can carry a charger secret: redacted before they reach the frame log.
SECRET_KEYS = frozenset({"AuthorizationKey", "BasicAuthPassword"})


def redact(text: str) -> str:
    """The frame with any charger password replaced; cheap for frames that cannot hold one."""
    if "AuthorizationKey" not in text and "BasicAuthPassword" not in text:
        return text
    try:
        frame = json.loads(text)
    except ValueError:
        return REDACTED
    return json.dumps(_scrub(frame), separators=(",", ":"))


def _scrub(node: Any) -> Any:
    if isinstance(node, dict):
        secret = node.get("key") in SECRET_KEYS or (
            isinstance(node.get("variable"), dict) and node["variable"].get("name") in SECRET_KEYS
        )
        return {
            k: (REDACTED if secret and k in ("value", "attributeValue") else _scrub(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_scrub(v) for v in node]
    return node
