-- Accounts whose tombstone arrived (ids only): their later events are skipped at once, while a
-- user whose contact details have not arrived yet is waited for (`contact_wait_s`).
create table deleted_accounts (
    user_id    text        primary key,
    deleted_at timestamptz not null default now()
);
