"""Availability: free windows per connector, and maintenance windows."""
