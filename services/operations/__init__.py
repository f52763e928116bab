"""The operations service: alerts, maintenance plans, inspections with security-equipment checklists, and work orders."""
