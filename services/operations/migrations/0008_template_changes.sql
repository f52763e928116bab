-- Checklist templates change and retire: operators edit their own templates (never the shipped
-- ones) and retire any template no active plan uses. A retired template is kept, because
-- inspections and plans point at it; it is only not offered for new plans and inspections.
alter table checklist_templates
    add column updated_at timestamptz not null default now(),
    add column retired_at timestamptz;
