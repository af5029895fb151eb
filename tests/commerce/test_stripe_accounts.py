"""Stripe accounts from environment variables named by currency: the app's own parser,
which a host site calls from its settings (`accounts_from_environment(os.environ)`)."""

from commerce.payments.accounts import accounts_from_environment


def test_each_currency_suffix_names_an_account_and_no_suffix_the_default():
    accounts = accounts_from_environment(
        {
            "STRIPE_SECRET_KEY": "sk_test_a",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_a",
            "STRIPE_WEBHOOK_SECRET": "whsec_a",
            "STRIPE_SECRET_KEY_EUR": "sk_test_b",
            "STRIPE_WEBHOOK_SECRET_EUR": " whsec_b ",
            "PATH": "/usr/bin",
        }
    )
    assert accounts == {
        "default": {
            "secret_key": "sk_test_a",
            "publishable_key": "pk_test_a",
            "webhook_secret": "whsec_a",
        },
        "EUR": {"secret_key": "sk_test_b", "webhook_secret": "whsec_b"},
    }


def test_empty_values_count_as_unset_and_an_account_needs_its_secret_key():
    accounts = accounts_from_environment(
        {
            "STRIPE_SECRET_KEY": "sk_test_a",
            "STRIPE_PUBLISHABLE_KEY_EUR": "",
            "STRIPE_SECRET_KEY_GBP": "  ",
            "STRIPE_PUBLISHABLE_KEY_JPY": "pk_test_only_no_secret",
        }
    )
    assert accounts == {"default": {"secret_key": "sk_test_a"}}


def test_names_that_only_look_alike_are_not_accounts():
    accounts = accounts_from_environment(
        {
            "STRIPE_SECRET_KEY_eur": "sk_test_lower",
            "STRIPE_SECRET_KEY_EURO": "sk_test_four_letters",
            "MY_STRIPE_SECRET_KEY": "sk_test_prefixed",
            "STRIPE_API_BASE": "http://127.0.0.1:12111",
        }
    )
    assert accounts == {}
