"""Scenarios: who charges where and when, and what goes wrong, on a compressed clock.

A scenario is a TOML file (read with the standard library's `tomllib`) or a `Scenario` built
in Python; `tools/simulator/README.md` documents both. Times in a scenario are simulated:
`time_factor` simulated seconds pass per wall-clock second, so `time_factor = 96` runs a day
in 15 minutes.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.simulator.model import DEFAULT_POWER_CURVE, SessionProfile
from tools.simulator.seed import ChargerSpec, load_seed

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = Path(__file__).resolve().parent / "scenarios"
EVENT_KINDS = ("fault", "emergency_stop", "tamper", "network_drop", "reconnect_storm")

# Arrivals over a weekday, as a share of the busiest hour: a night trough, commuters in the
# morning, a midday plateau and the evening peak when people come home.
WEEKDAY_CURVE: tuple[float, ...] = (
    0.05, 0.03, 0.02, 0.02, 0.03, 0.08, 0.25, 0.55, 0.70, 0.50, 0.40, 0.45,
    0.50, 0.45, 0.40, 0.45, 0.60, 0.85, 1.00, 0.90, 0.65, 0.40, 0.20, 0.10,
)  # fmt: skip

_DURATION = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s)?\s*$"
)


def seconds(value: str | float | int) -> float:
    """`"1h30m"`, `"45m"`, `"20s"` or a number of seconds."""
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(value)
    if not match or not any(match.groups()):
        raise ValueError(f"not a duration: {value!r} (use e.g. '1h30m', '45m', '20s')")
    hours, minutes, secs = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + secs


def time_of_day(value: str) -> float:
    """`"17:30"` as seconds after midnight."""
    hours, _, minutes = value.partition(":")
    return int(hours) * 3600 + int(minutes or 0) * 60


@dataclass(frozen=True)
class Driver:
    name: str
    tags: tuple[str, ...]
    # Relative chance that the next car is this driver's.
    weight: float = 1.0


@dataclass(frozen=True)
class Arrivals:
    """Cars per simulated hour over the whole fleet, hour 0 to 23."""

    per_hour: tuple[float, ...] = tuple(round(6 * share, 3) for share in WEEKDAY_CURVE)

    @classmethod
    def weekday(cls, peak_per_hour: float) -> Arrivals:
        return cls(tuple(round(peak_per_hour * share, 3) for share in WEEKDAY_CURVE))

    def rate(self, simulated_s: float) -> float:
        """Cars per simulated second at this simulated time."""
        return self.per_hour[int(simulated_s // 3600) % 24] / 3600.0


@dataclass(frozen=True)
class Event:
    """Something that happens to some chargers at a simulated time of day.

    kind: fault (a connector, or all, Faulted with `error_code`), emergency_stop (sessions end
    with EmergencyStop, the charger is Faulted), tamper (a SecurityEventNotification
    TamperDetectionActivated, then Faulted), network_drop (the connection goes away and stays
    away: transaction messages queue), reconnect_storm (every selected charger drops at once and
    reconnects at once). `lasts_s`: until it clears (0: for good, for a storm: not used).
    """

    at_s: float
    kind: str
    chargers: tuple[str, ...] = ()
    site: str | None = None
    connector: int | None = None
    error_code: str = "OtherError"
    lasts_s: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}; one of {EVENT_KINDS}")

    def selects(self, spec: ChargerSpec) -> bool:
        if self.chargers:
            return spec.id in self.chargers
        if self.site is not None:
            return spec.site == self.site
        return True


DEMO_DRIVERS = (Driver("demo", ("LADDA-DEMO-TAG",)),)


@dataclass(frozen=True)
class Scenario:
    name: str
    chargers: tuple[ChargerSpec, ...]
    drivers: tuple[Driver, ...] = DEMO_DRIVERS
    arrivals: Arrivals = field(default_factory=Arrivals)
    profile: SessionProfile = field(default_factory=SessionProfile)
    # The driver comes back after a uniform draw from this range (simulated seconds).
    session_s: tuple[float, float] = (1200.0, 5400.0)
    events: tuple[Event, ...] = ()
    time_factor: float = 60.0
    start_s: float = 0.0
    # Simulated length; 0: until stopped.
    duration_s: float = 86_400.0
    # Start the day over when it ends (the local demo runs for as long as the platform).
    repeat: bool = False
    # Stop arriving after this many sessions (0: no limit); the run ends once they are done.
    max_sessions: int = 0
    meter_interval_s: float = 300.0
    seed: int | None = None
    description: str = ""

    def replace(self, **changes: Any) -> Scenario:
        return dataclasses.replace(self, **changes)

    def seed_document(self) -> dict[str, Any]:
        """The chargers as a seed file for connectivity (`LADDA_CONNECTIVITY_SEED_FILE`)."""
        return {"charge_points": [spec.seed_entry() for spec in self.chargers]}


def _generated(group: dict[str, Any]) -> list[ChargerSpec]:
    prefix, count = str(group["prefix"]), int(group.get("count", 1))
    return [
        ChargerSpec(
            id=f"{prefix}-{index:03d}",
            password=str(group.get("password", f"{prefix.lower()}-{index:03d}-sim-password")),
            ocpp_version=str(group.get("ocpp_version", "1.6")),
            vendor=str(group.get("vendor", "Ladda")),
            model=str(group.get("model", "SimCharger AC22")),
            serial_number=f"{prefix}-SN-{index:03d}",
            connectors=int(group.get("connectors", 1)),
            site=str(group.get("site", prefix)),
        )
        for index in range(1, count + 1)
    ]


def _pair(value: Any, default: tuple[float, float]) -> tuple[float, float]:
    if value is None:
        return default
    low, high = value
    return (float(low), float(high))


def parse_scenario(document: dict[str, Any], base: Path = ROOT) -> Scenario:
    fleet = document.get("fleet", {})
    chargers: list[ChargerSpec] = []
    if "seed_file" in fleet:
        chargers += load_seed(base / fleet["seed_file"])
    for group in fleet.get("chargers", []):
        chargers += _generated(group)
    if not chargers:
        raise ValueError("a scenario needs chargers: [fleet] seed_file or [[fleet.chargers]]")
    drivers = (
        tuple(
            Driver(str(d["name"]), tuple(str(t) for t in d["tags"]), float(d.get("weight", 1.0)))
            for d in document.get("drivers", [])
        )
        or DEMO_DRIVERS
    )
    arrivals_doc = document.get("arrivals", {})
    if "per_hour" in arrivals_doc:
        if len(arrivals_doc["per_hour"]) != 24:
            raise ValueError("arrivals.per_hour needs 24 values, hour 0 to 23")
        arrivals = Arrivals(tuple(float(v) for v in arrivals_doc["per_hour"]))
    else:
        arrivals = Arrivals.weekday(float(arrivals_doc.get("peak_per_hour", 6)))
    sessions = document.get("sessions", {})
    profile = SessionProfile(
        battery_kwh=tuple(float(v) for v in sessions.get("battery_kwh", (40, 58, 77))),
        soc_start=_pair(sessions.get("soc_start"), (10.0, 60.0)),
        soc_target=_pair(sessions.get("soc_target"), (80.0, 95.0)),
        power_curve=tuple(
            (float(soc), float(share))
            for soc, share in sessions.get("power_curve", DEFAULT_POWER_CURVE)
        ),
        max_power_kw=float(sessions["max_power_kw"]) if "max_power_kw" in sessions else None,
    )
    length = sessions.get("duration", ("20m", "90m"))
    events = tuple(
        Event(
            at_s=time_of_day(str(e["at"])),
            kind=str(e["kind"]),
            chargers=tuple(str(c) for c in e.get("chargers", ())),
            site=e.get("site"),
            connector=int(e["connector"]) if "connector" in e else None,
            error_code=str(e.get("error_code", "OtherError")),
            lasts_s=seconds(e.get("for", 0)),
        )
        for e in document.get("events", [])
    )
    return Scenario(
        name=str(document.get("name", "scenario")),
        description=str(document.get("description", "")),
        chargers=tuple(chargers),
        drivers=drivers,
        arrivals=arrivals,
        profile=profile,
        session_s=(seconds(length[0]), seconds(length[1])),
        events=tuple(sorted(events, key=lambda e: e.at_s)),
        time_factor=float(document.get("time_factor", 60)),
        start_s=time_of_day(str(document.get("start", "00:00"))),
        duration_s=seconds(document.get("duration", "24h")),
        repeat=bool(document.get("repeat", False)),
        max_sessions=int(document.get("max_sessions", 0)),
        meter_interval_s=seconds(document.get("meter_interval", "5m")),
        seed=document.get("seed"),
    )


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A shipped scenario by name (`quiet-day`, `evening-peak`, `bad-day`) or a TOML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIOS / f"{name_or_path}.toml"
    with path.open("rb") as file:
        document = tomllib.load(file)
    return parse_scenario(document, base=ROOT)


def shipped() -> list[str]:
    return sorted(p.stem for p in SCENARIOS.glob("*.toml"))
