"""Ladda's small common library: settings, events, Kafka with outbox/inbox, DB, auth, errors."""
