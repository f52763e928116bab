-- When the last ChangeAvailability of a work order was sent: unanswered ones are sent again.
alter table work_orders add column availability_requested_at timestamptz;
create index work_orders_unanswered on work_orders (availability_requested_at)
    where availability in ('inoperative_requested', 'operative_requested');
