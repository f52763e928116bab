-- The security equipment of each station, its state and when it was last tested.
create table security_equipment (
    id              uuid primary key,
    charge_point_id text not null,
    kind            text not null check (kind in ('surveillance_camera', 'security_lighting',
                                                 'emergency_stop_button', 'fencing_or_bollards',
                                                 'fire_extinguisher')),
    label           text,
    state           text not null default 'working'
                    check (state in ('working', 'faulty', 'out_of_service')),
    last_tested_at  timestamptz,
    notes           text,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
create index security_equipment_cp on security_equipment (charge_point_id, kind);
