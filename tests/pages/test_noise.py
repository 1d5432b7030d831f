"""The noise page through AppTest: every control, hostile links, and every bad upload."""

import numpy as np
import pytest

from tests.conftest import open_page, open_tab, page_literal, warnings_text
from tests.images.corpus import malformed_files, valid_images
from timestep_lab.encodings import SCHEDULES, frequencies, noise_schedule
from timestep_lab.ui.components import read_json_bytes, read_typed_array
from timestep_lab.ui.components.k_sync import FOLLOWERS
from timestep_lab.ui.components.noise_views import PANELS

PAGE = "app_pages/noise.py"
UPLOAD_VIEWS = "noise_upload_views"  # the page's session-only store of an upload's views
TABS = ("The noise at step k", "Schedules and samplers")
# k-free plotly charts, by tab (only the open tab runs): what follows k is drawn by the browser
CHARTS = {TABS[0]: {"curves"}, TABS[1]: {"filmstrip", "spacing"}}
AT_K = CHARTS[TABS[0]]  # the first tab, open by default


def chart_keys(at):
    return {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}


def captions(at):
    return "\n".join(c.value for c in at.caption)


def headings(at) -> list[str]:
    """The sections' headings in page order: each opens one markdown with its first paragraph."""
    heads = [m.value.split("\n\n", 1) for m in at.markdown if m.value.startswith("### ")]
    assert all(len(head) == 2 and head[1].strip() for head in heads)  # a paragraph follows
    return [head[0].removeprefix("### ") for head in heads]


def mounts(at) -> list[dict]:
    """What each mount of the noise views component was sent, in page order."""
    views = [c for c in at.get("bidi_component") if c.proto.component_name.endswith("noise_views")]
    return [read_json_bytes(view) for view in views]


def step_view(at) -> dict:
    """What the browser's step view (x₀, ε, x_k, readouts) was sent."""
    views = [data for data in mounts(at) if "panel" not in data]
    assert len(views) == 1
    return views[0]


def panels(at) -> dict[str, dict]:
    """What each panel (§1, §3, §4, §5's views of k) was sent: its token and a few numbers,
    never the arrays again."""
    found = {data["panel"]: data for data in mounts(at) if "panel" in data}
    assert len(found) == len(mounts(at)) - 1
    token, k = step_view(at)["token"], step_view(at)["k"]
    for name, data in found.items():
        assert data["token"] == token and data["k"] == k, name
        assert not {"pixels", "noise", "alphaBar", "betas"} & set(data), name
    return found


def step_schedule(at):
    """The ᾱ table and k the step view draws from, read back from what was sent."""
    data = step_view(at)
    return read_typed_array(data["alphaBar"]), data["k"]


def test_default_view_renders_every_view():
    at = open_page(PAGE)
    assert not at.exception and not at.error and not at.warning
    assert at.title[0].value == "Noise levels"
    assert chart_keys(at) == AT_K
    assert [tab.label for tab in at.tabs] == list(TABS)
    assert headings(at) == [
        "1 · The schedule against k",
        "2 · The image at step k",
        "3 · What the network is told",
        "4 · Can you tell the step from the image?",
        "5 · What the network predicts: ε, x₀ or v",
    ]
    assert len(at.get("download_button")) == 1  # the schedule's CSV
    assert len(at.expander) == 5  # a "Show code" beside each view
    alpha_bar, k = step_schedule(at)  # the browser gets linear's exact table and k = 250
    np.testing.assert_array_equal(alpha_bar, noise_schedule("linear", 1000).alpha_bar)
    assert k == 250 and step_view(at)["schedule"] == "linear"
    np.testing.assert_array_equal(
        read_typed_array(step_view(at)["betas"]), noise_schedule("linear", 1000).betas
    )
    sent = panels(at)
    assert list(sent) == list(PANELS)  # §1, §3, §4, §5 in page order, after the step view's data
    told = sent["told"]
    assert (told["d"], told["nText"]) == (128, "10000")
    np.testing.assert_array_equal(read_typed_array(told["freqs"]), frequencies(128, base=1e4))
    # Python draws nothing else from k: a committed k reruns the k control, "Copy link" and the
    # encoding explorer's page link (text only, kept for Streamlit's in-app navigation)
    assert sorted(at.session_state[FOLLOWERS]) == ["tl:link", "tl:noise:encoding_link"]


