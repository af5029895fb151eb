"""Signals the commerce app sends. Declarations only; `order_placed` is sent by
`orders/placement.py`, `order_paid` by the payment methods (`payments/methods/`).

Both are sent after the database transaction that changed the order has committed, so
receivers see the saved order and may safely do slow or external work.
"""

from django.dispatch import Signal

# Sent when an order has been written, before any payment.
# Arguments: sender=Order, order (Order).
order_placed = Signal()

# Sent once when an order becomes paid.
# Arguments: sender=Order, order (Order), stripe_event_id (str or None when the
# payment was confirmed by retrieving it from Stripe rather than by a webhook).
order_paid = Signal()
