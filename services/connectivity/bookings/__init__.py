"""The platform-side mirror of booking's reservations, which Authorize enforces."""
