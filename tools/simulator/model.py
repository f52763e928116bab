"""The physics of a simulated charging session: energy, power and state of charge over time.

Kept free of I/O so the numbers the chargers report can be unit-tested.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class ChargingSession:
    """One car on one connector: a battery filled at a power that tapers off near full."""

    battery_wh: float
    soc_percent: float
    max_power_w: float
    meter_start_wh: int
    energy_wh: float = 0.0
    power_w: float = 0.0
    target_soc_percent: float = 90.0
    elapsed_s: float = field(default=0.0)

    @classmethod
    def random(cls, rng: random.Random, meter_start_wh: int, max_power_w: float) -> ChargingSession:
        return cls(
            battery_wh=rng.choice([40_000.0, 58_000.0, 77_000.0]),
            soc_percent=rng.uniform(10.0, 60.0),
            max_power_w=max_power_w,
            meter_start_wh=meter_start_wh,
            target_soc_percent=rng.uniform(80.0, 95.0),
        )

    @property
    def meter_wh(self) -> int:
        """The connector's energy register: it only ever grows."""
        return self.meter_start_wh + int(self.energy_wh)

    @property
    def full(self) -> bool:
        return self.soc_percent >= self.target_soc_percent

    def advance(self, seconds: float) -> None:
        """Charge for `seconds`: constant power to 80 %, then a linear taper to 10 % of it."""
        if seconds <= 0 or self.full:
            self.power_w = 0.0 if self.full else self.power_w
            return
        taper = 1.0 if self.soc_percent < 80.0 else max(0.1, (100.0 - self.soc_percent) / 20.0)
        self.power_w = self.max_power_w * taper
        added_wh = self.power_w * seconds / 3600.0
        room_wh = (100.0 - self.soc_percent) / 100.0 * self.battery_wh
        added_wh = min(added_wh, room_wh)
        self.energy_wh += added_wh
        self.soc_percent = min(100.0, self.soc_percent + added_wh / self.battery_wh * 100.0)
        self.elapsed_s += seconds
