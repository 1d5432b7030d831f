"""Timestep Lab: an interactive lab on how a diffusion model knows *when* it is.

Sub-packages, imported one way only (``ui``/pages → ``models`` → ``encodings``):

- ``timestep_lab.encodings``: pure NumPy math (timestep embeddings, noise schedules,
  sampler spacing). Imports neither Streamlit nor torch.
- ``timestep_lab.models``: the torch denoisers, sampling and training.
- ``timestep_lab.figures``: functions that take arrays and return figures.
- ``timestep_lab.ui``: what every Streamlit page needs (URL-bound controls, "Show code",
  downloads).
"""
