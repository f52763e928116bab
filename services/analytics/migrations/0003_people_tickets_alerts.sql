-- Registrations, payment standings, support tickets and operations' alerts. Only ids, times
-- and categories: no names, e-mail addresses or ticket texts reach analytics.

-- One row per account (identity.users.v1): when it registered (as a driver or not) and when
-- it was deleted. Times are the events' own (envelope time); the earliest wins, so any order
-- of arrival and any replay give the same row.
create table users (
    user_id text primary key,
    registered_at timestamptz,
    driver boolean not null default false,
    deleted_at timestamptz
);
create index users_registered on users (registered_at);
create index users_deleted on users (deleted_at) where deleted_at is not null;

-- Every payment standing (payment.accounts.v1, payment-account.changed) at its event time:
-- whether the driver's subscription was active from then on.
create table account_standings (
    event_id uuid primary key,
    user_id text not null,
    subscription_active boolean not null,
    at timestamptz not null
);
create index account_standings_by_user on account_standings (user_id, at);

-- The latest picture of each support ticket (support.tickets.v1): the newest event wins
-- (by its `at`, then event id).
create table tickets (
    ticket_id text primary key,
    charge_point_id text,
    category text not null,
    priority text not null,
    origin text not null,
    status text not null,
    created_at timestamptz not null,
    resolved_at timestamptz,
    sla_breached boolean not null,
    changed_at timestamptz not null,
    event_id uuid not null
);
create index tickets_by_charge_point on tickets (charge_point_id, created_at);
create index tickets_by_created on tickets (created_at);

-- Each operations alert (operations.alerts.v1): opened, acknowledged and resolved instants from
-- its events (the earliest of each wins).
create table alerts (
    alert_id text primary key,
    kind text not null,
    severity text not null,
    charge_point_id text,
    opened_at timestamptz,
    acknowledged_at timestamptz,
    resolved_at timestamptz
);
create index alerts_by_opened on alerts (opened_at);
create index alerts_by_charge_point on alerts (charge_point_id, opened_at);
