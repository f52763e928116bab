-- Connectivity rate-limits security events per source and kind; an event then stands for
-- itself plus the attempts it reports as held back.
alter table login_failures add column attempts int not null default 1;
