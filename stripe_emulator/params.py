"""Decoding of Stripe's form-encoded parameters and validation against stripe-python's types.

Stripe receives ``application/x-www-form-urlencoded`` bodies with bracketed keys
(``line_items[0][price_data][currency]=usd``, ``expand[]=line_items``). The emulator checks
them against the ``TypedDict`` parameter classes that stripe-python ships, so that a request
the real API would reject as an unknown parameter is rejected here too, instead of silently
passing in development and failing in production.

A second, stricter table per endpoint (:func:`parameter_table`) names what the emulator
implements: a parameter Stripe knows but the emulator would ignore is refused as unknown too,
so no request ever succeeds here while meaning something else at Stripe.
"""

from __future__ import annotations

import collections.abc
import decimal
import functools
import re
import types
import typing
from typing import Any
from urllib.parse import parse_qsl

from stripe._request_options import RequestOptions
from stripe._stripe_object import UntypedStripeObject

from stripe_emulator.errors import StripeError, invalid_param, missing_param, unknown_param

# Names used in string annotations of stripe-python that its modules import lazily.
_ANNOTATION_NAMES = {"StripeContext": object, "Mapping": collections.abc.Mapping}

_KEY_PART = re.compile(r"\[([^\]]*)\]")

#: A table of supported parameters: each name maps to the table of its own parameters
#: (shared by all items of a list), or to ``None`` when everything below it is accepted.
Table = dict[str, "Table | None"]

#: Stripe's limits on ``metadata`` hashes.
METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500

#: Request options share the ``TypedDict`` with the API parameters in stripe-python, but they
#: travel as headers; sent as form parameters, Stripe refuses them as unknown.
REQUEST_OPTION_NAMES = frozenset(typing.get_type_hints(RequestOptions, localns=_ANNOTATION_NAMES))


def decode_form(raw: str) -> dict[str, Any]:
    """Turn a form-encoded string into nested dicts (arrays stay dicts keyed by index)."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        head, _, rest = key.partition("[")
        parts = [head] + (_KEY_PART.findall("[" + rest) if rest else [])
        container = result
        for position, part in enumerate(parts):
            if part == "":
                part = str(len(container))
            if position == len(parts) - 1:
                container[part] = value
            else:
                child = container.get(part)
                if not isinstance(child, dict):
                    child = {}
                    container[part] = child
                container = child
    return result


@functools.cache
def _fields(schema: type) -> tuple[dict[str, Any], frozenset[str]]:
    hints = typing.get_type_hints(schema, localns=_ANNOTATION_NAMES)
    return hints, frozenset(getattr(schema, "__required_keys__", ()))


def parameter_table(*paths: str) -> Table:
    """Build a :data:`Table` from dotted paths such as ``line_items.price_data.currency``.

    List indices are left out of the paths; a path naming a hash (``metadata``) accepts all of
    its keys.
    """
    table: Table = {}
    for path in paths:
        node = table
        *parents, leaf = path.split(".")
        for part in parents:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            node = child
        node.setdefault(leaf, None)
    return table


def table_paths(table: Table, prefix: str = "") -> list[str]:
    """The dotted paths of a table, sorted: the inverse of :func:`parameter_table`."""
    paths: list[str] = []
    for name, child in sorted(table.items()):
        path = f"{prefix}{name}"
        paths.extend([path] if child is None else table_paths(child, f"{path}."))
    return paths


def allowed_parameters(schema: type) -> frozenset[str]:
    """The top-level API parameters a stripe-python params class accepts."""
    hints, _ = _fields(schema)
    return frozenset(hints) - REQUEST_OPTION_NAMES


def validate(
    params: dict[str, Any],
    schema: type,
    *,
    supported: Table | None = None,
    also_allowed: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Check ``params`` against ``schema`` and return them converted to Python types.

    ``supported`` narrows ``schema`` to what the endpoint implements (``None``: all of it).
    ``also_allowed`` names top-level parameters accepted as plain strings although the
    server-side class does not list them (such as ``client_secret`` sent by Stripe.js).
    """
    hints, required = _fields(schema)
    result: dict[str, Any] = {}
    for key, value in params.items():
        if key in also_allowed:
            result[key] = _coerce(value, str, key, None)
        elif key in REQUEST_OPTION_NAMES or key not in hints:
            raise unknown_param(key)
        elif supported is not None and key not in supported:
            raise unknown_param(key)
        else:
            result[key] = _coerce_field(key, value, hints[key], key, _below(supported, key))
    for key in sorted(required - REQUEST_OPTION_NAMES):
        if key not in params:
            raise missing_param(key)
    return result


def _coerce_field(key: str, value: Any, annotation: Any, path: str, table: Table | None) -> Any:
    if key == "metadata":
        _check_metadata(value, path)
        if value == "":
            return {}  # "metadata=" empties the hash; stripe-python types it as Literal[""]
    return _coerce(value, annotation, path, table)


def _below(table: Table | None, key: str) -> Table | None:
    return None if table is None else table[key]


