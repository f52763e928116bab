"""Stripe customers per driver, saved cards and wallets, and the driver's payment standing."""
