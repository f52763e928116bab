-- Service accounts hold explicit scopes (e.g. commands:reserve), never staff power.
alter table service_accounts add column scopes text[] not null default '{}';

-- Registrations are throttled per client address like failed logins.
alter table login_throttle drop constraint login_throttle_scope_check;
alter table login_throttle
    add constraint login_throttle_scope_check check (scope in ('account', 'address', 'register'));

-- The audit log is purged by age (LADDA_IDENTITY_AUDIT_RETENTION_DAYS).
create index audit_log_at on audit_log (at);
