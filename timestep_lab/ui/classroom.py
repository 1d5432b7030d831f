"""Class mode on the walkthrough: the teacher's room, the students' screens, live counts.

A teacher starts a class from the walkthrough and gets a room code, the student link
(``/walkthrough?room=CODE``), its QR code and a private teacher link
(``…&teacher=TOKEN``) that gives the teacher's controls back to a new tab. Students follow
the teacher's step, answer, and may change their answer until the reveal; the teacher sees
live counts. Both screens refresh in a fragment every second or two and stop when the room
is closed or quiet.

The store is picked by one setting, ``TIMESTEP_LAB_STORE_URL`` (an environment variable or a
Streamlit secret): ``redis://…`` for several replicas; unset, an SQLite file in the
temporary folder. The rules live in ``timestep_lab.classroom``; this module draws.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
from collections.abc import Callable
from urllib.parse import urlencode

import segno
import streamlit as st

from timestep_lab.classroom import ClassError, Classroom, Room, new_session_id, open_store
from timestep_lab.classroom.rooms import Limits, Refused
from timestep_lab.figures import classroom as class_fig
from timestep_lab.lesson.steps import Choice, Guess, LessonStep
from timestep_lab.ui.downloads import csv_download
from timestep_lab.ui.page import plot, presenter_mode

STORE_SETTING = "TIMESTEP_LAB_STORE_URL"
ROOM_KEY, TEACHER_KEY = "room", "teacher"  # URL keys
TEACHING = "_tl_class_teaching"  # session-state slot: {"code", "token"} of the room taught here
SESSION = "_tl_class_session"  # session-state slot: this browser session's anonymous id
NOTE = "_tl_class_note"  # session-state slot: a refusal to show on the next run
AWAKE = "_tl_class_awake"  # session-state slot: when "Resume live updates" was pressed
TEACHER_POLL, STUDENT_POLL = 1.0, 1.5  # seconds between live updates


def store_url() -> str:
    """The store setting: environment variable, then Streamlit secret, then a local file."""
    url = os.environ.get(STORE_SETTING)
    if not url and st.secrets.load_if_toml_exists():
        url = st.secrets.get(STORE_SETTING)
    if url:
        return str(url)
    return f"sqlite:///{os.path.join(tempfile.gettempdir(), 'timestep-lab-classes.sqlite3')}"


@st.cache_resource(show_spinner=False, max_entries=4)
def _classroom(url: str, lesson_hash: int, _steps: tuple[LessonStep, ...]) -> Classroom:
    return Classroom(open_store(url, Limits()), _steps)


def classroom(steps: tuple[LessonStep, ...]) -> Classroom:
    """The process's class-mode service over the configured store (one connection pool)."""
    # Keyed by the lesson's hash (frozen dataclasses), not by Streamlit hashing it each run.
    return _classroom(store_url(), hash(steps), steps)


def session_id() -> str:
    """This browser session's anonymous id: random, never a name, gone with the session."""
    if SESSION not in st.session_state:
        st.session_state[SESSION] = new_session_id()
    return st.session_state[SESSION]


def page_url() -> str:
    return st.context.url or "/walkthrough"


def student_link(code: str) -> str:
    return f"{page_url()}?{urlencode({ROOM_KEY: code})}"


def teacher_link(code: str, token: str) -> str:
    return f"{page_url()}?{urlencode({ROOM_KEY: code, TEACHER_KEY: token})}"


def qr_data_url(link: str) -> str:
    """The link as a QR code (SVG data: URL, drawn in the page: no outside request)."""
    return segno.make(link, error="m").svg_data_uri(scale=10, border=2)


