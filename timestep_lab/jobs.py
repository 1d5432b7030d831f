"""One scheduler for heavy work: a bounded pool of worker threads per process, shared fairly.

A class shares one server. Sampling or training for tens of seconds in a page's own thread
would let one student hold a core as long as they like, keep running after their tab closed,
and slow every other student's run. So heavy work is a *job* handed to this scheduler instead.

API (stable: the denoiser page and the training lab submit through it)
----------------------------------------------------------------------
``scheduler.submit(work, owner=..., slot=..., cost=..., key=None, label="", group=None) -> Job``

- ``work(ctx)`` is a generator function: it does one small unit of work (a sampler step, a
  training batch) between ``yield``\\ s and ``return``\\ s its result. A worker runs a job a
  slice at a time (``slice_s``, at least one unit) and may switch to another job between
  units, so a unit should take well under a second. Whatever it yields becomes ``job.latest``
  (e.g. the step just made, to draw live). ``ctx.progress(fraction, text)`` sets
  ``job.progress``; ``ctx.cancelled()`` lets a long unit stop early (the scheduler itself
  checks it between units).
- ``owner``: who asked (a session id). ``slot``: which of the owner's requests this is (e.g.
  ``"denoiser:generate"``); a newer job of the same owner in the same slot *replaces* the
  older one, which stops at its next unit.
- ``cost``: the job's work in the unit its caller chose (sampler: steps × samples × passes);
  above ``max_cost`` the job is refused with ``JobRefused`` (a ``ValueError`` whose message
  says the bound), before anything runs.
- ``key``: jobs with the same key compute the same thing; while one is queued or running, a
  second request joins it (as another owner) instead of computing it again. A shared job is
  cancelled only when every owner has left or replaced it.
- ``is_alive(owner)`` (given to the scheduler) says whether an owner is still there. A
  started job whose owners have all gone stops at its next unit (within a second: it holds a
  core). A job that has not started yet costs nothing while it waits, so it keeps its place
  for ``grace_s`` seconds after its owners were first seen gone (a brief drop of the
  connection; it is passed over, not started, meanwhile) and is dropped after that, as soon
  as the scheduler looks at the queue (a worker picking, ``place()``).
- ``group``: a kind of job with a concurrency limit (``Scheduler(limits={"train": 1})``). A
  group job takes one of its group's slots at its first unit and keeps it until it finishes,
  so the group's jobs run to completion. When a slot is free, the next to start is the
  earliest waiting job of the owner who has had the fewest of the group's jobs started lately
  (a count decaying with ``half_life_s``): owners take turns, each one's jobs in the order
  submitted, so one owner's nine runs do not make the next owner wait for all nine. A job
  shared by several owners goes at the turn of the least served of them. ``_line`` computes
  this order once for both the pick and ``place()``. Work outside any group (a sampler, a
  fit) is not held up by them.

``Job``: ``state`` (queued, running, done, failed, cancelled), ``place()`` (1 + the jobs that
will run before it while queued, 0 once started; for a group job, 1 + the group's waiting jobs
ahead of it in that order), ``position()`` (the place, what is ahead and running, and for a
group job an estimate of the wait), ``progress``, ``latest``, ``cpu_seconds``,
``queued_seconds``, ``wait(timeout)``, ``result(timeout)`` (raises ``JobCancelled`` or the
work's own exception), ``leave(owner)`` and ``cancel()``.

Fairness: workers are few (at most the cores) and pick, between slices, the waiting job whose
owners have used the least CPU lately (least attained service, decaying with a half-life of
``half_life_s``). A student's first short run so goes ahead of another's long one, which only
slows down while others are served. Group jobs that hold a slot take part in this sharing;
group jobs waiting for a slot do not (their turn is the group's own, above).

The workers are at most the cores this process may use: its CPU affinity, and the cgroup's
CPU quota (a container limited to 2 CPUs still sees all the node's cores). Times (waits,
paces, what was used or started lately, how long an owner has been away) are read from
``clock`` (``time.monotonic``; a test can move one by hand); slices are timed on the wall.

No Streamlit and no torch here: ``timestep_lab.ui.jobs`` binds owners to Streamlit sessions.
"""

