"""The API gateway: one JWT-secured REST API for the mobile apps, routed to the services."""
