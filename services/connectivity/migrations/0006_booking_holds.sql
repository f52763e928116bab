-- Platform-side holds of connectors by booking (mirror of booking.reservations.v1): Authorize
-- refuses other drivers' tokens on a held connector for the window, whether or not the charger
-- itself accepted ReserveNow.
create table booking_holds (
    reservation_id  text primary key,
    charge_point_id text not null,
    -- 1.6: the connectorId; 2.0.1: the EVSE id.
    connector_id    int not null,
    -- The driver (or fleet account) whose tokens may use the connector; null: nobody's.
    user_id         text,
    during          tstzrange not null,
    holding         boolean not null,
    updated_at      timestamptz not null
);
create index booking_holds_connector on booking_holds (charge_point_id, connector_id)
    where holding;