from __future__ import annotations

import collections
import heapq
import itertools
import math
import os
import statistics
import threading
import time
from collections.abc import Callable, Generator, Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

# A group's wait estimate uses the median pace of its last 5 finished jobs, once 3 have
# finished: a first training also loads what the later ones reuse, and in the class benchmark
# (benchmarks/train_lab.py queue) an estimate from it alone was 3× the wait that followed.
PACE_JOBS, PACE_MIN = 5, 3
JobState = Literal["queued", "running", "done", "failed", "cancelled"]
Work = Callable[["JobContext"], Generator[Any, None, Any]]


class JobRefused(ValueError):
    """A job asked for more work than the scheduler allows; the message says the bound."""


class JobCancelled(Exception):
    """The job was stopped: replaced by a newer request, or every owner left."""


CGROUP_ROOT = Path("/sys/fs/cgroup")


def cgroup_cpus(root: Path | str | None = None) -> int | None:
    """The CPUs the cgroup's quota allows, ceil(quota / period); None without a quota.

    root: the cgroup file system (default ``CGROUP_ROOT``). cgroup v2: ``cpu.max`` holds
    "quota period" ("max period" without a quota); cgroup v1: ``cpu/cpu.cfs_quota_us`` (-1
    without a quota) and ``cpu/cpu.cfs_period_us``. A Kubernetes ``limits.cpu: "2"`` reads
    "200000 100000" here, while the CPU affinity still lists every core of the node.
    """
    root = Path(CGROUP_ROOT if root is None else root)
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError, ZeroDivisionError):
        pass
    for folder in (root / "cpu", root / "cpu,cpuacct", root):
        try:
            quota = int((folder / "cpu.cfs_quota_us").read_text())
            period = int((folder / "cpu.cfs_period_us").read_text())
        except (OSError, ValueError):
            continue
        return max(1, math.ceil(quota / period)) if quota > 0 and period > 0 else None
    return None


def default_workers(cgroup_root: Path | str | None = None) -> int:
    """The cores this process may use: its CPU affinity, capped by the cgroup's CPU quota
    (``cgroup_cpus``), at least 1."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    quota = cgroup_cpus(cgroup_root)
    return max(1, min(cores, quota) if quota is not None else cores)


@dataclass(frozen=True)
class Position:
    """Where a job stands: ``place`` (0 once started), the jobs waiting ``ahead`` of it, the
    jobs ``running`` (of its group, for a group job), the group's ``limit`` (None outside a
    group) and ``wait_s``: the seconds the group's jobs ahead should take, from their costs
    and the pace of the group's last finished jobs (None before ``PACE_MIN`` have, and when a
    slot is free for it: then it waits for a worker busy with other work, not for them)."""

    place: int
    ahead: int
    running: int
    limit: int | None = None
    wait_s: float | None = None


class JobContext:
    """What a job's work sees: whether to stop, and a way to report progress."""

    def __init__(self, job: Job) -> None:
        self._job = job

    def cancelled(self) -> bool:
        return self._job._should_stop()

    def progress(self, fraction: float, text: str = "") -> None:
        self._job.progress = (min(max(float(fraction), 0.0), 1.0), text)


