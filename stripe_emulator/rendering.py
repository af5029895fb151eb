"""Turning stored objects into API responses: ``expand[]`` handling and list envelopes."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from typing import Any

from stripe_emulator.context import RequestContext
from stripe_emulator.errors import StripeError, invalid_param
from stripe_emulator.store import public

VirtualField = Callable[[RequestContext, dict[str, Any]], Any]

#: Fields that exist only when expanded, by (object type, dotted path); resources register them.
VIRTUAL_FIELDS: dict[tuple[str, str], VirtualField] = {}
MAX_EXPAND_DEPTH = 4


def render(ctx: RequestContext, obj: dict[str, Any], expand: Iterable[str] = ()) -> dict[str, Any]:
    """The public form of ``obj`` with the requested ``expand[]`` paths filled in."""
    output = public(obj)
    for path in expand:
        parts = path.split(".")
        if len(parts) > MAX_EXPAND_DEPTH:
            raise invalid_param(
                f"You cannot expand more than {MAX_EXPAND_DEPTH} levels of a property.", "expand"
            )
        _expand(ctx, obj, output, parts, path)
    return output


def _expand(
    ctx: RequestContext,
    source: dict[str, Any],
    output: dict[str, Any],
    parts: list[str],
    full_path: str,
) -> None:
    kind = source.get("object", "")
    for size in range(len(parts), 0, -1):
        hook = VIRTUAL_FIELDS.get((kind, ".".join(parts[:size])))
        if hook is not None:
            value = _get_path(output, parts[:size])
            if not isinstance(value, dict):  # not already expanded by an earlier path
                value = hook(ctx, source)
                _set_path(output, parts[:size], value)
            if parts[size:] and isinstance(value, dict):
                _expand(ctx, value, value, parts[size:], full_path)
            return
    name, rest = parts[0], parts[1:]
    if name not in output:
        raise invalid_param(f"This property cannot be expanded ({full_path}).", "expand")
    value = output[name]
    if isinstance(value, str):
        found = ctx.store.account(ctx.account).objects.get(value)
        if found is not None:
            output[name] = expanded = public(found)
            if rest:
                _expand(ctx, found, expanded, rest, full_path)
    elif isinstance(value, list) and rest:
        copies = []
        for item in value:
            copy = dict(item)
            _expand(ctx, item, copy, rest, full_path)
            copies.append(copy)
        output[name] = copies
    elif isinstance(value, dict) and rest:
        output[name] = copy = dict(value)
        _expand(ctx, value, copy, rest, full_path)
    elif value is not None:
        raise invalid_param(f"This property cannot be expanded ({full_path}).", "expand")


def _get_path(output: dict[str, Any], parts: list[str]) -> Any:
    for part in parts:
        if not isinstance(output, dict):
            return None
        output = output.get(part)
    return output


def _set_path(output: dict[str, Any], parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        output[part] = dict(output.get(part) or {})
        output = output[part]
    output[parts[-1]] = value


def list_response(
    ctx: RequestContext,
    items: list[dict[str, Any]],
    url: str,
    params: dict[str, Any],
    *,
    type_pattern: str | None = None,
) -> dict[str, Any]:
    """Stripe's list envelope with ``created`` filters and ``limit``/cursor paging.

    ``items`` must be newest first, as Stripe lists them.
    """
    limit = params.get("limit", 10)
    if not 1 <= limit <= 100:
        raise StripeError(
            "Invalid limit: must be between 1 and 100", param="limit", cacheable=False
        )
    known = ctx.store.account(ctx.account).objects
    position = {item["id"]: index for index, item in enumerate(items)}
    if type_pattern:
        items = [item for item in items if fnmatch.fnmatchcase(item["type"], type_pattern)]
    if "created" in params:
        items = created_within(items, params["created"])
    page, has_more = _page(items, position, known, params, limit)
    expand = [path.removeprefix("data.") for path in params.get("expand", [])]
    return {
        "object": "list",
        "data": [render(ctx, item, expand) for item in page],
        "has_more": has_more,
        "url": url,
    }


_CREATED_TESTS: dict[str, Callable[[int, int], bool]] = {
    "gt": lambda created, bound: created > bound,
    "gte": lambda created, bound: created >= bound,
    "lt": lambda created, bound: created < bound,
    "lte": lambda created, bound: created <= bound,
}


def created_within(
    items: list[dict[str, Any]], created: int | dict[str, int]
) -> list[dict[str, Any]]:
    """The items whose ``created`` matches ``created=T`` or ``created[gt|gte|lt|lte]=T``."""
    if not isinstance(created, dict):
        return [item for item in items if item["created"] == created]
    for name, bound in created.items():
        test = _CREATED_TESTS[name]  # other keys were refused by parameter validation
        items = [item for item in items if test(item["created"], bound)]
    return items


def _page(
    items: list[dict[str, Any]],
    position: dict[str, int],
    known: dict[str, Any],
    params: dict[str, Any],
    limit: int,
) -> tuple[list[dict[str, Any]], bool]:
    """One page of ``items`` after or before a cursor.

    ``position`` ranks every object of the list before filters, so a cursor filtered out by
    ``type`` or ``created`` still marks a place; an id the account never had is refused.
    """
    after, before = params.get("starting_after"), params.get("ending_before")
    if after and before:
        raise StripeError(
            "Received both starting_after and ending_before parameters. Please pass in only one.",
            param="ending_before",
            cacheable=False,
        )
    if not after and not before:
        return items[:limit], len(items) > limit
    cursor = after or before
    if cursor not in known:
        raise StripeError(
            f"No such object: '{cursor}'",
            code="resource_missing",
            param="starting_after" if after else "ending_before",
            cacheable=False,
        )
    if cursor not in position:
        return [], False
    mark = position[cursor]
    if after:
        rest = [item for item in items if position[item["id"]] > mark]
        return rest[:limit], len(rest) > limit
    newer = [item for item in items if position[item["id"]] < mark]
    return newer[-limit:], len(newer) > limit
