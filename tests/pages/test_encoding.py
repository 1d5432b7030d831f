"""The encoding page through AppTest: every control, every layout, hostile links."""

import json

import pytest

from tests.conftest import open_page, open_tab, page_literal, warnings_text
from timestep_lab.encodings import CONVENTIONS

PAGE = "app_pages/encoding.py"
TABS = ("The encoding", "Why sinusoids", "Layouts in real code")
# drawn by plotly, by tab (only the open tab runs); the views of row k are drawn by the browser
CHARTS = {
    TABS[0]: {"wavelengths", "similarity"},
    TABS[1]: {"naive_raw", "naive_norm", "naive_sin", "time_input"},
    TABS[2]: {"layouts"},
}
WHY, LAYOUTS = {"tab": TABS[1]}, {"tab": TABS[2]}


VIEWS = {"heatmap", "vector", "shift", "phase", "formula"}


def chart_keys(at):
    return {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}


def charts_of_every_tab(at) -> dict[str, set[str]]:
    """The plotly charts each tab draws when it is open (the page ends on the first tab)."""
    drawn = {}
    for label in (*TABS[1:], TABS[0]):
        open_tab(at, label)
        assert not at.exception, label
        drawn[label] = chart_keys(at)
    return drawn


def view_data(at) -> dict[str, dict]:
    """What each browser view of row k was sent, by view name."""
    views = [c for c in at.get("bidi_component") if c.proto.component_name.endswith("views")]
    return {data["view"]: data for data in (json.loads(c.proto.json) for c in views)}


def formulas(at) -> list[str]:
    """Each display formula ($$ … $$) on the page, in TeX."""
    bodies = [m.value for m in at.markdown] + [m.value for m in at.latex]
    return [b.split("$$\n", 1)[1].removesuffix("\n$$") for b in bodies if "$$\n" in b]


def shows_one_formula(at, start: str) -> bool:
    return len(formulas(at)) == 1 and formulas(at)[0].startswith(start)


def page_table(name: str):
    """A table the page defines at its top level (a literal), read without running the page."""
    return page_literal(PAGE, name)


def test_every_layout_offered_has_its_formula_and_its_name():
    at = open_page(PAGE)
    offered = set(at.selectbox(key="layout").options)
    assert offered == set(CONVENTIONS)
    assert set(page_table("FORMULAS")) == offered  # view 6 looks its formula up by layout
    assert set(page_table("LAYOUT_NAMES")) == offered


def test_default_view_renders_every_figure():
    at = open_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "Encoding explorer"
    assert [tab.label for tab in at.tabs] == list(TABS)
    assert chart_keys(at) == CHARTS[TABS[0]]  # the first tab is open; the others do not run
    assert not at.button  # the spectral-bias fit's button lives in the second tab
    assert set(view_data(at)) == VIEWS
    for data in view_data(at).values():  # a handful of numbers, never the matrix
        assert data["k"] == 250 and data["T"] == 1000 and data["d"] == 128
        assert data["n"] == 10000 and data["layout"] == "transformer"
    assert view_data(at)["phase"]["i"] == 8 and view_data(at)["phase"]["delta"] == 5
    assert not at.warning
    # the formula, under its heading (its numbers are drawn by the browser)
    assert shows_one_formula(at, r"P(k, 2i) = \sin\!\left(\frac{k}{n^{2i/d}}\right)")


def test_every_control_moves_without_error():
    at = open_page(PAGE)
    for key, value in [
        ("d", 2),
        ("d", 1024),
        ("d", 77),
        ("T", 10),
        ("k", 9),
        ("T", 4000),
        ("k", 3999),
        ("i", 0),
        ("delta", 200),
    ]:
        at.slider(key=key).set_value(value).run()
        assert not at.exception, (key, value)
        assert at.slider(key=key).value == value
        if key == "k":  # k reran only its followers; a full run brings back the whole tree
            at.run()
    for base in (2, 1_000_000, 10_000):
        at.select_slider(key="n").set_value(base).run()
        assert not at.exception
    for layout, formula in [
        ("ddpm", r"P(k, i) = \sin(k\,\omega_i)"),
        ("ldm", r"P(k, i) = \cos(k\,\omega_i)"),
        ("transformer", r"P(k, 2i) = \sin\!\left(\frac{k}{n^{2i/d}}\right)"),
    ]:
        at.selectbox(key="layout").set_value(layout).run()
        assert not at.exception
        assert chart_keys(at) == CHARTS[TABS[0]]
        assert shows_one_formula(at, formula), (layout, formulas(at))


