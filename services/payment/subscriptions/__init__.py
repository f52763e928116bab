"""Subscriptions: operators' plans mirrored to Stripe, drivers' subscriptions through Stripe
Billing, and the coverage a plan gives a session's invoice."""
