-- Contact details, a copy of identity.contacts.v1 (compacted, keyed by user id). A tombstone
-- deletes the row: no address outlives the account here.
create table contacts (
    user_id        text primary key,
    email          text        not null,
    display_name   text,
    locale         text        not null check (locale in ('en', 'sv')),
    email_verified boolean     not null,
    roles          text[]      not null,
    disabled       boolean     not null default false,
    updated_at     timestamptz not null default now()
);

-- A driver's choices per kind (no row: the kind's default, on). Receipts and account mails
-- cannot be turned off (the service refuses such a row).
create table driver_preferences (
    user_id text    not null,
    kind    text    not null,
    enabled boolean not null,
    primary key (user_id, kind)
);

-- An operator's subscription: which alerts and tasks (kinds, minimum severity, sites) reach
-- them on which channel. A webhook subscription has its URL and its signing secret.
create table subscriptions (
    id                   uuid primary key,
    owner_id             text        not null,
    channel              text        not null check (channel in ('email', 'webhook')),
    url                  text,
    secret               text,
    min_severity         text        not null check (min_severity in ('low', 'medium', 'high')),
    sites                text[]      not null default '{}',
    kinds                text[]      not null default '{}',
    status               text        not null default 'active'
                         check (status in ('active', 'disabled', 'deleted')),
    consecutive_failures integer     not null default 0,
    disabled_at          timestamptz,
    disabled_reason      text,
    created_at           timestamptz not null default now(),
    check ((channel = 'webhook') = (url is not null and secret is not null))
);
create index subscriptions_owner on subscriptions (owner_id);

-- The delivery log. One row per (event, recipient, channel), inserted in the transaction that
-- consumed the event: the decision to send is taken exactly once. The dispatcher sends pending
-- rows (at least once; the Message-ID / Ladda-Delivery-Id is the row id). No address is stored:
-- the recipient is resolved from `contacts` when sending.
create table deliveries (
    id              uuid primary key,
    event_id        uuid        not null,
    -- a user id (e-mail), or 'webhook:<subscription id>'
    recipient       text        not null,
    channel         text        not null check (channel in ('email', 'webhook')),
    kind            text        not null,
    -- whom the delivery concerns (the driver, the operator owning the subscription)
    user_id         text,
    subscription_id uuid references subscriptions (id),
    context         jsonb       not null,
    status          text        not null default 'pending'
                    check (status in ('pending', 'sent', 'skipped', 'dropped', 'failed')),
    reason          text,
    attempts        integer     not null default 0,
    next_attempt_at timestamptz not null default now(),
    lease_until     timestamptz,
    last_error      text,
    created_at      timestamptz not null default now(),
    sent_at         timestamptz,
    unique (event_id, recipient, channel)
);
create index deliveries_due on deliveries (channel, next_attempt_at) where status = 'pending';
create index deliveries_user on deliveries (user_id, created_at desc);
create index deliveries_subscription on deliveries (subscription_id, created_at desc);

-- Upcoming bookings, for the reminder before their window.
create table upcoming_reservations (
    reservation_id  text primary key,
    user_id         text        not null,
    charge_point_id text        not null,
    connector_id    integer     not null,
    starts_at       timestamptz not null,
    ends_at         timestamptz not null,
    reminded        boolean     not null default false
);
create index upcoming_reservations_due on upcoming_reservations (starts_at) where not reminded;
