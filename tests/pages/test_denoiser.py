"""The denoiser page through AppTest: generate, scrub, every experiment, hostile links, bad weights.

The page reads weights from a copy of the shipped folder (``weights_dir``), so a test can edit
cards or corrupt files without touching the real ones. Runs are kept short (few steps, few
samples) so the file stays quick on a small CPU.
"""

import functools
import gc
import itertools
import json
import shutil
import weakref

import numpy as np
import pytest
import streamlit as st
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.scriptrunner import RerunData
from streamlit.testing.v1 import local_script_runner

from tests.conftest import open_page, pictures, warnings_text
from timestep_lab.figures import denoiser as fig
from timestep_lab.models import pretrained
from timestep_lab.ui.components import denoise_views, read_json_bytes, read_typed_array
from timestep_lab.ui.jobs import MAX_COST

PAGE = "app_pages/denoiser.py"
COMMITS = itertools.count()
QUICK = {"steps": "6", "num": "4"}


@pytest.fixture
def weights_dir(tmp_path, monkeypatch):
    """A copy of the shipped weights; a missing ablation twin is stood in for by ``digits``.

    The twins share every tensor shape (only how k is encoded differs), so ``digits`` weights
    under another card make a valid stand-in while those models are still being trained.
    """
    folder = tmp_path / "weights"
    shutil.copytree(pretrained.WEIGHTS_DIR, folder)
    base = json.loads((folder / "digits.json").read_text(encoding="utf-8"))
    for name in pretrained.DIGITS_NAMES:
        if not (folder / f"{name}.safetensors").exists():
            shutil.copy(folder / "digits.safetensors", folder / f"{name}.safetensors")
            card = {**base, "name": name, "evaluation": None}
            card["architecture"] = pretrained.ARCHITECTURES[name][1]
            (folder / f"{name}.json").write_text(json.dumps(card), encoding="utf-8")
    monkeypatch.setattr(pretrained, "WEIGHTS_DIR", folder)
    return folder


def generate(query=None):
    at = open_page(PAGE, query)
    return at.button(key="generate").click().run()


def clean(at) -> bool:
    return not at.exception and not at.error


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def infos(at) -> str:
    return "\n".join(str(i.value) for i in at.info)


def sections(at) -> list[str]:
    """The sections' numbers in page order ("1 ", …): each heading opens one markdown with its
    first paragraph; section 8's own section draws a subheader."""
    heads = [m.value.split("\n\n", 1) for m in at.markdown if m.value.startswith("### ")]
    assert all(len(head) == 2 and head[1].strip() for head in heads)  # a paragraph follows
    return [head[0].removeprefix("### ")[:2] for head in heads] + [
        s.value[:2] for s in at.subheader
    ]


def image_captions(at) -> list[str]:
    return [caption for _, caption in pictures(at)]


def view_elements(at) -> list:
    return [c for c in at.get("bidi_component") if c.proto.component_name.endswith("denoise_views")]


def step_views(at) -> list[dict]:
    """What the browser's step-by-step view was sent (none without a run)."""
    return [read_json_bytes(c) for c in view_elements(at)]


def step_view(at) -> dict:
    (data,) = step_views(at)
    return data


def commit_step(at, index: int, *, from_view: bool = True):
    """What the view does when a gesture ends: it sends the sampler step shown (setStateValue),
    a new value each time. A browser sends it as the request of the view's fragment (with that
    fragment's id); AppTest sends no fragment ids, so ``from_view`` adds them as a browser
    would. ``from_view=False``: the request was merged with a whole-page one."""
    (view,) = view_elements(at)
    states = WidgetStates()
    states.CopyFrom(at._tree.get_widget_states())
    state = states.widgets.add()
    state.id = view.proto.id
    state.json_value = json.dumps({"frame": {"index": index, "n": str(next(COMMITS))}})
    if not from_view:
        return at._run(states)
    fragment_ids = at._fragment_storage.resolve_target("denoiser:step")
    as_fragment = functools.partial(RerunData, fragment_id_queue=fragment_ids)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(local_script_runner, "RerunData", as_fragment)
        return at._run(states)


def diagram_k(at) -> str:
    (chart,) = at.get("graphviz_chart")
    return next(line for line in chart.proto.spec.splitlines() if line.strip().startswith("k ["))


