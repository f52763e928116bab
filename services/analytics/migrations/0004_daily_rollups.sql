-- Daily rollups per connector and local day (the operator's time zone), for ranges of whole
-- days (the station ranking). Only complete days (up to `rollup_state.rolled_through`) are
-- rolled up, and only non-empty rows are stored. Durations are integer microseconds, so sums
-- are exact whatever their order.
create table connector_days (
    charge_point_id text not null,
    connector_id int not null,
    day date not null,
    sessions int not null,
    energy_wh bigint not null,
    revenue_minor bigint not null,
    occupied_us bigint not null,
    charging_us bigint not null,
    up_us bigint not null,
    available_us bigint not null,
    known_us bigint not null,
    faults int not null,
    bookings int not null,
    fulfilled int not null,
    no_shows int not null,
    primary key (charge_point_id, day, connector_id)
);
create index connector_days_by_day on connector_days (day);

-- The last local day rolled up, and the time zone the days were cut in (a change rebuilds).
create table rollup_state (
    singleton boolean primary key default true check (singleton),
    rolled_through date,
    timezone text
);
insert into rollup_state (singleton) values (true);

-- Charge points whose rolled-up days from `from_day` on are stale: written by the ingest in the
-- transaction of the events that make them stale, drained by the rollup job.
create table rollup_dirty (
    charge_point_id text primary key,
    from_day date not null
);
