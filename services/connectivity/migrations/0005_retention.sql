-- Retention. Indexes for the batched purges of growing tables, and the two biggest tables
-- (meter samples: ~57 M rows a day at 10,000 chargers; the frame log) partitioned by UTC day
-- on their timestamp, so that old days are dropped whole instead of deleted row by row.
--
-- Upgrading a database that holds data: the existing table becomes one partition
-- (`<table>_legacy`, from MINVALUE to tomorrow 00:00 UTC) without copying a row; it is dropped
-- whole once its last day is past retention. Rows dated tomorrow or later (a charger's clock)
-- move to the new partitions. An empty table is simply replaced. A `_default` partition takes
-- rows no daily partition covers (a job that fell behind, a wild clock); it is purged by DELETE.
-- `services/connectivity/retention` creates the daily partitions ahead and drops old ones.

create index commands_requested_at on commands (requested_at);
create index security_events_at on security_events (at);
create index connector_status_history_recorded_at on connector_status_history (recorded_at);

-- The frame log: the primary key must hold the partition key.
alter table ocpp_frames rename to ocpp_frames_legacy;
-- Its key on id alone cannot stay: attaching builds the (id, at) key of the partitioned table.
alter table ocpp_frames_legacy drop constraint ocpp_frames_pkey;
alter index ocpp_frames_cp rename to ocpp_frames_legacy_cp;
alter index ocpp_frames_at rename to ocpp_frames_legacy_at;
create table ocpp_frames (
    id              bigint not null default nextval('ocpp_frames_id_seq'),
    charge_point_id text not null,
    -- Named as on the table it replaces: attaching that one needs the same constraint.
    direction       text not null
                    constraint ocpp_frames_direction_check check (direction in ('in', 'out')),
    at              timestamptz not null,
    message_type    int,
    unique_id       text,
    action          text,
    payload         text not null,
    primary key (id, at)
) partition by range (at);
-- The sequence outlives the legacy partition.
alter sequence ocpp_frames_id_seq owned by ocpp_frames.id;
create index ocpp_frames_cp on ocpp_frames (charge_point_id, id desc);
create table ocpp_frames_default partition of ocpp_frames default;
create index ocpp_frames_default_at on ocpp_frames_default (at);

-- Meter samples: the key (session, time, measurand, phase) already holds the partition key, so
-- `on conflict do nothing` keeps recognising replayed samples.
alter table meter_samples rename to meter_samples_legacy;
alter index meter_samples_pkey rename to meter_samples_legacy_pkey;
create table meter_samples (
    session_id  uuid not null references charging_sessions (id) on delete cascade,
    at          timestamptz not null,
    measurand   text not null,
    phase       text not null default '',
    value       double precision not null,
    unit        text,
    primary key (session_id, at, measurand, phase)
) partition by range (at);
create table meter_samples_default partition of meter_samples default;
create index meter_samples_default_at on meter_samples_default (at);

do $$
declare
    today    date := (now() at time zone 'UTC')::date;
    tomorrow timestamptz := ((now() at time zone 'UTC')::date + 1)::timestamp at time zone 'UTC';
    parent   text;
    first    date;
    has_rows boolean;
    day      date;
begin
    foreach parent in array array['ocpp_frames', 'meter_samples'] loop
        execute format('select exists (select 1 from %I)', parent || '_legacy') into strict has_rows;
        if has_rows then
            -- One pass over the old table: rows dated tomorrow or later are taken out of it.
            execute format('create temp table %I (like %I) on commit drop',
                parent || '_moved', parent);
            execute format(
                'with moved as (delete from %I where at >= %L returning *) '
                'insert into %I select * from moved',
                parent || '_legacy', tomorrow, parent || '_moved');
            execute format(
                'alter table %I attach partition %I for values from (minvalue) to (%L)',
                parent, parent || '_legacy', tomorrow);
            first := today + 1;
        else
            execute format('drop table %I', parent || '_legacy');
            first := today;
        end if;
        for day in select generate_series(first, today + 3, interval '1 day')::date loop
            execute format(
                'create table %I partition of %I for values from (%L) to (%L)',
                parent || '_p' || to_char(day, 'YYYYMMDD'), parent,
                day::timestamp at time zone 'UTC', (day + 1)::timestamp at time zone 'UTC');
        end loop;
        if has_rows then
            execute format('insert into %I select * from %I', parent, parent || '_moved');
        end if;
    end loop;
end $$;
