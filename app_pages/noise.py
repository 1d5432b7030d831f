"""Noise levels: what a timestep k stands for, as a schedule and as a noised image."""

from typing import NamedTuple

import numpy as np
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from app_pages.sections.noise_cached import (
    NoiseViews,
    Pixels,
    cached_curves,
    cached_filmstrip,
    cached_noise_views,
    cached_schedules,
    cached_spacing,
    filmstrip,
    noise_views,
)
from app_pages.sections.noise_level import noise_level_links, noise_level_section
from app_pages.sections.targets import prediction_targets_section
from timestep_lab.encodings import (
    SCHEDULES,
    SPACINGS,
    NoiseSchedule,
    rescale_zero_terminal_snr,
    sampling_timesteps,
    signal_fraction,
    timestep_embedding,
)
from timestep_lab.encodings.schedules import make_betas
from timestep_lab.figures import noise as fig
from timestep_lab.figures.noise_static import filmstrip_png_figure
from timestep_lab.images import (
    BUNDLED_IMAGES,
    MAX_UPLOAD_BYTES,
    UPLOAD_TYPES,
    WORKING_SIZE,
    DecodedImage,
    decode_image,
    to_signed,
)
from timestep_lab.ui import (
    bool_control,
    choice_control,
    csv_download,
    int_control,
    link_to_view,
    plot,
    png_download,
    show_code,
    tab_control,
)
from timestep_lab.ui.components.k_sync import followed_k, k_follower
from timestep_lab.ui.components.noise_views import at_step, noise_panel, noise_step_view
from timestep_lab.ui.downloads import csv_text
from timestep_lab.ui.shared import timestep_controls

SCHEDULE_NAMES = {
    "linear": "β linear from 1e-4 to 0.02 (DDPM, Ho et al. 2020)",
    "scaled_linear": "√β linear from √0.00085 to √0.012 (Stable Diffusion)",
    "cosine": "ᾱ follows a cosine (improved DDPM, Nichol & Dhariwal 2021)",
    "sigmoid": "β follows a sigmoid from 1e-4 to 0.02: GeoDiff's shape with DDPM's range "
    "(diffusers beta_schedule='sigmoid')",
}
EMBEDDING_DIM, EMBEDDING_BASE = 128, 10_000.0  # the encoding page's defaults
# The encoding explorer as app.py routes it (a Page is found by its url_path).
ENCODING_PAGE = st.Page("app_pages/encoding.py", title="Encoding explorer", url_path="encoding")
# The page's tabs (URL key ``tab``, its label as written here): what changes with k, and what
# compares schedules and samplers whatever k is.
TABS = ("The noise at step k", "Schedules and samplers")
UPLOAD_STATE = "noise_upload"  # session-only: (file_id, DecodedImage or error message)
UPLOAD_VIEWS = "noise_upload_views"  # session-only: {what: (its arguments, the upload's views)}


def schedule_controls() -> tuple[str, bool, int, int]:
    """The schedule, zero terminal SNR, T and k, each bound to the URL."""
    st.header("Noise schedule")
    # No format_func: Streamlit 1.67 keeps a bound selectbox's URL value only when it is
    # the option's displayed text, so the option names themselves are shown.
    schedule = choice_control(
        "Schedule",
        "schedule",
        SCHEDULES,
        "linear",
        help="How fast the signal fades. All four are drawn for comparison; this one is "
        "used for the image and drawn thicker.",
    )
    st.caption(SCHEDULE_NAMES[schedule])
    zsnr = bool_control(
        "Zero terminal SNR",
        "zsnr",
        False,
        help="Lin et al. 2024 (§3.1): rescale the schedule so ᾱ is exactly 0 at k = T−1, so "
        "the last step is pure noise, as it is when sampling starts. A model that predicts ε "
        "cannot use it as is: at that step x̂₀ = (x_k − √(1−ᾱ_k)·ε̂)/√ᾱ_k divides by 0. Lin "
        "et al. train with v-prediction instead (Salimans & Ho 2022; §3.2) and rescale "
        "classifier-free guidance (§3.4).",
    )
    num_timesteps, k = timestep_controls()
    return schedule, zsnr, num_timesteps, k