def results_csv(rows: list[dict[str, object]]) -> str:
    """Per-step results as CSV: counts of each answer given, nothing about who gave it."""
    buffer = io.StringIO()
    fields = ["step", "title", "question", "prompt", "answer", "count", "answered", "right"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _note(error: Exception) -> None:
    st.session_state[NOTE] = str(error)


def _show_note() -> None:
    note = st.session_state.pop(NOTE, None)
    if note:
        st.warning(note, icon=":material/block:")


# ── solo walkthrough: how to start a class ──────────────────────────────────────────────
def explain() -> None:
    """Class mode in two lines (the walkthrough's first step shows them)."""
    hours = Limits().room_seconds / 3600
    st.caption(
        "**Class mode:** a teacher starts a class (below) and shows its QR code; students join "
        "on their phones, answer each question, and the teacher sees how the class answered "
        f"before revealing. Answers are anonymous, and a class is deleted after {hours:g} h."
    )


def _start(steps: tuple[LessonStep, ...], number: int) -> None:
    try:
        code, token = classroom(steps).start(number)
    except ClassError as error:
        _note(error)
        return
    st.session_state[TEACHING] = {"code": code, "token": token}
    st.query_params[ROOM_KEY] = code


def offer(steps: tuple[LessonStep, ...], number: int) -> None:
    """The button that turns this walkthrough into a class, starting at step ``number``."""
    _show_note()
    with st.expander("Teach this lesson to a class", icon=":material/groups:"):
        st.write(
            "You get a room code, a link and a QR code for your students. They follow your "
            "step and answer; you see their answers live, then reveal."
        )
        st.button(
            f"Start a class at step {number}",
            key="class_start",
            on_click=_start,
            args=(steps, number),
            icon=":material/co_present:",
        )


# ── class mode ──────────────────────────────────────────────────────────────────────────
def _leave() -> None:
    st.session_state.pop(TEACHING, None)
    st.query_params.pop(ROOM_KEY, None)


def _leave_button(label: str = "Leave the class") -> None:
    st.button(label, key="class_leave", on_click=_leave, icon=":material/logout:")


def _is_idle(room: Room, limits: Limits) -> bool:
    last = max(room.updated, st.session_state.get(AWAKE, 0.0))
    return time.time() - last > limits.idle_seconds


def _is_live(room: Room, limits: Limits) -> bool:
    """Whether screens keep refreshing: the room is open and something happened lately."""
    return not room.closed and not _is_idle(room, limits)


def _wake() -> None:
    st.session_state[AWAKE] = time.time()


def run(
    steps: tuple[LessonStep, ...],
    draw_figure: Callable[[str], None],
    feedback: Callable[[Choice | Guess, object], None],
) -> bool:
    """Draw class mode if the link names a room or this session teaches one; returns whether
    it did (otherwise the page shows the walkthrough on one's own)."""
    raw = st.query_params.get(ROOM_KEY)
    teaching = st.session_state.get(TEACHING)
    if raw is None and teaching is None:
        return False
    try:
        service = classroom(steps)
        code = service.room(raw if raw is not None else teaching["code"]).code
    except ClassError as error:
        st.warning(f"{error} Below, the walkthrough on your own.", icon=":material/link_off:")
        return False
    token = st.query_params.get(TEACHER_KEY)
    if token is not None:
        # The private link gives this tab the teacher's controls; the address bar then shows
        # the student link only, so copying it can never hand them on.
        del st.query_params[TEACHER_KEY]
        if service.is_teacher(code, token):
            st.session_state[TEACHING] = teaching = {"code": code, "token": token}
        else:
            st.warning(
                "This teacher link is not valid for this class; you see the student view.",
                icon=":material/link_off:",
            )
    try:
        room = service.room(code)
        if teaching is not None and teaching["code"] == code:
            teacher_view(service, room, teaching["token"], draw_figure)
        else:
            student_view(service, room, draw_figure, feedback)
    except ClassError as error:
        st.warning(str(error), icon=":material/block:")
        _leave_button()
    return True


# ── the teacher ─────────────────────────────────────────────────────────────────────────
def _act(service: Classroom, action: str, code: str, token: str, *args: object) -> None:
    try:
        getattr(service, action)(code, token, *args)
    except ClassError as error:
        _note(error)


def _join_card(code: str, token: str) -> None:
    link = student_link(code)
    st.markdown(f"### Room **{code}**")
    st.image(qr_data_url(link), width=340 if presenter_mode() else 220, caption="Scan to join")
    st.code(link, language=None, wrap_lines=True)
    with st.expander("Private teacher link: keep it to yourself", icon=":material/key:"):
        st.caption(
            "Opens your teacher controls in another tab or after a reload. It is not in the "
            "student link or the QR code; anyone who has it can run this class."
        )
        st.code(teacher_link(code, token), language=None, wrap_lines=True)


def _controls(service: Classroom, room: Room, token: str) -> None:
    code, last = room.code, len(service.steps)
    back, reveal, forward, reset, close = st.columns(5)
    back.button(
        "← Previous step",
        key="class_back",
        on_click=_act,
        args=(service, "go_to", code, token, room.step - 1),
        disabled=room.step == 1 or room.closed,
        width="stretch",
    )
    reveal.button(
        "Reveal",
        key="class_reveal",
        on_click=_act,
        args=(service, "reveal", code, token),
        disabled=room.revealed or room.closed,
        type="primary",
        icon=":material/visibility:",
        width="stretch",
    )
    forward.button(
        "Next step →",
        key="class_next",
        on_click=_act,
        args=(service, "go_to", code, token, room.step + 1),
        disabled=room.step == last or room.closed,
        width="stretch",
    )
    reset.button(
        "Ask again",
        key="class_reset",
        on_click=_act,
        args=(service, "reset", code, token),
        disabled=room.closed,
        help="Delete this step's answers and hide the reveal.",
        width="stretch",
    )
    close.button(
        "Close the class",
        key="class_close",
        on_click=_act,
        args=(service, "close", code, token),
        disabled=room.closed,
        help="Students see the end; answers stay for the CSV until the room expires.",
        width="stretch",
    )


def answer_text(question: Choice | Guess) -> str:
    if isinstance(question, Choice):
        return question.options[question.answer]
    return f"{question.answer:,} {question.unit}".strip()


def answer_figure(question: Choice | Guess, values: list[int], revealed: bool, key: str) -> None:
    """How the class answered one question; the right answer only once revealed."""
    answer = question.answer if revealed else None
    if isinstance(question, Choice):
        counts = class_fig.option_counts(values, len(question.options))
        plot(class_fig.choice_counts_figure(question.options, counts, answer), key=key)
    else:
        plot(
            class_fig.guess_histogram_figure(
                values, question.lo, question.hi, answer, unit=question.unit
            ),
            key=key,
        )


def _live_counts(service: Classroom, room: Room) -> None:
    """The class's answers to this step, refreshed every second while the room is live."""
    live = _is_live(room, service.limits)

    @st.fragment(run_every=TEACHER_POLL if live else None)
    def counts() -> None:
        try:
            now = service.room(room.code)
        except ClassError:
            st.rerun()
        if now.version != room.version or _is_live(now, service.limits) != live:
            st.rerun()  # another tab moved the class, or it went quiet: redraw the page
        step = service.steps[now.step - 1]
        answers = service.counts(now.code, now.step)
        for i, (question, values) in enumerate(zip(step.questions, answers, strict=True)):
            st.markdown(f"**{question.prompt}**")
            st.caption(f"{len(values)} answered" + ("" if now.revealed else " · answer hidden"))
            answer_figure(question, values, now.revealed, f"class_counts_{i}")

    counts()
    if not live and not room.closed:
        st.info("Nothing has happened for a while: live updates are paused.")
        st.button("Resume live updates", key="class_wake", on_click=_wake)


def teacher_view(
    service: Classroom, room: Room, token: str, draw_figure: Callable[[str], None]
) -> None:
    step = service.steps[room.step - 1]
    _show_note()
    lesson, card = st.columns([3, 1])
    with card:
        _join_card(room.code, token)
    with lesson:
        st.progress(room.step / room.steps, text=f"Step {room.step} of {room.steps} · teaching")
        st.subheader(f"{room.step} · {step.title}")
        st.write(step.text)
        _controls(service, room, token)
        _live_counts(service, room)
        if room.revealed:
            for question in step.questions:
                st.success(
                    f"Answer: {answer_text(question)}. {question.why}",
                    icon=":material/check_circle:",
                )
            draw_figure(step.figure)
            st.caption(step.after)
    if room.closed:
        st.success("The class is closed. Download its results, then leave class mode.")
    csv_download(
        "Results per step (CSV)" if room.closed else "Results so far (CSV)",
        lambda: results_csv(service.results(room.code)),
        f"class_{room.code}_results.csv",
        key="class_results",
    )
    _leave_button("Leave class mode" if room.closed else "Leave (the class goes on)")


# ── a student ───────────────────────────────────────────────────────────────────────────
def _send(service: Classroom, code: str, step: int, question_index: int, key: str) -> None:
    """Send the answer a student's widget holds, for the step that widget was drawn on."""
    picked = st.session_state.get(key)
    if picked is None:
        return
    try:
        question = service.steps[step - 1].questions[question_index]
        if isinstance(question, Choice):
            if picked not in question.options:  # a forged message, not a click
                raise Refused("That is not one of this question's options.")
            value = question.options.index(picked)
        else:
            value = picked if isinstance(picked, int) else -(2**63)  # refused as out of range
        service.answer(code, session_id(), question_index, value, step=step)
    except ClassError as error:
        _note(error)


def _follow(service: Classroom, room: Room) -> None:
    """Wait for the teacher: a small check every 1.5 s; the page redraws when they act."""
    live = _is_live(room, service.limits)

    @st.fragment(run_every=STUDENT_POLL if live else None)
    def waiting() -> None:
        try:
            now = service.room(room.code)
        except ClassError:
            st.rerun()
        if now.version != room.version or _is_live(now, service.limits) != live:
            st.rerun()  # the teacher acted (or the class went quiet): redraw the page
        st.caption(f"Class {room.code} · live")

    waiting()
    if not live and not room.closed:
        st.info("Your class has been quiet for a while: live updates are paused.")
        st.button("Check for the teacher again", key="class_wake", on_click=_wake)


def student_view(
    service: Classroom,
    room: Room,
    draw_figure: Callable[[str], None],
    feedback: Callable[[Choice | Guess, object], None],
) -> None:
    if room.closed:
        st.success(
            f"Your teacher has closed class {room.code}. Thank you for taking part!",
            icon=":material/celebration:",
        )
        _leave_button("Continue the walkthrough on my own")
        return
    until = (
        "your teacher has revealed this step's answer."
        if room.revealed
        else "you may change them until the reveal."
    )
    st.info(
        f"You are in class **{room.code}**: your screen follows your teacher. Your answers "
        f"are anonymous; {until}",
        icon=":material/groups:",
    )
    _show_note()
    step = service.steps[room.step - 1]
    mine = service.my_answers(room.code, session_id(), room.step)
    st.progress(room.step / room.steps, text=f"Step {room.step} of {room.steps}")
    st.subheader(f"{room.step} · {step.title}")
    st.write(step.text)
    for i, question in enumerate(step.questions):
        key = f"class_{room.code}_{room.step}_{i}"
        st.markdown(f"**{question.prompt}**")
        common = dict(
            key=key,
            label_visibility="collapsed",
            disabled=room.revealed,
            on_change=_send,
            args=(service, room.code, room.step, i, key),
        )
        if isinstance(question, Choice):
            st.radio(question.prompt, question.options, index=mine.get(i), **common)
        else:
            st.slider(question.prompt, question.lo, question.hi, mine.get(i, question.lo), **common)
            if not room.revealed:
                st.button(
                    "Send this guess",
                    key=f"{key}_send",
                    on_click=_send,
                    args=(service, room.code, room.step, i, key),
                )
        if room.revealed:
            if i in mine:
                value = mine[i]
                feedback(
                    question, question.options[value] if isinstance(question, Choice) else value
                )
            else:
                st.info(
                    f"You did not answer this one. The answer: {answer_text(question)}. "
                    f"{question.why}"
                )
        elif i in mine:
            shown = question.options[mine[i]] if isinstance(question, Choice) else f"{mine[i]:,}"
            st.caption(f"Your answer is in: {shown}. You may change it until the reveal.")
    if room.revealed:
        draw_figure(step.figure)
        st.caption(step.after)
    else:
        st.info(
            "The figure appears when your teacher reveals the answer.",
            icon=":material/visibility_off:",
        )
    _follow(service, room)
