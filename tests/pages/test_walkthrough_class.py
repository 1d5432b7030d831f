"""Class mode on the walkthrough through AppTest: a teacher's session and students' sessions
on one store (each AppTest is its own browser session in this process)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import open_page
from timestep_lab.classroom import Classroom, open_store
from timestep_lab.lesson import Choice, Guess, lesson
from timestep_lab.ui.classroom import SESSION, STORE_SETTING, results_csv
from timestep_lab.ui.components import read_json_bytes

PAGE = "app_pages/walkthrough.py"
STEPS = lesson()
GUESS_STEP = next(n for n, s in enumerate(STEPS, 1) if isinstance(s.questions[0], Guess))


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request, tmp_path, monkeypatch):
    """Every session of a test shares one store, picked by the one setting."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/classes.db"
    else:
        url = request.getfixturevalue("redis_url")
    monkeypatch.setenv(STORE_SETTING, url)
    return url


def teacher_starts(step: int | None = None):
    at = open_page(PAGE, {"step": str(step)} if step else None)
    at.button(key="class_start").click().run()
    assert not at.exception
    return at, at.query_params["room"]


def param(at, key: str) -> str | None:
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def texts(at, kind: str) -> str:
    return "\n".join(str(e.value) for e in at.get(kind))


def everything(at) -> str:
    return "\n".join(
        texts(at, kind)
        for kind in ("markdown", "caption", "info", "success", "warning", "error", "subheader")
    )


def test_the_first_step_explains_class_mode_in_two_lines(store_url):
    at = open_page(PAGE)
    (line,) = [c.value for c in at.caption if "Class mode" in c.value]
    assert "QR code" in line and "anonymous" in line
    assert line.count(". ") <= 2  # two sentences: two lines on a laptop


def test_a_teacher_starts_a_class_and_gets_code_link_qr_and_a_private_link(store_url):
    at, code = teacher_starts(GUESS_STEP)
    assert len(code) == 7
    links = [c.value for c in at.code]
    student = next(link for link in links if "teacher=" not in link)
    teacher = next(link for link in links if "teacher=" in link)
    assert student.endswith(f"/walkthrough?room={code}")
    assert teacher.startswith(student + "&teacher=")
    # The QR code is drawn in the page (an SVG data: URL), not fetched from anywhere.
    (qr,) = [i for i in at.get("image") if "Scan" in str(i.proto.imgs[0].caption)]
    assert qr.proto.imgs[0].url.startswith("data:image/svg+xml")
    # The address bar holds the student link only: no teacher token in it.
    assert param(at, "teacher") is None
    assert at.subheader[0].value.startswith(f"{GUESS_STEP} · ")
    assert Classroom(open_store(store_url), STEPS).room(code).step == GUESS_STEP


def test_students_answer_and_the_teacher_sees_counts_then_reveals(store_url):
    teacher, code = teacher_starts()
    question = STEPS[0].questions[0]
    assert isinstance(question, Choice)
    students = [open_page(PAGE, {"room": code}) for _ in range(3)]
    picks = [0, question.answer, question.answer]
    for at, pick in zip(students, picks, strict=True):
        assert not at.exception
        assert at.subheader[0].value.startswith("1 · ")
        assert "figure appears when your teacher reveals" in texts(at, "info")
        assert not at.get("plotly_chart") and not at.get("image")
        at.radio(key=f"class_{code}_1_0").set_value(question.options[pick]).run()
        assert f"Your answer is in: {question.options[pick]}" in texts(at, "caption")
    # A student changes their mind: counted once, with the new answer.
    students[0].radio(key=f"class_{code}_1_0").set_value(question.options[2]).run()

    teacher.run()
    assert "3 answered · answer hidden" in texts(teacher, "caption")
    (bars,) = [c for c in teacher.get("plotly_chart") if "class_counts_0" in c.proto.id]
    assert json.loads(bars.proto.spec)["data"][0]["text"] == ["0", "2", "1"]
    assert question.why not in everything(teacher)  # nothing given away before the reveal

    teacher.button(key="class_reveal").click().run()
    assert question.why in texts(teacher, "success")
    # A student whose screen had not refreshed yet answers after the reveal: refused, noted.
    students[1].radio(key=f"class_{code}_1_0").set_value(question.options[0]).run()
    assert "revealed" in texts(students[1], "warning")
    for at, right in zip(students, (False, True, True), strict=True):
        at.run()
        assert at.radio(key=f"class_{code}_1_0").disabled
        assert (question.why in texts(at, "success")) == right
        assert (question.why in texts(at, "error")) == (not right)
        assert at.get("plotly_chart") or at.get("image")  # the step's figure
    assert sorted(Classroom(open_store(store_url), STEPS).counts(code, 1)[0]) == [1, 1, 2]


def test_students_follow_the_teacher_to_the_next_step_and_guess(store_url):
    teacher, code = teacher_starts(GUESS_STEP - 1)
    student = open_page(PAGE, {"room": code, "step": "1"})  # the room's step wins
    assert student.subheader[0].value.startswith(f"{GUESS_STEP - 1} · ")
    teacher.button(key="class_next").click().run()
    student.run()
    assert student.subheader[0].value.startswith(f"{GUESS_STEP} · ")
    question = STEPS[GUESS_STEP - 1].questions[0]
    student.slider(key=f"class_{code}_{GUESS_STEP}_0").set_value(question.answer).run()
    teacher.run()
    assert "1 answered" in texts(teacher, "caption")
    teacher.button(key="class_reveal").click().run()
    student.run()
    assert question.why in texts(student, "success")


