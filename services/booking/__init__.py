"""The booking service: reservations of a connector for a time window, and availability."""