def test_a_link_with_settings_invites_a_run(weights_dir):
    at = open_page(PAGE, {"seed": "31"})
    assert clean(at) and not at.warning
    assert at.title[0].value == "Watch it denoise"
    assert sections(at) == ["1 ", "4 ", "5 ", "6 ", "7 ", "8 "]
    assert "Press **Generate**" in infos(at)
    assert not at.get("plotly_chart") and not step_views(at)
    assert 'label="k"' in diagram_k(at)


def test_the_first_view_shows_the_default_run_shared_by_every_session(weights_dir):
    first = open_page(PAGE)  # nothing pressed: the default run is sampled (or found) at once
    assert clean(first) and not first.warning
    assert first.success and first.success[0].value.startswith("Done: 50 steps, k = 999")
    assert image_captions(first)[0] == "x₀: the finished samples"
    second = open_page(PAGE)  # another learner: the same run from the shared store
    assert second.success[0].value == first.success[0].value  # same run, same seconds


@pytest.mark.parametrize("seed", ["11", "12"])
def test_the_settling_sentence_measures_the_run_shown(weights_dir, seed):
    # built once per run and shared (cached_run_views): each seed's sentence is its own run's
    from app_pages.sections.denoiser_cached import SETTLED, settled, trajectory_store

    at = generate({**QUICK, "seed": seed})
    store = trajectory_store()
    run = next(reversed(store._runs.values()))  # the run this page used last: the one shown
    assert at.success[0].value.endswith(f"in {run.seconds:.2f} s.")
    sentence = (
        f"Measured on this run: x̂₀ first comes within RMS {SETTLED} of the finished samples "
        f"at k = {settled(run, 'x0_pred')}, x_k only at k = {settled(run, 'xk')}."
    )
    assert sentence in captions(at)


def test_generate_with_defaults_shows_every_view(weights_dir):
    at = generate()
    assert clean(at) and not at.warning
    assert sections(at) == ["1 ", "2 ", "3 ", "4 ", "5 ", "6 ", "7 ", "8 "]
    done = at.success[0].value
    assert done.startswith("Done: 50 steps, k = 999 down to ")
    charts = {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}
    assert charts == {"animation"}  # the step by step view is drawn by the browser
    shown = image_captions(at)
    assert shown[0] == "x₀: the finished samples"
    assert shown[1].startswith("x̂₀ halfway, at k = ")
    assert len(at.get("download_button")) == 2  # PNG grid, GIF
    data = step_view(at)
    assert data["frames"] == 50 and data["frame"] == 0 and data["kind"] == "digits"
    assert data["titles"] == {"eps": "ε̂, the noise it predicts (drawn over ±3)",
                              "x0": "x̂₀, its estimate (guided, w = 2)"}  # fmt: skip
    assert read_typed_array(data["k"])[0] == 999 and read_typed_array(data["xk"]).shape[1] == 16
    assert (data["convention"], data["embDim"]) == ("transformer", 128)
    assert 'label="k = 999"' in diagram_k(at)


def test_the_view_gets_the_run_and_the_schedule_exactly(weights_dir):
    from timestep_lab.encodings import sampling_timesteps
    from timestep_lab.models import load_pretrained, model_schedule

    at = generate({**QUICK, "spacing": "linspace", "w": "1"})
    assert clean(at)
    data = step_view(at)
    _, card = load_pretrained("digits")
    np.testing.assert_array_equal(
        read_typed_array(data["alphaBar"]), model_schedule(card).alpha_bar
    )
    timesteps = sampling_timesteps(1000, 6, "linspace")
    np.testing.assert_array_equal(read_typed_array(data["timesteps"]), timesteps)
    np.testing.assert_array_equal(read_typed_array(data["k"]), timesteps)  # all 6 steps kept
    np.testing.assert_array_equal(read_typed_array(data["kTold"]), timesteps)  # honest run
    np.testing.assert_array_equal(read_typed_array(data["index"]), range(6))
    assert read_typed_array(data["xk"]).shape == (6, 4, 8, 8)
    assert data["titles"]["x0"] == "x̂₀ ≈ E[x₀ | x_k, c], its estimate"


