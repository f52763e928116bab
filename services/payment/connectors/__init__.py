"""What payment knows of connectors now, to refuse an app start clearly before the charger."""
