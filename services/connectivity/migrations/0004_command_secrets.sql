-- The clear payload of a command that carries a charger secret (the commands row and the event
-- have it redacted). Kept only until the command settles: the executing replica reads it here.
create table command_secrets (
    command_id uuid primary key references commands (id) on delete cascade,
    payload    jsonb not null,
    created_at timestamptz not null default now()
);
