"""Charging sessions: id-token decisions, transactions of both OCPP versions, meter samples."""
