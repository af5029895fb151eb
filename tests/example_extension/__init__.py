"""A worked example of a host app extending `commerce` without touching it (tests only,
never shipped): a free gift in every basket over 100.00, a welcome mail for each new
Stripe customer, and a thank-you mail when an order is paid."""