def test_the_second_tab_compares_schedules_and_samplers_whatever_k_is():
    at = open_tab(open_page(PAGE, {"k": "40"}), TABS[1])
    assert not at.exception and not at.error and not at.warning
    assert chart_keys(at) == CHARTS[TABS[1]]
    assert headings(at) == [
        "6 · Filmstrip: one image, four schedules",
        "7 · Which timesteps a 10-step sampler visits",
    ]
    assert len(at.get("download_button")) == 1  # the filmstrip's PNG
    assert len(at.expander) == 2
    assert "leading: 900, 800" in captions(at)
    assert not mounts(at)  # no view of k (the sidebar still has its k and the bridge)
    assert sorted(at.session_state[FOLLOWERS]) == ["tl:link"]
    link = next(c.value for c in at.code if "?" in c.value)
    assert "tab=Schedules+and+samplers" in link and "k=40" in link
    at = open_page(PAGE, {"tab": TABS[1], "steps": "4"})  # a link opens the tab it names
    assert chart_keys(at) == CHARTS[TABS[1]] and not at.warning
    at = open_page(PAGE, {"tab": "Filmstrip"})
    assert "not one of The noise at step k, Schedules and samplers" in warnings_text(at)
    assert chart_keys(at) == AT_K


def test_every_control_moves_without_error():
    at = open_page(PAGE)
    for name in ("scaled_linear", "cosine", "sigmoid", "linear"):
        at.selectbox(key="schedule").set_value(name).run()
        assert not at.exception and not at.error, name
        assert panels(at)["schedule"]["schedule"] == name
    for image in ("digit", "pattern", "hopper"):
        at.selectbox(key="image").set_value(image).run()
        assert not at.exception and not at.error, image
    for key, value in [("T", 10), ("k", 9), ("T", 4000), ("k", 3999), ("k", 0),
                       ("seed", 9999), ("steps", 1), ("steps", 100)]:  # fmt: skip
        at.slider(key=key).set_value(value).run()
        assert not at.exception and not at.error, (key, value)
        assert at.slider(key=key).value == value
        if key == "k":  # k reran only its followers; a full run brings back the whole tree
            at.run()
    at.toggle(key="zsnr").set_value(True).run()
    assert not at.exception and not at.error
    assert chart_keys(at) == AT_K


def test_zero_terminal_snr_at_the_last_step_is_pure_noise():
    at = open_page(PAGE, {"zsnr": "true", "T": "1000", "k": "999", "schedule": "cosine"})
    assert not at.exception and not at.error and not at.warning
    alpha_bar, k = step_schedule(at)
    assert k == 999 and alpha_bar[k] == 0.0  # the browser shows pure noise, SNR −∞ dB
    assert panels(at)["targets"]["T"] == 1000
    assert "ᾱ_999 = 0" in captions(at)


def test_shrinking_T_below_k_moves_k_inside_the_range():
    at = open_page(PAGE)
    at.slider(key="k").set_value(900).run()
    at.run()
    at.slider(key="T").set_value(100).run()
    assert not at.exception
    assert at.slider(key="k").value == 99
    assert at.slider(key="steps").value == 10


def test_link_reproduces_the_view():
    query = {"schedule": "sigmoid", "T": "300", "k": "123", "zsnr": "on", "seed": "42",
             "image": "digit", "steps": "25"}  # fmt: skip
    at = open_page(PAGE, query)
    assert not at.exception and not at.warning
    assert at.selectbox(key="schedule").value == "sigmoid"
    assert at.selectbox(key="image").value == "digit"
    assert at.toggle(key="zsnr").value is True
    assert [at.slider(key=k).value for k in ("T", "k", "seed", "steps")] == [300, 123, 42, 25]
    data = step_view(at)
    assert data["k"] == 123 and data["schedule"] == "sigmoid" and data["height"] == 128
    assert read_typed_array(data["alphaBar"]).size == 300


def test_hostile_link_values_get_notes_and_defaults():
    query = {"T": "abc", "k": "-5", "schedule": "evil", "zsnr": "maybe", "seed": "1e99",
             "image": "../../etc/passwd", "steps": "0"}  # fmt: skip
    at = open_page(PAGE, query)
    assert not at.exception and not at.error
    notes = warnings_text(at)
    assert len(at.warning) == len(query)
    assert "not one of linear, scaled_linear, cosine, sigmoid" in notes
    assert "not one of hopper, digit, pattern" in notes
    assert "neither on nor off" in notes
    assert at.selectbox(key="schedule").value == "linear"
    assert at.selectbox(key="image").value == "hopper"
    assert [at.slider(key=k).value for k in ("T", "k", "seed", "steps")] == [1000, 0, 9999, 1]
    assert chart_keys(at) == AT_K


@pytest.mark.parametrize(
    ("key", "value"), [("schedule", "<script>alert(1)</script>"), ("image", "/etc/passwd")]
)
def test_link_cannot_inject_or_name_a_file(key, value):
    at = open_page(PAGE, {key: value})
    assert not at.exception and not at.error
    assert "not one of" in warnings_text(at)
    assert chart_keys(at) == AT_K


