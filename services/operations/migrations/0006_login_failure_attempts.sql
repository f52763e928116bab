-- Connectivity writes at most one security event per client address and interval for refused
-- handshakes; the event's `count` says how many attempts it stands for, and all of them count.
alter table login_failures add column attempts integer not null default 1 check (attempts >= 1);
