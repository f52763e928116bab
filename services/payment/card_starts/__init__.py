"""Starting a session from the app with the saved card (no hold): see the service README."""