def image_controls() -> tuple[str, UploadedFile | None, int]:
    """A bundled image (in the URL), an optional upload (never in the URL) and the seed of ε."""
    st.header("Image")
    image = choice_control("Bundled image", "image", list(BUNDLED_IMAGES), "hopper")
    st.caption(BUNDLED_IMAGES[image])
    upload = st.file_uploader(
        "… or your own image",
        type=list(UPLOAD_TYPES),
        key="upload",
        help=f"PNG, JPEG, WebP or GIF, up to {MAX_UPLOAD_BYTES // 2**20} MB. It stays in this "
        "browser session only: it is not saved, and a copied link does not include it.",
    )
    seed = int_control(
        "Seed for the noise ε",
        "seed",
        0,
        9999,
        0,
        help="Picks which random noise ε is drawn. The same seed gives the same noise.",
    )
    return image, upload, seed


def sampler_controls(num_timesteps: int) -> int:
    """S, the number of sampler steps for the spacing view."""
    st.header("Sampler")
    return int_control(
        "S, sampler steps",
        "steps",
        1,
        min(num_timesteps, 100),
        10,
        help="How many denoising steps a sampler takes; each lands on one training timestep k. "
        "§7 shows which, in the tab “Schedules and samplers”.",
    )


def decoded_upload(upload: UploadedFile | None) -> DecodedImage | str | None:
    """The upload decoded once per file and kept in this session; an error message if bad."""
    if upload is None:
        st.session_state.pop(UPLOAD_STATE, None)
        st.session_state.pop(UPLOAD_VIEWS, None)
        return None
    kept = st.session_state.get(UPLOAD_STATE)
    if kept is not None and kept[0] == upload.file_id:
        return kept[1]
    try:
        if upload.size > MAX_UPLOAD_BYTES:  # refuse before copying or decoding the bytes
            raise ValueError(
                f"The file is {upload.size / 2**20:.1f} MB; the limit is "
                f"{MAX_UPLOAD_BYTES // 2**20} MB."
            )
        result = decode_image(upload.getvalue())
    except ValueError as error:
        result = str(error)
    st.session_state[UPLOAD_STATE] = (upload.file_id, result)
    return result


def image_views(cached, compute, image: str | Pixels, *args):
    """What the page draws of ``image`` that no k changes: ``cached(image, WORKING_SIZE, *args)``
    for a bundled image (kept for every session), else ``compute(image, *args)`` for an upload,
    kept in this session only (the latest arguments of each ``compute``), so that its pixels
    leave with the session, as the page tells the learner."""
    if isinstance(image, str):
        return cached(image, WORKING_SIZE, *args)
    kept = st.session_state.setdefault(UPLOAD_VIEWS, {})
    arguments = (image, *args)  # Pixels compare by a digest of their content
    if compute.__name__ not in kept or kept[compute.__name__][0] != arguments:
        kept[compute.__name__] = (arguments, compute(image, *args))
    return kept[compute.__name__][1]


def half_signal_step(schedule: NoiseSchedule, mean_square: float = 1.0) -> int | None:
    """The first k where noise outweighs the image; None if never.

    mean_square: E[x₀²]; 1 gives the nominal crossing (ᾱ_k < ½, SNR < 0 dB).
    """
    hits = np.flatnonzero(signal_fraction(schedule.alpha_bar, mean_square) < 0.5)
    return int(hits[0]) if hits.size else None


def listed(timesteps: np.ndarray) -> str:
    """The first few timesteps and the last, for a text summary."""
    shown = ", ".join(map(str, timesteps[:4]))
    return shown + (f", …, {timesteps[-1]}" if timesteps.size > 4 else "")


def what_the_network_is_told(step: dict, schedule: NoiseSchedule) -> None:
    """§3: x_k beside P(k), and what this k means under this schedule (drawn by the browser)."""
    st.markdown(
        "### 3 · What the network is told\n\n"
        "The network sees x_k and, beside it, the vector P(k): the timestep encoding of k. "
        "P(k) names the noise level outright. x_k carries it too, since noise and image look "
        "different: blind denoisers remove noise of unknown level, and many diffusion models "
        "trained without noise conditioning degrade only mildly, though some samplers fail "
        "without it (Sun et al. 2025; our digits-none twin on Watch it denoise)."
    )
    noise_panel("told", step, key="told", dim=EMBEDDING_DIM, base=EMBEDDING_BASE)
    st.caption(
        "Your browser computes x_k and P(k) for the k you pick, as it does above. Under another "
        "schedule or T the same P(k) would mean another noise level: a network learns what P(k) "
        "means from the schedule it was trained with."
    )
    encoding_link(schedule.num_timesteps)


