"""The CloudEvents-style envelope every event travels in, and the base of typed payloads."""

from __future__ import annotations

import builtins
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from shared.events.topics import Topic

P = TypeVar("P", bound="EventPayload")

_PAYLOAD_TYPES: dict[str, type[EventPayload]] = {}


class EventPayload(BaseModel):
    """A typed event body. Subclasses name their event type and the topic it travels on."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    topic: ClassVar[Topic]
    schema_version: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "event_type" in cls.__dict__:
            _PAYLOAD_TYPES[cls.event_type] = cls


def payload_type(event_type: str) -> type[EventPayload] | None:
    return _PAYLOAD_TYPES.get(event_type)


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID = Field(default_factory=uuid4)
    type: str
    source: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str
    schema_version: int = 1
    correlation_id: str | None = None
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls, payload: EventPayload, *, source: str, subject: str, correlation_id: str | None
    ) -> Envelope:
        return cls(
            type=payload.event_type,
            source=source,
            subject=subject,
            schema_version=payload.schema_version,
            correlation_id=correlation_id,
            data=payload.model_dump(mode="json"),
        )

    def payload(self, model: builtins.type[P]) -> P:
        if model.event_type != self.type:
            raise ValueError(f"event {self.id} is {self.type}, not {model.event_type}")
        return model.model_validate(self.data)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        return cls.model_validate_json(raw)
