"""The recycle sweep on a schedule, inside ``highseas serve``.

Every server process runs this loop; the recycle lock (taken with SKIP LOCKED) and the lock row's
``last_run_at`` make sure only one process sweeps at a time and the company sweeps once per
interval however many processes serve it.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

from sqlalchemy import Engine, select

from highseas import clock
from highseas.auth.audit import audit
from highseas.db import session_scope
from highseas.ownership.locks import RECYCLE, recycle_lock
from highseas.ownership.models import JobLock
from highseas.ownership.sweep import SweepReport, sweep

log = logging.getLogger("highseas.scheduler")


def sweep_if_due(engine: Engine, interval: timedelta) -> SweepReport | None:
    """Sweep unless another process is sweeping or swept less than ``interval`` ago."""
    with session_scope(engine) as session:
        if not recycle_lock(session, wait=False):
            return None
        last = session.scalar(select(JobLock.last_run_at).where(JobLock.name == RECYCLE))
        now = clock.now()
        if last is not None and now - last < interval:
            return None
        report = sweep(session, now)
        audit(
            session,
            "scheduled_sweep",
            process=os.getpid(),
            recycled=report.recycled,
            reminded=report.reminded,
        )
        return report


class SweepScheduler:
    def __init__(self, engine: Engine, interval: timedelta) -> None:
        self.engine = engine
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="highseas-sweep", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        # Wake up a few times per interval so a process that starts late, or a peer that died,
        # never delays a sweep by more than a fraction of the interval.
        tick = max(1.0, self.interval.total_seconds() / 6)
        while not self._stop.is_set():
            try:
                report = sweep_if_due(self.engine, self.interval)
                if report is not None:
                    log.info(
                        "sweep at %s recycled %d, reminded %d", report.at, report.recycled, report.reminded
                    )
            except Exception:
                log.exception("scheduled sweep failed; will retry")
            self._stop.wait(tick)
