-- A row without an envelope is a tombstone: the relay publishes a null value under its key, so a
-- compacted topic forgets the key (e.g. a deleted user's contact details).
alter table outbox alter column envelope drop not null;
