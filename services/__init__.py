"""Ladda's services: one package each, sharing nothing but `shared/` and events."""
