"""The OCPP central system: WebSocket server, fast routing and validation, 1.6J and 2.0.1 handlers."""