def test_shrinking_T_below_k_moves_k_inside_the_range():
    at = open_page(PAGE)
    at.slider(key="k").set_value(900).run()
    at.run()
    at.slider(key="T").set_value(100).run()
    assert not at.exception
    assert at.slider(key="k").value == 99


@pytest.mark.parametrize("layout", ["transformer", "ddpm", "ldm"])
def test_heaviest_setting(layout):
    at = open_page(PAGE, {"d": "1024", "T": "4000", "k": "3999", "n": "1000000", "layout": layout})
    assert not at.exception and not at.warning
    assert at.slider(key="d").value == 1024 and at.slider(key="k").value == 3999


def test_ddpm_with_too_small_d_explains_and_recovers():
    at = open_page(PAGE, {"d": "3", "layout": "ddpm"})
    assert not at.exception
    assert "needs d ≥ 4" in warnings_text(at)
    assert charts_of_every_tab(at) == CHARTS


def test_link_reproduces_the_view():
    query = {"d": "48", "n": "500", "T": "300", "k": "123", "layout": "ldm", "i": "3", "delta": "7"}
    at = open_page(PAGE, query)
    assert not at.exception and not at.warning
    assert at.slider(key="d").value == 48 and at.select_slider(key="n").value == 500
    assert at.slider(key="T").value == 300 and at.slider(key="k").value == 123
    assert at.selectbox(key="layout").value == "ldm"
    assert at.slider(key="i").value == 3 and at.slider(key="delta").value == 7
    data = view_data(at)["vector"]
    assert (data["d"], data["n"], data["T"], data["k"], data["layout"]) == (
        48,
        500,
        300,
        123,
        "ldm",
    )
    assert view_data(at)["phase"]["i"] == 3 and view_data(at)["phase"]["delta"] == 7


@pytest.mark.parametrize(
    ("query", "expected", "note"),
    [
        ({"d": "abc"}, {"d": 128}, "not a number"),
        ({"d": "12.5"}, {"d": 12}, "not a whole number"),
        ({"d": "nan"}, {"d": 128}, "not a number"),
        ({"d": "0x10"}, {"d": 128}, "not a number"),
        ({"d": "-5"}, {"d": 2}, "outside the valid range 2 … 1024"),
        ({"d": "1e9"}, {"d": 1024}, "outside the valid range"),
        ({"d": "9" * 400}, {"d": 1024}, "outside the valid range"),
        ({"T": "0"}, {"T": 10}, "outside the valid range 10 … 4000"),
        ({"T": "99999"}, {"T": 4000}, "outside"),
        ({"k": "5000"}, {"k": 999}, "outside the valid range 0 … 999"),
        ({"T": "50", "k": "70"}, {"T": 50, "k": 49}, "outside the valid range 0 … 49"),
        ({"n": "0"}, {"n": 10000}, "not a positive number"),
        ({"n": "-1"}, {"n": 10000}, "not a positive number"),
        ({"n": "inf"}, {"n": 10000}, "not a positive number"),
        ({"n": "12345"}, {"n": 10000}, "not one of this control's values"),
        ({"n": "1e300"}, {"n": 1_000_000}, "outside the range 2 … 1e+06"),
        ({"layout": "<script>alert(1)</script>"}, {"layout": "transformer"}, "not one of"),
        ({"i": "999"}, {"i": 63}, "outside"),
        ({"delta": "0"}, {"delta": 1}, "outside"),
    ],
)
def test_hostile_link_values_get_a_note_and_the_nearest_valid_value(query, expected, note):
    at = open_page(PAGE, query)
    assert not at.exception
    assert note in warnings_text(at)
    for key, value in expected.items():
        widget = {"n": at.select_slider, "layout": at.selectbox}.get(key, at.slider)(key=key)
        assert widget.value == value, key
    assert chart_keys(at) == CHARTS[TABS[0]]


