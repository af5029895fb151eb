"""An offline stand-in for a subset of the Stripe API, for development and tests only.

Production code never talks to it: it exists so that the store can be exercised end to end
(API calls, hosted Checkout, Stripe.js, webhooks) without network access or real accounts.
"""

API_VERSION = "2026-10-28.endive"
