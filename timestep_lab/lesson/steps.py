"""The classroom walkthrough as data: each step's story, its question and why the answer holds.

Pure Python (no Streamlit, no torch), so the lesson can be read and tested alone. Numbers a
question depends on are computed from the library (``timestep_lab.encodings``), never typed
in, so the lesson stays true if a formula changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from timestep_lab.encodings import noise_schedule, wavelengths
from timestep_lab.images import WORKING_SIZE, bundled_image, to_signed
from timestep_lab.images.noise_level import noise_level_sweep
from timestep_lab.lesson.evidence import (
    card_evaluation,
    length_change,
    measured,
    scalar_twin_sentence,
)


@dataclass(frozen=True)
class Choice:
    """A multiple-choice question: the learner picks one option before the reveal."""

    prompt: str
    options: tuple[str, ...]
    answer: int  # index into options
    why: str

    def is_right(self, picked: str) -> bool:
        return picked == self.options[self.answer]


@dataclass(frozen=True)
class Guess:
    """A slider guess: the learner commits to a number; close enough counts as right."""

    prompt: str
    lo: int
    hi: int
    answer: int
    tolerance: int
    unit: str
    why: str

    def is_right(self, picked: int) -> bool:
        return abs(picked - self.answer) <= self.tolerance


Question = Choice | Guess


@dataclass(frozen=True)
class LessonStep:
    """One step of the walkthrough: a title, a short explanation, questions, then a figure."""

    title: str
    text: str
    questions: tuple[Question, ...]
    figure: str  # which live figure the page shows once the questions are answered
    after: str  # what to notice in the figure


@cache
def half_signal_timestep(schedule: str = "linear", num_timesteps: int = 1000) -> int:
    """The first timestep k at which ᾱ_k ≤ ½: half of the signal's variance is gone."""
    alpha_bar = noise_schedule(schedule, num_timesteps).alpha_bar
    return int(np.flatnonzero(alpha_bar <= 0.5)[0])


@cache
def slowest_wavelength(dim: int = 128, base: float = 10000.0) -> int:
    """The longest wavelength λ of the transformer encoding, in whole timesteps."""
    return round(float(wavelengths(dim, base=base)[-1]))


def blind_versus_told() -> str:
    """The digits-none twin against digits, from the model cards; '' when not measured."""
    blind = measured("digits-none", "class_accuracy")
    told = measured("digits", "class_accuracy")
    if blind is None or told is None:
        return ""
    blind_f, told_f = measured("digits-none", "frechet"), measured("digits", "frechet")
    return (
        f" Our digits-none twin, whose network is never told k (its sampler still uses ᾱ_k "
        f"at each step), still draws the asked-for digit in {blind.percent()} of its samples, "
        f"against {told.percent()} told P(k) (model cards, w = 1, one training run each)"
        + (
            f", at {blind_f.value / told_f.value:.1f}× the Fréchet distance "
            f"({blind_f.plain()} against {told_f.plain()})."
            if blind_f is not None and told_f is not None and told_f.value > 0
            else "."
        )
    )


def scalar_twin() -> str:
    """' ' + the k/T twin against P(k) from the model cards; '' when not measured."""
    sentence = scalar_twin_sentence()
    return f" {sentence}" if sentence else ""


def guidance_evidence() -> str:
    """' ' + what the digits card measured across w, honestly bounded; '' when not measured."""
    ws = (1.0, 2.0, 4.0)
    accuracy = [measured("digits", "class_accuracy", w) for w in ws]
    frechet = [measured("digits", "frechet", w) for w in ws]
    if any(m is None for m in accuracy + frechet):
        return ""
    ceiling = card_evaluation("digits").get("classifier_held_out_accuracy")
    text = (
        " What our digits card measures (one training run): class accuracy "
        + " → ".join(f"{100 * m.value:.1f}%" for m in accuracy)
        + f" at w = {' → '.join(f'{w:g}' for w in ws)}"
    )
    if ceiling is not None and accuracy[0].value >= float(ceiling):
        text += (
            f", already above the classifier's own {100 * float(ceiling):.1f}% on real digits"
            " at w = 1, so it cannot show much more fidelity"
        )
    text += (
        "; Fréchet distance to real digits "
        + " → ".join(f"{m.value:.2f}" for m in frechet)
        + ". The card has no measure of variety: the Fréchet rise fits a loss of variety "
        "without proving it."
    )
    blind = [measured("digits-none", "frechet", w) for w in ws[:2]]
    if all(m is not None for m in blind) and blind[1].value < blind[0].value:
        text += (
            f" Nor is the rise universal: the digits-none twin's Fréchet distance falls from "
            f"{blind[0].value:.2f} to {blind[1].value:.2f} as w goes from 1 to 2."
        )
    return text


