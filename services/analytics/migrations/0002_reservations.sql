-- Every reservation event (booking.reservations.v1); a reservation's state is its latest event
-- (by `at`, then event id), so arrival order does not matter.
create table reservation_events (
    event_id uuid primary key,
    reservation_id text not null,
    kind text not null,
    user_id text,
    charge_point_id text not null,
    connector_id int not null,
    starts_at timestamptz not null,
    status text not null,
    at timestamptz not null
);
create index reservation_events_by_start on reservation_events (starts_at);
create index reservation_events_by_reservation on reservation_events (reservation_id, at);
