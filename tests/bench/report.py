"""The table `make bench` prints."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One line of the table: what was measured, against what, and whether the goal is met
    (None: no goal could be judged, e.g. the feature is not there)."""

    target: str
    value: str
    baseline: str = ""
    ratio: str = ""
    goal: str = ""
    met: bool | None = None

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "NO", None: "n/a"}[self.met]


HEADINGS = ("target", "result", "baseline", "ratio", "goal", "met")


def table(rows: list[Row]) -> str:
    """A plain-text table, one row per line, columns padded to their widest cell."""
    cells = [HEADINGS] + [
        (row.target, row.value, row.baseline, row.ratio, row.goal, row.verdict) for row in rows
    ]
    widths = [max(len(line[column]) for line in cells) for column in range(len(HEADINGS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        for line in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def rate(value: float) -> str:
    return f"{value:,.0f} req/s"
