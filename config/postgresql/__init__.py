"""The store's PostgreSQL backend: Django's, with a cheaper health check (see `base`)."""