def upload(at, name, data, mime):
    at.file_uploader(key="upload").set_value((name, data, mime)).run()
    assert not at.exception, name
    return at


def test_every_malformed_upload_gets_a_message_and_the_page_carries_on():
    at = open_page(PAGE)
    for case, (name, data, mime, message) in malformed_files().items():
        upload(at, name, data, mime)
        assert len(at.error) == 1, case
        assert message in at.error[0].value, case
        assert "Showing the bundled image instead" in at.error[0].value
        assert chart_keys(at) == AT_K, case


def test_valid_uploads_replace_the_bundled_image_for_this_session_only():
    at = open_page(PAGE)
    for case, (name, data, mime) in valid_images().items():
        upload(at, name, data, mime)
        assert not at.error, case
        assert "Using your uploaded image" in at.info[0].value, case
        assert "not part of the link" in at.info[0].value
        if case == "thin_png":  # one pixel high: no 2 × 2 blocks to read the noise from
            assert chart_keys(at) == AT_K
            assert set(panels(at)) == set(PANELS) - {"level"}
            assert "cannot read this image" in at.info[-1].value
            assert chart_keys(open_tab(at, TABS[1])) == CHARTS[TABS[1]]  # its filmstrip
            assert not at.exception and not at.error
            open_tab(at, TABS[0])
            continue
        assert chart_keys(at) == AT_K, case
        assert list(panels(at)) == list(PANELS), case
    assert "upload" not in at.query_params  # an upload is never part of the link
    at.file_uploader(key="upload").set_value(None).run()
    assert not at.exception and not at.info and not at.error


def test_notes_about_conversions_are_shown():
    at = open_page(PAGE)
    name, data, mime = valid_images()["animated_gif"]
    upload(at, name, data, mime)
    assert "using the first frame" in at.info[0].value
    name, data, mime = valid_images()["cmyk_jpeg"]
    upload(at, name, data, mime)
    assert "CMYK" in at.info[0].value


def test_encoding_link_carries_T_and_k():
    at = open_page(PAGE, {"T": "500", "k": "77"})
    links = [link.proto for link in at.get("page_link")]
    assert any(link.page == "encoding" and "k=77" in link.query_string for link in links)


def test_noise_level_view_gets_the_library_sweep_and_the_k_blind_card():
    """§4's panel draws the library's k-free sweep (the browser reads σ̂ at k itself: checked
    against estimate_sigma in tests/ui/components/test_noise_views.py)."""
    from timestep_lab.encodings.display import evenly_spaced
    from timestep_lab.images import WORKING_SIZE, bundled_image, to_signed
    from timestep_lab.images.noise_level import noise_level_sweep
    from timestep_lab.lesson.evidence import blind_model_sentence

    at = open_page(PAGE, {"image": "hopper", "schedule": "cosine", "k": "300", "seed": "3"})
    assert not at.exception
    schedule = noise_schedule("cosine", 1000)
    x0 = to_signed(bundled_image("hopper", WORKING_SIZE))
    noise = np.random.default_rng(3).standard_normal(x0.shape)
    sweep = noise_level_sweep(
        x0,
        noise,
        schedule.sqrt_alpha_bar,
        schedule.sqrt_one_minus_alpha_bar,
        evenly_spaced(1000, 120),
    )
    sent = panels(at)["level"]["sweep"]
    for name, expected in [("timesteps", sweep.timesteps), ("sigma", sweep.sigma),
                           ("sigmaHat", sweep.sigma_hat), ("kHat", sweep.k_hat)]:  # fmt: skip
        np.testing.assert_array_equal(read_typed_array(sent[name]), expected, err_msg=name)
    caption = next(c.value for c in at.caption if c.value.startswith("Over 120 timesteps"))
    assert "read as noise" in caption  # the photo's texture near k = 0
    assert any(blind_model_sentence() in m.value for m in at.markdown)


def test_prediction_targets_view_says_what_zero_terminal_snr_does():
    from timestep_lab.encodings import targets as tg

    for zsnr in ("false", "true"):
        at = open_page(PAGE, {"k": "999", "zsnr": zsnr})
        assert not at.exception
        caption = next(c.value for c in at.caption if c.value.startswith("v is mostly noise"))
        schedule = noise_schedule("linear", 1000, zero_terminal_snr=zsnr == "true")
        assert panels(at)["targets"]["names"]["v_prediction"] == "v-prediction"
        if zsnr == "true":
            assert "ᾱ_999 = 0: ε-prediction gives no x̂₀ at the last step" in caption
        else:
            gain = tg.x0_error_gain("epsilon", schedule.alpha_bar[999])
            assert f"multiplied by {gain:.3g}" in caption


