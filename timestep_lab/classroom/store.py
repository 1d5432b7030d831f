"""Where class mode keeps its rooms: one interface, two backends, chosen by one URL.

- ``sqlite:///relative.db`` or ``sqlite:////absolute/path.db``: an embedded SQLite file in WAL
  mode, created on first use, no setup. Every process on one machine that opens the same file
  sees the same rooms (a laptop, one container).
- ``redis://host:port/db`` (or ``rediss://``): a Redis server, for several replicas behind a
  load balancer (deploy/k8s/redis.yaml): each replica sees the same room.

Each change is one atomic step in the store (a SQLite ``BEGIN IMMEDIATE`` transaction, a
Redis Lua script), so two replicas answering at the same moment neither lose nor double an
answer and the bounds hold. ``Limits`` (rooms.py) bound everything a room may hold, and
every key or row expires with its room. The rules of who may do what live in
``rooms.Classroom``; a store only keeps the data and the bounds.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from timestep_lab.classroom.rooms import ClassError, Limits, Refused, Room, RoomNotFound


class StoreUnavailable(ClassError):
    """The store cannot be reached (a Redis server down, a file that cannot be written)."""


_GONE = "This class has ended or its code is unknown."
NOTES = {
    "gone": _GONE,
    "closed": "The teacher has closed this class.",
    "rate": "Too many answers too fast from this browser; wait a few seconds.",
    "moved": "The class has moved to another step; your answer was not counted.",
    "revealed": "The answer has been revealed; answers to this step are closed.",
    "full": "This class holds as many answers as it may; no more are stored.",
    "rooms": "The server holds as many classes as it may; try again later.",
}


def _refuse(outcome: str) -> None:
    if outcome == "ok":
        return
    if outcome == "gone":
        raise RoomNotFound(NOTES["gone"])
    raise Refused(NOTES[outcome])


class SQLiteStore:
    """Rooms in one SQLite file (WAL mode; several processes may share it)."""

    SCHEMA = """
    CREATE TABLE IF NOT EXISTS rooms (
        code TEXT PRIMARY KEY, digest TEXT NOT NULL, step INTEGER NOT NULL,
        steps INTEGER NOT NULL, revealed INTEGER NOT NULL DEFAULT 0,
        closed INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL, expires REAL NOT NULL,
        updated REAL NOT NULL, version INTEGER NOT NULL DEFAULT 1,
        answers INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS answers (
        code TEXT NOT NULL, step INTEGER NOT NULL, question INTEGER NOT NULL,
        session TEXT NOT NULL, value INTEGER NOT NULL,
        PRIMARY KEY (code, step, question, session)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS rate (
        code TEXT NOT NULL, session TEXT NOT NULL, window INTEGER NOT NULL,
        posts INTEGER NOT NULL, PRIMARY KEY (code, session)
    ) WITHOUT ROWID;
    """

    def __init__(
        self, path: str | Path, limits: Limits | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.path, self.limits, self.clock = str(path), limits or Limits(), clock
        self._lock = threading.Lock()  # one connection per store, shared by the app's threads
        try:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                self.path, timeout=10, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(self.SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise StoreUnavailable(
                f"The class store file {self.path} cannot be used: {error}"
            ) from error

    def _write(self, work: Callable[[sqlite3.Connection], object]) -> object:
        """Run ``work`` in one write transaction (other processes wait for the file lock)."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    result = work(self._db)
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
                return result
            except sqlite3.Error as error:
                raise StoreUnavailable(f"The class store is not answering: {error}") from error

    def _read(self, sql: str, args: tuple) -> list[tuple]:
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.Error as error:
                raise StoreUnavailable(f"The class store is not answering: {error}") from error

    def create_room(self, code: str, digest: str, step: int, steps: int) -> bool:
        now = self.clock()

        def work(db: sqlite3.Connection) -> bool:
            gone = [r[0] for r in db.execute("SELECT code FROM rooms WHERE expires <= ?", (now,))]
            for old in gone:  # forget expired rooms and everything they held
                for table in ("rooms", "answers", "rate"):
                    db.execute(f"DELETE FROM {table} WHERE code = ?", (old,))
            if db.execute("SELECT 1 FROM rooms WHERE code = ?", (code,)).fetchone():
                return False
            (live,) = db.execute("SELECT COUNT(*) FROM rooms").fetchone()
            if live >= self.limits.max_rooms:
                _refuse("rooms")
            db.execute(
                "INSERT INTO rooms (code, digest, step, steps, created, expires, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (code, digest, step, steps, now, now + self.limits.room_seconds, now),
            )
            return True

        return bool(self._write(work))

    def _room_row(self, db: sqlite3.Connection, code: str) -> tuple | None:
        return db.execute(
            "SELECT code, step, steps, revealed, closed, created, expires, updated, version, "
            "digest FROM rooms WHERE code = ? AND expires > ?",
            (code, self.clock()),
        ).fetchone()

    @staticmethod
    def _room(row: tuple) -> Room:
        code, step, steps, revealed, closed, created, expires, updated, version, _ = row
        return Room(
            code, step, steps, bool(revealed), bool(closed), created, expires, updated, version
        )

    def get_room(self, code: str) -> Room | None:
        with self._lock:
            try:
                row = self._room_row(self._db, code)
            except sqlite3.Error as error:
                raise StoreUnavailable(f"The class store is not answering: {error}") from error
        return None if row is None else self._room(row)

    def teacher_digest(self, code: str) -> str | None:
        with self._lock:
            row = self._room_row(self._db, code)
        return None if row is None else row[-1]

    def update_room(
        self,
        code: str,
        *,
        step: int | None = None,
        revealed: bool | None = None,
        closed: bool | None = None,
        clear_current: bool = False,
    ) -> Room:
        now = self.clock()

        def work(db: sqlite3.Connection) -> Room:
            row = self._room_row(db, code)
            if row is None:
                _refuse("gone")
            if row[4]:
                _refuse("closed")
            if clear_current:
                cleared = db.execute(
                    "DELETE FROM answers WHERE code = ? AND step = ?", (code, row[1])
                ).rowcount
                db.execute("UPDATE rooms SET answers = answers - ? WHERE code = ?", (cleared, code))
            changes = {"step": step, "revealed": revealed, "closed": closed}
            for column, value in changes.items():
                if value is not None:
                    db.execute(f"UPDATE rooms SET {column} = ? WHERE code = ?", (int(value), code))
            db.execute(
                "UPDATE rooms SET version = version + 1, updated = ? WHERE code = ?", (now, code)
            )
            return self._room(self._room_row(db, code))

        return self._write(work)

    def put_answer(self, code: str, session: str, step: int, question: int, value: int) -> None:
        now = self.clock()
        window = math.floor(now / self.limits.rate_window)

        def work(db: sqlite3.Connection) -> str:
            row = self._room_row(db, code)
            if row is None:
                return "gone"
            if row[4]:
                return "closed"
            # Every post counts towards the rate limit, refused ones too.
            db.execute(
                "INSERT INTO rate (code, session, window, posts) VALUES (?, ?, ?, 1) "
                "ON CONFLICT (code, session) DO UPDATE SET posts = CASE WHEN window = "
                "excluded.window THEN posts + 1 ELSE 1 END, window = excluded.window",
                (code, session, window),
            )
            (posts,) = db.execute(
                "SELECT posts FROM rate WHERE code = ? AND session = ?", (code, session)
            ).fetchone()
            if posts > self.limits.rate:
                return "rate"
            if row[1] != step:
                return "moved"
            if row[3]:
                return "revealed"
            key = (code, step, question, session)
            known = db.execute(
                "SELECT 1 FROM answers WHERE code = ? AND step = ? AND question = ? AND "
                "session = ?",
                key,
            ).fetchone()
            if not known:
                (stored,) = db.execute(
                    "SELECT answers FROM rooms WHERE code = ?", (code,)
                ).fetchone()
                if stored >= self.limits.max_answers:
                    return "full"
                db.execute("UPDATE rooms SET answers = answers + 1 WHERE code = ?", (code,))
            db.execute(
                "INSERT INTO answers (code, step, question, session, value) VALUES "
                "(?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value",
                (*key, value),
            )
            db.execute("UPDATE rooms SET updated = ? WHERE code = ?", (now, code))
            return "ok"

        # The rate counter is kept even when the answer is refused: commit, then refuse.
        _refuse(self._write(work))

    def answers(self, code: str, step: int) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        rows = self._read(
            "SELECT a.question, a.value FROM answers a JOIN rooms r ON r.code = a.code "
            "WHERE a.code = ? AND a.step = ? AND r.expires > ?",
            (code, step, self.clock()),
        )
        for question, value in rows:
            found.setdefault(question, []).append(value)
        return found

    def session_answers(self, code: str, session: str, step: int) -> dict[int, int]:
        rows = self._read(
            "SELECT question, value FROM answers WHERE code = ? AND step = ? AND session = ?",
            (code, step, session),
        )
        return dict(rows)

    def stored_answers(self, code: str) -> int:
        """How many answers the room holds (for the tests: nothing stored that should not be)."""
        return self._read("SELECT COUNT(*) FROM answers WHERE code = ?", (code,))[0][0]

    def close(self) -> None:
        with self._lock:
            self._db.close()


# ── Redis: the same operations as Lua scripts, each atomic on the server ──────────────────
_CREATE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[5])
if redis.call('EXISTS', KEYS[2]) == 1 then return 'taken' end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[7]) then return 'rooms' end
redis.call('HSET', KEYS[2], 'digest', ARGV[2], 'step', ARGV[3], 'steps', ARGV[4],
  'revealed', 0, 'closed', 0, 'created', ARGV[5], 'expires', ARGV[6], 'updated', ARGV[5],
  'version', 1, 'answers', 0)
