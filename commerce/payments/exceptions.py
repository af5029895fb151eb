"""What can go wrong with a payment, each with the HTTP status and the message a shopper sees.

Views catch `PaymentError` and answer with `status` and `customer_message`; the
technical detail (Stripe's message and request id) goes to the log only.
"""

from __future__ import annotations


class PaymentError(Exception):
    status = 502
    customer_message = "The payment provider could not handle the request. Please try again."

    def __init__(self, detail: str = "", *, request_id: str | None = None) -> None:
        super().__init__(detail or self.customer_message)
        self.detail = detail
        self.request_id = request_id


class NoAccountForCurrency(PaymentError):
    """No Stripe account is configured for this currency (and there is no default)."""

    status = 503
    customer_message = "Payments in this currency are not available right now."

    def __init__(self, currency_code: str) -> None:
        super().__init__(f"No Stripe account configured for {currency_code}.")
        self.currency_code = currency_code


class GatewayUnavailable(PaymentError):
    """Stripe could not be reached, or did not answer in time."""

    status = 503
    customer_message = "Payments are temporarily unavailable. Please try again in a minute."


class GatewayBusy(PaymentError):
    """Stripe asked us to slow down (429)."""

    status = 503
    customer_message = "The payment provider is busy. Please try again in a minute."


class GatewayError(PaymentError):
    """Stripe answered with a server error, or refused a request we built (our bug)."""

    status = 502


class OrderNotPayable(PaymentError):
    """The order is no longer waiting for payment (paid, failed, expired or canceled)."""

    status = 409
    customer_message = "This order is not waiting for payment any more."


class AmountNotChargeable(PaymentError):
    """Stripe would refuse the order's total (below its minimum charge, or a three-decimal
    amount not ending in 0); refused before asking, with the reason in the message."""

    status = 409

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.customer_message = message


class PaymentInProgress(PaymentError):
    """Another payment attempt for the order is being started at this very moment."""

    status = 409
    customer_message = "A payment for this order is being started. Please try again in a moment."
