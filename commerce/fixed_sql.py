"""Fixed statements on the busiest paths (a webhook's replay lookup, a buy's session id, a
cart's record), written once from a model's own names instead of built by the ORM on
every request: building such a statement cost more than the database spends running it.

Only the model's table and column names, quoted by the database's backend, are written
into the text; every value is a parameter.
"""

from __future__ import annotations

from django.db import connections
from django.db.models import Model


def quoted_names(model: type[Model], alias: str, *fields: str) -> tuple[str, dict[str, str]]:
    """`model`'s table and the columns of `fields`, by field name, quoted for the database
    behind `alias`."""
    quote = connections[alias].ops.quote_name
    meta = model._meta
    return quote(meta.db_table), {name: quote(meta.get_field(name).column) for name in fields}