@dataclass(frozen=True)
class NoiseReading:
    """The noise level read off one noised photo alone, at k and at k = 0 (linear, T = 1000)."""

    k: int
    sigma: float  # √(1−ᾱ_k), the truth
    sigma_hat: float  # σ̂ from x_k alone
    k_hat: int
    sigma_first: float  # the same at k = 0
    sigma_hat_first: float

    @property
    def holds_at_k(self) -> bool:
        return abs(self.sigma_hat / self.sigma - 1) <= 0.10

    @property
    def texture_ratio(self) -> float:
        """σ̂ / σ at k = 0: how much the photo's own detail inflates the estimate there."""
        return self.sigma_hat_first / self.sigma_first


@cache
def noise_reading(k: int = 250, seed: int = 0) -> NoiseReading:
    """Donoho's σ̂ of the bundled photo noised to k (and to 0) under linear, T = 1000."""
    schedule = noise_schedule("linear", 1000)
    x0 = to_signed(bundled_image("hopper", WORKING_SIZE))
    noise = np.random.default_rng(seed).standard_normal(x0.shape)
    sweep = noise_level_sweep(
        x0, noise, schedule.sqrt_alpha_bar, schedule.sqrt_one_minus_alpha_bar, [0, k]
    )
    return NoiseReading(
        k,
        float(sweep.sigma[1]),
        float(sweep.sigma_hat[1]),
        int(sweep.k_hat[1]),
        float(sweep.sigma[0]),
        float(sweep.sigma_hat[0]),
    )


