"""Accounts and sessions: registration, login, refresh-token rotation, users and roles."""