def test_the_private_link_gives_a_new_tab_the_teacher_controls(store_url):
    teacher, code = teacher_starts()
    link = next(c.value for c in teacher.code if "teacher=" in c.value)
    token = link.split("teacher=", 1)[1]
    again = open_page(PAGE, {"room": code, "teacher": token})
    assert not again.exception
    assert param(again, "teacher") is None  # dropped from the address bar at once
    again.button(key="class_reveal").click().run()
    assert Classroom(open_store(store_url), STEPS).room(code).revealed


@pytest.mark.parametrize("token", ["forged-token-forged-token-forged-tok", "x" * 5000, ""])
def test_a_forged_teacher_link_gets_the_student_view(store_url, token):
    _, code = teacher_starts()
    at = open_page(PAGE, {"room": code, "teacher": token})
    assert not at.exception
    assert "not valid for this class" in texts(at, "warning")
    assert not [b for b in at.button if b.key == "class_reveal"]
    assert param(at, "teacher") is None
    assert not Classroom(open_store(store_url), STEPS).room(code).revealed


@pytest.mark.parametrize("room", ["ZZZZZZZ", "nope", "' OR 1=1 --", "A" * 10_000])
def test_unknown_or_forged_room_codes_get_a_note_and_the_lesson(store_url, room):
    at = open_page(PAGE, {"room": room})
    assert not at.exception
    notes = texts(at, "warning")
    assert "on your own" in notes and len(notes) < 400
    assert at.subheader[0].value.startswith("1 · ")  # the walkthrough alone still works


def test_an_unreachable_store_gets_a_note_not_a_traceback(monkeypatch):
    from benchmarks.streamlit_client import free_port

    monkeypatch.setenv(STORE_SETTING, f"redis://127.0.0.1:{free_port()}/0")
    at = open_page(PAGE)
    at.button(key="class_start").click().run()
    assert not at.exception
    assert "not answering" in texts(at, "warning")
    assert at.subheader[0].value.startswith("1 · ")


def test_closing_the_class_ends_it_for_students_and_gives_the_csv(store_url):
    teacher, code = teacher_starts()
    student = open_page(PAGE, {"room": code})
    student.radio(key=f"class_{code}_1_0").set_value(STEPS[0].questions[0].options[1]).run()
    teacher.button(key="class_close").click().run()
    assert "closed" in texts(teacher, "success")
    student.run()
    assert "closed class" in texts(student, "success")
    assert not student.get("radio")
    assert [b for b in teacher.get("download_button") if "class_results" in b.proto.id]
    text = results_csv(Classroom(open_store(store_url), STEPS).results(code))
    assert not any(s in text for s in (student.session_state[SESSION],))  # no student id
    rows = list(csv.DictReader(io.StringIO(text)))
    first = [r for r in rows if r["step"] == "1"]
    assert {r["answer"]: int(r["count"]) for r in first}[STEPS[0].questions[0].options[1]] == 1
    assert {r["answered"] for r in first} == {"1"}
    assert len({(r["step"], r["question"]) for r in rows}) == sum(len(s.questions) for s in STEPS)
    # Leaving class mode gives the walkthrough on one's own back.
    student.button(key="class_leave").click().run()
    assert param(student, "room") is None
    assert [b for b in student.button if b.key == "class_start"]


def test_an_answer_from_a_stale_screen_is_refused_not_moved_to_the_next_step(store_url):
    teacher, code = teacher_starts()
    student = open_page(PAGE, {"room": code})
    teacher.button(key="class_next").click().run()
    # The student's screen still shows step 1 when they pick an option.
    student.radio(key=f"class_{code}_1_0").set_value(STEPS[0].questions[0].options[1]).run()
    assert not student.exception
    assert "moved to another step" in texts(student, "warning")
    assert student.subheader[0].value.startswith("2 · ")
    assert Classroom(open_store(store_url), STEPS).store.stored_answers(code) == 0


def test_the_noise_level_step_shows_students_the_noise_pages_browser_views(store_url):
    """Revealed in class, the σ̂ step draws the noise page's step view and §4's level panel
    (what they are sent: tests/pages/test_walkthrough.py) for teacher and students alike."""
    number = next(n for n, s in enumerate(STEPS, 1) if s.figure == "noise_level")
    teacher, code = teacher_starts(number)
    student = open_page(PAGE, {"room": code})
    teacher.button(key="class_reveal").click().run()
    student.run()
    for at in (teacher, student):
        assert not at.exception and not at.error
        sent = [
            read_json_bytes(c)
            for c in at.get("bidi_component")
            if c.proto.component_name.endswith("noise_views")
        ]
        assert [(data.get("panel"), data["k"]) for data in sent] == [(None, 250), ("level", 250)]
        assert sent[1]["token"] == sent[0]["token"]
