"""Ways of taking an order's money, each a module with the same shape: start a payment
attempt for an order, apply what Stripe says about it."""