@k_follower("noise:encoding_link")
def encoding_link(num_timesteps: int) -> None:
    """The encoding explorer at this k: a page link, so it keeps Streamlit's in-app navigation
    (the only thing on this page Python still draws from k; text only)."""
    k = followed_k()
    st.page_link(  # a Page, not a path: a follower's rerun has no page list to look it up in
        ENCODING_PAGE,
        label=f"Open the encoding explorer at k = {k}",
        icon=":material/grid_on:",
        query_params={"T": num_timesteps, "k": k},
    )


st.title("Noise levels")
st.write(
    "Each timestep k stands for a noise level. The forward process mixes a clean image x₀ "
    "with Gaussian noise ε as x_k = √ᾱ_k·x₀ + √(1−ᾱ_k)·ε, where ᾱ_k falls from about 1 "
    "at k = 0 towards 0 at k = T−1 (exactly 0 only with zero terminal SNR: see §1, in the "
    "first tab). The schedule decides how fast. This mix is what the network has to undo, and "
    "k is how it is usually told which mix it is looking at."
)

with st.sidebar:
    schedule_name, zsnr, num_timesteps, k = schedule_controls()
    image_name, upload, seed = image_controls()
    steps = sampler_controls(num_timesteps)

try:
    schedules = cached_schedules(num_timesteps, zsnr)
except ValueError as error:
    st.error(f"Could not build the schedules: {error}", icon=":material/error:")
    st.stop()

decoded = decoded_upload(upload)
if isinstance(decoded, str):
    st.error(
        f"Your upload could not be used: {decoded} Showing the bundled image instead.",
        icon=":material/broken_image:",
    )
    decoded = None
if decoded is not None:
    image = Pixels(decoded.pixels)
    notes = " ".join(decoded.notes)
    st.info(
        "Using your uploaded image. It is kept only in this browser session and is not part "
        "of the link." + (f" {notes}" if notes else ""),
        icon=":material/upload:",
    )
else:
    image = image_name


class Setting(NamedTuple):
    """What both tabs draw from: the sidebar's choices and the schedules they make."""

    schedules: dict[str, NoiseSchedule]
    schedule_name: str
    num_timesteps: int
    zsnr: bool
    image: str | Pixels  # a bundled image's name, or the upload's pixels
    seed: int


