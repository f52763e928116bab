-- The charge point registry, connector status, presence of chargers on replicas.
create table charge_points (
    id                text primary key,
    ocpp_version      text not null default '1.6' check (ocpp_version in ('1.6', '2.0.1')),
    vendor            text,
    model             text,
    serial_number     text,
    firmware_version  text,
    connectors        int not null default 1 check (connectors >= 0),
    site_name         text,
    address           text,
    latitude          double precision,
    longitude         double precision,
    password_hash     text,
    approval          text not null default 'pending'
                      check (approval in ('pending', 'approved', 'retired')),
    online            boolean not null default false,
    last_seen_at      timestamptz,
    last_boot_at      timestamptz,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now()
);

create table connector_status (
    charge_point_id text not null references charge_points (id) on delete cascade,
    connector_id    int not null,
    evse_id         int,
    status          text not null,
    error_code      text,
    info            text,
    changed_at      timestamptz not null,
    primary key (charge_point_id, connector_id)
);

create table connector_status_history (
    id              bigserial primary key,
    charge_point_id text not null,
    connector_id    int not null,
    status          text not null,
    error_code      text,
    info            text,
    at              timestamptz not null,
    recorded_at     timestamptz not null default now()
);
create index connector_status_history_cp on connector_status_history (charge_point_id, id desc);

create table security_events (
    id              bigserial primary key,
    charge_point_id text,
    kind            text not null,
    detail          text,
    at              timestamptz not null default now()
);

create table replicas (
    replica_id   text primary key,
    heartbeat_at timestamptz not null default now()
);

create table charge_point_presence (
    charge_point_id text primary key,
    replica_id      text not null,
    connection_id   text not null,
    connected_at    timestamptz not null default now()
);
create index charge_point_presence_replica on charge_point_presence (replica_id);
