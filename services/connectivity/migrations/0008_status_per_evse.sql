-- 2.0.1 numbers connectors within an EVSE: EVSE 1 connector 1 and EVSE 2 connector 1 are two
-- connectors. The current status is kept per (EVSE, connector); 1.6 has no EVSE (null, keyed 0).
-- 1.6 `vendorErrorCode` is kept apart from `info`.
alter table connector_status drop constraint connector_status_pkey;
create unique index connector_status_key
    on connector_status (charge_point_id, (coalesce(evse_id, 0)), connector_id);
alter table connector_status add column vendor_error_code text;
alter table connector_status_history add column evse_id int;
alter table connector_status_history add column vendor_error_code text;
