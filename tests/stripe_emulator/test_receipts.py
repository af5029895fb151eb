"""A succeeded charge's ``receipt_url`` opens a receipt page; others have none."""

import pytest
import requests
import stripe

RETURN_URL = "http://store.test/back"


def test_receipt_url_shows_the_payment_and_its_refunds(client):
    intent = client.v1.payment_intents.create(
        params={
            "amount": 2500,
            "currency": "usd",
            "description": "Order <7>",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "return_url": RETURN_URL,
        }
    )
    charge = client.v1.charges.retrieve(intent.latest_charge)
    page = requests.get(charge.receipt_url, timeout=5)
    assert page.status_code == 200
    assert "<strong id='receipt-amount'>$25.00</strong>" in page.text
    assert "Visa ending in 4242" in page.text
    assert "Order &lt;7&gt;" in page.text
    assert "receipt-refunded" not in page.text
    client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 1000})
    page = requests.get(charge.receipt_url, timeout=5)
    assert "<strong id='receipt-refunded'>$10.00</strong>" in page.text


def test_failed_charges_have_no_receipt(client, emulator):
    intent = client.v1.payment_intents.create(params={"amount": 2500, "currency": "usd"})
    with pytest.raises(stripe.CardError):
        client.v1.payment_intents.confirm(
            intent.id,
            params={"payment_method": "pm_card_chargeDeclined", "return_url": RETURN_URL},
        )
    failed = client.v1.payment_intents.retrieve(intent.id)
    charge = client.v1.charges.retrieve(failed.latest_charge)
    assert charge.receipt_url is None
    page = requests.get(f"{emulator.base_url}/receipts/payment/{charge.id}", timeout=5)
    assert page.status_code == 404
    assert (
        requests.get(f"{emulator.base_url}/receipts/payment/ch_nope", timeout=5).status_code == 404
    )
