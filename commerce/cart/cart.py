"""The shopper's cart: item ids and quantities in one currency, and a discount code.

Prices are never kept here: the cart holds ids and quantities only, and amounts are
worked out from the live item pages each time (`pricing.cart_quote`), so a price an
editor changes reaches the cart at once and the browser can never set one.

A guest's cart belongs to their browser session; a signed-in shopper's cart belongs to
them, whatever browser they use, and a guest cart joins it when they sign in
(`receivers.py`). How carts are stored, and why two tabs cannot lose each other's
lines, is explained in `store.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from ..conf import app_settings
from ..http import shopper_key
from ..models import ItemPage, Order
from . import store
from .offers import Offer, find_offers

if TYPE_CHECKING:
    from ..pricing import Quote

# Where a guest's browser session names its cart record.
SESSION_POINTER = "commerce_cart"
NOT_FOR_SALE_MESSAGE = "No item with this id is for sale."


def max_quantity() -> int:
    """The most of one item a cart may hold (`COMMERCE_CART_MAX_QUANTITY`)."""
    return int(app_settings.COMMERCE_CART_MAX_QUANTITY)


def max_lines() -> int:
    """The most different items a cart may hold (`COMMERCE_CART_MAX_LINES`)."""
    return int(app_settings.COMMERCE_CART_MAX_LINES)


class CartRefused(Exception):
    """A change the cart cannot make; `message` is for the shopper, `status` for HTTP."""

    status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class CurrencyMismatch(CartRefused):
    """The item is priced in another currency than the cart's; one order, one currency."""

    status = 409


@dataclass
class CartState:
    """What a cart record holds. Lines keep the order in which items were first added."""

    cart_id: str
    version: int = 0
    currency: str | None = None
    lines: dict[int, int] = field(default_factory=dict)
    discount_code: str | None = None
    order_id: int | None = None

    @classmethod
    def from_record(cls, cart_id: str, data: dict[str, Any]) -> CartState:
        return cls(
            cart_id=cart_id,
            version=int(data.get("version", 0)),
            currency=data.get("currency"),
            lines={int(item_id): int(quantity) for item_id, quantity in data.get("lines", [])},
            discount_code=data.get("discount_code"),
            order_id=data.get("order_id"),
        )

    def to_record(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "currency": self.currency,
            "lines": [[item_id, quantity] for item_id, quantity in self.lines.items()],
            "discount_code": self.discount_code,
            "order_id": self.order_id,
        }

    def empty(self) -> None:
        self.lines = {}
        self.currency = None
        self.discount_code = None
        self.order_id = None


def user_cart_key(user_id: int) -> str:
    return store.derived_key("user", str(user_id))


def order_record_key(order: Order) -> str:
    """The record naming the cart an order was placed from."""
    return store.derived_key("order", str(order.reference))


def clear_cart_for_order(order: Order) -> bool:
    """Empty the cart `order` was placed from, if it still remembers that order; whether
    it did. Called when the order is paid (see `receivers.py`): a cart placed twice, or
    changed and placed again, is emptied only by the order it last placed. An order not
    placed from a cart (bought now) has no cart to look for."""
    if not order.placed_from_cart:
        return False
    mapping_key = order_record_key(order)
    key = store.load(mapping_key).get("cart")
    if not key:
        return False
    with store.locked(key):
        state = CartState.from_record(key, store.load(key))
        emptied = state.order_id == order.pk
        if emptied:
            state.empty()
            state.version += 1
            store.save(key, state.to_record())
    store.delete(mapping_key)
    return emptied


