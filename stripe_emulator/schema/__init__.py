"""The response schema derived from stripe-python's typed resources, and its validator."""
