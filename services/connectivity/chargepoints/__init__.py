"""The charge point registry: provisioning, credentials, approval, connector status, presence."""