class Cart:
    """One request's view of a cart. Reading costs nothing until asked; every change
    re-reads the stored cart under its lock, so it applies to the latest version."""

    def __init__(self, request: HttpRequest, key: str | None) -> None:
        self.request = request
        self._key = key
        self._state: CartState | None = None
        self._lines: list[tuple[ItemPage, int]] | None = None
        # What the shop offers of the items this request looked up (absent: not for sale).
        self._offers: dict[int, Offer] = {}
        self._looked_up: set[int] = set()

    @property
    def state(self) -> CartState:
        """The stored cart, read on first use (a change reads it again under the lock)."""
        if self._state is None:
            self._state = CartState.from_record(
                self._key or "", store.load(self._key) if self._key else {}
            )
        return self._state

    # Reading

    @property
    def cart_id(self) -> str:
        return self.state.cart_id

    @property
    def version(self) -> int:
        return self.state.version

    @property
    def currency(self) -> str | None:
        return self.state.currency

    @property
    def discount_code(self) -> str | None:
        return self.state.discount_code

    @property
    def order_id(self) -> int | None:
        return self.state.order_id

    def quantity_of(self, item_id: int) -> int:
        return self.state.lines.get(item_id, 0)

    def is_empty(self) -> bool:
        return not self.state.lines

    def lines(self) -> list[tuple[ItemPage, int]]:
        """The items this shopper can still buy, in the order they were added, with their
        quantities: one query however many lines. Items unpublished, made private or
        taken off sale since they were added, or now priced in another currency, drop out.
        """
        if self._lines is None:
            ids = list(self.state.lines)
            found = (
                {
                    item.pk: item
                    for item in ItemPage.objects.purchasable()
                    .visible_to(self.request)
                    .filter(pk__in=ids, currency=self.state.currency)
                }
                if ids
                else {}
            )
            self._lines = [
                (found[item_id], quantity)
                for item_id, quantity in self.state.lines.items()
                if item_id in found
            ]
        return self._lines

    def offered_lines(self) -> list[tuple[ItemPage | Offer, int]]:
        """What `lines` keeps, as pricing reads it: the item pages if this request has
        read them already, else the offers (one query, none after a change that already
        looked its items up)."""
        if self._lines is not None:
            return list(self._lines)
        offers = self._offers_for(self.state.lines)
        return [
            (offers[item_id], quantity)
            for item_id, quantity in self.state.lines.items()
            if item_id in offers and offers[item_id].currency == self.state.currency
        ]

    def _offers_for(self, ids: Any) -> dict[int, Offer]:
        """The offers of `ids`, reading only those this request has not looked up yet."""
        missing = set(ids) - self._looked_up
        if missing:
            self._offers.update(find_offers(self.request, missing, group=self._key))
            self._looked_up |= missing
        return self._offers

    def _offer(self, item_id: int, state: CartState) -> Offer:
        """The item the shopper asks for, looked up with the cart's own lines (one query
        for both); unknown, unpublished, private and not-for-sale items are refused alike,
        so a private item's id leaks nothing."""
        offer = self._offers_for({item_id, *state.lines}).get(item_id)
        if offer is None:
            raise CartRefused(NOT_FOR_SALE_MESSAGE, itemId=item_id)
        return offer

    def quote(self, request: HttpRequest | None = None) -> Quote:
        from .pricing import cart_quote

        return cart_quote(self, request or self.request)

    # Changing

    def add(self, item_id: int, quantity: int, replace: bool = False) -> int:
        """Add `quantity` of the item `item_id`; returns the line's new quantity. `replace`
        empties the cart first (the shopper chose to start a new cart in the item's
        currency)."""
        if self._key is None:  # no cart made for an item that cannot be added
            self._offer(item_id, CartState(""))
            _check_quantity(quantity)

        def change(state: CartState) -> None:
            item = self._offer(item_id, state)
            _check_quantity(quantity)
            if replace:
                state.empty()
            _check_currency(state, item)
            _check_line_count(state, item.pk)
            total = state.lines.get(item.pk, 0) + quantity
            if total > max_quantity():
                raise CartRefused(
                    f"A cart holds at most {max_quantity()} of an item.", maxQuantity=max_quantity()
                )
            state.lines[item.pk] = total
            state.currency = item.currency

        self._change(change)
        return self.quantity_of(item_id)

    def set_quantity(self, item_id: int, quantity: int) -> None:
        """Set the line of the item `item_id` to `quantity`, adding the line if it is
        missing."""
        if self._key is None:
            self._offer(item_id, CartState(""))
            _check_quantity(quantity)

        def change(state: CartState) -> None:
            item = self._offer(item_id, state)
            _check_quantity(quantity)
            _check_currency(state, item)
            _check_line_count(state, item.pk)
            state.lines[item.pk] = quantity
            state.currency = item.currency

        self._change(change)

    def remove(self, item_id: int) -> bool:
        """Remove the line of `item_id` (any item, even one no longer for sale); whether
        there was one."""
        removed = False

        def change(state: CartState) -> bool:
            nonlocal removed
            removed = state.lines.pop(item_id, None) is not None
            if not state.lines:
                state.currency = None
            return removed

        if self._key is not None:
            self._change(change)
        return removed

    def set_discount_code(self, code: str | None) -> None:
        def change(state: CartState) -> None:
            state.discount_code = code

        self._change(change)

    def remember_order(self, order: Order) -> None:
        """Note the order placed from this cart: paying it empties the cart
        (`clear_cart_for_order`), and nothing before that does."""

        def change(state: CartState) -> None:
            state.order_id = order.pk
            store.save(order_record_key(order), {"cart": state.cart_id})

        self._change(change, bump=False)

    def _change(self, change: Callable[[CartState], bool | None], bump: bool = True) -> None:
        """Apply `change` to the latest stored state under the cart's lock and save it,
        unless `change` returns False (nothing changed)."""
        key, made = (self._key, False) if self._key else self._create_key()
        with store.changing(key, new=made) as record:
            state = CartState.from_record(key, record.data)
            if change(state) is False:
                return
            if bump:
                state.version += 1
            record.save(state.to_record())
        self._state = state
        self._lines = None

    def _create_key(self) -> tuple[str, bool]:
        """The guest's cart record key, made once per browser session: under the
        session's lock, so two tabs making their first cart at once agree on one. And
        whether it was made just now (no record has it yet)."""
        session_key = shopper_key(self.request)
        with store.locked(f"session:{session_key}"):
            key = store.session_data(session_key).get(SESSION_POINTER)
            made = not key
            if not key:
                key = store.new_key()
                self.request.session[SESSION_POINTER] = key
                self.request.session.save()
            elif self.request.session.get(SESSION_POINTER) != key:
                self.request.session[SESSION_POINTER] = key
        self._key = key
        return key, made


