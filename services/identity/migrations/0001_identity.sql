-- Users: one row per account; deleted accounts stay as anonymised tombstones so ids keep meaning.
create table users (
    id                  uuid        primary key,
    email               text        not null,
    display_name        text,
    password_hash       text,
    roles               text[]      not null default array['driver'],
    status              text        not null default 'active'
                                    check (status in ('active', 'disabled', 'deleted')),
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    password_changed_at timestamptz,
    deleted_at          timestamptz
);
-- Emails are unique regardless of case; the stored form keeps what the user typed.
create unique index users_email_key on users (lower(email));

-- Opaque refresh tokens, stored as sha256 of the token; a family is one login's chain.
create table refresh_tokens (
    id          uuid        primary key,
    family_id   uuid        not null,
    user_id     uuid        not null references users (id),
    token_hash  bytea       not null unique,
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null,
    used_at     timestamptz,
    revoked_at  timestamptz
);
create index refresh_tokens_family on refresh_tokens (family_id);
create index refresh_tokens_user on refresh_tokens (user_id) where revoked_at is null;

-- Service accounts (OAuth2 client credentials); the secret is high-entropy, kept as sha256.
create table service_accounts (
    id          uuid        primary key,
    client_id   text        not null unique,
    name        text        not null,
    secret_hash bytea       not null,
    status      text        not null default 'active' check (status in ('active', 'disabled')),
    created_at  timestamptz not null default now(),
    created_by  uuid
);

-- ES256 signing keys; the private key is an encrypted PKCS#8 PEM that never leaves the service.
create table signing_keys (
    kid                   text        primary key,
    private_pem_encrypted bytea       not null,
    public_jwk            jsonb       not null,
    created_at            timestamptz not null default now(),
    retired_at            timestamptz,
    -- The public key stays in the JWKS until every token it signed has expired.
    published_until       timestamptz
);
create unique index signing_keys_one_active on signing_keys ((true)) where retired_at is null;

-- Failed-login counters per account (lower-cased email, existing or not) and per client address.
create table login_throttle (
    scope         text        not null check (scope in ('account', 'address')),
    key           text        not null,
    failures      integer     not null default 0,
    window_start  timestamptz not null default now(),
    locked_until  timestamptz,
    primary key (scope, key)
);

-- Security-relevant actions; never a secret, password or token in here.
create table audit_log (
    id             bigserial   primary key,
    at             timestamptz not null default now(),
    action         text        not null,
    outcome        text        not null default 'success',
    actor_id       text,
    subject_id     text,
    client_address text,
    details        jsonb       not null default '{}'::jsonb
);
create index audit_log_action on audit_log (action, id);
create index audit_log_subject on audit_log (subject_id, id);

-- RFID cards and app tokens; a UID belongs to one user.
create table id_tokens (
    id          uuid        primary key,
    uid         text        not null unique,
    kind        text        not null check (kind in ('rfid', 'app')),
    user_id     uuid        not null references users (id),
    label       text,
    status      text        not null default 'active' check (status in ('active', 'blocked')),
    expires_at  timestamptz,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
create index id_tokens_user on id_tokens (user_id);
create index id_tokens_expiry on id_tokens (expires_at) where expires_at is not null;

-- A driver's payment standing as last told by payment (payment.accounts.v1, keyed by user).
create table payment_standing (
    user_id             uuid        primary key,
    has_payment_method  boolean     not null,
    subscription_active boolean     not null,
    has_overdue_invoice boolean     not null,
    as_of               timestamptz not null,
    updated_at          timestamptz not null default now()
);

-- The decision last published per UID on identity.id-tokens.v1: publish only real changes.
create table id_token_decisions (
    uid          text        primary key,
    kind         text        not null,
    user_id      uuid,
    decision     text        not null,
    reason       text,
    expires_at   timestamptz,
    evaluated_at timestamptz not null default now(),
    published_at timestamptz not null default now()
);
