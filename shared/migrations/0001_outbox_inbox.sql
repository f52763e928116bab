-- Transactional outbox: state change and event are committed together; the relay publishes.
create table if not exists outbox (
    id          bigserial primary key,
    event_id    uuid        not null unique,
    topic       text        not null,
    key         text        not null,
    envelope    jsonb       not null,
    created_at  timestamptz not null default now()
);

-- Idempotent inbox: one row per (consumer, event id), written with the event's effect.
create table if not exists inbox (
    consumer     text        not null,
    event_id     uuid        not null,
    processed_at timestamptz not null default now(),
    primary key (consumer, event_id)
);

-- Events a handler could not apply after retries, kept for an operator instead of blocking.
create table if not exists dead_letters (
    id          bigserial primary key,
    consumer    text        not null,
    topic       text        not null,
    partition   integer     not null,
    "offset"    bigint      not null,
    event_id    uuid,
    payload     bytea       not null,
    error       text        not null,
    created_at  timestamptz not null default now()
);
