"""Orders: placing them (one transaction, locks in a fixed order, a signal after commit)
and moving them from status to status."""


class PlacementRefused(Exception):
    """An order that cannot be placed as asked; the message says why, for the shopper."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


__all__ = ["PlacementRefused"]
