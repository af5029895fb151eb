"""PaymentIntents: statuses, transitions, test cards, currency rules, 3-D Secure."""

import urllib.parse

import pytest
import requests
import stripe


def _create(client, amount=2000, currency="usd", **params):
    return client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": currency,
            # A card-only integration: no redirect-based methods, so no return_url needed.
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
            **params,
        }
    )


def test_create_retrieve_update_and_shape(client):
    intent = _create(
        client, metadata={"order_id": "7"}, description="Order 7", receipt_email="ann@example.com"
    )
    assert intent.id.startswith("pi_")
    assert intent.client_secret.startswith(f"{intent.id}_secret_")
    assert intent.status == "requires_payment_method"
    assert intent.livemode is False and intent.latest_charge is None
    updated = client.v1.payment_intents.update(intent.id, params={"amount": 2500})
    assert updated.amount == 2500
    fetched = client.v1.payment_intents.retrieve(intent.id)
    assert (fetched.amount, fetched.metadata["order_id"]) == (2500, "7")


def test_successful_confirm_creates_a_charge(client):
    intent = _create(client)
    confirmed = client.v1.payment_intents.confirm(
        intent.id, params={"payment_method": "pm_card_visa"}
    )
    assert confirmed.status == "succeeded"
    assert confirmed.amount_received == 2000
    charge = client.v1.charges.retrieve(confirmed.latest_charge)
    assert (charge.status, charge.amount, charge.payment_intent) == ("succeeded", 2000, intent.id)


def test_create_with_confirm_true(client):
    intent = _create(client, payment_method="pm_card_visa", confirm=True)
    assert intent.status == "succeeded"


def test_payment_method_without_confirm_requires_confirmation(client):
    assert _create(client, payment_method="pm_card_visa").status == "requires_confirmation"


@pytest.mark.parametrize(
    ("payment_method", "decline_code", "message"),
    [
        ("pm_card_chargeDeclined", "generic_decline", "Your card was declined."),
        (
            "pm_card_visa_chargeDeclinedInsufficientFunds",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
    ],
)
def test_declines_are_card_errors_and_leave_the_intent_payable(
    client, payment_method, decline_code, message
):
    intent = _create(client)
    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_intents.confirm(intent.id, params={"payment_method": payment_method})
    assert declined.value.http_status == 402
    assert declined.value.code == "card_declined"
    assert declined.value.error.decline_code == decline_code
    assert declined.value.user_message == message
    after = client.v1.payment_intents.retrieve(intent.id)
    assert after.status == "requires_payment_method"
    assert after.last_payment_error.decline_code == decline_code
    assert after.last_payment_error.type == "card_error"
    retried = client.v1.payment_intents.confirm(
        intent.id, params={"payment_method": "pm_card_visa"}
    )
    assert retried.status == "succeeded" and retried.last_payment_error is None


def _authenticate(intent, action):
    url = intent.next_action.redirect_to_url.url
    page = requests.get(url, timeout=5)
    assert "Complete" in page.text and "Fail" in page.text
    return requests.post(url, data={"action": action}, allow_redirects=False, timeout=5)


def test_three_d_secure_completed(client):
    intent = _create(client)
    pending = client.v1.payment_intents.confirm(
        intent.id,
        params={
            "payment_method": "pm_card_authenticationRequired",
            "return_url": "http://store.test/return?step=3",
        },
    )
    assert pending.status == "requires_action"
    assert pending.next_action.type == "redirect_to_url"
    assert pending.next_action.redirect_to_url.return_url == "http://store.test/return?step=3"
    answer = _authenticate(pending, "complete")
    assert answer.status_code == 303
    target = urllib.parse.urlsplit(answer.headers["Location"])
    query = dict(urllib.parse.parse_qsl(target.query))
    assert target.netloc == "store.test"
    assert query == {
        "step": "3",
        "payment_intent": intent.id,
        "payment_intent_client_secret": intent.client_secret,
        "redirect_status": "succeeded",
    }
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_three_d_secure_failed(client):
    intent = _create(client)
    pending = client.v1.payment_intents.confirm(
        intent.id,
        params={
            "payment_method": "pm_card_authenticationRequired",
            "return_url": "http://store.test/return",
        },
    )
    answer = _authenticate(pending, "fail")
    assert "redirect_status=failed" in answer.headers["Location"]
    after = client.v1.payment_intents.retrieve(intent.id)
    assert after.status == "requires_payment_method"
    assert after.last_payment_error.code == "payment_intent_authentication_failure"


def test_cancel_and_forbidden_transitions(client):
    intent = _create(client)
    canceled = client.v1.payment_intents.cancel(
        intent.id, params={"cancellation_reason": "requested_by_customer"}
    )
    assert canceled.status == "canceled"
    assert canceled.cancellation_reason == "requested_by_customer"
    paid = _create(client, payment_method="pm_card_visa", confirm=True)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.cancel(paid.id)
    assert refused.value.code == "payment_intent_unexpected_state"
    with pytest.raises(stripe.InvalidRequestError) as no_update:
        client.v1.payment_intents.update(paid.id, params={"amount": 5000})
    assert no_update.value.code == "payment_intent_unexpected_state"
    with pytest.raises(stripe.InvalidRequestError) as no_confirm:
        client.v1.payment_intents.confirm(paid.id, params={"payment_method": "pm_card_visa"})
    assert no_confirm.value.code == "payment_intent_unexpected_state"
    metadata_only = client.v1.payment_intents.update(paid.id, params={"metadata": {"a": "b"}})
    assert metadata_only.metadata["a"] == "b"


def test_confirm_without_payment_method_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.confirm(_create(client).id)
    assert refused.value.code == "payment_intent_unexpected_state"


@pytest.mark.parametrize(
    ("currency", "amount"),
    [("usd", 49), ("eur", 49), ("gbp", 29), ("jpy", 49)],
)
def test_minimum_charge_amounts(client, currency, amount):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        _create(client, amount=amount, currency=currency)
    assert refused.value.code == "amount_too_small"
    assert refused.value.param == "amount"
    assert _create(client, amount=amount + 1, currency=currency).amount == amount + 1


def test_three_decimal_amounts_must_end_in_zero(client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        _create(client, amount=1255, currency="kwd")
    assert refused.value.param == "amount"
    assert _create(client, amount=1250, currency="kwd").amount == 1250


def test_zero_decimal_amounts_are_whole_units(client):
    intent = _create(client, amount=500, currency="jpy")
    assert intent.amount == 500


def test_list_payment_intents_newest_first(client):
    first = _create(client)
    second = _create(client)
    listed = client.v1.payment_intents.list(params={"limit": 1})
    assert [i.id for i in listed.data] == [second.id]
    assert listed.has_more is True
    rest = client.v1.payment_intents.list(params={"starting_after": second.id})
    assert [i.id for i in rest.data] == [first.id]
