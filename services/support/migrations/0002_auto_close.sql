-- The closing job looks for tickets resolved long enough ago.
create index tickets_resolved on tickets (resolved_at) where status = 'resolved';
