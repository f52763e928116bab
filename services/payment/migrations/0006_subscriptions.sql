-- Subscription plans (mirrored to Stripe Products and Plans), drivers' subscriptions (Stripe
-- Billing), and the energy each allowance period has covered.

create table plans (
    id                 uuid primary key,
    name               text not null,
    -- unlimited: every session covered; allowance: up to allowance_wh per period, then the tariff
    kind               text not null check (kind in ('unlimited', 'allowance')),
    monthly_fee_minor  bigint not null check (monthly_fee_minor >= 0),
    currency           text not null,
    allowance_wh       bigint check (allowance_wh > 0),
    -- Empty: every charger of the network.
    charge_point_ids   text[] not null default '{}',
    stripe_product_id  text not null,
    stripe_plan_id     text not null unique,
    active             boolean not null default true,
    created_by         text,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    check ((kind = 'allowance') = (allowance_wh is not null))
);

create table subscriptions (
    id                      uuid primary key,
    user_id                 text not null,
    plan_id                 uuid not null references plans (id),
    stripe_subscription_id  text unique,
    stripe_item_id          text,
    -- Stripe's status: incomplete, active, past_due, canceled, ... (creating: not sent yet)
    status                  text not null,
    cancel_at_period_end    boolean not null default false,
    current_period_start    timestamptz,
    current_period_end      timestamptz,
    -- The Stripe event time of the state stored (states older than it are ignored).
    state_at                timestamptz,
    created_at              timestamptz not null default now(),
    updated_at              timestamptz not null default now(),
    canceled_at             timestamptz
);
-- One live subscription per driver.
create unique index subscriptions_live on subscriptions (user_id)
    where status not in ('canceled', 'incomplete_expired', 'failed');

create table subscription_usage (
    session_id       text primary key,
    subscription_id  uuid not null references subscriptions (id),
    period_start     timestamptz not null,
    covered_wh       bigint not null,
    created_at       timestamptz not null default now()
);
create index subscription_usage_period on subscription_usage (subscription_id, period_start);