def test_a_note_shows_only_on_arrival():
    at = open_page(PAGE, {"d": "oops"})
    assert at.warning
    at.slider(key="k").set_value(10).run()
    assert not at.warning


def test_home_links_to_the_encoding_page():
    at = open_page()
    assert not at.exception
    assert at.title[0].value == "Timestep Lab"
    links = [link.proto.page for link in at.get("page_link")]
    assert any("encoding" in link for link in links)


def test_spectral_bias_fit_runs_on_request_and_reports_the_library_numbers():
    from timestep_lab.models.spectral_bias import spectral_bias_fits

    at = open_page(PAGE, {"d": "32", "T": "500", **WHY})
    assert "spectral_bias" not in chart_keys(at)  # nothing is trained until asked
    at.button(key="spectral_fit").click().run()
    assert not at.exception
    assert "spectral_bias" in chart_keys(at)
    result = spectral_bias_fits(500, dim=32)
    caption = next(c.value for c in at.caption if "RMS error" in c.value)
    assert f"k/T {result.fits['scalar'].rms_error:.3f}" in caption
    assert f"P(k) {result.fits['sinusoidal'].rms_error:.3f}" in caption
    assert f"{result.error_ratio:.1f}× further off" in caption


def test_moving_k_shares_one_read_only_matrix_instead_of_copying_it():
    from timestep_lab.ui import arrays

    arrays.clear_all()
    at = open_page(PAGE, {"d": "1024", "T": "4000", "k": "0"})
    for k in (1, 2, 3):
        at.slider(key="k").set_value(k).run()
        assert not at.exception
    caches = [c for key, c in arrays._registry.items() if key[1] == "cached_embedding"]
    (cache,) = caches  # four runs of the page script, one cache
    assert len(cache) == 1 and cache.nbytes == 4000 * 1024 * 8  # one matrix, not four
    matrix = next(iter(cache._items.values()))[0]
    assert not matrix.flags.writeable


def downloads(at) -> dict:
    return {b.proto.id.rsplit("-", 1)[-1]: b.proto for b in at.get("download_button")}


def test_the_largest_matrix_is_offered_as_npz_not_csv_and_built_only_on_click():
    at = open_page(PAGE, {"d": "1024", "T": "4000"})
    shown = downloads(at)
    assert "matrix_npz" in shown and "matrix_csv" not in shown
    assert all(p.HasField("deferred_file_id") for p in shown.values())  # made when clicked
    assert "P has 4,096,000 values" in "\n".join(c.value for c in at.caption)
    at = open_page(PAGE, {"d": "128", "T": "1000"})
    assert {"matrix_npz", "matrix_csv"} <= set(downloads(at))


def test_time_input_view_feeds_t_logsnr_or_cnoise_and_reports_the_library_numbers():
    import numpy as np

    from timestep_lab.encodings import noise_schedule, timestep_embedding
    from timestep_lab.encodings import time_inputs as ti

    for query, kind, scale, schedule in [
        ({"input": "t", "s": "1"}, "t", 1.0, "linear"),
        ({"input": "t", "s": "999"}, "t", 999.0, "linear"),
        ({"input": "logsnr", "schedule": "cosine"}, "logsnr", 1.0, "cosine"),
        ({"input": "cnoise"}, "cnoise", 1.0, "linear"),
    ]:
        at = open_page(PAGE, {**query, **WHY})
        assert not at.exception and not at.warning, query
        values = ti.encoding_input(
            kind, np.arange(1000), noise_schedule(schedule, 1000).alpha_bar, scale=scale
        )
        similarity = ti.end_similarity(timestep_embedding(values, 128))
        caption = next(c.value for c in at.caption if c.value.startswith("Fed "))
        assert f"cosine similarity {similarity:.3f}" in caption, query
        assert "time_input" in chart_keys(at)