def test_moving_k_moves_every_view_of_k():
    """Every view of k gets the new k (a whole-page run under AppTest; the browser's commit,
    which reruns only the k control and the links, is checked in Chromium)."""
    at = open_page(PAGE, {"T": "300", "k": "20", "image": "digit"})
    at.slider(key="k").set_value(50).run()
    assert not at.exception and not at.error
    links = [link.proto for link in at.get("page_link")]
    assert any(link.page == "encoding" and "k=50" in link.query_string for link in links)
    at.run()
    assert step_view(at)["k"] == 50
    assert {data["k"] for data in panels(at).values()} == {50}


def test_the_page_caches_an_image_by_its_content():
    from app_pages.sections.noise_cached import Pixels, cached_noise_views

    pixels = np.zeros((4, 6, 3), np.uint8)
    image, same = Pixels(pixels), Pixels(pixels.copy())
    assert image == same and hash(image) == hash(same)
    assert not image.array.flags.writeable
    pixels[0, 0, 0] = 1  # the caller's array changed: the kept copy did not
    assert image.array[0, 0, 0] == 0 and Pixels(pixels) != image
    assert Pixels(np.zeros((6, 4, 3), np.uint8)) != image  # same bytes, another shape
    views = cached_noise_views("digit", 16, 3, "cosine", 50, False)  # a bundled image
    assert cached_noise_views("digit", 16, 3, "cosine", 50, False) is views
    assert cached_noise_views("digit", 16, 4, "cosine", 50, False) is not views


def test_what_the_caches_share_is_read_only():
    from app_pages.sections.noise_cached import cached_filmstrip, cached_noise_views

    views = cached_noise_views("digit", 16, 3, "cosine", 50, False)
    with pytest.raises(TypeError):
        views.data["k"] = 7  # every session reads it: at_step makes a run its own copy
    with pytest.raises(TypeError):
        views.data["alphaBar"]["b64"] = ""
    assert not views.sweep.sigma_hat.flags.writeable
    assert not views.sweep.timesteps.flags.writeable
    film_timesteps, frames, _ = cached_filmstrip("digit", 16, 3, 50, False, ("linear", "cosine"))
    assert not film_timesteps.flags.writeable and not frames.flags.writeable


def test_an_upload_is_kept_in_its_session_never_in_a_cache_of_the_process():
    """The page says an upload "is kept only in this browser session": its pixels, ε and
    views must not stay behind in a cache every session shares."""
    from app_pages.sections import noise_cached

    caches = [f for f in vars(noise_cached).values() if hasattr(f, "cache_info")]
    for cache in caches:
        cache.cache_clear()  # so that a full cache cannot hide a new entry by dropping one
    at = open_tab(open_page(PAGE), TABS[1])  # the filmstrip's tab, then the views' tab
    open_tab(at, TABS[0])
    kept = {cache.__name__: cache.cache_info().currsize for cache in caches}
    assert kept["cached_noise_views"] == kept["cached_filmstrip"] == 1  # the bundled image
    name, data, mime = valid_images()["rgb_png"]
    upload(at, name, data, mime)
    open_tab(at, TABS[1])
    open_tab(at, TABS[0])
    assert not at.error and "Using your uploaded image" in at.info[0].value
    decoded = at.session_state["noise_upload"][1]  # the page's decoded upload
    shown = read_typed_array(step_view(at)["pixels"]).reshape(decoded.pixels.shape)
    np.testing.assert_array_equal(shown, decoded.pixels)  # the step view draws the upload
    assert {cache.__name__: cache.cache_info().currsize for cache in caches} == kept
    assert set(at.session_state[UPLOAD_VIEWS]) == {"noise_views", "filmstrip"}
    at.file_uploader(key="upload").set_value(None).run()
    assert UPLOAD_VIEWS not in at.session_state


def test_the_schedules_are_built_once_per_setting_and_equal_the_library():
    from app_pages.sections.noise_cached import cached_schedules

    schedules = cached_schedules(300, True)
    assert cached_schedules(300, True) is schedules
    assert list(schedules) == list(SCHEDULES)
    for name, schedule in schedules.items():
        expected = noise_schedule(name, 300, zero_terminal_snr=True)
        np.testing.assert_array_equal(schedule.alpha_bar, expected.alpha_bar)
        np.testing.assert_array_equal(schedule.betas, expected.betas)
    with pytest.raises(TypeError):
        schedules["linear"] = expected  # shared by every session: read-only


def test_the_class_benchmark_clicks_the_page_s_own_tabs():
    from benchmarks.classroom import PAGE_TABS

    assert PAGE_TABS["noise"] == page_literal(PAGE, "TABS") == TABS
