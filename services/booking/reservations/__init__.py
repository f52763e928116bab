"""Reservations: drivers book a connector for a window; operators block one."""
