"""Home: what a timestep encoding is, why a denoiser needs one, and where to go next."""

import streamlit as st

from timestep_lab.encodings import noise_schedule
from timestep_lab.lesson.evidence import blind_model_sentence

st.title("Timestep Lab")
alpha_bar = noise_schedule("linear", 1000).alpha_bar
paragraphs = [
    "A diffusion model makes an image by removing noise a little at a time. DDPM and Stable "
    "Diffusion are trained on T = 1000 noise levels and are often sampled in tens of them "
    "(DDIM, Song et al. 2021). One network does every step: the same weights face a nearly "
    f"clean image at k = 0 (ᾱ = {alpha_bar[0]:.4f} of its variance left, linear schedule) and "
    f"almost pure static at k = 999 (ᾱ = {alpha_bar[-1]:.1e}). How much noise to remove "
    "depends on the noise level, so the network is usually told which step, the **timestep "
    "k**, it is looking at (Ho et al. 2020 and the models built on it)."
]
blind = blind_model_sentence()
if blind:
    paragraphs.append(
        "Being told is a help, not a necessity: the noisy image shows its own noise level. " + blind
    )
paragraphs.append(
    "The network is rarely handed the bare number. A **timestep encoding** turns k into a "
    "vector of sines and cosines at many speeds: bounded, different for every k, and, a "
    "property it brings from transformers' positions (Vaswani et al. 2017, §3.5), shaped so "
    "that 'ten steps later' is the same rotation wherever you start. This lab lets you take "
    "that vector apart, see which noise level each k stands for, and watch a small trained "
    "denoiser use it, or do without it."
)
# The paragraphs and the heading under them as one element: every element is a message the
# server builds and sends on each run of the page, and one process serves a whole class.
st.markdown("\n\n".join([*paragraphs, "### Start here"]))

st.page_link(
    "app_pages/encoding.py",
    label="Encoding explorer: the sin/cos matrix, its wavelengths, similarities and layouts",
    icon=":material/grid_on:",
)
st.caption(
    "Vary the dimension d, the base n and the timestep k; compare the layouts real code uses "
    "and the naive alternatives (a raw or normalized index)."
)
st.page_link(
    "app_pages/noise.py",
    label="Noise levels: what each timestep means for an image",
    icon=":material/blur_on:",
)
st.caption(
    "Schedules (β, ᾱ, SNR), a real image noised to step k, a filmstrip across schedules, and "
    "which timesteps a sampler visits."
)
st.page_link(
    "app_pages/denoiser.py",
    label="Watch it denoise: a small trained model generates, step by step",
    icon=":material/auto_fix_high:",
)
st.caption(
    "Noise becomes digits (or points become two moons); see which timestep the network is "
    "told at each step, compare the four ways to tell it, and lie to it on purpose."
)
st.page_link(
    "app_pages/walkthrough.py",
    label="Walkthrough: a guided lesson for a class, predict then reveal",
    icon=":material/school:",
)
st.caption(
    "Short steps with a question before each figure. Teachers: every step has its own "
    "link; add `&presenter=1` for a projector."
)
