"""Event envelope, typed payloads and topics: the only contract between services."""

from shared.events.envelope import Envelope, EventPayload, payload_type

__all__ = ["Envelope", "EventPayload", "payload_type"]
