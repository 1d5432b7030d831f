"""Downloads of a denoiser run: the final samples as a matplotlib figure, the run as a GIF."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike
from PIL import Image, ImageDraw

from timestep_lab.figures.denoiser import (
    POINTS_EXTENT,
    animation_frame_steps,
    image_grid,
    points_canvas,
)

GIF_FRAME_MS = 90  # per frame; the last frame is held longer
GIF_HOLD_MS = 1500


def samples_png_figure(
    samples: ArrayLike, *, title: str, truth: ArrayLike | None = None, columns: int | None = None
) -> Figure:
    """The final samples: digits (N, H, W) in [−1, 1] as a grid, or points (N, 2) as a scatter."""
    samples = np.asarray(samples)
    if samples.ndim == 3:
        grid = image_grid(samples, columns=columns)
        figure = Figure(figsize=(0.5 + grid.shape[1] / 12, 0.8 + grid.shape[0] / 12))
        ax = figure.subplots()
        ax.imshow(grid, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        ax.set_axis_off()
    else:
        figure = Figure(figsize=(5, 5.3))
        ax = figure.subplots()
        if truth is not None:
            truth = np.asarray(truth)
            ax.scatter(truth[:, 0], truth[:, 1], s=2, color="#CCCCCC", linewidths=0)
        ax.scatter(samples[:, 0], samples[:, 1], s=3, color="#0072B2", linewidths=0, alpha=0.7)
        ax.set_xlim(-POINTS_EXTENT, POINTS_EXTENT)
        ax.set_ylim(-POINTS_EXTENT, POINTS_EXTENT)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    ax.set_title(title, fontsize=10)
    figure.set_layout_engine("constrained")
    return figure


def trajectory_gif(
    steps: Sequence[Any],
    *,
    truth: ArrayLike | None = None,
    scale: int = 5,
    size: int = 240,
    max_frames: int = 40,
) -> bytes:
    """The run as an animated GIF: x_k beside x̂_0 for ≤ max_frames steps, then the samples.

    steps: ``Step`` records in sampling order. Digits are upscaled ``scale``× nearest-neighbour;
    points are drawn on a ``size``-pixel canvas over the faint true distribution.
    """
    frames = []
    picked = [steps[i] for i in animation_frame_steps(len(steps), max_frames)]
    for step in [*picked, None]:
        last = step is None
        xk = steps[-1].x_prev if last else step.xk
        x0 = steps[-1].x_prev if last else step.x0_pred
        if np.ndim(xk) == 3:
            left, right = image_grid(xk, scale=scale), image_grid(x0, scale=scale)
            left, right = (np.repeat(p[:, :, None], 3, axis=2) for p in (left, right))
        else:
            left = points_canvas(xk, truth=truth, size=size)
            right = points_canvas(x0, truth=truth, size=size)
        gap = np.full((left.shape[0], 12, 3), 255, dtype=np.uint8)
        banner = 18
        picture = np.full((left.shape[0] + banner, left.shape[1] * 2 + 12, 3), 255, np.uint8)
        picture[banner:] = np.concatenate([left, gap, right], axis=1)
        image = Image.fromarray(picture)
        text = "x_0, the samples" if last else f"k = {step.k}: x_k (left), x0 estimate (right)"
        ImageDraw.Draw(image).text((4, 3), text, fill=(0, 0, 0))
        # No dithering: it would scatter the flat upscaled pixels and triple the file.
        frames.append(image.quantize(colors=64, dither=Image.Dither.NONE))
    buffer = io.BytesIO()
    durations = [GIF_FRAME_MS] * (len(frames) - 1) + [GIF_HOLD_MS]
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=0,
        optimize=False,
    )
    return buffer.getvalue()
