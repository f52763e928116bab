-- Support's safety tickets already turned into alerts: a report counts once, whatever
-- delivered it (a redelivery, or the same ticket republished under a new event id).
create table safety_reports (
    ticket_id       text primary key,
    charge_point_id text,
    reported_at     timestamptz not null,
    received_at     timestamptz not null default now()
);
