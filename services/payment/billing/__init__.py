"""Per-session billing: price a stopped session, issue its invoice, collect it off-session."""
