"""Retention: purge jobs for the growing tables, daily partitions for the biggest two."""
