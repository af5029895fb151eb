"""A storefront plugin for Wagtail: items are pages; buying goes through Stripe."""