class Job:
    """One submitted piece of work; see the module docstring."""

    def __init__(
        self,
        scheduler: Scheduler,
        work: Work,
        *,
        owner: Hashable,
        slot: Hashable,
        cost: float,
        key: Hashable | None,
        label: str,
        group: Hashable | None = None,
    ) -> None:
        self.scheduler, self.slot, self.cost, self.key, self.label, self.group = (
            scheduler,
            slot,
            cost,
            key,
            label,
            group,
        )
        self.owners: set[Hashable] = {owner}
        self.state: JobState = "queued"
        self.progress: tuple[float, str] = (0.0, "")
        self.latest: Any = None
        self.units = 0
        self.cpu_seconds = 0.0
        self.submitted = scheduler._clock()
        self.started: float | None = None
        self.finished: float | None = None
        self.order = next(scheduler._counter)
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._result: Any = None
        self._error: BaseException | None = None
        self._iterator = work(JobContext(self))

    # ── what a caller reads ──────────────────────────────────────────────────────
    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def queued_seconds(self) -> float:
        """How long the job waited before its first unit (so far, if it still waits)."""
        end = self.started if self.started is not None else self.scheduler._clock()
        return end - self.submitted

    def place(self) -> int:
        """1 + the jobs that will run before this one while it waits; 0 once it has started."""
        return self.scheduler._position(self).place

    def position(self) -> Position:
        """The place, the jobs ahead and running, and (a group job) the wait's estimate."""
        return self.scheduler._position(self)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job finishes or ``timeout`` seconds pass; whether it finished."""
        return self._done.wait(timeout)

    def result(self, timeout: float | None = None) -> Any:
        """The work's return value; raises JobCancelled, TimeoutError or the work's error."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"job {self.label!r} still {self.state} after {timeout} s")
        if self.state == "cancelled":
            raise JobCancelled(f"job {self.label!r} was cancelled")
        if self._error is not None:
            raise self._error
        return self._result

    # ── stopping ─────────────────────────────────────────────────────────────────
    def leave(self, owner: Hashable) -> None:
        """``owner`` no longer wants the result; the job stops when no owner is left."""
        with self.scheduler._cond:
            self.owners.discard(owner)
            if not self.owners:
                self._cancel.set()
                self.scheduler._drop_if_waiting(self)

    def cancel(self) -> None:
        """Stop the job for every owner (at its next unit if it is running)."""
        with self.scheduler._cond:
            self.owners.clear()
            self._cancel.set()
            self.scheduler._drop_if_waiting(self)

    def _should_stop(self) -> bool:
        if self._cancel.is_set():
            return True
        alive = [o for o in list(self.owners) if self.scheduler.is_alive(o)]
        if not alive:
            self._cancel.set()
            return True
        return False

    def _finish(self, state: JobState, result: Any = None, error: BaseException | None = None):
        self.state, self._result, self._error = state, result, error
        self.finished = self.scheduler._clock()
        self._iterator = None  # free what the work held (arrays, a model's activations)
        self._done.set()


