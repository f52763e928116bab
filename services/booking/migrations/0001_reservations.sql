-- Reservations (drivers' bookings and operators' blocks), read models, maintenance windows.
create extension if not exists btree_gist;

-- Read model of connectivity's registry (chargepoints.registry.v1).
create table charge_points (
    id            text primary key,
    ocpp_version  text not null,
    connectors    int not null check (connectors >= 0),
    approval      text not null,
    site_name     text,
    address       text,
    latitude      double precision,
    longitude     double precision,
    online        boolean not null default false,
    updated_at    timestamptz not null default now()
);
create index charge_points_position on charge_points (latitude, longitude);
create index charge_points_site on charge_points (site_name);

-- Read model of connector status (chargepoints.status.v1). 1.6: connectorId (0 = the whole
-- charger); 2.0.1: the EVSE id.
create table connector_states (
    charge_point_id text not null,
    connector_id    int not null,
    status          text not null,
    changed_at      timestamptz not null,
    primary key (charge_point_id, connector_id)
);

-- Read model of identity.id-tokens.v1: which tokens a driver may be reserved with.
create table driver_id_tokens (
    uid        text primary key,
    kind       text not null,
    user_id    text,
    decision   text not null,
    updated_at timestamptz not null default now()
);
create index driver_id_tokens_user on driver_id_tokens (user_id);

-- OCPP reservationId values (int32); high numbers keep clear of ids operators type by hand.
create sequence ocpp_reservation_ids as int start 100000000 minvalue 100000000;

create table reservations (
    id                  uuid primary key,
    ocpp_reservation_id int not null unique default nextval('ocpp_reservation_ids'),
    kind                text not null check (kind in ('booking', 'block')),
    user_id             text,
    -- The driver's chosen id-token for ReserveNow; none: their accepted token at send time.
    id_tag              text,
    charge_point_id     text not null,
    connector_id        int not null check (connector_id >= 1),
    during              tstzrange not null
                        check (not isempty(during) and lower_inc(during) and not upper_inc(during)
                               and not lower_inf(during) and not upper_inf(during)),
    status              text not null default 'confirmed'
                        check (status in ('confirmed', 'active', 'fulfilled', 'no_show',
                                          'cancelled', 'ended')),
    charger_hold        text not null default 'not_sent',
    charger_detail      text,
    reserve_command_id  uuid,
    cancel_command_id   uuid,
    session_id          text,
    cancel_reason       text,
    cancelled_late      boolean not null default false,
    alternative         jsonb,
    note                text,
    created_by          text not null,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    check (kind = 'block' or user_id is not null),
    -- No double booking, ever: two holding reservations of one connector cannot overlap.
    constraint reservations_no_overlap exclude using gist (
        charge_point_id with =, connector_id with =, during with &&
    ) where (status in ('confirmed', 'active', 'fulfilled'))
);
create index reservations_user on reservations (user_id, lower(during) desc);
create index reservations_open on reservations (lower(during))
    where status in ('confirmed', 'active');
create index reservations_reserve_command on reservations (reserve_command_id);
create index reservations_cancel_command on reservations (cancel_command_id);

-- Windows in which a charge point (connector_id null) or one connector offers nothing.
create table maintenance_windows (
    id              uuid primary key,
    charge_point_id text not null,
    connector_id    int,
    during          tstzrange not null check (not isempty(during)),
    reason          text,
    source          text not null default 'operator',
    created_by      text,
    created_at      timestamptz not null default now()
);
create index maintenance_windows_cp on maintenance_windows using gist (charge_point_id, during);
