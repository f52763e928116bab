"""Maintenance windows: when a charge point or connector offers nothing (operators now; operations later)."""
