-- Tickets and their messages. A ticket belongs to one driver (`driver_id`); its links point at
-- what connectivity, booking and payment published (the read model below), never at their data.
create table tickets (
    id               uuid primary key,
    driver_id        text not null,
    category         text not null check (category in ('charging_problem', 'payment_invoice',
                         'booking', 'account', 'station_safety', 'other')),
    priority         text not null check (priority in ('low', 'normal', 'high', 'urgent')),
    status           text not null default 'open'
                     check (status in ('open', 'pending', 'resolved', 'closed')),
    subject          text not null,
    description      text not null,
    session_id       text,
    charge_point_id  text,
    reservation_id   text,
    invoice_id       text,
    assignee         text,
    -- 'driver' or 'automatic'; an automatic ticket has a key: one ticket per session (or
    -- per invoice without a session), ever.
    origin           text not null default 'driver',
    automatic_key    text unique,
    created_at       timestamptz not null,
    updated_at       timestamptz not null,
    resolved_at      timestamptz,
    closed_at        timestamptz,
    -- SLA (services/support/sla/policy.py): business seconds counted before the last pause,
    -- the start of the running stretch (null while pending or resolved), and the deadlines.
    sla_elapsed_s    double precision not null default 0,
    sla_running_since timestamptz,
    first_response_at timestamptz,
    first_response_due_at timestamptz,
    resolution_due_at timestamptz,
    first_response_breached_at timestamptz,
    resolution_breached_at timestamptz,
    -- Every message's text, appended, for staff search (internal notes included: staff only).
    conversation     text not null default '',
    search           tsvector generated always as (
                         setweight(to_tsvector('simple', subject), 'A')
                         || setweight(to_tsvector('simple', description), 'B')
                         || setweight(to_tsvector('simple', conversation), 'C')) stored
);
create index tickets_driver on tickets (driver_id, created_at desc);
create index tickets_queue on tickets (status, created_at);
create index tickets_assignee on tickets (assignee) where assignee is not null;
create index tickets_search on tickets using gin (search);
create index tickets_first_response_due on tickets (first_response_due_at)
    where first_response_due_at is not null and first_response_breached_at is null;
create index tickets_resolution_due on tickets (resolution_due_at)
    where resolution_due_at is not null and resolution_breached_at is null;

create table ticket_messages (
    id          uuid primary key,
    -- Insertion order: the conversation's order even when two messages share an instant.
    seq         bigserial not null,
    ticket_id   uuid not null references tickets (id),
    author      text not null,
    -- 'driver', 'staff' or 'system'
    author_kind text not null,
    -- 'public' (the driver sees it) or 'internal' (staff only, never in an event)
    visibility  text not null check (visibility in ('public', 'internal')),
    body        text not null,
    created_at  timestamptz not null
);
create index ticket_messages_ticket on ticket_messages (ticket_id, seq);

-- The read model: what the owners published, kept for links and the staff summary.
create table sessions (
    session_id      text primary key,
    user_id         text,
    charge_point_id text not null,
    connector_id    int not null,
    started_at      timestamptz not null,
    stopped_at      timestamptz,
    energy_wh       bigint,
    stop_reason     text
);
create index sessions_user on sessions (user_id);

create table reservations (
    reservation_id  text primary key,
    user_id         text,
    charge_point_id text not null,
    connector_id    int not null,
    starts_at       timestamptz not null,
    ends_at         timestamptz not null,
    status          text not null,
    at              timestamptz not null
);

create table invoices (
    invoice_id      text primary key,
    number          text not null,
    user_id         text,
    session_id      text,
    charge_point_id text,
    currency        text not null,
    total_minor     bigint not null,
    status          text not null,
    amount_paid_minor bigint not null,
    amount_refunded_minor bigint not null,
    failure_code    text,
    at              timestamptz not null
);

create table charge_points (
    charge_point_id text primary key,
    approval        text not null
);
