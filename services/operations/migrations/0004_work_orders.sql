-- Work orders, their notes, and the technicians they may be assigned to.
create table work_orders (
    id                    uuid primary key,
    title                 text not null,
    description           text,
    charge_point_id       text not null,
    -- null: the whole charger (OCPP connector 0 / the station).
    connector_id          int,
    site                  text,
    priority              text not null default 'normal'
                          check (priority in ('low', 'normal', 'high', 'urgent')),
    status                text not null default 'open'
                          check (status in ('open', 'assigned', 'in_progress', 'on_hold', 'done', 'cancelled')),
    assignee              text,
    source                text not null check (source in ('operator', 'inspection', 'alert')),
    alert_id              uuid,
    inspection_id         uuid references inspections (id),
    inspection_item       text,
    -- While open, the connector (or charger) is set Inoperative; Operative again when closed.
    requires_inoperative  boolean not null default false,
    window_starts_at      timestamptz,
    window_ends_at        timestamptz,
    availability          text not null default 'untouched'
                          check (availability in ('untouched', 'scheduled', 'inoperative_requested',
                                                  'inoperative', 'operative_requested', 'operative',
                                                  'released')),
    availability_command  uuid unique,
    availability_detail   text,
    created_by            text not null,
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now(),
    closed_at             timestamptz
);
create unique index work_orders_one_per_alert on work_orders (alert_id) where source = 'alert';
create unique index work_orders_one_per_failed_item on work_orders (inspection_id, inspection_item)
    where source = 'inspection';
create index work_orders_status on work_orders (status, created_at desc);
create index work_orders_cp on work_orders (charge_point_id) where closed_at is null;
create index work_orders_scheduled on work_orders (window_starts_at) where availability = 'scheduled';

create table work_order_notes (
    id            bigserial primary key,
    work_order_id uuid not null references work_orders (id) on delete cascade,
    author        text not null,
    body          text not null,
    at            timestamptz not null default now()
);
create index work_order_notes_wo on work_order_notes (work_order_id, id);

-- Users who may be assigned work (operators and admins, not disabled), from identity.users.v1.
create table technicians (
    user_id    text primary key,
    disabled   boolean not null default false,
    updated_at timestamptz not null default now()
);
