"""The connectivity service: charge points, OCPP 1.6J/2.0.1 connections, charging sessions, meter samples and remote commands."""
