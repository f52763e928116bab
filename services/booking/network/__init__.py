"""Read models booking keeps from other services: charge points, connector status, id-tokens."""
