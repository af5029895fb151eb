"""Editors cannot publish an item Stripe cannot sell: no pre-filled zero, no price below
Stripe's minimum charge, messages in the editor's own terms."""

import re

import pytest
from wagtail.test.utils.form_data import nested_form_data, rich_text

from commerce import money
from commerce.forms import ItemPageForm
from commerce.models import ItemPage
from tests.factories import ItemPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.com", "pw")
    client.force_login(user)
    return client


def item_data(**overrides):
    data = {
        "title": "Linen Apron",
        "slug": "linen-apron",
        "description": rich_text("<p>Washed linen.</p>"),
        "price": "38.50",
        "currency": "USD",
        "sku": "",
        "available_for_sale": "on",
    }
    data.update(overrides)
    return nested_form_data(data)


def publish_new_item(client, catalog, **overrides):
    return client.post(
        f"/admin/pages/add/commerce/itempage/{catalog.pk}/",
        {**item_data(**overrides), "action-publish": "1"},
    )


def price_errors(response):
    assert response.status_code == 200, "the form should be shown again with its errors"
    return response.context["form"].errors.get("price", [])


def price_input(html):
    [tag] = re.findall(r"<input[^>]*name=\"price\"[^>]*>", html)
    return tag


def test_a_new_item_starts_with_an_empty_required_price(editor_client, catalog):
    response = editor_client.get(f"/admin/pages/add/commerce/itempage/{catalog.pk}/")
    tag = price_input(response.content.decode())
    assert "value=" not in tag
    assert "required" in tag
    assert response.context["form"]["price"].value() in (None, "")


def test_publishing_without_a_price_is_refused(editor_client, catalog):
    response = publish_new_item(editor_client, catalog, price="")
    assert price_errors(response) == ["This field is required."]
    assert not ItemPage.objects.filter(slug="linen-apron").exists()


@pytest.mark.parametrize(
    ("price", "currency", "message"),
    [
        ("0", "USD", "at least $0.50"),
        ("0.00", "USD", "at least $0.50"),
        ("0.10", "USD", "at least $0.50"),
        ("0.49", "EUR", "at least €0.50"),
        ("0.29", "GBP", "at least £0.30"),
        ("49", "JPY", "at least ¥50"),
        ("2.99", "SEK", "at least SEK 3.00"),
        ("0.190", "KWD", "at least KWD 0.200"),
    ],
)
def test_prices_below_stripes_minimum_charge_are_refused(
    editor_client, catalog, price, currency, message
):
    response = publish_new_item(editor_client, catalog, price=price, currency=currency)
    [error] = price_errors(response)
    assert message in error
    assert not ItemPage.objects.filter(slug="linen-apron").exists()


@pytest.mark.parametrize(
    ("price", "currency", "amount"),
    [("0.50", "USD", 50), ("0.30", "GBP", 30), ("50", "JPY", 50), ("0.200", "KWD", 200)],
)
def test_the_minimum_itself_is_accepted(editor_client, catalog, price, currency, amount):
    response = publish_new_item(editor_client, catalog, price=price, currency=currency)
    assert response.status_code == 302
    item = ItemPage.objects.get(slug="linen-apron")
    assert (item.price_amount, item.currency, item.live) == (amount, currency, True)


def test_three_decimal_errors_show_the_amount_as_typed(editor_client, catalog):
    response = publish_new_item(editor_client, catalog, price="1.255", currency="KWD")
    [error] = price_errors(response)
    assert "1.255" in error
    assert "1255" not in error
    assert "multiples of KWD 0.010" in error


def test_editing_an_item_keeps_its_price_and_refuses_lowering_it_below_the_minimum(
    editor_client, catalog
):
    item = ItemPageFactory(parent=catalog, title="Mug", price_amount=1450, currency="USD")
    edit_url = f"/admin/pages/{item.pk}/edit/"
    assert 'value="14.50"' in price_input(editor_client.get(edit_url).content.decode())

    data = item_data(title="Mug", slug=item.slug, price="0.25")
    response = editor_client.post(edit_url, {**data, "action-publish": "1"})
    [error] = price_errors(response)
    assert "at least $0.50" in error
    item.refresh_from_db()
    assert item.price_amount == 1450


def test_the_form_alone_refuses_zero(catalog):
    form_class = ItemPage.get_edit_handler().get_form_class()
    assert issubclass(form_class, ItemPageForm)
    form = form_class(
        data=item_data(price="0"), instance=ItemPage(), parent_page=catalog, for_user=None
    )
    assert not form.is_valid()
    assert "at least $0.50" in form.errors["price"][0]


def test_every_offered_currency_has_a_minimum_charge():
    for code in money.CURRENCIES:
        minimum = money.minimum_charge(code)
        assert minimum > 0
        assert minimum % money.get_currency(code).stripe_step == 0
        money.check_minimum_charge(minimum, code)
        with pytest.raises(money.BelowMinimumCharge, match="at least"):
            money.check_minimum_charge(minimum - 1, code)
