-- Starting from the app with the saved card: a row of `holds` of kind 'card' is a remote start
-- that holds no money (no PaymentIntent, no amount); its session is billed at the stop like an
-- RFID session, to the driver's default card, and the row ends 'billed'.
alter table holds drop constraint holds_kind_check;
alter table holds add constraint holds_kind_check check (kind in ('driver', 'guest', 'card'));
alter table holds drop constraint holds_status_check;
alter table holds add constraint holds_status_check check (status in ('awaiting_payment',
    'authorized', 'starting', 'charging', 'settling', 'captured', 'billed', 'canceled'));
alter table holds alter column amount_minor drop not null;
alter table holds add constraint holds_amount_by_kind
    check ((kind = 'card') = (amount_minor is null));
create index holds_connector_open on holds (charge_point_id, connector_id)
    where status in ('authorized', 'starting', 'charging');

-- What payment needs to refuse a start clearly before asking the charger: whether the charger
-- is online and its connectors' last status (chargepoints.status.v1), and which connectors a
-- booking holds for whom (booking.reservations.v1). Read models; the newest report wins.
create table charger_presence (
    charge_point_id  text primary key,
    online           boolean not null,
    changed_at       timestamptz not null
);

create table connector_states (
    charge_point_id  text not null,
    connector_id     int not null,
    status           text not null,
    changed_at       timestamptz not null,
    primary key (charge_point_id, connector_id)
);

create table reservation_holds (
    reservation_id   text primary key,
    charge_point_id  text not null,
    connector_id     int not null,
    user_id          text,
    during           tstzrange not null,
    holding          boolean not null,
    updated_at       timestamptz not null
);
create index reservation_holds_connector on reservation_holds (charge_point_id, connector_id)
    where holding;