def noise_at_step_k(setting: Setting, k: int) -> None:
    """§1–§5: the schedule, the image and what the network is told and reads, at step k."""
    schedules, schedule_name, num_timesteps, zsnr, image, seed = setting
    schedule = schedules[schedule_name]
    # x₀, ε, ᾱ and β for the browser, sent once with §2's step view; §1, §3, §4 and §5 draw
    # their views of k from them too (noise_views.py), so moving k reruns nothing here.
    # E[x₀²] is this image's, for its actual share of x_k.
    views: NoiseViews = image_views(
        cached_noise_views, noise_views, image, seed, schedule_name, num_timesteps, zsnr
    )
    browser_data = at_step(views.data, k)
    mean_square = views.mean_square
    # 1 ─ the schedules ───────────────────────────────────────────────────────────────
    halves = [
        f"{int(np.flatnonzero(s.alpha_bar <= 0.5)[0])} ({name})"
        for name, s in schedules.items()
        if np.any(s.alpha_bar <= 0.5)
    ]
    st.markdown(  # the heading and its paragraph: one element, one message
        "### 1 · The schedule against k\n\n"
        "ᾱ_k is the fraction of the image's variance still left at step k. "
        + (
            f"At T = {num_timesteps}, half of it is gone (ᾱ_k ≤ ½) from k = {', '.join(halves)}."
            if halves
            else f"At T = {num_timesteps}, no schedule here loses half of it by the last step."
        )
        + " Where the solid and dashed "
        "lines cross, √ᾱ_k = √(1−ᾱ_k): the nominal SNR is 0 dB, where noise would outweigh "
        "signal for data of unit variance."
    )
    crossings = []
    for name, each in schedules.items():
        step = half_signal_step(each)
        crossings.append(f"{name} at k = {step}" if step is not None else f"{name} never")
    last = num_timesteps - 1
    image_step = half_signal_step(schedule, mean_square)
    image_note = (
        f"For the image below (E[x₀²] = {mean_square:.2f}), noise outweighs it from k = "
        f"{image_step} on {schedule_name}."
        if image_step is not None
        else f"For the image below (E[x₀²] = {mean_square:.2f}), noise never outweighs it."
    )
    end_note = (
        f"With zero terminal SNR, every schedule ends at ᾱ_{last} = 0 (SNR −∞ dB, not drawn)."
        if zsnr
        else f"At k = {last}, {schedule_name} still keeps ᾱ = {schedule.alpha_bar[last]:.2e} "
        f"(SNR {schedule.snr_db[last]:.1f} dB): a trace of the image survives the last step "
        "(Lin et al. 2024, Table 1); ᾱ reaches 0 only with zero terminal SNR."
    )
    if schedule_name != "cosine" and num_timesteps != 1000:
        at_1000 = cached_schedules(1000, zsnr)[schedule_name].alpha_bar[-1]
        end_note += (
            f" {schedule_name} runs β over the same range whatever T is, so T changes the process "
            f"itself, not only its resolution: its last step keeps ᾱ = "
            f"{schedule.alpha_bar[last]:.2e} at T = {num_timesteps} against {at_1000:.2e} at "
            "T = 1000. (Improved DDPM's code scales β by 1000/T to keep the process; diffusers and "
            "this page do not. Cosine defines ᾱ from k/T, so for it T only changes the resolution.)"
        )
    plot(cached_curves(num_timesteps, zsnr, schedule_name), key="curves")
    noise_panel("schedule", browser_data, key="schedule_at_k")
    st.caption(
        f"Curves of β_k, ᾱ_k, √ᾱ_k, √(1−ᾱ_k) and SNR_k for T = {num_timesteps} (the step view "
        f"below marks k on ᾱ). The nominal SNR falls below 0 dB (ᾱ_k < ½) from "
        f"{', '.join(crossings)}. {image_note} {end_note}"
    )
    csv_download(
        f"Schedule table: {schedule_name} (CSV)",
        lambda: csv_text(
            ["k", "beta", "alpha_bar", "snr", "snr_db"],
            [
                np.arange(num_timesteps),
                schedule.betas,
                schedule.alpha_bar,
                schedule.snr,
                schedule.snr_db,
            ],
        ),
        f"schedule_{schedule_name}_T{num_timesteps}{'_zsnr' if zsnr else ''}.csv",
        key="schedule_csv",
    )
    show_code(make_betas, rescale_zero_terminal_snr)

    # 2 ─ one step ────────────────────────────────────────────────────────────────────
    st.markdown(
        "### 2 · The image at step k\n\n"
        f"Pixels are scaled from 0 … 255 to [−1, 1] first. That does not give the image the "
        f"noise's unit spread: this one has mean square E[x₀²] = {mean_square:.2f} (standard "
        f"deviation {views.std:.2f}), so it holds a smaller share of x_k than ᾱ_k alone suggests. "
        "Models that care set the data's scale: EDM builds σ_data = 0.5 into its preconditioning "
        "(Karras et al. 2022, Table 1), and Stable Diffusion multiplies its autoencoder's latents "
        "by 0.18215 (SD 1.x/2.x; SDXL: 0.13025) to bring them near unit variance (Rombach et al. "
        "2022; the models' autoencoder configs). x_k is a weighted sum "
        "of image and noise, nothing more: drag k and watch the weights trade places."
    )
    noise_step_view(browser_data, key="forward_step", arrays=views.sent)
    st.caption(
        f"Your browser computes x_k from x₀, ε (drawn with seed {seed}) and the {schedule_name} "
        "table of ᾱ for every k you pick: drag the slider or the curves, use the arrow keys, or "
        "press Play. The share of x_k's energy that is image is ᾱ·E[x₀²] / (ᾱ·E[x₀²] + 1 − ᾱ)."
    )
    show_code(NoiseSchedule.q_sample, to_signed, signal_fraction)

    # 3 ─ back to the encoding ────────────────────────────────────────────────────────
    what_the_network_is_told(browser_data, schedule)
    show_code(timestep_embedding)

    noise_level_section(views.sweep, schedule, browser_data)
    noise_level_links()
    prediction_targets_section(schedule, browser_data)