redis.call('EXPIREAT', KEYS[2], ARGV[8])
redis.call('ZADD', KEYS[1], ARGV[6], ARGV[1])
return 'ok'
"""

_UPDATE = """
local r = redis.call('HMGET', KEYS[1], 'step', 'expires', 'closed')
if not r[1] or tonumber(r[2]) <= tonumber(ARGV[1]) then return 'gone' end
if r[3] == '1' then return 'closed' end
if ARGV[5] == '1' then
  local k = ARGV[6] .. r[1]
  redis.call('HINCRBY', KEYS[1], 'answers', -redis.call('HLEN', k))
  redis.call('DEL', k)
end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'step', ARGV[2]) end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'revealed', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'closed', ARGV[4]) end
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'updated', ARGV[1])
return 'ok'
"""

_ANSWER = """
local r = redis.call('HMGET', KEYS[1], 'step', 'revealed', 'closed', 'expires', 'answers')
if not r[1] or tonumber(r[4]) <= tonumber(ARGV[1]) then return 'gone' end
if r[3] == '1' then return 'closed' end
local posts = redis.call('INCR', KEYS[3])
if posts == 1 then redis.call('EXPIRE', KEYS[3], ARGV[6]) end
if posts > tonumber(ARGV[5]) then return 'rate' end
if r[1] ~= ARGV[2] then return 'moved' end
if r[2] == '1' then return 'revealed' end
if redis.call('HEXISTS', KEYS[2], ARGV[3]) == 0 then
  if tonumber(r[5]) >= tonumber(ARGV[7]) then return 'full' end
  redis.call('HINCRBY', KEYS[1], 'answers', 1)
