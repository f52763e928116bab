"""The physics of a simulated charging session: energy, power and state of charge over time.

Kept free of I/O so the numbers the chargers report can be unit-tested.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

# SoC (%) -> share of the charger's power the car takes: full power to 80 %, then a taper
# down to 10 % of it at 100 %.
DEFAULT_POWER_CURVE: tuple[tuple[float, float], ...] = ((0.0, 1.0), (80.0, 1.0), (100.0, 0.1))


@dataclass(frozen=True)
class SessionProfile:
    """The cars that come: batteries, state of charge on arrival and at departure, the power
    curve they charge along, and the charger power (None: 50 kW for a DC model, else 22 kW)."""

    battery_kwh: tuple[float, ...] = (40.0, 58.0, 77.0)
    soc_start: tuple[float, float] = (10.0, 60.0)
    soc_target: tuple[float, float] = (80.0, 95.0)
    power_curve: tuple[tuple[float, float], ...] = DEFAULT_POWER_CURVE
    max_power_kw: float | None = None


def curve_share(curve: tuple[tuple[float, float], ...], soc: float) -> float:
    """The power share at `soc`, linear between the curve's points, flat beyond its ends."""
    points = sorted(curve)
    if soc <= points[0][0]:
        return points[0][1]
    for (soc_a, share_a), (soc_b, share_b) in itertools.pairwise(points):
        if soc <= soc_b:
            if soc_b == soc_a:
                return share_b
            return share_a + (share_b - share_a) * (soc - soc_a) / (soc_b - soc_a)
    return points[-1][1]


@dataclass
class ChargingSession:
    """One car on one connector: a battery filled along a power curve."""

    battery_wh: float
    soc_percent: float
    max_power_w: float
    meter_start_wh: int
    energy_wh: float = 0.0
    power_w: float = 0.0
    target_soc_percent: float = 90.0
    elapsed_s: float = field(default=0.0)
    power_curve: tuple[tuple[float, float], ...] = DEFAULT_POWER_CURVE

    @classmethod
    def from_profile(
        cls, profile: SessionProfile, rng: random.Random, meter_start_wh: int, max_power_w: float
    ) -> ChargingSession:
        return cls(
            battery_wh=rng.choice(profile.battery_kwh) * 1000.0,
            soc_percent=rng.uniform(*profile.soc_start),
            max_power_w=max_power_w,
            meter_start_wh=meter_start_wh,
            target_soc_percent=rng.uniform(*profile.soc_target),
            power_curve=profile.power_curve,
        )

    @property
    def meter_wh(self) -> int:
        """The connector's energy register: it only ever grows."""
        return self.meter_start_wh + int(self.energy_wh)

    @property
    def full(self) -> bool:
        return self.soc_percent >= self.target_soc_percent

    def advance(self, seconds: float) -> None:
        """Charge for `seconds` at the power the curve allows at the present SoC."""
        if seconds <= 0 or self.full:
            self.power_w = 0.0 if self.full else self.power_w
            return
        self.power_w = self.max_power_w * max(0.0, curve_share(self.power_curve, self.soc_percent))
        added_wh = self.power_w * seconds / 3600.0
        room_wh = (100.0 - self.soc_percent) / 100.0 * self.battery_wh
        added_wh = min(added_wh, room_wh)
        self.energy_wh += added_wh
        self.soc_percent = min(100.0, self.soc_percent + added_wh / self.battery_wh * 100.0)
        self.elapsed_s += seconds
