"""Driving wrk (Debian's HTTP load tool) and reading what it prints.

wrk runs in a child process for a fixed time with a fixed number of connections; a Lua
script (tests/bench/lua/) builds requests that need a body, headers or cookies.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

LUA_FOLDER = Path(__file__).resolve().parent / "lua"
CONNECTIONS = 8
THREADS = 2

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_DURATION = re.compile(r"^\s*([\d.]+)(us|ms|s|m)\s*$")
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+(?:us|ms|s|m))\s*$", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+(?:us|ms|s|m)),", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s*(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


class WrkError(RuntimeError):
    """wrk could not run, or printed something this module cannot read."""


@dataclass
class WrkResult:
    """One wrk run: how many requests completed in how long, and their latencies (ms)."""

    requests: int
    seconds: float
    latency_ms: dict[int, float] = field(default_factory=dict)
    failed: int = 0  # answers that were not 2xx or 3xx
    socket_errors: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def milliseconds(text: str) -> float:
    """wrk's "812.00us", "4.21ms", "1.02s" as milliseconds."""
    match = _DURATION.match(text)
    if not match:
        raise WrkError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_output(output: str) -> WrkResult:
    """What one `wrk --latency` run printed, read."""
    total = _TOTAL.search(output)
    if not total:
        raise WrkError(f"wrk printed no request count:\n{output}")
    non_2xx = _NON_2XX.search(output)
    socket = _SOCKET_ERRORS.search(output)
    return WrkResult(
        requests=int(total.group(1)),
        seconds=milliseconds(total.group(2)) / 1000,
        latency_ms={int(p): milliseconds(value) for p, value in _PERCENTILE.findall(output)},
        failed=int(non_2xx.group(1)) if non_2xx else 0,
        # Timeouts and resets; "connect" errors included.
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
    )


def command(
    url: str,
    seconds: float,
    *,
    script: str | None = None,
    connections: int = CONNECTIONS,
    threads: int = THREADS,
    script_arguments: list[str] | None = None,
) -> list[str]:
    """The wrk command line for one run (`script` names a file in tests/bench/lua/)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise WrkError("wrk is not installed (make bench installs Debian's wrk)")
    line = [
        wrk,
        f"--threads={min(threads, connections)}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        "--latency",
    ]
    if script:
        line.append(f"--script={LUA_FOLDER / script}")
    line.append(url)
    if script_arguments:
        line += ["--", *script_arguments]
    return line


def run(url: str, seconds: float, **options) -> WrkResult:
    """Load `url` for `seconds` and read the result."""
    line = command(url, seconds, **options)
    finished = subprocess.run(line, capture_output=True, text=True, timeout=seconds + 30)
    if finished.returncode != 0:
        raise WrkError(f"wrk failed ({finished.returncode}): {finished.stderr or finished.stdout}")
    return parse_output(finished.stdout)
