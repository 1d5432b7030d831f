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


def lesson() -> tuple[LessonStep, ...]:
    """The steps of the lesson, in order."""
    return (
        LessonStep(
            title="One network, a thousand noise levels",
            text=(
                "A diffusion model removes noise a little at a time. The same network, with "
                "the same weights, is used at every step: for an almost clean image at k = 10 "
                "and for near static at k = 900. How much noise it should remove depends "
                "entirely on which step it is at."
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
                    why="One network serves every step. That is why it must be told the "
                    "timestep: nothing in its weights says which noise level it faces.",
                ),
            ),
            figure="filmstrip",
            after="The same photo at evenly spaced k under four schedules. One network must "
            "clean every column; the timestep tells it which column it is looking at.",
        ),
        LessonStep(
            title="Why not just pass k, or k / T?",
            text=(
                "The simplest idea is to feed the number k itself. The next is to divide it "
                "by the number of steps T so it stays between 0 and 1. Both have a flaw."
            ),
            questions=(
                Choice(
                    prompt="If the network gets the bare index, how much larger is its input "
                    "at k = 999 than at k = 1?",
                    options=("About the same", "About 10× larger", "999× larger"),
                    answer=2,
                    why="The raw index grows without bound: late timesteps feed the first "
                    "layer inputs hundreds of times larger than early ones.",
                ),
                Choice(
                    prompt="With k / T, what does the same timestep k = 250 become when T "
                    "changes from 1000 to 4000?",
                    options=(
                        "The same value, 0.25",
                        "A different value, 0.0625",
                        "It cannot be computed",
                    ),
                    answer=1,
                    why="k / T ties the meaning of a number to the length of the process: "
                    "the same k means different inputs for different T, and neighbours "
                    "differ by only 1/T.",
                ),
            ),
            figure="naive",
            after="Left: the raw index climbs to T−1. Right: k / T for three values of T; the "
            "same k lands at different heights.",
        ),
        LessonStep(
            title="Sines and cosines at many speeds",
            text=(
                "The sinusoidal encoding turns k into d numbers: pairs sin(k·ω_i), "
                "cos(k·ω_i) with frequencies ω_i = n^(−2i/d). The fastest pair turns once "
                "every 2π ≈ 6.3 steps; each next pair is slower, down to about one turn every "
                "2π·n steps. d sets how many pairs there are; n sets the slowest speed."
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
                "The dot product of two rows measures how alike the network finds two "
                "timesteps. Because sin and cos of a sum expand into products, a shift by Δ "
                "turns every pair by a fixed angle ω_i·Δ, wherever k starts."
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
            title="What a timestep means: a noise level",
            text=(
                "Timestep k stands for a noise level: x_k = √ᾱ_k·x₀ + √(1−ᾱ_k)·ε. ᾱ_k is the "
                "share of the image's variance still left. The schedule decides how fast it "
                "falls from 1 to 0."
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
                    "layer after it learns the same function either way.",
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
                "embedding, and the two are added. In Stable Diffusion a text encoder plays "
                "this role, entering through cross-attention."
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
                    "each block knows both when it is and what it should draw.",
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
                    "towards its class: the digits read more clearly and look more alike. "
                    "The evaluation numbers in the model card measure both effects.",
                ),
            ),
            figure="guidance",
            after="The same seed and class at several w: sharper, more uniform digits as w grows.",
        ),
        LessonStep(
            title="Lie to the model about the timestep",
            text=(
                "The network trusts the timestep it is told. Keep the sampler honest but tell "
                "the network k = 0 (clean) at every step, and watch what it does."
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
                    why="Told k = 0, the network expects only a trace of noise and predicts "
                    "a small ε̂. The sampler, which knows the true k, then computes "
                    "x̂₀ = (x_k − √(1−ᾱ_k)·ε̂)/√ᾱ_k: most of the noise stays in and is divided "
                    "by a tiny √ᾱ_k, so every pixel is pushed to the clip at ±1. (Told "
                    "k = T−1 instead, it removes everything and leaves a grey average.)",
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
                    why="Its UNet builds a sinusoidal timestep embedding (diffusers' "
                    "flip_sin_to_cos=True, shift 0) and passes it through a small MLP before "
                    "adding it in every residual block.",
                ),
                Choice(
                    prompt="Why does the timestep encoding matter?",
                    options=(
                        "It makes the network faster",
                        "One shared network must know the noise level to undo it",
                        "It replaces the noise schedule",
                    ),
                    answer=1,
                    why="The weights are shared across all noise levels; the encoding is the "
                    "only thing that tells them apart.",
                ),
                Choice(
                    prompt="How does the sinusoidal encoding work?",
                    options=(
                        "Each pair is sin/cos of k times a frequency; frequencies "
                        "spread geometrically from 1 to 1/n",
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
                    "time embedding; in Stable Diffusion a text encoder read by "
                    "cross-attention.",
                ),
            ),
            figure="summary",
            after="The whole path: k → P(k) → MLP, plus the class embedding, into every "
            "block of the denoiser.",
        ),
    )
