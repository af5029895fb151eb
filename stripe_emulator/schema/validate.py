"""Check a JSON object against the schema ``generate.py`` derived from stripe-python.

Pure functions over plain data, so the conformance test can run them on API answers and
webhook payloads alike. A field marked ``required`` (stripe-node declares it without ``?``)
must be present, even when null; others (``line_items`` until expanded, one hash per payment
method type of which only the used one appears, ...) may be left out. ``nullable`` fields
(stripe-python's ``Optional``) may be null. An enum admits only the values stripe-python lists,
even where it also admits any string for values Stripe may add later. Fields the SDKs do not
know, and any field starting with ``_``, are reported.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("endive.json")


@cache
def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    """The committed schema (read once)."""
    return json.loads(path.read_text())


def validate_resource(
    schema: dict[str, Any],
    obj: Any,
    path: str = "$",
    expected: str | None = None,
    *,
    partial: bool = False,
) -> list[str]:
    """Problems with a Stripe object (``{"object": "charge", ...}``); empty when it conforms.

    ``expected`` is the ``object`` value it must have, when the caller knows it. ``partial``
    accepts an object with fewer top-level fields, such as the PaymentIntent a publishable
    key sees; the fields it has must still conform.
    """
    if not isinstance(obj, dict):
        return [f"{path}: expected an object, got {_kind(obj)}"]
    name = obj.get("object")
    if expected is not None and name != expected:
        return [f"{path}.object: expected {expected!r}, got {name!r}"]
    ref = schema["resources"].get(name)
    if ref is None:
        return [f"{path}.object: {name!r} is not a resource in the schema"]
    return _check_fields(schema, ref, obj, path, partial=partial)


def _check_fields(
    schema: dict[str, Any], ref: str, obj: dict[str, Any], path: str, *, partial: bool = False
) -> list[str]:
    fields = schema["types"][ref]["fields"]
    problems = []
    for key in obj:
        if key.startswith("_"):
            problems.append(f"{path}.{key}: private field")
        elif key not in fields:
            problems.append(f"{path}.{key}: not a field of {ref}")
    for key, spec in fields.items():
        if key not in obj:
            if spec["required"] and not partial:
                problems.append(f"{path}.{key}: missing")
            continue
        problems.extend(check_value(schema, spec, obj[key], f"{path}.{key}"))
    return problems


def check_value(schema: dict[str, Any], spec: dict[str, Any], value: Any, path: str) -> list[str]:
    """Problems with one value against one field's schema (``spec``)."""
    if value is None:
        allowed = spec.get("nullable") or spec["type"] == "any"
        return [] if allowed else [f"{path}: null is not allowed"]
    return _check_shape(schema, spec, value, path)


def _check_shape(schema: dict[str, Any], spec: dict[str, Any], value: Any, path: str) -> list[str]:
    kind = spec["type"]
    checker = _CHECKERS.get(kind)
    if checker is None:
        raise ValueError(f"unknown schema type {kind!r} at {path}")
    return checker(schema, spec, value, path)


def _string(schema: dict[str, Any], spec: dict[str, Any], value: Any, path: str) -> list[str]:
    if not isinstance(value, str):
        return [f"{path}: expected a string, got {_kind(value)}"]
    if "enum" in spec and value not in spec["enum"]:
        return [f"{path}: {value!r} is not one of {spec['enum']}"]
    return []


def _integer(schema: dict[str, Any], spec: dict[str, Any], value: Any, path: str) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int):
        return [f"{path}: expected an integer, got {_kind(value)}"]
    if "enum" in spec and value not in spec["enum"]:
        return [f"{path}: {value!r} is not one of {spec['enum']}"]
    return []


def _number(schema: dict[str, Any], spec: dict[str, Any], value: Any, path: str) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [f"{path}: expected a number, got {_kind(value)}"]
    return []


def _boolean(schema: dict[str, Any], spec: dict[str, Any], value: Any, path: str) -> list[str]:
    if not isinstance(value, bool):
        return [f"{path}: expected a boolean, got {_kind(value)}"]
    if "enum" in spec and value not in spec["enum"]:
        return [f"{path}: {value!r} is not one of {spec['enum']}"]
    return []


def _decimal_string(
    schema: dict[str, Any], spec: dict[str, Any], value: Any, path: str
) -> list[str]:
    if not isinstance(value, str):
        return [f"{path}: expected a decimal string, got {_kind(value)}"]
    try:
        Decimal(value)
    except InvalidOperation:
        return [f"{path}: {value!r} is not a decimal"]
    return []


def _array(schema: dict[str, Any], spec: dict[str, Any], value: Any, path: str) -> list[str]:
    if not isinstance(value, list):
        return [f"{path}: expected an array, got {_kind(value)}"]
    problems = []
    for index, item in enumerate(value):
        problems.extend(check_value(schema, spec["items"], item, f"{path}[{index}]"))
    return problems


def _map(schema: dict[str, Any], spec: dict[str, Any], value: Any, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: expected a hash, got {_kind(value)}"]
    problems = []
    for key, item in value.items():
        problems.extend(check_value(schema, spec["values"], item, f"{path}.{key}"))
    return problems


def _object(schema: dict[str, Any], spec: dict[str, Any], value: Any, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: expected an object, got {_kind(value)}"]
    return _check_fields(schema, spec["ref"], value, path)


def _resource(schema: dict[str, Any], spec: dict[str, Any], value: Any, path: str) -> list[str]:
    """A resource the schema does not describe field by field: only its kind is checked."""
    if not isinstance(value, dict) or value.get("object") != spec["object"]:
        return [f"{path}: expected a {spec['object']} object"]
    return [f"{path}.{key}: private field" for key in value if key.startswith("_")]


def _expandable(schema: dict[str, Any], spec: dict[str, Any], value: Any, path: str) -> list[str]:
    if isinstance(value, str):
        return []
    return _check_shape(schema, spec["of"], value, path)


def _list(schema: dict[str, Any], spec: dict[str, Any], value: Any, path: str) -> list[str]:
    if not isinstance(value, dict) or value.get("object") != "list":
        return [f"{path}: expected a list object"]
    problems = [f"{path}.{key}: private field" for key in value if key.startswith("_")]
    if not isinstance(value.get("has_more"), bool):
        problems.append(f"{path}.has_more: expected a boolean")
    if not isinstance(value.get("url"), str):
        problems.append(f"{path}.url: expected a string")
    problems.extend(_array(schema, {"items": spec["items"]}, value.get("data"), f"{path}.data"))
    return problems


def _any(schema: dict[str, Any], spec: dict[str, Any], value: Any, path: str) -> list[str]:
    return []


def _any_of(schema: dict[str, Any], spec: dict[str, Any], value: Any, path: str) -> list[str]:
    attempts = [_check_shape(schema, option, value, path) for option in spec["of"]]
    if any(not problems for problems in attempts):
        return []
    return [f"{path}: matches none of its possible types"] + attempts[0]


_CHECKERS = {
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "decimal_string": _decimal_string,
    "array": _array,
    "map": _map,
    "object": _object,
    "resource": _resource,
    "expandable": _expandable,
    "list": _list,
    "any": _any,
    "any_of": _any_of,
}


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
