-- Inbox rows are purged by age (`shared.inbox.purge_processed`): find old ones without a scan.
create index if not exists inbox_processed_at on inbox (processed_at);
