"""Tariffs shaped like OCPI 2.2.1 tariffs, the price in force per connector, and pricing."""
