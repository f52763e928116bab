"""Benchmarks: every figure is a ratio against a baseline measured in the same run.

A benchmark is a module in this package with `async def run() -> list[Figure]`; list it in
`BENCHMARKS` below. `make bench` runs them all (`python -m tools.bench [name ...]`) against the
local stack and prints one table; `--json FILE` also writes the figures.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure next to its baseline from the same run on the same machine."""

    name: str
    value: float
    baseline: float
    unit: str
    baseline_name: str
    # The ratio the target is stated in, and whether higher is better.
    target: float | None = None
    higher_is_better: bool = True
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")

    @property
    def meets_target(self) -> bool | None:
        if self.target is None:
            return None
        return self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "ratio": self.ratio, "meets_target": self.meets_target}


# Module names under tools/bench, in the order they run.
BENCHMARKS: list[str] = ["connectivity", "gateway", "booking", "payment", "analytics"]