def _check_quantity(quantity: int) -> None:
    if quantity < 1 or quantity > max_quantity():
        raise CartRefused(
            f"The quantity must be between 1 and {max_quantity()}.", maxQuantity=max_quantity()
        )


def _check_currency(state: CartState, item: Offer) -> None:
    if state.lines and state.currency and state.currency != item.currency:
        raise CurrencyMismatch(
            f"Your cart is in {state.currency} and this item is priced in {item.currency}; "
            "an order is paid in one currency. Pay for your cart first, or start a new cart.",
            cartCurrency=state.currency,
            itemCurrency=item.currency,
        )


def _check_line_count(state: CartState, item_id: int) -> None:
    if item_id not in state.lines and len(state.lines) >= max_lines():
        raise CartRefused(
            f"A cart holds at most {max_lines()} different items.", maxLines=max_lines()
        )


def cart_key_for(request: HttpRequest) -> str | None:
    """The record key of the request's cart: the signed-in user's, else the one the
    browser session points at (None until a guest first adds something)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user_cart_key(user.pk)
    return request.session.get(SESSION_POINTER)


def get_cart(request: HttpRequest) -> Cart:
    """The request's cart, read once per request (`request` keeps it)."""
    cart = getattr(request, "_commerce_cart", None)
    if cart is None:
        cart = Cart(request, cart_key_for(request))
        request._commerce_cart = cart  # type: ignore[attr-defined]
    return cart
