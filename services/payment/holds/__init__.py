"""Pre-authorised holds: pay as you go from the app (and the ground guests charge on)."""