end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('EXPIREAT', KEYS[2], math.ceil(tonumber(r[4])) + 1)
redis.call('HSET', KEYS[1], 'updated', ARGV[1])
return 'ok'
"""


class RedisStore:
    """Rooms in Redis: every replica that points at the same server sees the same rooms.

    Keys (``prefix`` first; the code in braces keeps one room's keys in one cluster slot):
    ``rooms`` (sorted set: code → expiry), ``room:{CODE}`` (hash), ``a:{CODE}:STEP`` (hash:
    "question:session" → value), ``rate:{CODE}:SESSION:WINDOW`` (counter). Every key expires
    with its room.
    """

    def __init__(
        self,
        url: str,
        limits: Limits | None = None,
        clock: Callable[[], float] = time.time,
        prefix: str = "tl:",
    ) -> None:
        import redis  # only a Redis deployment needs the client

        self.limits, self.clock, self.prefix = limits or Limits(), clock, prefix
        self._errors = (redis.RedisError, OSError)
        self._redis = redis.Redis.from_url(
            url, socket_timeout=3, socket_connect_timeout=3, decode_responses=True
        )
        self._create = self._redis.register_script(_CREATE)
        self._update = self._redis.register_script(_UPDATE)
        self._answer = self._redis.register_script(_ANSWER)

    def _room_key(self, code: str) -> str:
        return f"{self.prefix}room:{{{code}}}"

    def _answers_key(self, code: str, step: int | str = "") -> str:
        return f"{self.prefix}a:{{{code}}}:{step}"

    def _call(self, work: Callable[[], object]) -> object:
        try:
            return work()
        except self._errors as error:
            raise StoreUnavailable(f"The class store (Redis) is not answering: {error}") from error

    def _expire_at(self, expires: float) -> int:
        return math.ceil(expires) + 1

    def create_room(self, code: str, digest: str, step: int, steps: int) -> bool:
        now = self.clock()
        expires = now + self.limits.room_seconds
        outcome = self._call(
            lambda: self._create(
                keys=[f"{self.prefix}rooms", self._room_key(code)],
                args=[
                    code,
                    digest,
                    step,
                    steps,
                    repr(now),
                    repr(expires),
                    self.limits.max_rooms,
                    self._expire_at(expires),
                ],
            )
        )
        if outcome == "taken":
            return False
        _refuse(outcome)
        return True

    def _hash(self, code: str) -> dict[str, str] | None:
        fields = self._call(lambda: self._redis.hgetall(self._room_key(code)))
        if not fields or float(fields["expires"]) <= self.clock():
            return None
        return fields

    def get_room(self, code: str) -> Room | None:
        fields = self._hash(code)
        if fields is None:
            return None
        return Room(
            code,
            int(fields["step"]),
            int(fields["steps"]),
            fields["revealed"] == "1",
            fields["closed"] == "1",
            float(fields["created"]),
            float(fields["expires"]),
            float(fields["updated"]),
            int(fields["version"]),
        )

    def teacher_digest(self, code: str) -> str | None:
        fields = self._hash(code)
        return None if fields is None else fields["digest"]

    def update_room(
        self,
        code: str,
        *,
        step: int | None = None,
        revealed: bool | None = None,
        closed: bool | None = None,
        clear_current: bool = False,
    ) -> Room:
        def flag(value: object) -> str:
            return "" if value is None else str(int(value))

        outcome = self._call(
            lambda: self._update(
                keys=[self._room_key(code)],
                args=[
                    repr(self.clock()),
                    flag(step),
                    flag(revealed),
                    flag(closed),
                    "1" if clear_current else "0",
                    self._answers_key(code),
                ],
            )
        )
        _refuse(outcome)
        room = self.get_room(code)
        if room is None:
            _refuse("gone")
        return room

    def put_answer(self, code: str, session: str, step: int, question: int, value: int) -> None:
        now = self.clock()
        window = math.floor(now / self.limits.rate_window)
        outcome = self._call(
            lambda: self._answer(
                keys=[
                    self._room_key(code),
                    self._answers_key(code, step),
                    f"{self.prefix}rate:{{{code}}}:{session}:{window}",
                ],
                args=[
                    repr(now),
                    step,
                    f"{question}:{session}",
                    value,
                    self.limits.rate,
                    math.ceil(2 * self.limits.rate_window),
                    self.limits.max_answers,
                ],
            )
        )
        _refuse(outcome)

    def answers(self, code: str, step: int) -> dict[int, list[int]]:
        if self.get_room(code) is None:
            return {}
        stored = self._call(lambda: self._redis.hgetall(self._answers_key(code, step)))
        found: dict[int, list[int]] = {}
        for field, value in stored.items():
            found.setdefault(int(field.split(":", 1)[0]), []).append(int(value))
        return found

    def session_answers(self, code: str, session: str, step: int) -> dict[int, int]:
        stored = self._call(lambda: self._redis.hgetall(self._answers_key(code, step)))
        mine = {}
        for field, value in stored.items():
            question, owner = field.split(":", 1)
            if owner == session:
                mine[int(question)] = int(value)
        return mine

    def stored_answers(self, code: str) -> int:
        """How many answers the room holds (for the tests: nothing stored that should not be)."""
        keys = self._call(lambda: list(self._redis.scan_iter(self._answers_key(code, "*"))))
        return sum(self._call(lambda k=k: self._redis.hlen(k)) for k in keys)

    def close(self) -> None:
        self._redis.close()


Store = SQLiteStore | RedisStore


def open_store(
    url: str, limits: Limits | None = None, clock: Callable[[], float] = time.time
) -> Store:
    """The store a URL names: ``sqlite:///file`` (relative), ``sqlite:////abs/file`` or
    ``redis://…`` / ``rediss://…``. Anything else raises ValueError naming the URL's scheme."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if not path:
            raise ValueError("A sqlite store URL needs a file: sqlite:///class.db")
        return SQLiteStore(path, limits, clock)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url, limits, clock)
    scheme = url.split(":", 1)[0] if ":" in url else url[:20]
    raise ValueError(
        f"The class store URL must start with sqlite:/// or redis:// (got “{scheme}”)."
    )
