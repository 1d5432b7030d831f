"""Class mode's rules: room codes, the teacher's token, what a student may answer, and a room.

Pure Python (no Streamlit, no torch). ``Classroom`` checks every request against these rules
and then asks a store (``timestep_lab.classroom.store``: SQLite or Redis, one interface) to
do it atomically. Nothing here identifies a student: a session is a random id drawn when the
page opens, and results are counts.

Names:
    code     the room code students type or scan (CODE_LENGTH characters of ALPHABET)
    token    the teacher's secret; only its SHA-256 digest is stored
    session  a random per-session id (``new_session_id``), never a name
    step     the lesson step the room is on, 1 … steps
    question the index of a question within its step, 0 …
    value    an answer: the option's index for a Choice, the number for a Guess
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from timestep_lab.lesson.steps import Choice, Guess, LessonStep

# No 0/O, 1/I/L: a code read off a projector is typed without guessing.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 7
CODE_BITS = CODE_LENGTH * math.log2(len(ALPHABET))  # ≈ 34.7 bits: a guess hits 1 in 2.7e10
_CODE = re.compile(f"^[{ALPHABET}]{{{CODE_LENGTH}}}$")
_SESSION = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
MAX_RAW = 200  # longest text a code or token may be before it is even looked at


class ClassError(ValueError):
    """A request class mode refuses; its message is the note the person sees."""


class RoomNotFound(ClassError):
    """No live room has this code (never existed, expired or mistyped)."""


class Refused(ClassError):
    """A request that is understood but not allowed (a bound, a rate limit, a role)."""


@dataclass(frozen=True)
class Limits:
    """The bounds of one store: what a class may use, and when its room is forgotten."""

    max_rooms: int = 200  # live rooms in the store at once
    max_answers: int = 10_000  # stored answers per room (one per session per question)
    rate: int = 20  # answer posts a session may make per rate window …
    rate_window: float = 10.0  # … of this many seconds
    lesson_seconds: float = 90 * 60  # a lesson's length …
    margin_seconds: float = 30 * 60  # … plus this margin: then the room and answers expire
    idle_seconds: float = 10 * 60  # no change for this long: live updates stop

    @property
    def room_seconds(self) -> float:
        return self.lesson_seconds + self.margin_seconds


@dataclass(frozen=True)
class Room:
    """What everyone in a room sees: the step, whether it is revealed, whether it is over."""

    code: str
    step: int
    steps: int
    revealed: bool
    closed: bool
    created: float
    expires: float
    updated: float  # last teacher action or answer (seconds since the epoch)
    version: int  # grows with every teacher action: a student's view changes only then


def new_room_code() -> str:
    """A random room code from the operating system's CSPRNG."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def new_teacher_token() -> str:
    """The teacher's secret (192 random bits, URL-safe)."""
    return secrets.token_urlsafe(24)


def new_session_id() -> str:
    """A student's anonymous id for one browser session (128 random bits)."""
    return secrets.token_urlsafe(16)


def token_digest(token: str) -> str:
    """SHA-256 of the teacher's token: the store never holds the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_code(raw: object) -> str:
    """A room code as typed (any case, spaces or dashes) → its canonical form, or ValueError."""
    if not isinstance(raw, str) or len(raw) > MAX_RAW:
        raise RoomNotFound("That is not a room code: a room code has 7 letters and digits.")
    text = re.sub(r"[\s-]", "", raw).upper()
    if not _CODE.match(text):
        raise RoomNotFound(
            f"“{_shown(raw)}” is not a room code: a room code has {CODE_LENGTH} characters "
            f"from {ALPHABET}. Check the link or ask your teacher."
        )
    return text


def _shown(raw: str, limit: int = 24) -> str:
    text = "".join(c if c.isprintable() else "?" for c in raw)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_session(session: object) -> str:
    if not isinstance(session, str) or not _SESSION.match(session):
        raise Refused("This browser session has no valid class id; reload the page.")
    return session


def check_answer(question: Choice | Guess, value: object) -> int:
    """An answer's stored value: a Choice's option index or a Guess's whole number in range."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refused("An answer is one of the options or a whole number on the slider.")
    if isinstance(question, Choice):
        if not 0 <= value < len(question.options):
            raise Refused(f"There is no option {value}: pick one of the shown options.")
    elif not question.lo <= value <= question.hi:
        raise Refused(f"{value} is outside the slider's range {question.lo} … {question.hi}.")
    return value


