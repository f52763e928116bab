-- Read models of analytics: facts copied from events, each insert idempotent (keyed by the
-- event id, or by the fact's natural key), so a replay of the topics adds nothing twice and
-- the order of arrival does not matter (figures are computed ordered by the events' own times).

-- One row per finished charging session (session.stopped carries the whole session).
create table sessions (
    session_id text primary key,
    charge_point_id text not null,
    connector_id int not null,
    user_id text,
    started_at timestamptz not null,
    stopped_at timestamptz not null,
    -- When the car last drew power; null when the charger sent no power samples.
    charging_ended_at timestamptz,
    energy_wh bigint not null,
    stop_reason text
);
create index sessions_by_start on sessions (started_at);
create index sessions_by_charge_point on sessions (charge_point_id, started_at);
create index sessions_by_user on sessions (user_id, started_at);

-- Connector status history (connector.status-changed), one row per event.
create table connector_status (
    event_id uuid primary key,
    charge_point_id text not null,
    connector_id int not null,
    status text not null,
    error_code text,
    at timestamptz not null
);
create index connector_status_by_time on connector_status (charge_point_id, connector_id, at);

-- Charger connectivity history (charge-point.connected / .disconnected), one row per event.
create table charger_links (
    event_id uuid primary key,
    charge_point_id text not null,
    online boolean not null,
    at timestamptz not null
);
create index charger_links_by_time on charger_links (charge_point_id, at);

-- Every invoice event; an invoice's current state is its latest event (by `at`, then id).
create table invoice_events (
    event_id uuid primary key,
    invoice_id text not null,
    user_id text,
    session_id text,
    charge_point_id text,
    currency text not null,
    total_minor bigint not null,
    amount_refunded_minor bigint not null,
    status text not null,
    at timestamptz not null
);
create index invoice_events_by_invoice on invoice_events (invoice_id, at);
create index invoice_events_by_user on invoice_events (user_id);
create index invoice_events_by_session on invoice_events (session_id);

-- The latest registry entry per charge point (site and address for favourite locations).
create table charge_points (
    charge_point_id text primary key,
    site_name text,
    address text,
    connectors int not null,
    changed_at timestamptz not null
);
