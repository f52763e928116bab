-- The driver's Stripe customer that Stripe no longer has (deleted in Stripe's dashboard, or a
-- test server that lost its state). The next customer's idempotency key is derived from it:
-- the first key would answer the lost customer again while Stripe remembers it (24 hours).
alter table customers add column lost_stripe_customer_id text;
