"""The payment service: tariffs, Stripe customers and payment methods (references only), payments, invoices, plans and subscriptions."""