def test_the_time_input_measures_are_shared_read_only():
    from app_pages.sections.time_inputs import cached_measures

    inputs, turns, _, _ = cached_measures(20, 8, 10_000.0, "transformer", "t", 1000, "linear")
    assert not inputs.flags.writeable and not turns.flags.writeable


@pytest.mark.parametrize("layout", ["transformer", "ddpm", "ldm"])
def test_the_time_input_measures_equal_the_whole_matrix(layout):
    """The section builds only the rows it draws and the two ends it compares; they must be
    those rows of the whole T × d matrix, and the similarity that of its first and last row."""
    import numpy as np

    from app_pages.sections.time_inputs import cached_measures
    from timestep_lab.encodings import time_inputs as ti
    from timestep_lab.encodings import timestep_embedding
    from timestep_lab.encodings.display import evenly_spaced, paired_columns

    T, d = 700, 130
    inputs, _, similarity, figure = cached_measures(T, d, 500.0, layout, "cnoise", 1, "cosine")
    whole = timestep_embedding(inputs, d, base=500.0, convention=layout)
    rows, columns = evenly_spaced(T, 150), paired_columns(d, 64, layout)
    heatmap = next(trace for trace in figure.data if trace.type == "heatmap")
    np.testing.assert_array_equal(
        np.asarray(heatmap.z), whole[np.ix_(rows, columns)].astype(np.float32)
    )
    assert similarity == pytest.approx(ti.end_similarity(whole), abs=1e-15)


def test_time_input_link_with_a_bad_scale_gets_a_note():
    at = open_page(PAGE, {"input": "t", "s": "-3", **WHY})
    assert not at.exception
    assert "s=-3" in warnings_text(at)


def test_moving_k_redraws_what_python_draws_from_k():
    """Every follower of k shows the new k. (AppTest sends no fragment ids, so here a k move
    is a whole-page run; that a browser's commit reruns only the followers is checked in
    Chromium: tests/e2e/test_components_browser.py.)"""
    at = open_page(PAGE, {"T": "300", "k": "100"})
    at.slider(key="k").set_value(9).run()
    assert not at.exception
    assert at.slider(key="k").value == 9
    assert "&k=9&" in next(c.value for c in at.code if "?" in c.value)
    assert {d["k"] for d in view_data(at).values()} == {9}
    open_tab(at, TABS[1])  # section 7's caption follows k too
    at.slider(key="k").set_value(8).run()
    assert "k = 8 has ᾱ" in "\n".join(c.value for c in at.caption)


@pytest.mark.parametrize(("T", "d", "n"), [(700, 130, 500.0), (30, 2, 10.0)])
def test_the_layout_check_holds_for_every_k(T, d, n):
    """Section 8's box: the transformer vector reordered equals Stable Diffusion's for every k
    of 0 … T−1 (computed a block of rows at a time); its number is the whole matrices' gap."""
    import numpy as np

    from app_pages.sections.k_free import layout_reorder_gap
    from timestep_lab.encodings import MIN_DIM, timestep_embedding

    k, compared = np.arange(T), max(d, MIN_DIM["ddpm"])  # the page compares at d ≥ 4
    p_tr = timestep_embedding(k, compared, base=n, convention="transformer")
    p_ldm = timestep_embedding(k, compared, base=n, convention="ldm")
    whole = np.abs(np.concatenate([p_tr[:, 1::2], p_tr[:, 0::2]], axis=1) - p_ldm).max()
    assert layout_reorder_gap(T, compared, n) == whole
    assert whole < 1e-9  # the same values up to rounding
    at = open_page(PAGE, {"T": str(T), "d": str(d), "n": f"{n:g}", "k": "5", **LAYOUTS})
    assert not at.exception
    box = next(i.value for i in at.info if "[all cos | all sin]" in i.value)
    assert f"for every k from 0 to {T - 1}: largest difference {whole:.1e}" in box
    assert ("rounding" in box) == (whole > 0)


