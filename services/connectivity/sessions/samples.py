"""Meter samples as chargers send them (1.6 and 2.0.1), normalised to Wh, W and percent.

A sample the platform cannot store (not finite, or beyond what a bigint register holds once
scaled) is refused here, at the edge, before it can join a shared write batch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.connectivity.sessions.schemas import Sample
from shared.clock import utc_now

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
SOC = "SoC"
# Largest magnitude a normalised sample may have: energy registers are rounded into bigint Wh,
# and no charger measures a petawatt-hour.
MAX_SAMPLE_MAGNITUDE = 1e15
# OCPP 2.0.1's unitOfMeasure.multiplier is a power of ten; real meters use -3..6.
MAX_MULTIPLIER = 9

_ENERGY_FACTORS = {"Wh": 1.0, "kWh": 1000.0}
_POWER_FACTORS = {"W": 1.0, "kW": 1000.0}


class UnstorableSample(ValueError):
    """A sampled value outside what the platform stores (not finite, or out of range)."""


def parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(value)  # Python 3.11 reads RFC 3339's "Z" itself
    except (TypeError, ValueError):
        return utc_now()
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _scaled(sampled: dict[str, Any]) -> tuple[float, str | None] | None:
    """The value and unit of one sampledValue; None for a non-numeric value (SignedData)."""
    try:
        value = float(sampled["value"])
    except (KeyError, TypeError, ValueError):
        return None
    if not math.isfinite(value):
        raise UnstorableSample("sampledValue.value is not a finite number")
    unit_of_measure = sampled.get("unit_of_measure") or {}
    unit = sampled.get("unit") or unit_of_measure.get("unit")
    multiplier = unit_of_measure.get("multiplier")
    if multiplier:
        if not isinstance(multiplier, int) or abs(multiplier) > MAX_MULTIPLIER:
            raise UnstorableSample("unitOfMeasure.multiplier is out of range")
        value *= 10.0**multiplier
    return value, unit


def normalise_samples(
    meter_values: Iterable[dict[str, Any]], *, rejected: list[str] | None = None
) -> list[Sample]:
    """Samples of 1.6 (`value` string, `unit`) and 2.0.1 (`value` number, `unit_of_measure`).

    A value the platform cannot store raises `UnstorableSample`; with `rejected` given, it is
    left out instead and the reason appended there (for messages that must be answered).
    """
    samples: list[Sample] = []
    for meter_value in meter_values:
        at = parse_time(meter_value.get("timestamp"))
        for sampled in meter_value.get("sampled_value", []):
            measurand = sampled.get("measurand") or ENERGY
            try:
                scaled = _scaled(sampled)
                if scaled is None:
                    continue
                value, unit = scaled
                if measurand.startswith("Energy"):
                    value *= _ENERGY_FACTORS.get(unit or "Wh", 1.0)
                    unit = "Wh"
                elif measurand.startswith("Power"):
                    value *= _POWER_FACTORS.get(unit or "W", 1.0)
                    unit = "W"
                elif measurand == SOC:
                    unit = "Percent"
                if abs(value) > MAX_SAMPLE_MAGNITUDE:
                    raise UnstorableSample(f"sampledValue.value of {measurand} is out of range")
            except UnstorableSample as exc:
                if rejected is None:
                    raise
                rejected.append(str(exc))
                continue
            samples.append(Sample(at, measurand, sampled.get("phase") or "", value, unit))
    return samples


@dataclass(frozen=True, slots=True)
class Progress:
    """What a set of samples says about a session: last register, time, power and SoC."""

    register_wh: int | None
    latest_at: datetime | None
    power_w: float | None
    soc_percent: float | None


def progress(samples: Sequence[Sample]) -> Progress:
    registers = [s.value for s in samples if s.measurand == ENERGY and not s.phase]
    powers = [s for s in samples if s.measurand == POWER and not s.phase]
    socs = [s for s in samples if s.measurand == SOC]
    return Progress(
        int(max(registers)) if registers else None,
        max((s.at for s in samples), default=None),
        max(powers, key=lambda s: s.at).value if powers else None,
        max(socs, key=lambda s: s.at).value if socs else None,
    )
