"""The audit log of security-relevant actions, and the admin endpoint that lists it."""