def side_by_side(setting: Setting, steps: int) -> None:
    """§6–§7: the four schedules on one image, and which timesteps a sampler visits."""
    schedules, schedule_name, num_timesteps, zsnr, image, seed = setting
    schedule = schedules[schedule_name]
    last = num_timesteps - 1
    # 6 ─ the filmstrip ───────────────────────────────────────────────────────────────
    faded = {  # the first k where each schedule keeps less than 10% of the image's variance
        name: (int(np.argmax(each.alpha_bar < 0.1)) if each.alpha_bar[-1] < 0.1 else None)
        for name, each in schedules.items()
    }
    fading = sorted((k_faded, name) for name, k_faded in faded.items() if k_faded is not None)
    never = [name for name, k_faded in faded.items() if k_faded is None]
    if fading:
        pace = (
            f"At T = {num_timesteps}, {fading[0][1]} is the first to keep less than 10% of the "
            f"image's variance (from k = {fading[0][0]})"
        )
        if len(fading) > 1:
            pace += f" and {fading[-1][1]} the last (from k = {fading[-1][0]})"
        pace += (
            f"; {', '.join(never)} never {'does' if len(never) == 1 else 'do'}." if never else "."
        )
    else:
        pace = f"At T = {num_timesteps} every schedule keeps at least 10% of the image's variance."
    st.markdown(
        "### 6 · Filmstrip: one image, four schedules\n\n"
        "Every tile uses the same image and the same noise ε; only the schedule differs. " + pace
    )
    order = [schedule_name, *(name for name in SCHEDULES if name != schedule_name)]
    film_timesteps, frames, film = image_views(
        cached_filmstrip, filmstrip, image, seed, num_timesteps, zsnr, tuple(order)
    )
    plot(film, key="filmstrip")
    still_visible = []
    for name in order:
        visible = film_timesteps[schedules[name].alpha_bar[film_timesteps] >= 0.1]
        still_visible.append(
            f"{name} up to k = {visible.max()}" if visible.size else f"{name} never"
        )
    st.caption(
        f"{len(order)} rows (schedules, {schedule_name} first) × {film_timesteps.size} columns "
        f"(k = {', '.join(map(str, film_timesteps))}). Tiles where the image keeps at least 10% "
        f"of its variance (ᾱ ≥ 0.1): {'; '.join(still_visible)}."
    )
    png_download(
        "Filmstrip (PNG)",
        lambda: filmstrip_png_figure(
            frames,
            order,
            film_timesteps,
            title=f"x_k under each schedule, T = {num_timesteps}" + (", zero terminal SNR" * zsnr),
        ),
        f"filmstrip_T{num_timesteps}{'_zsnr' if zsnr else ''}_seed{seed}.png",
        key="filmstrip_png",
    )
    show_code(fig.filmstrip_frames)

    # 7 ─ sampler spacing ─────────────────────────────────────────────────────────────
    visits = {name: sampling_timesteps(num_timesteps, steps, name) for name in SPACINGS}
    first_leading = int(visits["leading"][0])
    st.markdown(
        f"### 7 · Which timesteps a {steps}-step sampler visits\n\n"
        "A sampler takes far fewer steps S than T, so it visits only some training timesteps. "
        "The spacing rule decides which. Sampling always starts from pure noise. `trailing` "
        "starts at k = T−1; `leading` never visits k = T−1 (unless S = T)"
        + (
            f", so its first step hands pure noise to a network told k = {first_leading}, a "
            "timestep whose training inputs still held "
            f"ᾱ = {schedule.alpha_bar[first_leading]:.2e} of the image ({schedule_name}), with "
            "or without zero terminal SNR (Lin et al. 2024, §3.3 and Table 2)."
            if first_leading != last
            else "; here S = T, so it does."
        )
    )
    plot(cached_spacing(num_timesteps, steps, zsnr, schedule_name), key="spacing")

    st.caption(
        "Timesteps in sampling order (noisy to clean). "
        + "; ".join(
            f"{name}: {listed(ks)}"
            + (" (reaches T−1)" if last in ks else f" (starts {last - ks.max()} below T−1)")
            for name, ks in visits.items()
        )
        + "."
    )
    show_code(sampling_timesteps)


# Only the open tab runs: §6 and §7 (the filmstrip, 457 kB, and the sampler's timesteps) are
# the same for every k and are not needed while a learner moves k (README, Performance).
setting = Setting(schedules, schedule_name, num_timesteps, zsnr, image, seed)
at_k, compared = tab_control(TABS, "tab")
with at_k:
    if at_k.open:
        noise_at_step_k(setting, k)
with compared:
    if compared.open:
        side_by_side(setting, steps)

with st.sidebar:
    link_to_view()
