"""Class mode in real Chromium: two server processes sharing one Redis, a teacher on one,
students on both; counts, reveal, next step and close arrive without reloading."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from benchmarks.streamlit_client import start_server
from tests.e2e.conftest import ROOT, open_app, wait_for_rerun
from timestep_lab.classroom import Classroom, open_store
from timestep_lab.lesson import Choice, lesson
from timestep_lab.ui.classroom import STORE_SETTING

STEPS = lesson()
LIVE = 60_000  # ms: a fragment refreshes every 1–1.5 s; generous for a busy machine


@pytest.fixture(scope="module")
def two_servers(redis_url) -> Iterator[tuple[str, str]]:
    """Two ``streamlit run app.py`` processes on two free ports, one Redis between them."""
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    processes, urls = [], []
    try:
        for name in ("a", "b"):
            log = open(ROOT / "test-artifacts" / f"class-server-{name}.log", "wb")  # noqa: SIM115
            process, url, _ = start_server(log=log, env={STORE_SETTING: redis_url})
            processes.append((process, log))
            urls.append(url)
        yield urls[0], urls[1]
    finally:
        for process, log in processes:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


def new_page(browser, errors: list[str]):
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    return page


def start_class(page, url: str) -> str:
    open_app(page, f"{url}/walkthrough")
    page.get_by_text("Teach this lesson to a class").click()
    page.get_by_role("button", name="Start a class at step 1").click()
    page.get_by_role("heading", name=re.compile("Room")).wait_for()
    wait_for_rerun(page)
    (code,) = parse_qs(urlparse(page.url).query)["room"]
    assert "teacher" not in page.url  # the address bar holds the student link only
    return code


def caption_with(page, text: str):
    return page.locator('[data-testid="stCaptionContainer"]').filter(has_text=text)


def test_teacher_and_students_on_two_processes_share_one_class(browser, two_servers, redis_url):
    teacher_url, other_url = two_servers
    errors: list[str] = []
    teacher = new_page(browser, errors)
    code = start_class(teacher, teacher_url)
    # The QR code is drawn from the page itself.
    assert teacher.locator("img[src^='data:image/svg+xml']").count() == 1

    question = STEPS[0].questions[0]
    assert isinstance(question, Choice)
    picks = [question.answer, question.answer, (question.answer + 1) % len(question.options)]
    students = []
    for i, pick in enumerate(picks):
        student = new_page(browser, errors)
        open_app(student, f"{(other_url, teacher_url)[i % 2]}/walkthrough?room={code}")
        student.get_by_role("heading", name=f"1 · {STEPS[0].title}").wait_for()
        student.get_by_text(question.options[pick], exact=True).click()
        caption_with(student, "Your answer is in").wait_for()
        students.append(student)

    # The teacher's screen counts them without a reload.
    caption_with(teacher, f"{len(picks)} answered").wait_for(timeout=LIVE)
    counted = Classroom(open_store(redis_url), STEPS).counts(code, 1)[0]
    assert sorted(counted) == sorted(picks)

    teacher.get_by_role("button", name="Reveal").click()
    wait_for_rerun(teacher)
    for student, pick in zip(students, picks, strict=True):
        verdict = "Right." if pick == question.answer else "Not quite"
        student.get_by_text(verdict).first.wait_for(timeout=LIVE)
        figure = ".js-plotly-plot, [data-testid='stMarkdownContainer'] img, svg"
        student.locator(figure).first.wait_for()

    teacher.get_by_role("button", name="Next step →").click()
    wait_for_rerun(teacher)
    for student in students:
        student.get_by_role("heading", name=f"2 · {STEPS[1].title}").wait_for(timeout=LIVE)

    teacher.get_by_role("button", name="Close the class").click()
    wait_for_rerun(teacher)
    for student in students:
        student.get_by_text("Your teacher has closed class").wait_for(timeout=LIVE)
    for page in (teacher, *students):
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(ROOT / "test-artifacts" / f"class-{id(page)}.png"))
        page.context.close()
    assert errors == []


def test_a_student_link_with_an_unknown_room_gets_a_note(browser, two_servers):
    errors: list[str] = []
    page = new_page(browser, errors)
    open_app(page, f"{two_servers[1]}/walkthrough?room=ZZZZZZZ")
    text = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
    assert "no class with the code ZZZZZZZ" in text
    assert page.get_by_role("heading", name=f"1 · {STEPS[0].title}").is_visible()
    page.context.close()
    assert errors == []


def test_live_updates_stop_when_the_room_goes_quiet_or_closes(two_servers, redis_url):
    """The fragment timer the server gives a student's browser: 1.5 s while the class is live,
    none once it is quiet or closed (a websocket session, reading the same messages)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import redis

    from benchmarks.streamlit_client import Session
    from timestep_lab.ui.classroom import STUDENT_POLL

    room = Classroom(open_store(redis_url), STEPS)
    code, token = room.start(1)

    async def visit() -> list[dict[str, float]]:
        timers = []
        async with Session(two_servers[1]) as student:
            await student.open("walkthrough", f"room={code}")
            timers.append(dict(student.auto_reruns))
            # Nothing has happened for longer than the idle limit.
            quiet = room.store.get_room(code).updated - room.limits.idle_seconds - 1
            redis.Redis.from_url(redis_url).hset(f"tl:room:{{{code}}}", "updated", quiet)
            (fragment_id,) = student.auto_reruns
            await student.fragment(fragment_id)
            timers.append(dict(student.auto_reruns))
            room.go_to(code, token, 2)  # the teacher acts: live again
            await student.open("walkthrough", f"room={code}")
            timers.append(dict(student.auto_reruns))
            room.close(code, token)
            (fragment_id,) = student.auto_reruns
            await student.fragment(fragment_id)
            timers.append(dict(student.auto_reruns))
        return timers

    # In a thread of its own: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        live, quiet, again, closed = pool.submit(asyncio.run, visit()).result(timeout=120)
    assert list(live.values()) == [STUDENT_POLL]
    assert quiet == {}
    assert list(again.values()) == [STUDENT_POLL]
    assert closed == {}


def test_forged_websocket_messages_change_nothing(two_servers, redis_url):
    """A student's browser that sends the teacher's Reveal button, or an option that is not
    on the screen, straight over the websocket: nothing is revealed or stored."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from benchmarks.streamlit_client import Session

    room = Classroom(open_store(redis_url), STEPS)
    code, token = room.start(1)

    async def forge() -> list[str]:
        async with Session(two_servers[0]) as teacher, Session(two_servers[1]) as student:
            await teacher.open("walkthrough", f"room={code}&teacher={token}")
            await student.open("walkthrough", f"room={code}")
            student.widgets["class_reveal"] = teacher.widgets["class_reveal"]
            forged = await student.set("class_reveal", True)
            radio = f"class_{code}_1_0"
            bogus = await student.set(radio, "an option that is not there")
            return forged.exceptions + bogus.exceptions

    with ThreadPoolExecutor(max_workers=1) as pool:
        exceptions = pool.submit(asyncio.run, forge()).result(timeout=120)
    assert exceptions == []
    assert not room.room(code).revealed
    assert room.store.stored_answers(code) == 0
