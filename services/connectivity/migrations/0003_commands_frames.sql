-- Remote commands and their results; the raw OCPP frame log.
create table commands (
    id              uuid primary key,
    charge_point_id text not null,
    action          text not null,
    payload         jsonb not null,
    status          text not null default 'Pending',
    result          jsonb,
    error           text,
    requested_by    text,
    requested_at    timestamptz not null default now(),
    completed_at    timestamptz,
    timeout_s       double precision not null
);
create index commands_cp on commands (charge_point_id, requested_at desc);

create table ocpp_frames (
    id              bigserial primary key,
    charge_point_id text not null,
    direction       text not null check (direction in ('in', 'out')),
    at              timestamptz not null,
    message_type    int,
    unique_id       text,
    action          text,
    payload         text not null
);
create index ocpp_frames_cp on ocpp_frames (charge_point_id, id desc);
create index ocpp_frames_at on ocpp_frames (at);
