-- Tariffs (OCPI 2.2.1 shaped), invoices with their lines, payments (one per charge attempt), refunds.

create table tariffs (
    id               uuid primary key default gen_random_uuid(),
    name             text not null,
    currency         text not null,
    vat_rate_bp      int not null check (vat_rate_bp between 0 and 10000),
    -- Restrictions by time of day and day of week are read in this zone (the site's).
    time_zone        text not null,
    -- Empty arrays: every charge point / every connector (the network's default tariff).
    charge_point_ids text[] not null default '{}',
    connector_ids    int[] not null default '{}',
    elements         jsonb not null,
    valid_from       timestamptz not null,
    valid_to         timestamptz,
    created_by       text,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    check (valid_to is null or valid_to > valid_from)
);
create index tariffs_validity on tariffs (valid_from desc);

create sequence invoice_numbers;

create table invoices (
    id                    uuid primary key default gen_random_uuid(),
    number                text not null unique,
    user_id               text,
    -- One invoice per charging session, whatever number of times its stop is delivered.
    session_id            text unique,
    charge_point_id       text,
    connector_id          int,
    id_tag                text,
    session_started_at    timestamptz,
    session_stopped_at    timestamptz,
    charging_ended_at     timestamptz,
    energy_wh             bigint,
    tariff_id             uuid references tariffs (id),
    currency              text not null,
    vat_rate_bp           int not null,
    subtotal_minor        bigint not null,
    vat_minor             bigint not null,
    total_minor           bigint not null,
    -- open: owed and being collected; paid; recorded: priced, nobody to charge; void.
    status                text not null check (status in ('open', 'paid', 'recorded', 'void')),
    amount_paid_minor     bigint not null default 0,
    amount_refunded_minor bigint not null default 0,
    failed_attempts       int not null default 0,
    next_attempt_at       timestamptz,
    last_payment_error    text,
    issued_at             timestamptz not null default now(),
    paid_at               timestamptz,
    updated_at            timestamptz not null default now()
);
create index invoices_user on invoices (user_id, issued_at desc);
create index invoices_due on invoices (next_attempt_at) where status = 'open';

create table invoice_lines (
    invoice_id       uuid not null references invoices (id) on delete cascade,
    position         int not null,
    component        text not null,
    description      text not null,
    quantity         numeric not null,
    unit             text not null,
    unit_price_minor bigint not null,
    amount_minor     bigint not null,
    primary key (invoice_id, position)
);

-- One row per attempt to collect an invoice; written before Stripe is called, so a crash
-- between creating and confirming the PaymentIntent is resumed, never repeated.
create table payments (
    id                        uuid primary key default gen_random_uuid(),
    invoice_id                uuid not null references invoices (id),
    attempt                   int not null,
    payment_method_id         text,
    stripe_payment_intent_id  text unique,
    stripe_charge_id          text,
    status                    text not null check (status in
        ('creating', 'created', 'processing', 'succeeded', 'failed', 'canceled')),
    amount_minor              bigint not null,
    currency                  text not null,
    failure_code              text,
    failure_message           text,
    created_at                timestamptz not null default now(),
    updated_at                timestamptz not null default now(),
    unique (invoice_id, attempt)
);

create table refunds (
    id                uuid primary key default gen_random_uuid(),
    invoice_id        uuid not null references invoices (id),
    payment_id        uuid references payments (id),
    stripe_refund_id  text not null unique,
    amount_minor      bigint not null check (amount_minor > 0),
    currency          text not null,
    reason            text,
    requested_by      text,
    status            text not null,
    created_at        timestamptz not null default now()
);
