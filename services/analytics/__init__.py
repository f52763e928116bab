"""The analytics service: read models built from events: a driver's own statistics, per-charge-point and network statistics."""
