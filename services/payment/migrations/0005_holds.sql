-- Pre-authorised holds (pay as you go from the app, guests from a connector's QR code), and the
-- chargers payment needs to know of to start them (a read model of chargepoints.registry.v1).

create table charge_points (
    id            text primary key,
    ocpp_version  text not null,
    connectors    int not null,
    approval      text not null,
    updated_at    timestamptz not null default now()
);

create table holds (
    id                        uuid primary key,
    kind                      text not null check (kind in ('driver', 'guest')),
    user_id                   text,
    charge_point_id           text not null,
    connector_id              int not null,
    -- The one-time id-token the remote start carries (OCPP 1.6 idTag: at most 20 characters).
    id_token                  text not null unique,
    amount_minor              bigint not null check (amount_minor > 0),
    currency                  text not null,
    stripe_payment_intent_id  text unique,
    client_secret             text,
    -- awaiting_payment -> authorized -> starting -> charging -> settling -> captured
    -- any state before settling -> canceled (the PaymentIntent is then released)
    status                    text not null check (status in ('awaiting_payment', 'authorized',
                                  'starting', 'charging', 'settling', 'captured', 'canceled')),
    start_command_id          uuid unique,
    start_deadline            timestamptz,
    session_id                text unique,
    transaction_id            text,
    -- The session as it runs (from session.started / session.updated), for the payer to follow.
    session_started_at        timestamptz,
    energy_wh                 bigint,
    power_w                   double precision,
    -- When payment asked the charger to stop (the payer, or the price reaching the hold).
    stop_requested_at         timestamptz,
    invoice_id                uuid references invoices (id),
    capture_minor             bigint,
    captured_minor            bigint,
    cancel_reason             text,
    released                  boolean not null default false,
    created_at                timestamptz not null default now(),
    updated_at                timestamptz not null default now()
);
create index holds_user on holds (user_id, created_at desc);
create index holds_open on holds (status, updated_at)
    where status not in ('captured', 'canceled') or not released;
