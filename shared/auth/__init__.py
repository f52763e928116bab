"""Access-token verification shared by every service and the gateway."""
