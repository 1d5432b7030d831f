"""Class mode's store: the same cases against a real Redis server and an SQLite file.

Votes counted, changed, not doubled, expired; bounds enforced; hostile input refused with a
note and nothing stored that should not be.
"""

from __future__ import annotations

import threading
import uuid

import pytest

from timestep_lab.classroom import (
    Classroom,
    Limits,
    RedisStore,
    Refused,
    RoomNotFound,
    SQLiteStore,
    new_session_id,
    open_store,
)
from timestep_lab.classroom.rooms import ALPHABET, CODE_LENGTH
from timestep_lab.lesson import Choice, Guess, lesson

STEPS = lesson()
CHOICE_STEP = next(n for n, s in enumerate(STEPS, 1) if isinstance(s.questions[0], Choice))
GUESS_STEP = next(n for n, s in enumerate(STEPS, 1) if isinstance(s.questions[0], Guess))
MULTI_STEP = next(n for n, s in enumerate(STEPS, 1) if len(s.questions) > 1)


class Clock:
    """A clock the test moves by hand, so expiry and rate windows are exact."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(params=["sqlite", "redis"])
def backend(request, tmp_path):
    """make(limits) → (Classroom, store, clock); a second store on the same data via
    ``make.again()``, as a second server process would have."""
    clock = Clock()
    prefix = f"test-{uuid.uuid4().hex}:"
    made = []

    def build(limits: Limits):
        if request.param == "sqlite":
            store = SQLiteStore(tmp_path / "class.db", limits, clock)
        else:
            redis_url = request.getfixturevalue("redis_url")
            store = RedisStore(redis_url, limits, clock, prefix=prefix)
        made.append(store)
        return store

    def make(limits: Limits | None = None):
        make.limits = limits or Limits()
        store = build(make.limits)
        return Classroom(store, STEPS), store, clock

    make.again = lambda: Classroom(build(make.limits), STEPS)
    make.kind = request.param
    yield make
    for store in made:
        store.close()


def student() -> str:
    return new_session_id()


# ── votes ────────────────────────────────────────────────────────────────────────────────
def test_votes_are_counted_per_option(backend):
    room, store, _ = backend()
    code, _ = room.start(CHOICE_STEP)
    picks = [0, 1, 1, 2, 1]
    for pick in picks:
        room.answer(code, student(), 0, pick)
    (values,) = room.counts(code, CHOICE_STEP)[:1]
    assert sorted(values) == sorted(picks)
    assert store.stored_answers(code) == len(picks)


def test_a_changed_answer_replaces_the_old_one_and_is_not_doubled(backend):
    room, store, _ = backend()
    code, _ = room.start(CHOICE_STEP)
    me = student()
    room.answer(code, me, 0, 0)
    room.answer(code, me, 0, 2)
    room.answer(code, me, 0, 2)
    assert room.counts(code, CHOICE_STEP)[0] == [2]
    assert room.my_answers(code, me, CHOICE_STEP) == {0: 2}
    assert store.stored_answers(code) == 1


def test_guesses_are_kept_exactly(backend):
    room, _, _ = backend()
    code, _ = room.start(GUESS_STEP)
    question = STEPS[GUESS_STEP - 1].questions[0]
    guesses = [question.lo, question.hi, question.answer, question.answer]
    for guess in guesses:
        room.answer(code, student(), 0, guess)
    assert sorted(room.counts(code, GUESS_STEP)[0]) == sorted(guesses)


def test_each_question_of_a_step_is_counted_on_its_own(backend):
    room, _, _ = backend()
    code, _ = room.start(MULTI_STEP)
    me = student()
    for i in range(len(STEPS[MULTI_STEP - 1].questions)):
        room.answer(code, me, i, 0)
    counts = room.counts(code, MULTI_STEP)
    assert counts == [[0]] * len(STEPS[MULTI_STEP - 1].questions)


def test_answers_close_at_the_reveal_and_reopen_on_reset(backend):
    room, store, _ = backend()
    code, token = room.start(CHOICE_STEP)
    me = student()
    room.answer(code, me, 0, 0)
    room.reveal(code, token)
    with pytest.raises(Refused, match="revealed"):
        room.answer(code, me, 0, 1)
    assert room.counts(code, CHOICE_STEP)[0] == [0]
    room.reset(code, token)
    assert room.room(code).revealed is False
    assert room.counts(code, CHOICE_STEP)[0] == []
    assert store.stored_answers(code) == 0
    room.answer(code, me, 0, 1)
    assert room.counts(code, CHOICE_STEP)[0] == [1]


def test_students_follow_the_teachers_step(backend):
    room, store, _ = backend()
    code, token = room.start(1)
    before = room.room(code).version
    room.reveal(code, token)
    moved = room.go_to(code, token, GUESS_STEP)
    assert (moved.step, moved.revealed) == (GUESS_STEP, False)
    assert moved.version > before
    # An answer posted for the step the room has left is refused, not counted there.
    with pytest.raises(Refused, match="moved"):
        store.put_answer(code, student(), 1, 0, 0)
    assert room.counts(code, 1)[0] == []


def test_two_processes_see_one_room_and_lose_no_answer(backend):
    room, _, _ = backend()
    other = backend.again()  # a second server process on the same store
    code, token = room.start(CHOICE_STEP)
    sessions = [student() for _ in range(60)]
    options = len(STEPS[CHOICE_STEP - 1].questions[0].options)

    def answer(i: int) -> None:
        (room if i % 2 else other).answer(code, sessions[i], 0, i % options)

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(len(sessions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = sorted(i % options for i in range(len(sessions)))
    assert sorted(room.counts(code, CHOICE_STEP)[0]) == expected
    assert sorted(other.counts(code, CHOICE_STEP)[0]) == expected
    other.reveal(code, token)
    assert room.room(code).revealed


def test_results_are_counts_per_step_and_name_no_student(backend):
    room, _, _ = backend()
    code, token = room.start(CHOICE_STEP)
    sessions = [student() for _ in range(3)]
    for session, pick in zip(sessions, (0, 1, 1), strict=True):
        room.answer(code, session, 0, pick)
    room.close(code, token)
    rows = [r for r in room.results(code) if r["step"] == CHOICE_STEP and r["question"] == 1]
    question = STEPS[CHOICE_STEP - 1].questions[0]
    assert {r["answer"]: r["count"] for r in rows} == {
        question.options[0]: 1,
        question.options[1]: 2,
        **{o: 0 for o in question.options[2:]},
    }
    assert all(r["answered"] == 3 for r in rows)
    assert [r["right"] for r in rows] == [i == question.answer for i in range(len(rows))]
    text = repr(room.results(code))
    assert not any(session in text for session in sessions)


# ── expiry ───────────────────────────────────────────────────────────────────────────────
def test_a_room_and_its_answers_expire_after_the_lesson_and_margin(backend):
    limits = Limits(lesson_seconds=60, margin_seconds=30)
    room, store, clock = backend(limits)
    code, token = room.start(CHOICE_STEP)
    room.answer(code, student(), 0, 0)
    clock.advance(89)
    assert room.room(code).step == CHOICE_STEP
    clock.advance(2)
    with pytest.raises(RoomNotFound, match="no class"):
        room.room(code)
    with pytest.raises(RoomNotFound):
        room.answer(code, student(), 0, 0)
    with pytest.raises(RoomNotFound):
        room.reveal(code, token)
    assert room.counts(code, CHOICE_STEP)[0] == []
    assert store.get_room(code) is None and store.teacher_digest(code) is None


def test_every_redis_key_of_a_room_expires(backend):
    room, store, _ = backend()
    code, _ = room.start(CHOICE_STEP)
    room.answer(code, student(), 0, 0)
    if backend.kind == "sqlite":
        # SQLite forgets expired rooms when the next room is created.
        assert store.get_room(code).expires == pytest.approx(
            store.get_room(code).created + store.limits.room_seconds
        )
        return
    keys = list(store._redis.scan_iter(f"{store.prefix}*"))
    assert len(keys) >= 3  # the room, its answers, a rate counter (and the room index)
    for key in keys:
        if key != f"{store.prefix}rooms":  # the index drops expired codes on the next start
            assert store._redis.ttl(key) > 0, key


def test_expired_rooms_are_forgotten_and_free_their_place(backend):
    limits = Limits(max_rooms=2, lesson_seconds=10, margin_seconds=0)
    room, store, clock = backend(limits)
    first, _ = room.start()
    room.answer(first, student(), 0, 0)
    room.start()
    with pytest.raises(Refused, match="as many classes"):
        room.start()
    clock.advance(11)
    room.start()  # the expired rooms no longer count
    assert store.get_room(first) is None


# ── bounds ───────────────────────────────────────────────────────────────────────────────
def test_answers_per_room_are_bounded_but_changes_still_count(backend):
    room, store, _ = backend(Limits(max_answers=3))
    code, _ = room.start(CHOICE_STEP)
    sessions = [student() for _ in range(3)]
    for session in sessions:
        room.answer(code, session, 0, 0)
    with pytest.raises(Refused, match="as many answers"):
        room.answer(code, student(), 0, 0)
    room.answer(code, sessions[0], 0, 1)  # changing an answer stores nothing new
    assert sorted(room.counts(code, CHOICE_STEP)[0]) == [0, 0, 1]
    assert store.stored_answers(code) == 3


def test_a_session_is_rate_limited_then_allowed_again(backend):
    room, _, clock = backend(Limits(rate=5, rate_window=10))
    code, _ = room.start(CHOICE_STEP)
    me = student()
    for _ in range(5):
        room.answer(code, me, 0, 1)
    with pytest.raises(Refused, match="too fast"):
        room.answer(code, me, 0, 2)
    assert room.counts(code, CHOICE_STEP)[0] == [1]
    room.answer(code, student(), 0, 0)  # another student is not slowed down
    clock.advance(10)
    room.answer(code, me, 0, 2)
    assert sorted(room.counts(code, CHOICE_STEP)[0]) == [0, 2]


def test_a_thousand_answers_from_one_session_store_one(backend):
    room, store, _ = backend()
    code, _ = room.start(CHOICE_STEP)
    me = student()
    accepted, notes = 0, set()
    for i in range(1000):
        try:
            room.answer(code, me, 0, i % 2)
            accepted += 1
        except Refused as refused:
            notes.add(str(refused))
    assert accepted == store.limits.rate
    assert notes == {"Too many answers too fast from this browser; wait a few seconds."}
    assert store.stored_answers(code) == 1
    assert len(room.counts(code, CHOICE_STEP)[0]) == 1


# ── hostile input ────────────────────────────────────────────────────────────────────────
FORGED_CODES = [
    "",
    "ABC",
    "ABCDEFGH",
    "O0I1L00",  # ambiguous characters are never in a code
    "' OR 1=1 --",
    "*",
    "ABC{DE}",
    "A" * 1_000_000,
    "ÄBCDEFG",
    None,
    12345678,
]


@pytest.mark.parametrize("forged", FORGED_CODES, ids=range(len(FORGED_CODES)))
def test_forged_room_codes_get_a_note(backend, forged):
    room, store, _ = backend()
    code, _ = room.start(CHOICE_STEP)
    with pytest.raises(RoomNotFound) as refused:
        room.answer(forged, student(), 0, 0)
    assert len(str(refused.value)) < 200  # the note quotes a bounded part of the input
    with pytest.raises(RoomNotFound):
        room.room(forged)
    assert store.stored_answers(code) == 0


def test_a_well_formed_unknown_code_gets_a_note(backend):
    room, _, _ = backend()
    room.start()
    unknown = next(
        c for c in ("2" * CODE_LENGTH, "3" * CODE_LENGTH) if room.store.get_room(c) is None
    )
    with pytest.raises(RoomNotFound, match=f"no class with the code {unknown}"):
        room.room(unknown.lower())


@pytest.mark.parametrize("action", ["reveal", "reset", "close", "go_to"])
@pytest.mark.parametrize(
    "token", [None, "", "not-the-token", "x" * 40, "x" * 100_000], ids=lambda t: repr(t)[:12]
)
def test_a_student_cannot_post_a_teacher_action(backend, action, token):
    room, _, _ = backend()
    code, real = room.start(CHOICE_STEP)
    other_code, other_token = room.start(CHOICE_STEP)
    before = room.room(code)
    for forged in (token, other_token):
        args = (code, forged, CHOICE_STEP + 1) if action == "go_to" else (code, forged)
        with pytest.raises(Refused, match="Only the teacher"):
            getattr(room, action)(*args)
    assert room.room(code) == before
    assert room.is_teacher(code, real)
    assert not room.is_teacher(other_code, real)


def test_the_store_never_holds_the_teachers_token(backend, tmp_path):
    room, store, _ = backend()
    code, token = room.start()
    if backend.kind == "sqlite":
        store.close()
        raw = b"".join(p.read_bytes() for p in tmp_path.glob("class.db*"))
        assert code.encode() in raw
    else:
        keys = list(store._redis.scan_iter(f"{store.prefix}*"))
        held = [store._redis.dump(k) for k in keys]
        assert any(code.encode() in h for h in held)
        raw = b"".join(held)
    assert token.encode() not in raw


BAD_CHOICES = [-1, 3, 10**100, "1", 1.0, True, None, [0], "x" * 1_000_000]


@pytest.mark.parametrize("value", BAD_CHOICES, ids=lambda v: repr(v)[:12])
def test_answers_outside_the_options_are_refused(backend, value):
    room, store, _ = backend()
    code, _ = room.start(CHOICE_STEP)
    assert len(STEPS[CHOICE_STEP - 1].questions[0].options) == 3  # so 3 is outside
    with pytest.raises(Refused) as refused:
        room.answer(code, student(), 0, value)
    assert len(str(refused.value)) < 200
    assert store.stored_answers(code) == 0


def test_guesses_outside_the_slider_and_unknown_questions_are_refused(backend):
    room, store, _ = backend()
    code, _ = room.start(GUESS_STEP)
    question = STEPS[GUESS_STEP - 1].questions[0]
    for value in (question.lo - 1, question.hi + 1, 2**63):
        with pytest.raises(Refused, match="outside the slider"):
            room.answer(code, student(), 0, value)
    for index in (-1, len(STEPS[GUESS_STEP - 1].questions), "0", None, 10**9):
        with pytest.raises(Refused, match="does not exist"):
            room.answer(code, student(), index, question.answer)
    assert store.stored_answers(code) == 0


@pytest.mark.parametrize("session", ["", "short", "a b c d e f g h i j", "s" * 1_000_000, None])
def test_forged_session_ids_are_refused(backend, session):
    room, store, _ = backend()
    code, _ = room.start(CHOICE_STEP)
    with pytest.raises(Refused, match="no valid class id"):
        room.answer(code, session, 0, 0)
    assert store.stored_answers(code) == 0


def test_a_closed_room_takes_no_answers_and_no_actions(backend):
    room, store, _ = backend()
    code, token = room.start(CHOICE_STEP)
    room.answer(code, student(), 0, 0)
    room.close(code, token)
    with pytest.raises(Refused, match="closed"):
        room.answer(code, student(), 0, 1)
    with pytest.raises(Refused, match="closed"):
        room.reveal(code, token)
    assert room.room(code).closed
    assert store.stored_answers(code) == 1


def test_steps_outside_the_lesson_are_refused(backend):
    room, _, _ = backend()
    code, token = room.start()
    for step in (0, len(STEPS) + 1, -5, "2", 2.0):
        with pytest.raises(Refused):
            room.go_to(code, token, step)
        with pytest.raises(Refused):
            room.start(step)
    assert room.room(code).step == 1


# ── the setting that picks a store ───────────────────────────────────────────────────────
def test_the_store_url_picks_the_backend(tmp_path, redis_url):
    sqlite = open_store(f"sqlite:///{tmp_path}/a.db")
    redis = open_store(redis_url)
    try:
        assert isinstance(sqlite, SQLiteStore) and (tmp_path / "a.db").exists()
        assert isinstance(redis, RedisStore)
        # WAL mode: readers in other processes are not blocked by a writer.
        assert sqlite._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        sqlite.close()
        redis.close()
    for bad in ("postgres://x", "ftp://y", "", "sqlite:///"):
        with pytest.raises(ValueError, match="sqlite"):
            open_store(bad)


def test_room_codes_are_long_unambiguous_and_random():
    from timestep_lab.classroom.rooms import CODE_BITS, new_room_code, normalize_code

    assert CODE_BITS >= 30
    codes = {new_room_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in codes)
    assert not set("0O1IL") & set(ALPHABET)
    code = codes.pop()
    assert normalize_code(f" {code[:3].lower()}-{code[3:]} ") == code


def test_the_deploy_guide_states_the_limits_the_code_enforces():
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "deploy.md").read_text()
    limits = Limits()
    text = " ".join(guide.split())
    assert f"expires with it, {limits.room_seconds / 3600:g} h after it starts" in text
    assert (
        f"a {limits.lesson_seconds / 60:g}-minute lesson plus {limits.margin_seconds / 60:g}"
        in text
    )
    assert f"at most {limits.max_rooms} live rooms, a room {limits.max_answers:,} answers" in text
    assert f"{limits.rate} answers per {limits.rate_window:g} s" in text


def test_an_answer_from_a_screen_the_class_has_left_is_not_counted_elsewhere(backend):
    room, store, _ = backend()
    code, token = room.start(CHOICE_STEP)
    room.go_to(code, token, GUESS_STEP)
    # The student's screen still showed CHOICE_STEP: option 1 must not become a guess of 1.
    with pytest.raises(Refused, match="moved"):
        room.answer(code, student(), 0, 1, step=CHOICE_STEP)
    assert store.stored_answers(code) == 0
    for step in (0, len(STEPS) + 1, "1"):
        with pytest.raises(Refused):
            room.answer(code, student(), 0, 1, step=step)
