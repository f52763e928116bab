"""Helpers for tests against the real local stack (PostgreSQL, Kafka, Stripe test server)."""
