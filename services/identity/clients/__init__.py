"""Service accounts: OAuth2 client credentials for service-to-service calls."""
