-- Contact details notifications needs (published on identity.contacts.v1) and account mails.
alter table users add column locale text not null default 'en' check (locale in ('en', 'sv'));
alter table users add column email_verified_at timestamptz;
-- Null: the current contact details are not on identity.contacts.v1 yet (set when enqueued);
-- existing accounts are published once by the startup backfill.
alter table users add column contact_published_at timestamptz;

-- A mail identity asked notifications to send. For verification and reset, the link's token is
-- issued when notifications fetches the mail (`/v1/account-mails/{id}/issue`) and kept only as
-- a sha256 hash; issuing again replaces it. `used_at` ends the mail's link for good.
create table account_mails (
    id               uuid        primary key,
    user_id          uuid        not null references users (id),
    kind             text        not null check (kind in ('email-verification', 'password-reset',
                                                          'password-changed', 'new-sign-in')),
    created_at       timestamptz not null default now(),
    expires_at       timestamptz not null,
    token_hash       bytea       unique,
    token_expires_at timestamptz,
    used_at          timestamptz,
    detail           jsonb       not null default '{}'::jsonb
);
create index account_mails_user on account_mails (user_id, kind, created_at);

-- Addresses a user has signed in from (sha256 of user id and address: no address at rest), so
-- a sign-in from a new one can be told to the user.
create table sign_in_addresses (
    user_id      uuid        not null references users (id),
    address_hash bytea       not null,
    first_seen   timestamptz not null default now(),
    primary key (user_id, address_hash)
);
