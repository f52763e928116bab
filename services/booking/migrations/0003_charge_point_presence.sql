-- Presence (chargepoints.status.v1) and the registry (chargepoints.registry.v1) arrive on two
-- topics read by two consumers, in either order. Presence is kept here by charge point, the
-- newest report winning, so a charger heard online before its registration reached booking is
-- shown online once it does; charge_points.online is the copy the queries read.
create table charge_point_presence (
    charge_point_id text primary key,
    online          boolean not null,
    changed_at      timestamptz not null
);

insert into charge_point_presence (charge_point_id, online, changed_at)
select id, online, updated_at from charge_points;
