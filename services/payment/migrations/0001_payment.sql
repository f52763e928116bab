-- Payment: Stripe customers and payment methods (references only), Stripe webhook inbox.

-- One row per driver who ever needed payment; the Stripe customer is created when first needed.
create table customers (
    user_id                   text primary key,
    stripe_customer_id        text unique,
    default_payment_method_id text,
    created_at                timestamptz not null default now(),
    updated_at                timestamptz not null default now()
);

-- Saved cards and wallets (Apple Pay / Google Pay arrive as card payment methods with a wallet).
create table payment_methods (
    id          text primary key,              -- Stripe PaymentMethod id
    user_id     text not null references customers (user_id),
    type        text not null,
    brand       text,
    last4       text,
    exp_month   int,
    exp_year    int,
    wallet      text,
    status      text not null default 'active' check (status in ('active', 'removed')),
    created_at  timestamptz not null default now(),
    removed_at  timestamptz
);
create index payment_methods_user on payment_methods (user_id) where status = 'active';

-- Every verified Stripe event, stored once (on conflict do nothing), then processed once.
create table stripe_events (
    id            text primary key,
    type          text not null,
    object_id     text,
    created       timestamptz not null,
    payload       jsonb not null,
    received_at   timestamptz not null default now(),
    processed_at  timestamptz,
    attempts      int not null default 0,
    last_error    text
);
create index stripe_events_pending on stripe_events (received_at) where processed_at is null;
