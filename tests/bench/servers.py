"""The processes a benchmark run starts, and stops again by their own PIDs: the offline
Stripe emulator, gunicorn serving the store with the bench settings, and the task worker
(`manage.py db_worker`) that sends receipts queued by the webhook rounds."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2


class ServerError(RuntimeError):
    """A process did not start, or died."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    """Poll `url` until it answers (any HTTP status), or fail with the process's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"{process.args[2]} exited ({process.returncode}):\n{tail(log)}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise ServerError(f"{url} did not answer within {timeout:.0f} s:\n{tail(log)}")


def tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM to this process (gunicorn's master stops its workers), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


@contextlib.contextmanager
def started(
    args: list[str], env: dict[str, str], log: Path, ready_url: str, timeout: float = 60
) -> Iterator[subprocess.Popen]:
    with log.open("ab") as output:
        process = subprocess.Popen(
            args, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_until_answering(ready_url, process, log, timeout)
        yield process
    finally:
        stop(process)


def emulator(port: int, env: dict[str, str], log: Path):
    """The offline Stripe emulator on 127.0.0.1:`port` (no webhook endpoints: the
    benchmark signs and sends its own events)."""
    args = [sys.executable, "-m", "stripe_emulator", "--host", "127.0.0.1", "--port", str(port)]
    return started(args, env, log, f"http://127.0.0.1:{port}/_emulator/health")


def gunicorn(port: int, env: dict[str, str], log: Path, ready_path: str = "/robots.txt"):
    """gunicorn with the production command line of docker/entrypoint.sh (its worker
    processes, each serving `GUNICORN_THREADS` requests at once, 1 unless `env` says),
    minus the access log: the bench measures the store, not the console."""
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--threads",
        env.get("GUNICORN_THREADS", "1"),
        "--config",
        "docker/gunicorn.conf.py",
    ]
    return started(args, env, log, f"http://127.0.0.1:{port}{ready_path}", timeout=90)


@contextlib.contextmanager
def task_worker(env: dict[str, str], log: Path, settle: float = 1.0) -> Iterator[subprocess.Popen]:
    """`manage.py db_worker` with the production command line of docker/entrypoint.sh's
    `worker`, at its lower CPU priority (`WORKER_NICENESS`, 10 unless `env` says): it runs
    what the `TASKS_BACKEND` in `env` queues until it is stopped. It answers no URL: it
    counts as started when it is still running after `settle` s."""
    niceness = env.get("WORKER_NICENESS", "10")
    args = ["nice", "-n", niceness, sys.executable, "manage.py", "db_worker", "--no-reload"]
    with log.open("ab") as output:
        process = subprocess.Popen(
            args, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        time.sleep(settle)
        if process.poll() is not None:
            raise ServerError(f"db_worker exited ({process.returncode}):\n{tail(log)}")
        yield process
    finally:
        stop(process)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds process `pid` has used (Linux /proc); 0 when gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds used by `pid` and its live descendants (gunicorn's master and workers)."""
    return sum(tree_cpu_by_process(pid).values())


def tree_cpu_by_process(pid: int) -> dict[int, float]:
    """CPU seconds used by `pid` and by each of its live descendants, by process id."""
    found = {pid: _cpu_seconds(pid)}
    for child in _children(pid):
        found.update(tree_cpu_by_process(child))
    return found


def database_cpu_by_process(name: str) -> dict[int, float]:
    """CPU seconds used by each live PostgreSQL backend serving database `name` (their
    process titles name it), by process id, when PostgreSQL runs on this machine; else
    none."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and f" {name} " in title:
            found[int(entry.name)] = _cpu_seconds(int(entry.name))
    return found


class CpuSpent:
    """The CPU seconds a set of processes has used so far, read from /proc each call (each
    reader gives its processes' use by process id), and never less than the last call: a
    process that has ended since (a database connection closed after its idle time, a
    worker restarted) counts what it had used when last seen. Sums of the live processes
    alone would drop when one ends, and a round would seem to cost less than nothing."""

    def __init__(self, *readers: Callable[[], dict[int, float]]) -> None:
        self.readers = readers
        self.seen: dict[int, float] = {}

    def __call__(self) -> float:
        for reader in self.readers:
            for pid, seconds in reader().items():
                self.seen[pid] = max(seconds, self.seen.get(pid, 0.0))
        return sum(self.seen.values())
