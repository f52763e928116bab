-- Checklist templates (three shipped: see README), maintenance plans and their inspections.
create table checklist_templates (
    id                    uuid primary key,
    key                   text not null unique,
    name                  text not null,
    description           text,
    default_interval_days int not null check (default_interval_days > 0),
    -- [{key, label, equipment_kind, inoperative_on_fail}]
    items                 jsonb not null,
    builtin               boolean not null default false,
    created_at            timestamptz not null default now()
);

create table maintenance_plans (
    id              uuid primary key,
    name            text not null,
    template_id     uuid not null references checklist_templates (id),
    -- One station, or every station of a site (a group).
    charge_point_id text,
    site            text,
    interval_days   int not null check (interval_days > 0),
    -- An inspection is overdue this many days after it is due.
    grace_days      int not null default 0 check (grace_days >= 0),
    next_due_at     timestamptz not null,
    active          boolean not null default true,
    created_by      text not null,
    created_at      timestamptz not null default now(),
    check ((charge_point_id is null) <> (site is null))
);
create index maintenance_plans_due on maintenance_plans (next_due_at) where active;

create table inspections (
    id              uuid primary key,
    plan_id         uuid references maintenance_plans (id),
    template_id     uuid not null references checklist_templates (id),
    template_name   text not null,
    charge_point_id text not null,
    site            text,
    due_at          timestamptz not null,
    overdue_at      timestamptz not null,
    overdue_alerted boolean not null default false,
    status          text not null default 'due' check (status in ('due', 'completed', 'cancelled')),
    completed_by    text,
    completed_at    timestamptz,
    note            text,
    created_at      timestamptz not null default now(),
    -- A plan generates one inspection per station and due date, whichever replica runs it.
    unique (plan_id, charge_point_id, due_at)
);
create index inspections_overdue on inspections (overdue_at) where status = 'due' and not overdue_alerted;
create index inspections_cp on inspections (charge_point_id, due_at desc);

create table inspection_items (
    inspection_id       uuid not null references inspections (id) on delete cascade,
    position            int not null,
    key                 text not null,
    label               text not null,
    equipment_kind      text,
    inoperative_on_fail boolean not null default false,
    result              text check (result in ('pass', 'fail', 'not_applicable')),
    note                text,
    photos              text[] not null default '{}',
    primary key (inspection_id, key)
);

insert into checklist_templates (id, key, name, description, default_interval_days, builtin, items)
values
('6a1f0c52-1f0e-4d8a-9a51-000000000001', 'monthly-safety-walk', 'Monthly safety walk',
 'A walk around the station: security equipment present and working, no damage, no tampering.',
 30, true,
 '[{"key": "security_lighting", "label": "Security lighting works (switches on at dusk or on test)", "equipment_kind": "security_lighting", "inoperative_on_fail": false},
   {"key": "camera_view", "label": "Surveillance camera clean, view unobstructed, recording", "equipment_kind": "surveillance_camera", "inoperative_on_fail": false},
   {"key": "emergency_stop_accessible", "label": "Emergency-stop button visible, reachable and undamaged", "equipment_kind": "emergency_stop_button", "inoperative_on_fail": true},
   {"key": "fencing_bollards", "label": "Fencing and bollards intact", "equipment_kind": "fencing_or_bollards", "inoperative_on_fail": false},
   {"key": "fire_extinguisher", "label": "Fire extinguisher present, sealed, pressure gauge in the green", "equipment_kind": "fire_extinguisher", "inoperative_on_fail": false},
   {"key": "enclosure", "label": "Charger enclosure closed and undamaged, no signs of tampering", "equipment_kind": null, "inoperative_on_fail": true},
   {"key": "cables_connectors_visual", "label": "Cables and connectors visibly undamaged, holstered", "equipment_kind": null, "inoperative_on_fail": true},
   {"key": "signage", "label": "Signage, instructions and emergency contact legible", "equipment_kind": null, "inoperative_on_fail": false}]'),
('6a1f0c52-1f0e-4d8a-9a51-000000000002', 'quarterly-electrical-check', 'Quarterly electrical check',
 'Electrical safety by a qualified electrician: RCD, insulation, earth, cable and connector condition.',
 91, true,
 '[{"key": "rcd_test", "label": "RCD trips on its test button and within the rated time", "equipment_kind": null, "inoperative_on_fail": true},
   {"key": "insulation_resistance", "label": "Insulation resistance within limits", "equipment_kind": null, "inoperative_on_fail": true},
   {"key": "earth_continuity", "label": "Protective earth continuity", "equipment_kind": null, "inoperative_on_fail": true},
   {"key": "cable_condition", "label": "Charging cable sheath intact, strain relief in place, no kinks", "equipment_kind": null, "inoperative_on_fail": true},
   {"key": "connector_condition", "label": "Connector pins clean and undamaged, no heat marks, latch works", "equipment_kind": null, "inoperative_on_fail": true},
   {"key": "emergency_stop_function", "label": "Emergency stop cuts the power when pressed", "equipment_kind": "emergency_stop_button", "inoperative_on_fail": true}]'),
('6a1f0c52-1f0e-4d8a-9a51-000000000003', 'annual-full-inspection', 'Annual full inspection',
 'Everything of the monthly walk and the quarterly check, plus structure, recordings and servicing.',
 365, true,
 '[{"key": "security_lighting", "label": "Security lighting works (switches on at dusk or on test)", "equipment_kind": "security_lighting", "inoperative_on_fail": false},
   {"key": "lighting_level", "label": "Lighting level at the bays adequate at night", "equipment_kind": "security_lighting", "inoperative_on_fail": false},
   {"key": "camera_view", "label": "Surveillance camera clean, view unobstructed, recording", "equipment_kind": "surveillance_camera", "inoperative_on_fail": false},
   {"key": "camera_retention", "label": "Recordings retrievable for the whole retention period", "equipment_kind": "surveillance_camera", "inoperative_on_fail": false},
   {"key": "emergency_stop_function", "label": "Emergency stop cuts the power when pressed", "equipment_kind": "emergency_stop_button", "inoperative_on_fail": true},
   {"key": "fencing_bollards", "label": "Fencing and bollards intact", "equipment_kind": "fencing_or_bollards", "inoperative_on_fail": false},
   {"key": "fire_extinguisher_service", "label": "Fire extinguisher serviced within the year", "equipment_kind": "fire_extinguisher", "inoperative_on_fail": false},
   {"key": "rcd_test", "label": "RCD trips on its test button and within the rated time", "equipment_kind": null, "inoperative_on_fail": true},
   {"key": "insulation_resistance", "label": "Insulation resistance within limits", "equipment_kind": null, "inoperative_on_fail": true},
   {"key": "earth_continuity", "label": "Protective earth continuity", "equipment_kind": null, "inoperative_on_fail": true},
   {"key": "cable_condition", "label": "Charging cable sheath intact, strain relief in place, no kinks", "equipment_kind": null, "inoperative_on_fail": true},
   {"key": "connector_condition", "label": "Connector pins clean and undamaged, no heat marks, latch works", "equipment_kind": null, "inoperative_on_fail": true},
   {"key": "enclosure", "label": "Charger enclosure closed and undamaged, no signs of tampering", "equipment_kind": null, "inoperative_on_fail": true},
   {"key": "mounting", "label": "Mounting, foundation and cable entries sound", "equipment_kind": null, "inoperative_on_fail": true},
   {"key": "labels", "label": "Electrical labels, markings and signage present and legible", "equipment_kind": null, "inoperative_on_fail": false}]');
