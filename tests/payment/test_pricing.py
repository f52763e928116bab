"""The pricing rules as unit tests: components, steps, restrictions, the rounding boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from services.payment.tariffs.pricing import SessionFacts, TariffTerms, price_session, round_half_up
from services.payment.tariffs.schemas import PriceComponent, Restrictions, TariffElement

STOCKHOLM = "Europe/Stockholm"


def terms(*elements: TariffElement, vat: int = 2500) -> TariffTerms:
    return TariffTerms(currency="SEK", vat_rate_bp=vat, time_zone=STOCKHOLM, elements=elements)


def element(*components: tuple[str, int], **restrictions: object) -> TariffElement:
    return TariffElement(
        price_components=[
            PriceComponent.model_validate({"type": kind, "price_minor": price})
            for kind, price in components
        ],
        restrictions=Restrictions.model_validate(restrictions) if restrictions else None,
    )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_round_half_up_at_the_boundaries() -> None:
    assert round_half_up(Decimal("0.5")) == 1
    assert round_half_up(Decimal("0.4999999")) == 0
    assert round_half_up(Decimal("1.5")) == 2
    assert round_half_up(Decimal("2.5")) == 3  # not banker's rounding (which gives 2)
    assert round_half_up(Decimal("-0.5")) == -1


def test_twenty_kwh_with_energy_fee_and_vat() -> None:
    start = at("2026-03-02T10:00:00+00:00")
    price = price_session(
        terms(element(("ENERGY", 350), ("FLAT", 500))),
        SessionFacts(start, start + timedelta(hours=1), 20_000),
    )
    assert [(line.component, line.amount_minor) for line in price.lines] == [
        ("FLAT", 500),
        ("ENERGY", 7000),
    ]
    assert (price.subtotal_minor, price.vat_minor, price.total_minor) == (7500, 1875, 9375)


def test_line_amounts_round_half_up_at_half_a_minor_unit() -> None:
    start = at("2026-03-02T10:00:00+00:00")
    # 1 Wh at 500 öre/kWh is exactly 0.5 öre: rounded up to 1.
    half = price_session(terms(element(("ENERGY", 500))), SessionFacts(start, start, 1))
    assert half.lines[0].amount_minor == 1
    # 1 Wh at 499 öre/kWh is 0.499 öre: rounded down to 0.
    below = price_session(terms(element(("ENERGY", 499))), SessionFacts(start, start, 1))
    assert below.lines[0].amount_minor == 0
    # VAT: 25 % of 2 öre is 0.5 öre -> 1; of 1 öre is 0.25 -> 0.
    two = price_session(terms(element(("FLAT", 2))), SessionFacts(start, start, 0))
    one = price_session(terms(element(("FLAT", 1))), SessionFacts(start, start, 0))
    assert (two.vat_minor, one.vat_minor) == (1, 0)


def test_step_size_rounds_the_total_up() -> None:
    start = at("2026-03-02T10:00:00+00:00")
    tariff = terms(
        TariffElement(
            price_components=[PriceComponent(type="ENERGY", price_minor=1000, step_size=1000)]
        )
    )
    price = price_session(tariff, SessionFacts(start, start + timedelta(minutes=30), 10_001))
    assert price.lines[0].quantity == Decimal("11.000")
    assert price.lines[0].amount_minor == 11_000
    exact = price_session(tariff, SessionFacts(start, start + timedelta(minutes=30), 10_000))
    assert exact.lines[0].amount_minor == 10_000


def test_time_of_day_tariff_across_the_boundary() -> None:
    # 21:30 to 22:30 Stockholm time (UTC+1 in March), 10 kWh spread evenly: half before 22:00.
    night = element(("ENERGY", 200), start_time="22:00", end_time="06:00")
    day = element(("ENERGY", 400))
    start = at("2026-03-02T20:30:00+00:00")
    price = price_session(
        terms(night, day), SessionFacts(start, start + timedelta(hours=1), 10_000)
    )
    lines = [(line.description, line.quantity, line.amount_minor) for line in price.lines]
    assert lines == [
        ("Energy", Decimal("5.000"), 2000),
        ("Energy 22:00-06:00", Decimal("5.000"), 1000),
    ]
    assert price.subtotal_minor == 3000


def test_time_and_idle_fees_after_the_grace_period() -> None:
    start = at("2026-03-02T10:00:00+00:00")
    tariff = terms(
        TariffElement(
            price_components=[
                PriceComponent(type="TIME", price_minor=600),
                PriceComponent(type="PARKING_TIME", price_minor=1200, grace_period_s=900),
            ]
        )
    )
    facts = SessionFacts(
        start,
        stopped_at=start + timedelta(hours=2),
        energy_wh=30_000,
        charging_ended_at=start + timedelta(hours=1),
    )
    price = price_session(tariff, facts)
    # One hour charging at 6 SEK/h, then 60 min idle of which 15 free: 45 min at 12 SEK/h.
    assert [(line.component, line.amount_minor) for line in price.lines] == [
        ("TIME", 600),
        ("PARKING_TIME", 900),
    ]


def test_day_of_week_and_power_restrictions() -> None:
    weekend = element(("ENERGY", 100), day_of_week=["SATURDAY", "SUNDAY"])
    fast = element(("ENERGY", 600), min_power_kw=50)
    normal = element(("ENERGY", 300))
    tariff = terms(weekend, fast, normal)
    saturday = at("2026-03-07T10:00:00+00:00")
    monday = at("2026-03-02T10:00:00+00:00")
    assert (
        price_session(
            tariff, SessionFacts(saturday, saturday + timedelta(hours=1), 1000)
        ).subtotal_minor
        == 100
    )
    # 60 kWh in an hour is 60 kW on average: the fast-charging price.
    assert (
        price_session(
            tariff, SessionFacts(monday, monday + timedelta(hours=1), 60_000)
        ).subtotal_minor
        == 36_000
    )
    assert (
        price_session(
            tariff, SessionFacts(monday, monday + timedelta(hours=1), 10_000)
        ).subtotal_minor
        == 3000
    )


def test_kwh_threshold_splits_the_energy() -> None:
    first = element(("ENERGY", 500), max_kwh=10)
    rest = element(("ENERGY", 250))
    start = at("2026-03-02T10:00:00+00:00")
    price = price_session(
        terms(first, rest), SessionFacts(start, start + timedelta(hours=1), 30_000)
    )
    assert [line.amount_minor for line in price.lines] == [5000, 5000]


def test_a_session_with_no_energy_and_no_time_costs_only_the_fee() -> None:
    start = at("2026-03-02T10:00:00+00:00")
    price = price_session(
        terms(element(("ENERGY", 350), ("FLAT", 0))), SessionFacts(start, start, 0)
    )
    assert price.total_minor == 0
    assert price.currency == "SEK" and UTC
