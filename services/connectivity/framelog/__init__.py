"""The raw OCPP frame log: every frame per charger, secrets redacted, kept for a retention period."""