def test_a_committed_step_reruns_only_the_network_diagram(weights_dir, monkeypatch):
    at = generate({**QUICK, "spacing": "linspace"})
    assert clean(at) and 'label="k = 999"' in diagram_k(at)
    calls = {"diagram": 0, "view": 0}
    diagram, view = fig.network_dot, denoise_views.denoise_step_view

    def counted(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(fig, "network_dot", counted("diagram", diagram))
    monkeypatch.setattr(denoise_views, "denoise_step_view", counted("view", view))
    commit_step(at, 5)  # the learner let go at the last step, k = 0
    assert not at.exception
    assert calls == {"diagram": 1, "view": 0}  # the fragment reran; the page (and its frames) not
    assert 'label="k = 0"' in diagram_k(at)
    at.run()  # any later rerun of the page starts the view where the learner left it
    assert calls == {"diagram": 2, "view": 1}
    assert step_view(at)["frame"] == 5 and 'label="k = 0"' in diagram_k(at)
    commit_step(at, 99)  # not a step of this run (a tampered message): the first step
    assert 'label="k = 999"' in diagram_k(at)
    commit_step(at.run(), 3)
    assert 'label="k = 400"' in diagram_k(at)
    at.run().slider(key="steps").set_value(3).run()
    at.button(key="generate").click().run()  # a run without step 4 starts at its first step
    assert step_view(at)["frame"] == 0 and 'label="k = 999"' in diagram_k(at)


def test_a_step_committed_in_one_request_with_another_change_redraws_the_page(weights_dir):
    """Requests that reach a busy server together are merged into a whole-page run: the view's
    callback must not narrow it to the diagram, or the other change would not be drawn."""
    at = generate({**QUICK, "spacing": "linspace"})
    at.slider(key="delta").set_value(100)
    commit_step(at, 5, from_view=False)
    assert not at.exception
    assert at.slider(key="delta").value == 100  # the whole page ran
    assert sections(at) == ["1 ", "2 ", "3 ", "4 ", "5 ", "6 ", "7 ", "8 "]
    assert step_view(at)["frame"] == 5 and 'label="k = 0"' in diagram_k(at)


@pytest.mark.parametrize(
    "query",
    [
        {"sampler": "ddpm"},
        {"sampler": "ddim", "eta": "1", "spacing": "leading"},
        {"w": "0"},
        {"w": "1", "label": "7"},
        {"w": "8", "label": "none"},
        {"model": "toy2d", "num": "150", "dataset": "rings"},
    ],
    ids=["ddpm", "ddim-eta1-leading", "w0", "w1-digit7", "w8-no-class", "toy2d"],
)
def test_generate_with_other_settings(weights_dir, query):
    at = generate({**QUICK, **query})
    assert clean(at) and not at.warning, query
    assert at.success and "Done: 6 steps" in at.success[0].value
    assert at.get("plotly_chart")


def test_toy2d_draws_points_over_the_true_shape(weights_dir):
    path = weights_dir / "toy2d.json"
    card = json.loads(path.read_text(encoding="utf-8"))
    moons = {"floor": 0.004, "ddim50": {"energy_distance": 0.0123, "ratio": 3.08},
             "ddpm1000": {"energy_distance": 0.005, "ratio": 1.25}}  # fmt: skip
    card["evaluation"] = {"guidance": 1.0, "num": 2000, "moons": moons}
    path.write_text(json.dumps(card), encoding="utf-8")
    at = generate({"model": "toy2d", "steps": "8", "num": "300"})
    assert clean(at)
    text = captions(at)
    assert "2,000 samples of moons at w = 1 against fresh true points: DDIM-50: energy " in text
    assert "DDPM-1000: energy distance 0.0050, 1.25× that between two true samples." in text
    assert at.slider(key="num").value == 300
    assert "Points" in [s.label for s in at.slider]
    data = step_view(at)  # points as their dots' pixels, over the true shape's
    assert data["kind"] == "points" and read_typed_array(data["xk"]).shape == (8, 300, 2)
    assert read_typed_array(data["truth"]).shape == (1500, 2) and data["width"] == 230
    assert "The twins are digit models" in infos(at)
    at.button(key="strip_run").click().run()
    assert clean(at)
    assert [c for c in image_captions(at) if c.startswith("w = ")] == [
        "w = 0", "w = 1", "w = 2", "w = 4", "w = 8"
    ]  # fmt: skip
    at.button(key="lie_run").click().run()
    assert clean(at)
    assert "energy distance to fresh moons points" in infos(at)


@pytest.mark.parametrize(
    ("lie", "extra", "told"),
    [
        ("offset", {"delta": "-200"}, "k −200"),
        ("fixed", {"told": "999"}, "k = 999 always"),
        ("zero", {}, "P = 0"),
        ("shuffle", {}, "P with shuffled columns"),
    ],
)
def test_each_lie_runs_beside_the_honest_run(weights_dir, lie, extra, told):
    at = open_page(PAGE, {**QUICK, "lie": lie, **extra})
    at.button(key="lie_run").click().run()
    assert clean(at) and not at.warning
    assert "What changed" in infos(at)
    assert f"Lie: told {told}" in image_captions(at)
    assert "differ from the honest ones by RMS" in infos(at)
    if lie == "fixed":
        at.button(key="generate").click().run()
        data = step_view(at)  # the main run stays honest: told k at every step
        np.testing.assert_array_equal(read_typed_array(data["kTold"]), read_typed_array(data["k"]))


def test_twins_run_and_quote_their_model_cards(weights_dir):
    numbers = {"digits": (0.95, 3.0), "digits-scalar": (0.94, 3.2), "digits-raw": (0.80, 6.0),
               "digits-none": (0.30, 20.0)}  # fmt: skip
    for name, (accuracy, frechet) in numbers.items():
        path = weights_dir / f"{name}.json"
        card = json.loads(path.read_text(encoding="utf-8"))
        row = {"guidance": 2.0, "class_accuracy": accuracy, "frechet": frechet}
        card["evaluation"] = {"num": 1000, "steps": 50, "w=2": row, "frechet_floor": 1.0}
        path.write_text(json.dumps(card), encoding="utf-8")
    at = open_page(PAGE, QUICK)
    text = infos(at)
    assert "sinusoidal P(k) 95.0% / 3.00" in text
    assert "no twin is called better or worse than P(k)" in text
    assert "about as well" not in text and "points less accurate" not in text
    at.button(key="twins_run").click().run()
    assert clean(at)
    twins = [c for c in image_captions(at) if "(digits" in c]
    assert twins[0] == "sinusoidal P(k) (digits): 95.0% / 3.00"
    assert len(twins) == 4
    at.button(key="strip_run").click().run()
    assert clean(at)
    assert "w = 2: 95.0% / 3.00" in image_captions(at)
    at.button(key="generate").click().run()
    assert "1,000 DDIM-50 samples" in captions(at)
    assert "an independent classifier reads 95.0% as the digit asked for" in captions(at)
    assert "w = 8" in image_captions(at)  # not evaluated: no numbers


def test_without_measured_metrics_the_page_makes_no_claim(weights_dir):
    for name in pretrained.DIGITS_NAMES:
        path = weights_dir / f"{name}.json"
        card = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps({**card, "evaluation": None}), encoding="utf-8")
    at = open_page(PAGE, QUICK)
    assert clean(at)
    assert "makes no claim about which encoding works better" in infos(at)
    at.button(key="generate").click().run()
    assert "no evaluation yet" in captions(at)