@pytest.mark.parametrize("gap", [0.0, 3.4e-13])
def test_the_layout_check_says_rounding_only_when_there_is_a_gap(monkeypatch, gap):
    """Whether this platform's maths library rounds the two formulas alike is not up to us:
    both of the box's sentences are read here with the gap given."""
    from app_pages.sections import k_free

    monkeypatch.setattr(k_free, "layout_reorder_gap", lambda *_: gap)
    at = open_page(PAGE, {"T": "300", **LAYOUTS})
    assert not at.exception
    box = next(i.value for i in at.info if "[all cos | all sin]" in i.value)
    assert f"for every k from 0 to 299: largest difference {gap:.1e}" in box
    assert ("rounding: the two compute the same frequencies" in box) == (gap > 0)


def test_k_moved_with_another_control_in_one_request_redraws_the_page():
    """Requests that reach a busy server together are merged: when T and k change in one, the
    page reruns whole (the k control's callback must not narrow it to the followers)."""
    at = open_page(PAGE, {"T": "300", "k": "100"})
    at.selectbox(key="layout").set_value("ddpm")
    at.slider(key="k").set_value(9)
    at.run()
    assert not at.exception
    assert {(d["layout"], d["k"]) for d in view_data(at).values()} == {("ddpm", 9)}
    assert chart_keys(at) == CHARTS[TABS[0]]


def test_each_tab_draws_its_own_sections_and_only_those():
    at = open_page(PAGE, {"T": "300"})
    assert charts_of_every_tab(at) == CHARTS
    open_tab(at, TABS[1])
    assert not view_data(at)  # the views of row k belong to the first tab
    headings = [m.value.split("\n", 1)[0] for m in at.markdown if m.value.startswith("### ")]
    assert headings == [
        "### 7 · Why not just give the network k?",
        "### Why sines? A small network learns slow functions of one number first",
        "### Index or noise level? What the sinusoids are fed",
    ]
    open_tab(at, TABS[2])
    assert [m.value.split("\n", 1)[0] for m in at.markdown if m.value.startswith("### ")] == [
        "### 8 · Three layouts, one idea"
    ]


@pytest.mark.parametrize("label", TABS)
def test_a_link_opens_its_tab_and_copy_link_keeps_it(label):
    at = open_page(PAGE, {"tab": label, "k": "7"})
    assert not at.exception and not at.warning
    assert chart_keys(at) == CHARTS[label]
    link = next(c.value for c in at.code if "?" in c.value)
    assert f"tab={label.replace(' ', '+')}" in link and "k=7" in link


@pytest.mark.parametrize("raw", ["Nope", "", "the encoding", "<script>x</script>"])
def test_a_tampered_tab_gets_a_note_and_the_first_tab(raw):
    at = open_page(PAGE, {"tab": raw})
    assert not at.exception
    assert "not one of The encoding, Why sinusoids, Layouts in real code" in warnings_text(at)
    assert chart_keys(at) == CHARTS[TABS[0]]


def test_a_closed_tab_keeps_its_controls_as_the_learner_left_them():
    """A tab's controls are not drawn while another tab is open; Streamlit 1.67 keeps a
    URL-bound widget's value meanwhile, so i, Δ and the time input survive a visit to another
    tab: the values the learner moved them to, not the link's nor the defaults."""
    at = open_page(PAGE, {"i": "3", "delta": "9"})
    at.slider(key="i").set_value(5).run()
    open_tab(at, TABS[1])
    at.selectbox(key="input").set_value("logsnr").run()
    open_tab(at, TABS[2])
    open_tab(at, TABS[0])
    assert not at.exception and not at.warning
    assert at.slider(key="i").value == 5 and at.slider(key="delta").value == 9
    assert view_data(at)["phase"]["i"] == 5
    open_tab(at, TABS[1])
    assert at.selectbox(key="input").value == "logsnr"


def test_the_class_benchmark_clicks_the_page_s_own_tabs():
    from benchmarks.classroom import PAGE_TABS

    assert PAGE_TABS["encoding"] == page_table("TABS") == TABS
