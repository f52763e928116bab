"""Pricing a charging session with an OCPI 2.2.1-shaped tariff. Pure: no I/O, no clock.

The session is cut into segments at every instant a restriction can change its answer (local
times of day named by the tariff, local midnights, kWh and duration thresholds, the moment the
car stopped drawing power, the end of the idle grace period). Each segment takes, per
dimension, the price of the first element that has that dimension and whose restrictions hold
in the middle of the segment (OCPI's rule). Energy is spread evenly over the charging period
(the events carry totals, not a profile); power restrictions compare the session's average.

Rounding rule (see the README): quantities are exact (Wh, seconds); per dimension the total is
rounded up to the step size of the last element used (OCPI), the difference added to the last
line. Each line's amount (excl. VAT) = unit price * quantity, rounded half-up to a whole minor
unit. VAT = rate * the sum of the lines, rounded half-up once per invoice. Total = sum + VAT.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from services.payment.tariffs.schemas import PriceComponent, Restrictions, TariffElement

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
UNITS = {"ENERGY": "kWh", "TIME": "h", "PARKING_TIME": "h", "FLAT": "session"}
# Base units per priced unit: Wh per kWh, seconds per hour.
PER_UNIT = {"ENERGY": Decimal(1000), "TIME": Decimal(3600), "PARKING_TIME": Decimal(3600)}
LABELS = {"ENERGY": "Energy", "TIME": "Charging time", "PARKING_TIME": "Idle time"}
MAX_SESSION = timedelta(days=31)
_US = timedelta(microseconds=1)


def round_half_up(value: Decimal) -> int:
    """Half a minor unit or more goes up, less goes down (never banker's rounding)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class TariffTerms:
    """What pricing needs of a tariff."""

    currency: str
    vat_rate_bp: int
    time_zone: str
    elements: Sequence[TariffElement]


@dataclass(frozen=True)
class SessionFacts:
    started_at: datetime
    stopped_at: datetime
    energy_wh: int
    # When the car stopped drawing power (None: it drew power until the stop).
    charging_ended_at: datetime | None = None


@dataclass(frozen=True)
class PricedLine:
    component: str
    description: str
    quantity: Decimal  # in `unit`
    unit: str
    unit_price_minor: int
    amount_minor: int


@dataclass(frozen=True)
class Price:
    currency: str
    vat_rate_bp: int
    lines: list[PricedLine]
    subtotal_minor: int
    vat_minor: int
    total_minor: int


@dataclass
class _Line:
    component: PriceComponent
    element: TariffElement
    quantity: Decimal = Decimal(0)  # base units: Wh or seconds
    order: int = 0
    last_used: int = -1  # sequence number of the last segment billed on this line


@dataclass(frozen=True)
class _Moment:
    at: datetime
    local: datetime
    kwh: float
    power_kw: float
    duration_s: float
    charging: bool


def _matches(r: Restrictions | None, m: _Moment) -> bool:
    if r is None:
        return True
    tod = m.local.time()
    start = time.fromisoformat(r.start_time) if r.start_time else None
    end = time.fromisoformat(r.end_time) if r.end_time else None
    if start is not None and end is not None:
        inside = start <= tod < end if start < end else (tod >= start or tod < end)
        if not inside:
            return False
    elif (start is not None and tod < start) or (end is not None and tod >= end):
        return False
    checks = (
        r.day_of_week is None or DAYS[m.local.weekday()] in r.day_of_week,
        r.min_kwh is None or m.kwh >= r.min_kwh,
        r.max_kwh is None or m.kwh < r.max_kwh,
        r.min_power_kw is None or m.power_kw >= r.min_power_kw,
        r.max_power_kw is None or m.power_kw < r.max_power_kw,
        r.min_duration_s is None or m.duration_s >= r.min_duration_s,
        r.max_duration_s is None or m.duration_s < r.max_duration_s,
    )
    return all(checks)


def _first(
    elements: Sequence[TariffElement], kind: str, moment: _Moment
) -> tuple[int, TariffElement, PriceComponent] | None:
    for index, element in enumerate(elements):
        for component in element.price_components:
            if component.type == kind and _matches(element.restrictions, moment):
                return index, element, component
    return None


@dataclass
class _Timeline:
    start: datetime
    stop: datetime
    charge_end: datetime
    energy_wh: int
    zone: ZoneInfo
    points: set[datetime] = field(default_factory=set)

    @property
    def charging_us(self) -> int:
        return (self.charge_end - self.start) // _US

    def energy_at(self, at: datetime) -> Decimal:
        """Energy delivered by `at` in Wh, spread evenly over the charging period."""
        if self.charging_us <= 0 or at >= self.charge_end:
            return Decimal(self.energy_wh)
        return Decimal(self.energy_wh) * Decimal((at - self.start) // _US) / self.charging_us

    def add(self, at: datetime) -> None:
        if self.start < at < self.stop:
            self.points.add(at)

    def add_local_times(self, times: Iterable[str]) -> None:
        first = self.start.astimezone(self.zone).date() - timedelta(days=1)
        last = self.stop.astimezone(self.zone).date() + timedelta(days=1)
        wanted = sorted({time.fromisoformat(t) for t in times})
        day = first
        while day <= last:
            for local in wanted:
                self.add(datetime.combine(day, local, tzinfo=self.zone))
            day += timedelta(days=1)

    def moment(self, at: datetime) -> _Moment:
        hours = self.charging_us / 3_600_000_000
        return _Moment(
            at=at,
            local=at.astimezone(self.zone),
            kwh=float(self.energy_at(at)) / 1000,
            power_kw=(self.energy_wh / 1000 / hours) if hours > 0 and at < self.charge_end else 0.0,
            duration_s=(at - self.start).total_seconds(),
            charging=at < self.charge_end,
        )


def _timeline(terms: TariffTerms, facts: SessionFacts) -> _Timeline:
    start = facts.started_at
    stop = min(max(facts.stopped_at, start), start + MAX_SESSION)
    charge_end = min(max(facts.charging_ended_at or stop, start), stop)
    line = _Timeline(start, stop, charge_end, max(facts.energy_wh, 0), ZoneInfo(terms.time_zone))
    line.add(charge_end)
    times = {"00:00"}
    for element in terms.elements:
        r = element.restrictions
        if r is not None:
            times.update(t for t in (r.start_time, r.end_time) if t)
            for kwh in (r.min_kwh, r.max_kwh):
                if kwh is not None and 0 < kwh * 1000 < line.energy_wh and line.charging_us > 0:
                    fraction = kwh * 1000 / line.energy_wh
                    line.add(start + timedelta(microseconds=round(line.charging_us * fraction)))
            for seconds in (r.min_duration_s, r.max_duration_s):
                if seconds is not None:
                    line.add(start + timedelta(seconds=seconds))
        for component in element.price_components:
            if component.type == "PARKING_TIME" and component.grace_period_s:
                line.add(charge_end + timedelta(seconds=component.grace_period_s))
    line.add_local_times(times)
    return line


def _label(component: PriceComponent, element: TariffElement) -> str:
    if component.type == "FLAT":
        return "Session fee"
    text = LABELS[component.type]
    r = element.restrictions
    if r is not None and (r.start_time or r.end_time):
        text += f" {r.start_time or '00:00'}-{r.end_time or '24:00'}"
    if r is not None and r.day_of_week:
        text += " " + ",".join(day[:3].title() for day in r.day_of_week)
    if component.type == "PARKING_TIME" and component.grace_period_s:
        text += f" (after {component.grace_period_s // 60} min free)"
    return text


def price_session(terms: TariffTerms, facts: SessionFacts) -> Price:
    line = _timeline(terms, facts)
    lines: dict[tuple[str, int, int], _Line] = {}

    def charge(kind: str, moment: _Moment, quantity: Decimal, segment: int) -> None:
        found = _first(terms.elements, kind, moment)
        if found is None or quantity <= 0:
            return
        index, element, component = found
        key = (kind, index, element.price_components.index(component))
        entry = lines.setdefault(key, _Line(component, element, order=len(lines)))
        entry.quantity += quantity
        entry.last_used = segment

    flat = _first(terms.elements, "FLAT", line.moment(line.start))
    if flat is not None:
        index, element, component = flat
        lines[("FLAT", index, element.price_components.index(component))] = _Line(
            component, element, Decimal(1), order=-1
        )

    bounds = sorted({line.start, line.stop, *line.points})
    for segment, (a, b) in enumerate(itertools.pairwise(bounds)):
        middle = line.moment(a + (b - a) / 2)
        seconds = Decimal((b - a) // _US) / 1_000_000
        if middle.charging:
            charge("ENERGY", middle, line.energy_at(b) - line.energy_at(a), segment)
            charge("TIME", middle, seconds, segment)
        else:
            found = _first(terms.elements, "PARKING_TIME", middle)
            grace = found[2].grace_period_s if found else 0
            if a >= line.charge_end + timedelta(seconds=grace):
                charge("PARKING_TIME", middle, seconds, segment)

    if len(bounds) == 1 and line.energy_wh > 0:
        # Energy with no duration (a charger's clock went back): still billed, at the start.
        charge("ENERGY", line.moment(line.start), Decimal(line.energy_wh), 0)

    _round_up_to_steps(lines.values())
    priced = [_priced(entry) for entry in sorted(lines.values(), key=lambda e: e.order)]
    subtotal = sum(p.amount_minor for p in priced)
    vat = round_half_up(Decimal(subtotal) * terms.vat_rate_bp / 10_000)
    return Price(terms.currency, terms.vat_rate_bp, priced, subtotal, vat, subtotal + vat)


def _round_up_to_steps(entries: Iterable[_Line]) -> None:
    """Per dimension, bill whole steps of the last element used (OCPI step_size)."""
    by_kind: dict[str, list[_Line]] = {}
    for entry in entries:
        if entry.component.type != "FLAT":
            by_kind.setdefault(entry.component.type, []).append(entry)
    for group in by_kind.values():
        last = max(group, key=lambda e: e.last_used)
        total = sum((e.quantity for e in group), Decimal(0))
        step = Decimal(last.component.step_size)
        billed = (total / step).to_integral_value(rounding=ROUND_CEILING) * step
        last.quantity += billed - total


def _priced(entry: _Line) -> PricedLine:
    component = entry.component
    kind = component.type
    if kind == "FLAT":
        amount = component.price_minor
        quantity = Decimal(1)
    else:
        amount = round_half_up(component.price_minor * entry.quantity / PER_UNIT[kind])
        exact = entry.quantity / PER_UNIT[kind]
        quantity = exact.quantize(Decimal("0.001") if kind == "ENERGY" else Decimal("0.0001"))
    return PricedLine(
        component=kind,
        description=_label(component, entry.element),
        quantity=quantity,
        unit=UNITS[kind],
        unit_price_minor=component.price_minor,
        amount_minor=amount,
    )
