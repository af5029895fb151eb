"""Orders: placing them (one transaction, locks in a fixed order, a signal after commit)
and moving them from status to status."""


class PlacementRefused(Exception):
    """An order that cannot be placed as asked; the message says why, for the shopper, and
    `status` is the HTTP status the JSON endpoints answer with."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OrderRefused(PlacementRefused):
    """Raised by a `commerce.hooks.BEFORE_PLACE_ORDER` hook to refuse an order: `message`
    is shown to the shopper as it is, with `status` (409 by default: the basket is valid,
    the shop's own rules refuse it; 400 when the shopper sent something wrong)."""

    status = 409

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


__all__ = ["OrderRefused", "PlacementRefused"]
