"""Invoices and receipts: drivers read theirs and pay open ones; staff refund."""
