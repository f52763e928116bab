"""The support service: customer-support tickets and their messages."""
