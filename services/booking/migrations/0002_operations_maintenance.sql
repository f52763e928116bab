-- Maintenance windows published by operations on operations.alerts.v1, by operations' window id.
-- The scheduled event with the newest envelope time wins; an end is final. The effective
-- window (the scheduled one cut at the end) is the row of maintenance_windows that names it.
create table operations_windows (
    window_id          text primary key,
    work_order_id      text,
    charge_point_id    text not null,
    connector_id       int,
    starts_at          timestamptz,  -- null while only the end is known (it arrived first)
    ends_at            timestamptz,  -- null: until the work order is closed
    scheduled_event_at timestamptz,  -- envelope time of the scheduled event applied
    ended_at           timestamptz,
    updated_at         timestamptz not null default now()
);

alter table maintenance_windows add column operations_window_id text unique;
