"""Stripe payments: accounts by currency, the one gateway every Stripe call goes through,
and the Checkout flow."""
