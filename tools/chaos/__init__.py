"""The chaos run: kill and restart parts of a platform of its own under load, then count."""
