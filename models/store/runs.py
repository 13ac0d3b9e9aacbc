"""The run ledger of the store: start, hold (lease), adopt for resuming, finish, prune.

A run is held by one process at a time through its lease (see :mod:`models.store.lease`).
Its effective status is derived when read: a ``running`` run whose heartbeat is older
than the lease time — or, on the same host, whose process is gone — is ``interrupted``.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bpr.errors import StorageError
from models.store.lease import Heartbeat, lease_time
from models.store.tables import AnalysisResult, Run, RunStatus, SimulationResult, utc_now
from models.store.writes import rowcount

__all__ = ["SUMMARY_KINDS", "RunLedger", "RunView", "process_alive"]

SUMMARY_KINDS = ("ranking", "national-totals")
"""Analysis result kinds that summarise a run rather than complete one of its tasks."""


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class RunView:
    """A run as shown to users, with its effective status."""

    id: int
    kind: str
    status: str
    parameters: dict[str, Any]
    seed: int | None
    code_version: str
    started_at: datetime
    ended_at: datetime | None
    flow_run_id: str | None
    tasks_expected: int | None
    tasks_done: int
    error: str | None
    host: str = ""
    pid: int | None = None
    heartbeat_at: datetime | None = None


def _effective_status(run: Run, now: datetime) -> str:
    if run.status != RunStatus.RUNNING:
        return run.status
    if run.host == socket.gethostname() and run.pid and not process_alive(run.pid):
        return RunStatus.INTERRUPTED
    if run.heartbeat_at is not None and now - run.heartbeat_at > lease_time():
        return RunStatus.INTERRUPTED
    return RunStatus.RUNNING


def _tasks_done(s: Session, run_id: int) -> int:
    sims = s.scalar(select(func.count()).select_from(SimulationResult)
                    .where(SimulationResult.run_id == run_id)) or 0
    analyses = s.scalar(select(func.count()).select_from(AnalysisResult).where(
        AnalysisResult.run_id == run_id, AnalysisResult.kind.not_in(SUMMARY_KINDS))) or 0
    return int(sims) + int(analyses)


class RunLedger:
    """Run bookkeeping; mixed into :class:`models.store.database.Store`, which provides
    ``transaction()`` and ``_sessions``."""

    _leases: dict[int, str]

    @contextmanager
    def transaction(self) -> Iterator[Session]:  # pragma: no cover - provided by Store
        raise NotImplementedError
        yield

    def _session(self) -> Session:  # pragma: no cover - provided by Store
        raise NotImplementedError

    # -- lifecycle ---------------------------------------------------------------------

    def start_run(self, kind: str, parameters: dict[str, Any], *, seed: int | None,
                  code_version: str, flow_run_id: str | None = None,
                  tasks_expected: int | None = None) -> int:
        """Record a new run in state ``running``, held by this process, and return its id."""
        token = uuid.uuid4().hex
        with self.transaction() as s:
            run = Run(kind=kind, status=RunStatus.RUNNING, parameters=parameters, seed=seed,
                      code_version=code_version, flow_run_id=flow_run_id,
                      host=socket.gethostname(), pid=os.getpid(),
                      tasks_expected=tasks_expected, heartbeat_at=utc_now(), lease_token=token)
            s.add(run)
            s.flush()
            run_id = run.id
        self._leases[run_id] = token
        return run_id

    def adopt_run(self, run_id: int, *, kind: str | None = None,
                  flow_run_id: str | None = None) -> RunView:
        """Take over an interrupted or failed run to resume it in this process.

        Atomic: of two processes adopting the same run at once, one wins and the other is
        refused.

        Raises:
            StorageError: no such run; a run of another ``kind``; a completed run; a run
                whose lease is live (still running somewhere).
        """
        token = uuid.uuid4().hex
        with self.transaction() as s:
            run = self._run(s, run_id)
            if kind is not None and run.kind != kind:
                raise StorageError(f"run {run_id} is a {run.kind} run, not a {kind} run; "
                                   f"it cannot be resumed as one")
            if run.status == RunStatus.COMPLETED:
                raise StorageError(f"run {run_id} is already completed")
            if _effective_status(run, utc_now()) == RunStatus.RUNNING:
                beat = run.heartbeat_at.isoformat(timespec="seconds") if run.heartbeat_at \
                    else "never"
                raise StorageError(
                    f"run {run_id} is still running on {run.host} (pid {run.pid}, last heartbeat "
                    f"{beat}); it can be resumed once it stops or its lease "
                    f"({lease_time().total_seconds():g} s) expires")
            taken = rowcount(s.execute(
                update(Run).where(Run.id == run_id, Run.lease_token.is_(None)
                                  if run.lease_token is None else Run.lease_token == run.lease_token)
                .values(status=RunStatus.RUNNING, host=socket.gethostname(), pid=os.getpid(),
                        ended_at=None, error=None, heartbeat_at=utc_now(), lease_token=token,
                        flow_run_id=flow_run_id or run.flow_run_id)))
            if taken != 1:
                raise StorageError(f"run {run_id} was taken over by another process just now")
        self._leases[run_id] = token
        return self.run(run_id)

    def heartbeat(self, run_id: int) -> bool:
        """Renew this process's lease on a run. Returns False when the lease is not ours
        any more (another process adopted the run, or it was closed)."""
        token = self._leases.get(run_id)
        if token is None:
            return False
        with self.transaction() as s:
            return rowcount(s.execute(update(Run).where(
                Run.id == run_id, Run.lease_token == token, Run.status == RunStatus.RUNNING)
                .values(heartbeat_at=utc_now()))) == 1

    @contextmanager
    def hold(self, run_id: int) -> Iterator[Heartbeat]:
        """Renew the lease of ``run_id`` on a daemon thread for the duration of the block."""
        beat = Heartbeat(lambda: self.heartbeat(run_id),
                         lease_time().total_seconds() / 4).start()
        try:
            yield beat
        finally:
            beat.stop()

    def finish_run(self, run_id: int, status: str, error: str | None = None) -> None:
        """Close a run as ``completed`` or ``failed`` (only while this process holds it,
        when it holds a lease on it).

        Raises:
            StorageError: another process took the run over meanwhile.
        """
        if status not in (RunStatus.COMPLETED, RunStatus.FAILED):
            raise ValueError(f"a run finishes completed or failed, not {status!r}")
        token = self._leases.pop(run_id, None)
        with self.transaction() as s:
            self._run(s, run_id)
            query = update(Run).where(Run.id == run_id)
            if token is not None:
                query = query.where(Run.lease_token == token)
            closed = rowcount(s.execute(query.values(status=status, ended_at=utc_now(),
                                                     error=error, lease_token=None)))
            if closed != 1:
                raise StorageError(f"run {run_id} was taken over by another process; "
                                   f"it is not closed {status} by this one")

    # -- reading -----------------------------------------------------------------------

    @staticmethod
    def _run(s: Session, run_id: int) -> Run:
        run = s.get(Run, run_id)
        if run is None:
            raise StorageError(f"no run with id {run_id}")
        return run

    @staticmethod
    def _view(s: Session, run: Run) -> RunView:
        return RunView(id=run.id, kind=run.kind, status=_effective_status(run, utc_now()),
                       parameters=dict(run.parameters), seed=run.seed,
                       code_version=run.code_version, started_at=run.started_at,
                       ended_at=run.ended_at, flow_run_id=run.flow_run_id,
                       tasks_expected=run.tasks_expected, tasks_done=_tasks_done(s, run.id),
                       error=run.error, host=run.host, pid=run.pid, heartbeat_at=run.heartbeat_at)

    def runs(self, limit: int = 50) -> list[RunView]:
        """The most recent runs, newest first, with effective status."""
        with self._session() as s:
            rows = s.scalars(select(Run).order_by(Run.id.desc()).limit(limit)).all()
            return [self._view(s, r) for r in rows]

    def run(self, run_id: int) -> RunView:
        """One run.

        Raises:
            StorageError: no such run.
        """
        with self._session() as s:
            return self._view(s, self._run(s, run_id))

    def latest_completed_run(self, kind: str) -> int | None:
        """Id of the newest completed run of ``kind`` (``simulate``, ``analyze``), or None."""
        with self._session() as s:
            return s.scalars(select(Run.id).where(Run.kind == kind,
                                                  Run.status == RunStatus.COMPLETED)
                             .order_by(Run.id.desc())).first()

    # -- pruning -----------------------------------------------------------------------

    def prune(self, *, keep: int | None = None, before: datetime | None = None,
              dry_run: bool = False) -> list[RunView]:
        """Delete old runs and their results; returns the runs deleted (or that would be).

        ``keep=N`` keeps the newest N runs of each kind; ``before=T`` deletes runs started
        before T; both together delete what either selects. A run that is still running
        (live lease) is never deleted. Procedure versions are kept (they are immutable and
        small, and a later run may refer to them).

        Raises:
            ValueError: neither ``keep`` nor ``before`` given, or ``keep`` < 0.
        """
        if keep is None and before is None:
            raise ValueError("say what to prune: keep=N and/or before=DATE")
        if keep is not None and keep < 0:
            raise ValueError(f"keep must be 0 or more, not {keep}")
        with self.transaction() as s:
            runs = s.scalars(select(Run).order_by(Run.id.desc())).all()
            seen: dict[str, int] = {}
            doomed: list[RunView] = []
            for run in runs:
                seen[run.kind] = seen.get(run.kind, 0) + 1
                old = (keep is not None and seen[run.kind] > keep) or \
                      (before is not None and run.started_at < before)
                if old and _effective_status(run, utc_now()) != RunStatus.RUNNING:
                    doomed.append(self._view(s, run))
            ids = [v.id for v in doomed]
            if ids and not dry_run:
                s.execute(delete(SimulationResult).where(SimulationResult.run_id.in_(ids)))
                s.execute(delete(AnalysisResult).where(AnalysisResult.run_id.in_(ids)))
                s.execute(delete(Run).where(Run.id.in_(ids)))
            return doomed
