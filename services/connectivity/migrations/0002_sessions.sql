-- Id-token decisions (local copy of identity.id-tokens.v1), charging sessions, meter samples, reservations.
create table id_tokens (
    uid        text primary key,
    kind       text not null,
    user_id    text,
    decision   text not null,
    expires_at timestamptz,
    updated_at timestamptz not null default now()
);

create sequence ocpp_transaction_ids;

create table charging_sessions (
    id                 uuid primary key,
    charge_point_id    text not null,
    ocpp_version       text not null,
    connector_id       int not null,
    evse_id            int,
    -- 1.6: the integer transactionId we hand out; 2.0.1: the charger's transactionId string.
    transaction_id     text not null,
    id_tag             text,
    user_id            text,
    auth_status        text not null,
    reservation_id     int,
    status             text not null default 'active' check (status in ('active', 'stopped')),
    started_at         timestamptz not null,
    stopped_at         timestamptz,
    meter_start_wh     bigint not null default 0,
    meter_last_wh      bigint,
    meter_stop_wh      bigint,
    energy_wh          bigint not null default 0,
    power_w            double precision,
    soc_percent        double precision,
    last_sample_at     timestamptz,
    stop_reason        text,
    last_update_event_at timestamptz,
    created_at         timestamptz not null default now(),
    unique (charge_point_id, transaction_id)
);
-- A resent StartTransaction (same charger, connector, token and start time) is the same session.
create unique index charging_sessions_start_replay
    on charging_sessions (charge_point_id, connector_id, coalesce(id_tag, ''), started_at)
    where ocpp_version = '1.6';
create index charging_sessions_active_token on charging_sessions (id_tag) where status = 'active';
create index charging_sessions_user on charging_sessions (user_id, started_at desc);

create table meter_samples (
    session_id  uuid not null references charging_sessions (id) on delete cascade,
    at          timestamptz not null,
    measurand   text not null,
    phase       text not null default '',
    value       double precision not null,
    unit        text,
    primary key (session_id, at, measurand, phase)
);

create table reservations (
    charge_point_id text not null,
    reservation_id  int not null,
    connector_id    int not null,
    id_tag          text not null,
    expires_at      timestamptz not null,
    status          text not null default 'active',
    primary key (charge_point_id, reservation_id)
);
