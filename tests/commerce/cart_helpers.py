"""Helpers for the cart tests: JSON posts through Django's test client."""

from __future__ import annotations

import json
from typing import Any


def post_json(client, url: str, body: Any = None, **extra: Any):
    return client.post(
        url,
        data=json.dumps({} if body is None else body),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
        **extra,
    )


def cart_of(client) -> dict:
    response = client.get("/v2/cart/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def add(client, item, quantity: int | None = None, **body: Any):
    payload = {"itemId": item.pk, **body}
    if quantity is not None:
        payload["quantity"] = quantity
    return post_json(client, "/v2/cart/add/", payload)