def test_guidance_strip_needs_a_class(weights_dir):
    at = open_page(PAGE, {**QUICK, "label": "none"})
    assert "Guidance needs a class" in infos(at)
    assert not [b for b in at.button if b.key == "strip_run"]
    at = open_page(PAGE, {**QUICK, "label": "4"})
    at.button(key="strip_run").click().run()
    assert clean(at)


HEAVIEST = {"model": "digits", "sampler": "ddpm", "steps": "1000", "num": "64", "w": "8",
            "label": "all"}  # fmt: skip


def test_a_run_above_the_work_bound_is_refused_with_a_note(weights_dir):
    at = open_page(PAGE, HEAVIEST)
    assert not at.exception and not at.error
    notes = warnings_text(at)
    # 1000 steps × 64 images × 2 passes (w = 8 guides: with and without the class)
    assert "This asks for 128,000 units of work" in notes
    assert f"at most {MAX_COST:,} here" in notes
    assert f"Lower S to {1000 * MAX_COST // 128_000} or less" in notes
    assert at.button(key="generate").disabled
    assert at.button(key="lie_run").disabled and at.button(key="strip_run").disabled


def test_a_run_within_the_bound_is_allowed(weights_dir):
    at = open_page(PAGE, {**HEAVIEST, "steps": str(1000 * MAX_COST // 128_000)})
    assert not at.button(key="generate").disabled
    # the strip runs five such runs at once: that is over the bound
    assert at.button(key="strip_run").disabled


HOSTILE = {"model": "evil", "label": "11", "w": "-3", "sampler": "x", "steps": "99999",
           "eta": "2", "spacing": "x", "seed": "-1", "num": "100000", "lie": "<b>",
           "delta": "1e9"}  # fmt: skip


def test_hostile_links_get_notes_and_valid_values(weights_dir):
    at = open_page(PAGE, HOSTILE)
    assert not at.exception and not at.error
    notes = warnings_text(at)
    for key in ("model", "label", "w", "sampler", "steps", "eta", "spacing", "seed", "num",
                "lie", "delta"):  # fmt: skip
        assert f"`{key}=" in notes, key
    assert at.slider(key="steps").value == 1000
    assert at.slider(key="num").value == 64
    assert at.select_slider(key="w").value == 0.0
    assert at.select_slider(key="eta").value == 1.0
    assert at.slider(key="seed").value == 0


@pytest.mark.parametrize(("key", "value"), [("w", "1e9"), ("w", "nan"), ("steps", "0"),
                                            ("w", "2.2"), ("num", "abc")])  # fmt: skip
def test_single_odd_values_are_corrected(weights_dir, key, value):
    at = open_page(PAGE, {key: value})
    assert not at.exception and not at.error
    assert f"`{key}=" in warnings_text(at)


def test_a_link_reproduces_the_view(weights_dir):
    query = {"model": "digits", "label": "5", "w": "1.5", "sampler": "ddim", "steps": "20",
             "eta": "0.5", "spacing": "linspace", "seed": "42", "num": "9"}  # fmt: skip
    at = open_page(PAGE, query)
    assert not at.exception and not at.warning
    assert at.selectbox(key="label").value == "5"
    assert at.select_slider(key="w").value == 1.5
    assert at.select_slider(key="eta").value == 0.5
    assert at.slider(key="steps").value == 20
    assert at.slider(key="num").value == 9


def test_switching_model_resets_the_sample_count(weights_dir):
    at = open_page(PAGE)
    assert at.slider(key="num").value == 16
    at.button_group(key="model").set_value("toy2d").run()
    assert clean(at) and not at.warning
    assert at.slider(key="num").value == 2000


def test_corrupt_weights_give_a_clear_message(weights_dir):
    path = weights_dir / "digits.safetensors"
    path.write_bytes(path.read_bytes()[:1000])
    st.cache_resource.clear()
    at = open_page(PAGE)
    assert not at.exception
    assert "cannot be loaded" in at.error[0].value
    assert "corrupt or was replaced" in at.error[0].value
    assert not [b for b in at.button if b.key == "generate"]
    other = open_page("app_pages/encoding.py")
    assert not other.exception and not other.error


def test_missing_weights_give_a_clear_message(weights_dir):
    (weights_dir / "toy2d.safetensors").unlink()
    at = open_page(PAGE, {"model": "toy2d"})
    assert not at.exception
    assert "weights of 'toy2d' are missing" in at.error[0].value


def test_a_missing_twin_fails_only_its_section(weights_dir):
    (weights_dir / "digits-raw.safetensors").unlink()
    at = open_page(PAGE, QUICK)
    at.button(key="twins_run").click().run()
    assert not at.exception
    assert "This experiment cannot run" in at.error[0].value
    at.button(key="generate").click().run()
    assert at.success  # the rest of the page still works


def test_hidden_controls_keep_the_link_values(weights_dir):
    at = open_page(PAGE, {"hide": "w,eta,model", "w": "4", "eta": "0.5", "model": "toy2d"})
    assert clean(at) and not at.warning
    assert not [s for s in at.select_slider if s.key in ("w", "eta")]
    assert any("guidance w = 4" in m.value for m in at.markdown)
    link = at.code[-1].value
    for part in (
        "model=toy2d",
        "w=4",
        "eta=0.5",
        "lie=offset",
        "delta=300",
        "hide=eta%2Cmodel%2Cw",
    ):
        assert part in link, part


def test_twins_text_follows_the_numbers_not_lore(weights_dir):
    """The shape of the real evaluation: k/T ties, no-k loses accuracy but not Fréchet."""
    numbers = {"digits": (1.0, 8.46), "digits-scalar": (1.0, 8.30), "digits-none": (0.941, 7.66)}
    for name in pretrained.DIGITS_NAMES:
        path = weights_dir / f"{name}.json"
        card = json.loads(path.read_text(encoding="utf-8"))
        card["evaluation"] = None
        if name in numbers:
            accuracy, frechet = numbers[name]
            row = {"guidance": 2.0, "class_accuracy": accuracy, "frechet": frechet}
            card["evaluation"] = {"num": 1000, "steps": 50, "w=2": row, "frechet_floor": 2.4}
        path.write_text(json.dumps(card), encoding="utf-8")
    text = infos(open_page(PAGE, QUICK))
    assert "real digits against real: 2.4" in text
    assert "raw k" not in text  # not measured: no claim
    assert "no twin is called better or worse than P(k)" in text
    assert "one training run" in text and "may not survive another training seed" in text
    assert "buys no accuracy" not in text and "keeps working for long schedules" not in text
    assert "about as well" not in text and "costs" not in text


def test_time_mlp_table_puts_the_live_model_beside_the_cited_ones(weights_dir):
    from timestep_lab.models import load_pretrained
    from timestep_lab.models.time_mlp import reference_rows

    at = open_page(PAGE)
    assert clean(at)
    table = at.dataframe[0].value
    model, card = load_pretrained("digits")
    ours = table.iloc[0]
    assert ours["model"] == "ours: digits"
    assert ours["P(k) width d"] == card["architecture"]["enc_dim"]
    assert ours["MLP parameters"] == f"{model.describe()['params_time_embedding']:,}"
    assert list(table["model"][1:]) == [r.model for r in reference_rows()]
    assert len(at.get("latex")) >= 3  # the three ways a block reads e


def test_a_later_first_view_shows_the_stored_default_run_without_a_job(monkeypatch, weights_dir):
    """The default run is sampled once per process; the next learner's first view takes it
    from the store at once instead of queueing behind other learners' jobs."""
    import timestep_lab.ui.jobs as jobs

    first = open_page(PAGE)
    assert clean(first)
    started = []
    real = jobs.run_job

    def counting(slot, work, **kwargs):
        started.append((slot, kwargs["start"]))
        return real(slot, work, **kwargs)

    monkeypatch.setattr(jobs, "run_job", counting)
    later = open_page(PAGE)
    assert clean(later)
    assert started and ("denoiser:generate", True) not in started  # looked, did not queue
    assert image_captions(later)[0] == "x₀: the finished samples"
    assert later.success[0].value == first.success[0].value


def test_per_run_keeps_by_the_key_and_the_keyword_arguments():
    from app_pages.sections.denoiser_cached import per_run

    calls = []

    @per_run(maxsize=2)
    def built(key, _run, *, width):
        calls.append((key, width))
        return [key, width]

    first = built("a", object(), width=1)
    assert built("a", object(), width=1) is first  # the run itself is not compared
    assert built("a", None, width=2) == ["a", 2]  # another width: built again
    built("b", None, width=1)  # three kept now: the least recently used ("a", 1) goes
    assert built("a", None, width=1) is not first
    assert calls == [("a", 1), ("a", 2), ("b", 1), ("a", 1)]
    assert built.cache_info().currsize == 2
    built.cache_clear()  # what the janitor does once the class has gone (memory.clear_caches)
    assert built.cache_info().currsize == 0


def test_a_models_description_is_kept_while_it_is_loaded_and_never_keeps_it_alive():
    from app_pages.sections.denoiser_cached import cached_description

    class Model:  # what the page asks of a loaded model here: describe()
        calls = 0

        def describe(self):
            Model.calls += 1
            return {"params": 1234}

    model = Model()
    description = cached_description(model)
    assert cached_description(model) is description and Model.calls == 1  # counted once
    assert cached_description(Model()) == description and Model.calls == 2  # per model
    loaded = weakref.ref(model)
    del model  # _load dropped it (e.g. retrained weights replaced it)
    gc.collect()
    assert loaded() is None  # the cache did not keep it alive