class Classroom:
    """Class mode over one store: start a room, follow it, answer, and the teacher's actions.

    steps: the lesson (``timestep_lab.lesson.lesson()``); answers are checked against it.
    """

    def __init__(self, store, steps: Sequence[LessonStep]) -> None:
        self.store = store
        self.steps = tuple(steps)
        self.limits: Limits = store.limits

    # ── the teacher ──────────────────────────────────────────────────────────────────
    def start(self, step: int = 1) -> tuple[str, str]:
        """Open a room at ``step``; returns (room code, teacher token)."""
        step = self._check_step(step)
        token = new_teacher_token()
        for _ in range(8):  # a collision is ~1 in 1e8 per try with a full store
            code = new_room_code()
            if self.store.create_room(code, token_digest(token), step, len(self.steps)):
                return code, token
        raise Refused("Could not find a free room code; try again.")

    def is_teacher(self, code: str, token: object) -> bool:
        if not isinstance(token, str) or not _TOKEN.match(token):
            return False
        digest = self.store.teacher_digest(normalize_code(code))
        return digest is not None and hmac.compare_digest(digest, token_digest(token))

    def _teacher(self, code: str, token: object) -> str:
        code = normalize_code(code)
        self.room(code)  # unknown or expired → RoomNotFound
        if not self.is_teacher(code, token):
            raise Refused("Only the teacher who started this room can do that.")
        return code

    def go_to(self, code: str, token: object, step: int) -> Room:
        code = self._teacher(code, token)
        return self.store.update_room(code, step=self._check_step(step), revealed=False)

    def reveal(self, code: str, token: object) -> Room:
        return self.store.update_room(self._teacher(code, token), revealed=True)

    def reset(self, code: str, token: object) -> Room:
        """Ask the current step again: its answers are deleted and the reveal is hidden."""
        code = self._teacher(code, token)
        return self.store.update_room(code, revealed=False, clear_current=True)

    def close(self, code: str, token: object) -> Room:
        return self.store.update_room(self._teacher(code, token), closed=True)

    # ── everyone ─────────────────────────────────────────────────────────────────────
    def room(self, code: object) -> Room:
        code = normalize_code(code)
        room = self.store.get_room(code)
        if room is None:
            raise RoomNotFound(
                f"There is no class with the code {code}: it may have ended (rooms are "
                f"kept {self.limits.room_seconds / 3600:g} h) or the code is mistyped."
            )
        return room

    def answer(
        self,
        code: object,
        session: object,
        question: object,
        value: object,
        *,
        step: object = None,
    ) -> Room:
        """Store a student's answer to a question of the room's current step (changeable until
        the reveal).

        step: the step the student's screen showed (None: the current one). An answer from a
        screen the teacher has moved on from is refused, never counted for another step.
        """
        code = normalize_code(code)
        session = check_session(session)
        room = self.room(code)
        step = room.step if step is None else self._check_step(step)
        questions = self.steps[step - 1].questions
        if isinstance(question, bool) or not isinstance(question, int):
            raise Refused("That question does not exist in this step.")
        if not 0 <= question < len(questions):
            raise Refused("That question does not exist in this step.")
        value = check_answer(questions[question], value)
        self.store.put_answer(code, session, step, question, value)
        return room

    def counts(self, code: str, step: int) -> list[list[int]]:
        """Every answer to each question of ``step``: one list of values per question."""
        code = normalize_code(code)
        step = self._check_step(step)
        stored = self.store.answers(code, step)
        return [stored.get(i, []) for i in range(len(self.steps[step - 1].questions))]

    def my_answers(self, code: str, session: str, step: int) -> dict[int, int]:
        return self.store.session_answers(normalize_code(code), check_session(session), step)

    def results(self, code: str) -> list[dict[str, object]]:
        """Per-step results for the CSV: one row per answer value given, with its count."""
        code = normalize_code(code)
        rows = []
        for number, step in enumerate(self.steps, start=1):
            stored = self.store.answers(code, number)
            for i, question in enumerate(step.questions):
                values = stored.get(i, [])
                if isinstance(question, Choice):
                    given = {v: values.count(v) for v in range(len(question.options))}
                    shown = dict(enumerate(question.options))
                else:
                    given = {v: values.count(v) for v in sorted(set(values))}
                    shown = {v: str(v) for v in given}
                if not given:  # a guess nobody made still gets its row
                    rows.append(self._row(number, step, i, question, "", 0, 0, ""))
                for value, count in given.items():
                    right = question.is_right(
                        question.options[value] if isinstance(question, Choice) else value
                    )
                    rows.append(
                        self._row(
                            number, step, i, question, shown[value], count, len(values), right
                        )
                    )
        return rows

    @staticmethod
    def _row(
        number: int,
        step: LessonStep,
        i: int,
        question: Choice | Guess,
        answer: str,
        count: int,
        answered: int,
        right: bool | str,
    ) -> dict[str, object]:
        return {
            "step": number,
            "title": step.title,
            "question": i + 1,
            "prompt": question.prompt,
            "answer": answer,
            "count": count,
            "answered": answered,
            "right": right,
        }

    def _check_step(self, step: object) -> int:
        if isinstance(step, bool) or not isinstance(step, int):
            raise Refused("A step is a whole number.")
        if not 1 <= step <= len(self.steps):
            raise Refused(f"Step {step} is outside the lesson's steps 1 … {len(self.steps)}.")
        return step
