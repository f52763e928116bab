-- What operations knows of each charger: its registry entry (chargepoints.registry.v1) and
-- its connectivity (chargepoints.status.v1). A station is a charge point; its site groups them.
create table stations (
    charge_point_id text primary key,
    site            text,
    ocpp_version    text not null default '1.6',
    connectors      int not null default 1,
    approval        text not null default 'approved',
    online          boolean not null default false,
    -- Set when the charger went offline; the offline rule raises an alert once it is older
    -- than the debounce, and `offline_alerted` keeps the rule from raising it again.
    offline_since   timestamptz,
    offline_alerted boolean not null default false,
    updated_at      timestamptz not null default now()
);
create index stations_site on stations (site);
create index stations_offline on stations (offline_since) where offline_since is not null and not offline_alerted;

-- One row per alert. `condition_key` names the condition (e.g. `offline:CP-1`,
-- `connector_faulted:CP-1:2`); the partial unique index keeps one unresolved alert per
-- condition, so raising it again is an upsert, never a check-then-insert.
create table alerts (
    id               uuid primary key,
    condition_key    text not null,
    kind             text not null,
    severity         text not null check (severity in ('low', 'medium', 'high')),
    status           text not null default 'open'
                     check (status in ('open', 'acknowledged', 'resolved')),
    title            text not null,
    charge_point_id  text,
    connector_id     int,
    site             text,
    details          jsonb not null default '{}',
    auto_resolve     boolean not null default false,
    occurrences      int not null default 1,
    opened_at        timestamptz not null default now(),
    last_seen_at     timestamptz not null default now(),
    -- When the condition cleared; the alert resolves after the hold-down unless it recurs.
    clear_since      timestamptz,
    acknowledged_by  text,
    acknowledged_at  timestamptz,
    acknowledge_note text,
    resolved_by      text,
    resolved_at      timestamptz,
    resolve_note     text,
    resolved_automatically boolean not null default false
);
create unique index alerts_one_unresolved_per_condition on alerts (condition_key)
    where status <> 'resolved';
create index alerts_status on alerts (status, opened_at desc);
create index alerts_charge_point on alerts (charge_point_id, opened_at desc);
create index alerts_clearing on alerts (clear_since) where clear_since is not null and status <> 'resolved';

-- Refused handshakes and failed authentications per charger id, for the failed-logins rule.
create table login_failures (
    id              bigserial primary key,
    charge_point_id text not null,
    kind            text not null,
    at              timestamptz not null
);
create index login_failures_cp on login_failures (charge_point_id, at);
