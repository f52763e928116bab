"""Stripe webhooks: verified, stored once, processed once through a dispatch table."""