def _coerce(value: Any, annotation: Any, path: str, table: Table | None) -> Any:
    origin = typing.get_origin(annotation)
    if annotation is Any or annotation is UntypedStripeObject or origin is UntypedStripeObject:
        return value
    if origin in (typing.Union, types.UnionType):
        return _coerce_union(value, typing.get_args(annotation), path, table)
    if origin is typing.Literal:
        choices = typing.get_args(annotation)
        for choice in choices:
            if value == str(choice) or value == choice:
                return choice
        listed = ", ".join(str(choice) for choice in choices)
        raise invalid_param(f"Invalid {path}: must be one of {listed}", path)
    if origin in (list, collections.abc.Sequence):
        return _coerce_list(value, typing.get_args(annotation)[0], path, table)
    if origin in (dict, collections.abc.Mapping):
        if not isinstance(value, dict):
            if value == "":
                return {}
            raise invalid_param("Invalid hash", path)
        value_type = typing.get_args(annotation)[1]
        return {
            key: _coerce(item, value_type, f"{path}[{key}]", None) for key, item in value.items()
        }
    if _is_typed_dict(annotation):
        return _coerce_typed_dict(value, annotation, path, table)
    if isinstance(annotation, type):
        return _coerce_scalar(value, annotation, path)
    return value


def _check_metadata(value: Any, path: str) -> None:
    """Stripe's limits on metadata: a hash (or "" to clear it) of 50 keys at most, keys up to
    40 and values up to 500 characters. stripe-python types it loosely, so it is checked here."""
    if value == "":
        return
    if not isinstance(value, dict):
        raise invalid_param("Invalid hash", path)
    if len(value) > METADATA_MAX_KEYS:
        raise invalid_param(
            f"Metadata can have up to {METADATA_MAX_KEYS} keys, but you've set {len(value)}.",
            path,
        )
    for key, item in value.items():
        if len(key) > METADATA_MAX_KEY_LENGTH:
            raise invalid_param(
                f"Invalid key: {key} must be a string under {METADATA_MAX_KEY_LENGTH} characters",
                path,
            )
        if isinstance(item, dict) or len(item) > METADATA_MAX_VALUE_LENGTH:
            raise invalid_param(
                f"Invalid val: {item} must be a string under {METADATA_MAX_VALUE_LENGTH} "
                "characters",
                path,
            )


def _coerce_union(value: Any, options: tuple[Any, ...], path: str, table: Table | None) -> Any:
    errors: list[tuple[bool, StripeError]] = []
    for option in options:
        if option is type(None):
            continue
        try:
            return _coerce(value, option, path, table)
        except StripeError as error:
            errors.append((_is_container(option) == isinstance(value, dict), error))
    matching = [error for fits, error in errors if fits] or [error for _, error in errors]
    raise matching[0]


def _is_container(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    return _is_typed_dict(annotation) or origin in (list, dict, collections.abc.Mapping)


def _is_typed_dict(annotation: Any) -> bool:
    # stripe-python builds its classes with typing_extensions, which typing does not recognise.
    return isinstance(annotation, type) and hasattr(annotation, "__required_keys__")


def _coerce_list(value: Any, item_type: Any, path: str, table: Table | None) -> list[Any]:
    if value == "":
        return []
    if isinstance(value, dict):
        if not all(key.isdigit() for key in value):
            raise invalid_param("Invalid array", path)
        items = [value[key] for key in sorted(value, key=int)]
    elif isinstance(value, list):
        items = value
    else:
        raise invalid_param("Invalid array", path)
    return [_coerce(item, item_type, f"{path}[{index}]", table) for index, item in enumerate(items)]


def _coerce_typed_dict(value: Any, schema: type, path: str, table: Table | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_param("Invalid object", path)
    hints, required = _fields(schema)
    result: dict[str, Any] = {}
    for key, item in value.items():
        item_path = f"{path}[{key}]"
        if key not in hints or (table is not None and key not in table):
            raise unknown_param(item_path)
        result[key] = _coerce_field(key, item, hints[key], item_path, _below(table, key))
    for key in sorted(required):
        if key not in value:
            raise missing_param(f"{path}[{key}]")
    return result


def _coerce_scalar(value: Any, kind: type, path: str) -> Any:
    if isinstance(value, dict):
        raise invalid_param(f"Invalid {kind.__name__}: {value!r}", path)
    text = str(value)
    if kind is bool:
        if text in ("true", "false"):
            return text == "true"
        raise invalid_param(f"Invalid boolean: {text}", path)
    if kind is int:
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        raise invalid_param(f"Invalid integer: {text}", path, "parameter_invalid_integer")
    if kind in (float, decimal.Decimal):
        try:
            number = decimal.Decimal(text)
        except decimal.InvalidOperation:
            raise invalid_param(f"Invalid decimal: {text}", path) from None
        if not number.is_finite():
            raise invalid_param(f"Invalid decimal: {text}", path)
        return number
    return text