class Scheduler:
    """A bounded pool of worker threads running jobs a slice at a time, least-served first."""

    def __init__(
        self,
        *,
        workers: int | None = None,
        max_cost: float = math.inf,
        is_alive: Callable[[Hashable], bool] = lambda owner: True,
        slice_s: float = 0.1,
        half_life_s: float = 30.0,
        limits: Mapping[Hashable, int] | None = None,
        grace_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = dict(limits or {})
        for group, limit in self.limits.items():
            if not isinstance(limit, int) or limit < 1:
                raise ValueError(f"limit of group {group!r} is {limit!r}; it must be an int ≥ 1")
        self.workers = max(1, min(workers or default_workers(), default_workers()))
        self.max_cost, self.is_alive = max_cost, is_alive
        self.slice_s, self.half_life_s = slice_s, half_life_s
        if not 0 <= grace_s < math.inf:
            raise ValueError(f"grace_s is {grace_s!r}; it must be a number of seconds ≥ 0")
        self.grace_s, self._clock = grace_s, clock
        self._cond = threading.Condition()
        self._waiting: list[Job] = []  # runnable, not on a worker now
        self._running: set[Job] = set()
        self._by_slot: dict[tuple[Hashable, Hashable], Job] = {}
        self._by_key: dict[Hashable, Job] = {}
        self._used: dict[Hashable, tuple[float, float]] = {}  # owner → (CPU s, when)
        # (group, owner) → (the group's jobs started for the owner, decaying; when)
        self._starts: dict[tuple[Hashable, Hashable], tuple[float, float]] = {}
        self._gone_since: dict[Hashable, float] = {}  # owner → when first seen gone
        self._counter = itertools.count()
        self._threads: list[threading.Thread] = []
        # group → (cost, seconds in a slot) of its last PACE_JOBS finished jobs
        self._paces: dict[Hashable, collections.deque] = {}

    # ── submitting ───────────────────────────────────────────────────────────────
    def check_cost(self, cost: float, what: str = "This job") -> None:
        """Raise JobRefused when ``cost`` is above ``max_cost``."""
        if not 0 <= cost <= self.max_cost:
            raise JobRefused(
                f"{what} asks for {cost:,.0f} units of work; one job may use at most "
                f"{self.max_cost:,.0f} here, so that a class shares the server fairly"
            )

    def submit(
        self,
        work: Work,
        *,
        owner: Hashable,
        slot: Hashable,
        cost: float,
        key: Hashable | None = None,
        label: str = "",
        group: Hashable | None = None,
    ) -> Job:
        """Queue ``work`` for ``owner``, replacing the owner's older job in ``slot``; a
        ``group`` job waits for one of its group's ``limits`` slots."""
        if group is not None and group not in self.limits:
            raise ValueError(
                f"group {group!r} has no limit here; the groups are {sorted(map(str, self.limits))}"
            )
        self.check_cost(cost, label or "This job")
        with self._cond:
            self._prune()
            self._drop_abandoned()
            older = self._by_slot.get((owner, slot))
            shared = self._by_key.get(key) if key is not None else None
            if shared is not None and (shared.done or shared._cancel.is_set()):
                shared = None
            if older is not None and older is not shared:
                self._leave_locked(older, owner)
            if shared is not None:
                shared.owners.add(owner)
                self._by_slot[(owner, slot)] = shared
                return shared
            job = Job(
                self, work, owner=owner, slot=slot, cost=cost, key=key, label=label, group=group
            )
            self._by_slot[(owner, slot)] = job
            if key is not None:
                self._by_key[key] = job
            self._waiting.append(job)
            self._start_workers()
            self._cond.notify()
            return job

    def job(self, owner: Hashable, slot: Hashable) -> Job | None:
        """The owner's latest job in ``slot`` (finished or not), if any."""
        with self._cond:
            return self._by_slot.get((owner, slot))

    def cancel_owner(self, owner: Hashable) -> int:
        """Stop every job ``owner`` asked for (its session ended); returns how many it left."""
        with self._cond:
            slots = [s for s in self._by_slot if s[0] == owner]
            for slot in slots:
                self._leave_locked(self._by_slot.pop(slot), owner)
            self._used.pop(owner, None)
            self._gone_since.pop(owner, None)
            for started in [s for s in self._starts if s[1] == owner]:
                del self._starts[started]
            return len(slots)

    @property
    def queued(self) -> int:
        with self._cond:
            return len([j for j in self._waiting if j.started is None])

    @property
    def running(self) -> int:
        with self._cond:
            return len(self._running)

    # ── internals ────────────────────────────────────────────────────────────────
    def _prune(self) -> None:  # with self._cond held: forget finished jobs of owners gone
        if next(self._counter) % 32:
            return
        for (owner, slot), job in list(self._by_slot.items()):
            if job.done and not self.is_alive(owner):
                del self._by_slot[(owner, slot)]
        now = self._clock()
        for owner in [o for o in self._used if self._used_now(o, now) < 1e-3]:
            del self._used[owner]
        for started in [s for s in self._starts if self._served(*s, now) < 1e-3]:
            del self._starts[started]
        waiting = {o for j in self._waiting for o in j.owners}
        for owner in [o for o in self._gone_since if o not in waiting]:
            del self._gone_since[owner]

    def _leave_locked(self, job: Job, owner: Hashable) -> None:
        job.owners.discard(owner)
        if not job.owners:
            job._cancel.set()
            self._drop_if_waiting(job)

    def _drop_if_waiting(self, job: Job) -> None:  # with self._cond held
        if job in self._waiting:
            self._waiting.remove(job)
            self._forget(job)
            job._finish("cancelled")
            self._cond.notify_all()  # a group slot it held, or its place in line, is free

    def _here(self, owner: Hashable, now: float) -> bool:  # with self._cond held
        """Whether ``owner`` is there now; notes when it was first seen gone."""
        if self.is_alive(owner):
            self._gone_since.pop(owner, None)
            return True
        self._gone_since.setdefault(owner, now)
        return False

    def _drop_abandoned(self) -> None:  # with self._cond held
        """Drop the waiting jobs that never started and whose owners have all been gone for
        ``grace_s``: they neither run nor count as ahead of anyone (a started one stops at its
        next unit)."""
        now = self._clock()
        for job in [j for j in self._waiting if j.started is None]:
            owners = list(job.owners)
            if any(self._here(o, now) for o in owners):
                continue
            if all(now - self._gone_since[o] >= self.grace_s for o in owners):
                job._cancel.set()
                self._drop_if_waiting(job)

    def _startable(self, job: Job) -> bool:  # with self._cond held
        """A job may start only while one of its owners is there (one away keeps its place)."""
        return job.started is not None or any(self.is_alive(o) for o in list(job.owners))

    def _holding(self, group: Hashable) -> list[Job]:  # with self._cond held
        """The group's jobs that hold a slot: started (picked once) and not finished."""
        return [
            j
            for j in (*self._running, *self._waiting)
            if j.group == group and j.started is not None and not j.done
        ]

    def _served(self, group: Hashable, owner: Hashable, now: float) -> float:
        """How many of ``group``'s jobs started for ``owner`` lately (halving every
        ``half_life_s``)."""
        count, when = self._starts.get((group, owner), (0.0, now))
        return count * 0.5 ** ((now - when) / self.half_life_s)

    def _line(self, group: Hashable) -> list[Job]:  # with self._cond held
        """The group's jobs waiting for a slot, in the order they will start: next is always
        the earliest waiting job of the owner with the fewest of the group's jobs started
        lately, counting the ones this order puts before it (a turn each, round robin); a
        shared job goes at the turn of its least-served owner. The workers pick from this
        order and ``place()`` counts in it."""
        now = self._clock()
        waiting = sorted(
            (j for j in self._waiting if j.group == group and j.started is None),
            key=lambda j: j.order,
        )
        queues: dict[Hashable, collections.deque[Job]] = collections.defaultdict(collections.deque)
        for job in waiting:
            for owner in job.owners:
                queues[owner].append(job)
        served = {owner: self._served(group, owner, now) for owner in queues}
        tie = itertools.count()  # owners need not be comparable
        heap = [(served[o], q[0].order, next(tie), o) for o, q in queues.items()]
        heapq.heapify(heap)
        line: list[Job] = []
        taken: set[int] = set()
        while heap:
            count, order, _, owner = heapq.heappop(heap)
            queue = queues[owner]
            while queue and id(queue[0]) in taken:  # started at another owner's turn
                queue.popleft()
            if not queue:
                continue
            if (count, order) != (served[owner], queue[0].order):  # an outdated entry
                heapq.heappush(heap, (served[owner], queue[0].order, next(tie), owner))
                continue
            job = queue.popleft()
            taken.add(id(job))
            line.append(job)
            for o in job.owners:
                served[o] += 1
            if queue:
                heapq.heappush(heap, (served[owner], queue[0].order, next(tie), owner))
        return line

    def _pace(self, group: Hashable) -> float | None:  # with self._cond held
        """Cost units one slot of ``group`` gets through per second: the median over its last
        ``PACE_JOBS`` finished jobs (one slow first job, which loaded what the others reuse,
        does not set it), None before ``PACE_MIN`` have finished."""
        paces = [cost / seconds for cost, seconds in self._paces.get(group, ()) if seconds > 0]
        pace = statistics.median(paces) if len(paces) >= PACE_MIN else 0.0
        return pace if pace > 0 else None

    def _runnable(self) -> list[Job]:  # with self._cond held
        """The waiting jobs a worker may pick: outside any group, holding their group's slot,
        or first in their group's line while a slot is free."""
        runnable = [
            j
            for j in self._waiting
            if (j.group is None or j.started is not None) and self._startable(j)
        ]
        for group, limit in self.limits.items():
            free = limit - len(self._holding(group))
            if free > 0:  # the first of the line whose owners are there (one away keeps its place)
                startable = (j for j in self._line(group) if self._startable(j))
                runnable.extend(itertools.islice(startable, free))
        return runnable

    def _forget(self, job: Job) -> None:  # with self._cond held
        if job.key is not None and self._by_key.get(job.key) is job:
            del self._by_key[job.key]

    def _used_now(self, owner: Hashable, now: float) -> float:
        seconds, when = self._used.get(owner, (0.0, now))
        return seconds * 0.5 ** ((now - when) / self.half_life_s)

    def _priority(self, job: Job, now: float) -> tuple[float, int]:
        served = min((self._used_now(o, now) for o in job.owners), default=0.0)
        return served, job.order

    def _position(self, job: Job) -> Position:
        with self._cond:
            self._drop_abandoned()
            if job.group is not None:
                holding = self._holding(job.group)
                limit = self.limits[job.group]
                if job.started is not None or job.done:
                    return Position(0, 0, len(holding), limit)
                line = self._line(job.group)
                ahead = line[: line.index(job)]
                pace = self._pace(job.group)
                wait_s = None
                # with a slot free for it, it waits for a worker, not for the trainings
                if pace is not None and len(holding) + len(ahead) >= limit:
                    # the work left in the slots and in the line ahead, shared by the slots
                    work = sum(j.cost * (1.0 - j.progress[0]) for j in holding)
                    work += sum(j.cost for j in ahead)
                    wait_s = work / (pace * limit)
                return Position(1 + len(ahead), len(ahead), len(holding), limit, wait_s)
            if job.started is not None or job.done:
                return Position(0, 0, len(self._running))
            now = self._clock()
            mine = self._priority(job, now)
            ahead = sum(
                1 for j in self._runnable() if j is not job and self._priority(j, now) < mine
            )
            # the workers are busy (or it would have started): it waits for one of them too
            return Position(1 + ahead, ahead, len(self._running))

    def _start_workers(self) -> None:  # with self._cond held
        self._threads = [t for t in self._threads if t.is_alive()]
        while len(self._threads) < min(self.workers, len(self._waiting) + len(self._running)):
            thread = threading.Thread(
                target=self._work_loop, name=f"timestep-lab-job-{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _next(self) -> Job:
        with self._cond:
            while True:
                self._drop_abandoned()
                runnable = self._runnable()
                if runnable:
                    break
                # woken by a submit, a job back in line or a slot freed; a waiting job whose
                # owner is away (or whose grace runs out) is looked at again every half second
                self._cond.wait(0.5 if self._waiting else None)
            now = self._clock()
            job = min(runnable, key=lambda j: self._priority(j, now))
            self._waiting.remove(job)
            self._running.add(job)
            if job.started is None:
                job.started = now  # from here on a group job holds its slot
                if job.group is not None:
                    for owner in job.owners:
                        served = self._served(job.group, owner, now) + 1
                        self._starts[(job.group, owner)] = (served, now)
            return job

    def _work_loop(self) -> None:
        while True:
            job = self._next()
            try:
                finished = self._run_slice(job)
            finally:
                with self._cond:
                    self._running.discard(job)
                    if not finished and not job.done:
                        self._waiting.append(job)
                        self._cond.notify()
                    else:
                        if job.key is not None:
                            self._forget(job)
                        if job.group is not None:
                            if job.state == "done" and job.finished > job.started:
                                paces = self._paces.setdefault(
                                    job.group, collections.deque(maxlen=PACE_JOBS)
                                )
                                paces.append((job.cost, job.finished - job.started))
                            self._cond.notify_all()  # its slot is free

    def _run_slice(self, job: Job) -> bool:
        """Run ``job`` for one slice; whether it finished (done, failed or cancelled)."""
        job.state = "running"
        wall, cpu = time.monotonic(), time.thread_time()
        try:
            while True:
                if job._should_stop():
                    job._finish("cancelled")
                    return True
                try:
                    job.latest = next(job._iterator)
                except StopIteration as stop:
                    job._finish("done", result=stop.value)
                    return True
                except Exception as error:  # the page shows it; the worker lives on
                    job._finish("failed", error=error)
                    return True
                job.units += 1
                if time.monotonic() - wall >= self.slice_s:
                    return False
        finally:
            spent = time.thread_time() - cpu
            job.cpu_seconds += spent
            now = self._clock()
            with self._cond:
                for owner in job.owners:
                    self._used[owner] = (self._used_now(owner, now) + spent, now)
