"""The check after the webhook rounds: every event the store took was applied once.

The fresh round sends each event (each paying a different order) once; the replay round
sends the stored ones again. Afterwards each stored event must have paid its one order,
each paid order must have been announced (`order_paid`) exactly once, and the replays
must have changed nothing. Once the task queue is drained, each paid order must have got
exactly one receipt, and no other order any.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Snapshot:
    """What the database and the paid log said at one moment."""

    stored_events: int
    paid_orders: frozenset[int]
    paid_signals: tuple[int, ...]  # order ids, one per order_paid, in the log's order


def problems(acknowledged: int, after_fresh: Snapshot, after_replays: Snapshot) -> list[str]:
    """What went wrong, in words; empty when every event was applied exactly once.

    `acknowledged` is how many fresh deliveries the store answered 2xx during the round
    (a delivery still in flight when the round ended may be stored too, never fewer).
    """
    found = []
    if after_fresh.stored_events < acknowledged:
        found.append(
            f"{acknowledged} fresh events acknowledged but only {after_fresh.stored_events} stored"
        )
    if len(after_fresh.paid_orders) != after_fresh.stored_events:
        found.append(
            f"{after_fresh.stored_events} events stored but "
            f"{len(after_fresh.paid_orders)} orders paid"
        )
    for label, snapshot in (("fresh", after_fresh), ("replays", after_replays)):
        repeated = sorted(pk for pk, n in Counter(snapshot.paid_signals).items() if n > 1)
        if repeated:
            found.append(f"after {label}: orders announced paid more than once: {repeated[:5]}")
        unannounced = sorted(snapshot.paid_orders - set(snapshot.paid_signals))
        if unannounced:
            found.append(f"after {label}: paid orders never announced: {unannounced[:5]}")
        unpaid = sorted(set(snapshot.paid_signals) - snapshot.paid_orders)
        if unpaid:
            found.append(f"after {label}: announced orders that are not paid: {unpaid[:5]}")
    if after_replays.stored_events != after_fresh.stored_events:
        found.append(
            f"replays stored {after_replays.stored_events - after_fresh.stored_events} events again"
        )
    if after_replays.paid_orders != after_fresh.paid_orders:
        found.append("replays changed which orders are paid")
    return found


def receipt_problems(paid_orders: frozenset[int], receipts: tuple[int, ...]) -> list[str]:
    """What went wrong with the receipts, in words: `receipts` holds one order id per
    receipt handed to the mail backend (see `receipt_log`)."""
    found = []
    sent = Counter(receipts)
    repeated = sorted(pk for pk, n in sent.items() if n > 1)
    if repeated:
        found.append(f"orders sent more than one receipt: {repeated[:5]}")
    missing = sorted(paid_orders - set(sent))
    if missing:
        found.append(f"{len(missing)} paid orders got no receipt: {missing[:5]}")
    unpaid = sorted(set(sent) - paid_orders)
    if unpaid:
        found.append(f"receipts for orders that are not paid: {unpaid[:5]}")
    return found
