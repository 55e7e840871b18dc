"""What the benchmarks share: the local PostgreSQL server, `highseas serve` processes, and the
figures every run reports (percentiles, peak memory).

Run a benchmark as ``python bench/NAME.py``; this module sits beside it on ``sys.path``.
"""

from __future__ import annotations

import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import Engine, text

SERVER_URL = "postgresql://postgres@127.0.0.1:5432"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def local_postgresql(database: str) -> str:
    """The URL of ``database`` on the local server, created if it is missing."""
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
            log(f"creating database {database}")
            conn.execute(f'CREATE DATABASE "{database}"')
    return f"{SERVER_URL}/{database}"


def empty_schema(engine: Engine) -> None:
    """Start a benchmark's own PostgreSQL database from nothing (never a database of the user's)."""
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def servers(url: str, count: int = 1) -> Iterator[list[str]]:
    """``count`` ``highseas serve`` processes on ``url`` (no scheduled sweep), once they answer."""
    env = os.environ | {"HIGHSEAS_DATABASE_URL": url}
    ports = [_free_port() for _ in range(count)]
    command = [sys.executable, "-m", "highseas", "serve", "--sweep-minutes", "0", "--port"]
    procs = [subprocess.Popen([*command, str(p)], env=env, stdout=subprocess.DEVNULL) for p in ports]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for base in bases:
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)  # the server process is still starting
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def peak_mb() -> float:
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / 1024 / 1024 if sys.platform == "darwin" else maxrss / 1024


def cached_file(name: str, build: Callable[[Path], None]) -> Path:
    """``name`` under the system's temporary directory, built by ``build`` the first time: a
    generated input that costs minutes to write is kept for the next run. Written under another
    name and renamed, so that a run killed half-way leaves no partial file behind."""
    path = Path(tempfile.gettempdir()) / name
    if path.exists():
        log(f"reusing {path}")
        return path
    partial = path.with_name(f"{name}.{os.getpid()}.partial")
    try:
        build(partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path