def lesson() -> tuple[LessonStep, ...]:
    """The steps of the lesson, in order."""
    change = length_change(250, 1000, 4000)  # the k/T question's numbers, cosine schedule
    linear = length_change(250, 1000, 4000, "linear")  # the same under linear β
    last_linear = float(noise_schedule("linear", 1000).alpha_bar[-1])
    reading = noise_reading()
    # The answer follows the measurement: close at k, fooled by the photo's texture at k = 0.
    reads_answer = (1 if reading.texture_ratio > 1.5 else 2) if reading.holds_at_k else 0
    early, late = (float(noise_schedule("linear", 1000).alpha_bar[k]) for k in (10, 900))
    return (
        LessonStep(
            title="One network, a thousand noise levels",
            text=(
                "A diffusion model removes noise a little at a time. The same network, with "
                "the same weights, is used at every step: at k = 10, where the image keeps "
                f"ᾱ = {early:.3f} of its variance, and at k = 900, where it keeps "
                f"{late:.4f} (linear schedule, T = 1000). How much noise it should remove "
                "depends on the noise level, and the step number k names it."
            ),
            questions=(
                Choice(
                    prompt="How many sets of weights does a DDPM or Stable Diffusion denoiser "
                    "use across its 1000 timesteps?",
                    options=(
                        "One per timestep (1000 networks)",
                        "One, shared by every step",
                        "One per ten steps",
                    ),
                    answer=1,
                    why="One network serves every step, so its weights alone cannot say which "
                    "noise level it faces: it reads that from its inputs, the timestep it is "
                    "told and the noisy image itself, which shows its own noise level.",
                ),
            ),
            figure="filmstrip",
            after="The same photo at evenly spaced k under three schedules. One network must "
            "clean every column; the timestep tells it which column it is looking at, and the "
            "picture itself shows it too.",
        ),
        LessonStep(
            title="Why not just pass k, or k / T?",
            text=(
                "The simplest idea is to feed the number k itself. The next is to divide it "
                "by the number of steps T so it stays between 0 and 1. Both can be trained; "
                "each has a weakness worth knowing."
            ),
            questions=(
                Choice(
                    prompt="If the network gets the bare index, how much larger is its input "
                    "at k = 999 than at k = 1?",
                    options=("About the same", "About 10× larger", "999× larger"),
                    answer=2,
                    why="The input spans 0 … 999 while the pixels lie in [−1, 1] and the "
                    "weights start out sized for inputs near 1: badly scaled input, which "
                    "training must compensate for. It can: see the digits-raw twin on Watch "
                    "it denoise.",
                ),
                Choice(
                    prompt=f"Under the cosine schedule, k = {change.k} of T = "
                    f"{change.num_timesteps} keeps ᾱ = {change.alpha_bar:.3f} of the image. "
                    f"Which timestep of a T = {change.other_timesteps} process has about the "
                    "same noise level?",
                    options=(
                        f"k = {change.k}, the same k",
                        f"k = {change.same_fraction_k}, the same k / T",
                        f"k = {change.other_timesteps - 1}, the last one",
                    ),
                    answer=1,
                    why=f"ᾱ is {change.same_fraction_alpha_bar:.3f} at k = "
                    f"{change.same_fraction_k} but {change.same_k_alpha_bar:.3f} at k = "
                    f"{change.k}: the cosine schedule defines ᾱ from k / T (Nichol & "
                    "Dhariwal 2021, eq. 17), so under it k / T (continuous time t) is what "
                    "stays put when T changes, and continuous-time models feed t or the "
                    "noise level itself (Song et al. 2021; Kingma et al. 2021). Not under "
                    f"every schedule: with linear β, k = {linear.k} has ᾱ = "
                    f"{linear.alpha_bar:.3f} at T = {linear.num_timesteps}, "
                    f"{linear.same_fraction_alpha_bar:.3f} at the same k / T of T = "
                    f"{linear.other_timesteps} and {linear.same_k_alpha_bar:.3f} at the same "
                    "k (unless β is scaled by 1000/T, as improved DDPM's code does). The "
                    "seed article's case against k / T comes "
                    "from transformers, where a word's position means the same in a short and "
                    "a long sentence. What k / T does lack: neighbours differ by only 1/T, a "
                    "change a small network tends to smooth over.",
                ),
            ),
            figure="naive",
            after="Left: the raw index climbs to T−1. Right: k / T for three values of T: the "
            "same k is a different fraction of each process, and under the cosine schedule it "
            "is the fraction that sets the noise level.",
        ),
        LessonStep(
            title="Sines and cosines at many speeds",
            text=(
                "The sinusoidal encoding turns k into d numbers: pairs sin(k·ω_i), "
                "cos(k·ω_i) with frequencies ω_i = n^(−2i/d). The fastest pair turns once "
                "every 2π ≈ 6.3 steps; each next pair is slower, down to the slowest pair, "
                "i = d/2 − 1, a little short of one turn every 2π·n steps. d sets how many "
                "pairs there are; n sets the slowest speed."
            ),
            questions=(
                Guess(
                    prompt="With d = 128 and n = 10000, how many timesteps long is the "
                    "slowest wave (its wavelength)?",
                    lo=0,
                    hi=100_000,
                    answer=slowest_wavelength(),
                    tolerance=slowest_wavelength() // 5,
                    unit="timesteps",
                    why=f"λ = 2π·n^((d−2)/d) = 2π·10000^(126/128) ≈ {slowest_wavelength():,} "
                    "timesteps: far longer than T = 1000, so the slowest pairs barely move.",
                ),
            ),
            figure="wavelengths",
            after="Each dot is one frequency's wavelength (log scale). Dots above the dashed "
            "line at T turn less than once over the whole process.",
        ),
        LessonStep(
            title="Reading the heatmap",
            text=(
                "Stack P(k) for every k and you get a T × d matrix. Each row is what the "
                "network receives at one timestep; each column is one wave."
            ),
            questions=(
                Choice(
                    prompt="In the heatmap (columns j = 0 … d−1 from left to right), where do "
                    "the values change fastest from one row to the next?",
                    options=(
                        "On the left (small j)",
                        "On the right (large j)",
                        "Evenly everywhere",
                    ),
                    answer=0,
                    why="Column pairs on the left have the highest frequencies (ω_0 = 1), so "
                    "they flicker from row to row; the right side holds slow waves that "
                    "change over hundreds of rows.",
                ),
            ),
            figure="heatmap",
            after="Fast stripes on the left, slow bands on the right; the black line is row "
            "k, the vector of one timestep.",
        ),
        LessonStep(
            title="Near in time, near in the code",
            text=(
                "The dot product of two rows measures how alike the two input vectors are "
                "(the MLP after them can still merge or separate them). Because sin and cos "
                "of a sum expand into products, a shift by Δ turns every pair by a fixed "
                "angle ω_i·Δ, wherever k starts."
            ),
            questions=(
                Choice(
                    prompt="Is the similarity between P(100) and P(110) the same as between "
                    "P(700) and P(710)?",
                    options=(
                        "Yes, it depends only on the gap Δ = 10",
                        "No, later timesteps are more similar",
                        "No, earlier timesteps are more similar",
                    ),
                    answer=0,
                    why="P(k)·P(k+Δ) = Σ cos(ω_i·Δ) for the sin/cos pairs: k cancels. This "
                    "is the relative-position property.",
                ),
            ),
            figure="shift",
            after="The similarity from k = 250 (solid) and from k = 0 (dashed) coincide: "
            "only the distance Δ matters.",
        ),
        LessonStep(
            title="Why sines help a small network",
            text=(
                "A small network fed one number learns smooth, slowly varying functions of it "
                "first and sharp detail late or never: its spectral bias (Rahaman et al. 2019). "
                "Fed sin and cos of that number at many frequencies, it can reach fast detail "
                "(Tancik et al. 2020, “Fourier features”). Here the same small network, with "
                "the same width, training steps and seed, learns a curve with sharp jumps in "
                "k: once from k/T, once from P(k)."
            ),
            questions=(
                Choice(
                    prompt="Which of the two networks draws the jumps?",
                    options=(
                        "The one fed k/T",
                        "The one fed P(k)",
                        "Both, about equally well",
                    ),
                    answer=1,
                    why="Fed k/T, the network follows the slow sine and smooths the jumps "
                    "away; fed P(k), its fast columns let it draw them. Sinusoids add fast "
                    "features, which matter when the function of k has fine detail. A "
                    "denoiser's best answer changes smoothly with k (it follows ᾱ_k), so "
                    "this is no proof that a denoiser needs them: DDPM took the encoding "
                    "from the Transformer (Ho et al. 2020, Appendix B)." + scalar_twin(),
                ),
            ),
            figure="spectral_bias",
            after="Grey: the target. Red: the fit from k/T. Blue: the fit from P(k). Right: "
            "how fast each one's error fell.",
        ),
        LessonStep(
            title="What a timestep means: a noise level",
            text=(
                "Timestep k stands for a noise level: x_k = √ᾱ_k·x₀ + √(1−ᾱ_k)·ε. ᾱ_k is the "
                "fraction of the image's variance still left. The schedule decides how fast "
                "it falls from nearly 1 towards 0; it reaches 0 only with zero terminal SNR "
                f"(the linear schedule's last step keeps ᾱ = {last_linear:.1e}; Lin et al. "
                "2024)."
            ),
            questions=(
                Guess(
                    prompt="With the linear schedule (DDPM, T = 1000), at which timestep k is "
                    "half of the signal's variance gone (ᾱ_k = ½)?",
                    lo=0,
                    hi=999,
                    answer=half_signal_timestep(),
                    tolerance=40,
                    unit="",
                    why=f"ᾱ_k first drops to ½ at k = {half_signal_timestep()}: the linear "
                    "schedule destroys the image early, long before T; cosine "
                    f"(k = {half_signal_timestep('cosine')}) keeps it longer.",
                ),
            ),
            figure="schedules",
            after="ᾱ_k for four schedules, with the marker at the half-signal timestep of "
            "the linear one.",
        ),
        LessonStep(
            title="Can you tell the step from the image?",
            text=(
                "The network is told k, but x_k carries its own noise level. A photo's "
                "finest-scale wavelet coefficients are mostly noise once the noise outweighs "
                "the photo's fine texture, so their median size "
                "estimates the noise's σ (Donoho & Johnstone 1994), and σ_k = √(1−ᾱ_k) "
                "names the step. No network: one line of arithmetic on the noisy image."
            ),
            questions=(
                Choice(
                    prompt=f"The photo is noised to k = {reading.k} (linear, T = 1000). "
                    "Reading only the noisy image, can σ be estimated?",
                    options=(
                        "No: only the encoding P(k) carries the noise level",
                        "Yes, closely, except near k = 0, where the photo's own fine detail "
                        "looks like noise",
                        "Yes, exactly, at every step",
                    ),
                    answer=reads_answer,
                    why=f"At k = {reading.k}, σ = {reading.sigma:.3f} and the image alone "
                    f"gives σ̂ = {reading.sigma_hat:.3f}, pointing to k̂ = {reading.k_hat}. "
                    f"At k = 0 the estimate is {reading.texture_ratio:.1f}× too high: the "
                    "photo's texture reads as noise." + blind_versus_told(),
                ),
            ),
            figure="noise_level",
            after="Left chart: the true σ_k (grey) and σ̂ read off x_k alone (blue); the dots "
            "mark both at the k above. Right chart: the timestep k̂ it points to against the "
            "true k; where σ_k no longer changes, k̂ cannot tell the steps apart.",
        ),
        LessonStep(
            title="Three layouts, one idea",
            text=(
                "Code you will read orders the same numbers differently: the transformer "
                "interleaves sin, cos, sin, cos; DDPM writes all sines then all cosines; "
                "Stable Diffusion writes all cosines then all sines."
            ),
            questions=(
                Choice(
                    prompt="Do Stable Diffusion's [cos | sin] vector and the transformer's "
                    "interleaved vector carry different information?",
                    options=(
                        "Yes, they use different formulas",
                        "No, the same numbers in a different column order",
                        "Only for odd d",
                    ),
                    answer=1,
                    why="Reordered, the transformer vector equals the Stable Diffusion one "
                    "exactly (DDPM only spaces its frequencies slightly differently). A "
                    "linear layer after it can represent the same function either way, with "
                    "its weights in the matching order.",
                ),
            ),
            figure="layouts",
            after="The frequency each column carries: a staircase of pairs for the "
            "transformer, two descending ramps for DDPM and Stable Diffusion.",
        ),
        LessonStep(
            title="The class embedder joins the time embedding",
            text=(
                "Our digits denoiser also takes a class c (which digit to draw). A learned "
                "table, the embedder, turns c into a vector of the same size as the time "
                "embedding, and the two are added. Stable Diffusion 1.x and 2.x do not add "
                "their text to the time embedding: the text encoder's token vectors enter "
                "through cross-attention (Rombach et al. 2022, §3.3). SDXL does add to it: a "
                "pooled text vector (Podell et al. 2023, §2.1) and six numbers for the "
                "original size, crop coordinates and target size (§2.2–2.3), each as 256 "
                "sinusoidal values, join the time embedding."
            ),
            questions=(
                Choice(
                    prompt="In this app's digits model, how does the class label reach the "
                    "network's blocks?",
                    options=(
                        "It is concatenated to the image as an extra channel",
                        "Its embedding is added to the time embedding",
                        "It replaces the timestep",
                    ),
                    answer=1,
                    why="emb = MLP(P(k)) + E[c]; that sum enters every residual block, so "
                    "every block receives both the timestep and the class.",
                ),
            ),
            figure="network",
            after="The diagram of the trained digits model with its real sizes: P(k) → MLP, "
            "plus the class embedding, into every block.",
        ),
        LessonStep(
            title="Watching it denoise, and guidance",
            text=(
                "Sampling runs the steps backwards from pure noise. Classifier-free guidance "
                "mixes two predictions: ε̂ = ε̂(x_k, ∅) + w·(ε̂(x_k, c) − ε̂(x_k, ∅)); w = 1 "
                "is the plain conditional model."
            ),
            questions=(
                Choice(
                    prompt="What does raising the guidance w above 1 do to the samples?",
                    options=(
                        "Makes them more typical of the class, and less varied",
                        "Makes them more varied",
                        "Nothing visible",
                    ),
                    answer=0,
                    why="Guidance pushes each sample away from the unconditional prediction, "
                    "towards its class: the digits read more clearly and look more alike, the "
                    "fidelity-for-variety trade of Ho & Salimans 2022 (§4)." + guidance_evidence(),
                ),
            ),
            figure="guidance",
            after="The same seed and class at several w: sharper, more uniform digits as w grows.",
        ),
        LessonStep(
            title="Lie to the model about the timestep",
            text=(
                "The sinusoidal model relies on the timestep it is told. Keep the sampler honest "
                "but tell the network k = 0 (clean) at every step, and watch what it does."
            ),
            questions=(
                Choice(
                    prompt="If the network is always told k = 0 (an almost clean image) "
                    "while it faces pure noise, what comes out?",
                    options=(
                        "The same digits as before",
                        "Harsh black-and-white blobs, not digits",
                        "Soft grey noise",
                    ),
                    answer=1,
                    why="Told k = 0, the network expects an almost clean image, yet it faces "
                    "noise, and its ε̂ comes out far larger than the real noise, not smaller "
                    "(measured below the figure). The sampler, which knows the true k, computes "
                    "x̂₀ = (x_k − √(1−ᾱ_k)·ε̂)/√ᾱ_k: subtracting too much noise overshoots, "
                    "x̂₀ is pushed to the clip at ±1, and the samples end as hard black-and-white "
                    "blobs. (Told k = T−1 instead, its ε̂ shrinks below the real noise as the "
                    "steps go on: noise is left over, and the samples end as grey speckle with "
                    "no shape.)",
                ),
            ),
            figure="lie",
            after="Left: the honest run. Right: the same seed with the network told k = 0.",
        ),
        LessonStep(
            title="Questions a learner asks",
            text="Four questions people ask about timestep encodings, to check the whole story.",
            questions=(
                Choice(
                    prompt="What positional encoding does Stable Diffusion use for the timestep?",
                    options=(
                        "A learned lookup table per timestep",
                        "A sinusoidal embedding, [cos | sin] with n = 10000, then an MLP",
                        "The raw timestep number",
                    ),
                    answer=1,
                    why="Its UNet builds a sinusoidal timestep embedding of 320 values "
                    "(diffusers' flip_sin_to_cos=True, shift 0), passes it through an MLP "
                    "(Linear 320 → 1280, SiLU, Linear 1280 → 1280), and every residual block "
                    "adds a projection of the result to its features (Rombach et al. 2022; "
                    "diffusers' UNet2DConditionModel).",
                ),
                Choice(
                    prompt="Why does the timestep encoding matter?",
                    options=(
                        "It makes the network faster",
                        "One shared network faces every noise level; being told which helps it",
                        "It replaces the noise schedule",
                    ),
                    answer=1,
                    why="The weights are shared across all noise levels, and the encoding "
                    "names the one at hand. It is not the only clue: x_k shows its own noise "
                    "level, and networks told nothing can still work (Sun et al. "
                    "2025)." + blind_versus_told() + " Try both on Train it yourself (/train), "
                    "beside the best prediction possible with k and without it.",
                ),
                Choice(
                    prompt="How does the sinusoidal encoding work?",
                    options=(
                        "Each pair is sin/cos of k times a frequency; frequencies "
                        "spread geometrically from 1 to about 1/n",
                        "It counts k in binary",
                        "It normalizes k to [0, 1]",
                    ),
                    answer=0,
                    why="ω_i = n^(−2i/d): fast pairs tell neighbours apart, slow pairs place "
                    "k in the whole range, and every value stays in [−1, 1].",
                ),
                Choice(
                    prompt="What is a text (or class) embedder?",
                    options=(
                        "The noise schedule",
                        "A learned map from a prompt or label to a vector the denoiser "
                        "is conditioned on",
                        "The sampler",
                    ),
                    answer=1,
                    why="It turns what to draw into vectors: here a class table added to the "
                    "time embedding; in Stable Diffusion 1.x/2.x a text encoder (CLIP) whose "
                    "token vectors are read by cross-attention.",
                ),
            ),
            figure="summary",
            after="The whole path: k → P(k) → MLP, plus the class embedding, into every "
            "block of the denoiser.",
        ),
    )
