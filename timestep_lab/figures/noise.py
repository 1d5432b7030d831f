"""Interactive figures of the forward (noising) process: arrays in, plotly figures out.

Images travel as one PNG each (a ``go.Image`` with a data URI), so a filmstrip of many frames
costs one compressed picture, not a grid of numbers. Curves are thinned to a few hundred
points per line; the marker at k always shows the exact value.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike, NDArray
from PIL import Image

from timestep_lab.encodings.schedules import NoiseSchedule
from timestep_lab.figures.style import OKABE_ITO, axis, figure, subplots, vline
from timestep_lab.images.pixels import png_data_url, to_uint8

#: One colour per schedule, the same in every figure (Okabe–Ito).
SCHEDULE_COLOURS = {
    "linear": OKABE_ITO["blue"],
    "scaled_linear": OKABE_ITO["orange"],
    "cosine": OKABE_ITO["green"],
    "sigmoid": OKABE_ITO["vermillion"],
}
SPACING_COLOURS = {
    "leading": OKABE_ITO["blue"],
    "trailing": OKABE_ITO["vermillion"],
    "linspace": OKABE_ITO["green"],
}
MAX_CURVE_POINTS = 500
GAP = 4  # white pixels between filmstrip tiles


def _f32(values: ArrayLike) -> NDArray[np.float32]:
    return np.asarray(values, dtype=np.float32)


def curve_indices(num_timesteps: int, max_points: int = MAX_CURVE_POINTS) -> NDArray[np.int64]:
    """Evenly spaced timesteps 0 … T−1 (both ends kept) for drawing a curve compactly."""
    if num_timesteps <= max_points:
        return np.arange(num_timesteps)
    return np.unique(np.round(np.linspace(0, num_timesteps - 1, max_points)).astype(np.int64))


def finite_or_nan(values: ArrayLike) -> NDArray[np.float64]:
    """Values with ±inf replaced by NaN, which plotly draws as a gap instead of failing."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(values), values, np.nan)


def schedule_curves_figure(
    schedules: Sequence[NoiseSchedule], k: int | None, selected: str, *, height: int = 560
) -> go.Figure:
    """β_k, ᾱ_k, √ᾱ_k with √(1−ᾱ_k), and SNR_k in dB against k, one colour per schedule.

    The ``selected`` schedule is drawn thicker and, unless ``k`` is None, its exact values at
    k are marked (a figure without k is the same for every k: built once, sent once).
    """
    cells, layout = subplots(
        2,
        2,
        titles=(
            "β_k, variance added at step k (log scale)",
            "ᾱ_k, share of the signal's variance left",
            "√ᾱ_k signal kept (solid), √(1−ᾱ_k) noise added (dashed)",
            "SNR_k = ᾱ_k / (1 − ᾱ_k), in dB",
        ),
        horizontal_spacing=0.09,
        vertical_spacing=0.12,
        shared_x=True,
        title_size=13,
    )
    beta_cell, alpha_bar_cell, sqrt_cell, snr_cell = cells
    traces = []
    for schedule in schedules:
        t = curve_indices(schedule.num_timesteps)
        chosen = schedule.name == selected
        colour = SCHEDULE_COLOURS.get(schedule.name, OKABE_ITO["black"])
        panels = [
            (beta_cell, schedule.betas, "solid", "β"),
            (alpha_bar_cell, schedule.alpha_bar, "solid", "ᾱ"),
            (sqrt_cell, schedule.sqrt_alpha_bar, "solid", "√ᾱ"),
            (sqrt_cell, schedule.sqrt_one_minus_alpha_bar, "dash", "√(1−ᾱ)"),
            (snr_cell, finite_or_nan(schedule.snr_db), "solid", "SNR dB"),
        ]
        for n, (cell, values, dash, symbol) in enumerate(panels):
            traces.append(
                go.Scatter(
                    x=t,
                    y=_f32(values[t]),
                    xaxis=f"x{cell}",
                    yaxis=f"y{cell}",
                    mode="lines",
                    name=schedule.name,
                    legendgroup=schedule.name,
                    showlegend=n == 0,
                    line=dict(color=colour, width=3 if chosen else 1.5, dash=dash),
                    opacity=1.0 if chosen else 0.75,
                    hovertemplate=f"{schedule.name}<br>k=%{{x}}<br>{symbol}=%{{y:.4g}}"
                    "<extra></extra>",
                )
            )
        if chosen and k is not None:
            for cell, values, _, symbol in panels:
                value = float(values[k])
                if not np.isfinite(value):
                    continue  # SNR = 0 at k = T−1 with zero terminal SNR: −∞ dB has no point
                traces.append(
                    go.Scatter(
                        x=[k],
                        y=[value],
                        xaxis=f"x{cell}",
                        yaxis=f"y{cell}",
                        mode="markers",
                        marker=dict(color="black", size=8, symbol="circle-open", line_width=2),
                        showlegend=False,
                        hovertemplate=f"k={k}<br>{symbol}={value:.6g}<extra>{selected}</extra>",
                    )
                )
    layout[f"yaxis{beta_cell}"].update(type="log", exponentformat="power")
    layout[f"yaxis{alpha_bar_cell}"].update(range=[-0.03, 1.03])
    layout[f"yaxis{sqrt_cell}"].update(range=[-0.03, 1.03])
    for cell in (sqrt_cell, snr_cell):
        layout[f"xaxis{cell}"].update(title=dict(text="timestep k"))
    return figure(
        traces,
        height=height,
        **layout,
        shapes=[]
        if k is None
        else [vline(k, axes=cell, color="#555555", width=1, dash="dot") for cell in cells],
        margin=dict(l=10, r=10, t=70, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.07, x=0),
        hovermode="closest",
    )


def png_data_uri(pixels: ArrayLike) -> str:
    """An RGB uint8 array (H, W, 3) as a PNG data URI for ``go.Image(source=...)``."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(buffer, format="PNG", optimize=False)
    return png_data_url(buffer.getvalue())


def forward_step_figure(
    x0: ArrayLike, noise: ArrayLike, xk: ArrayLike, k: int, *, height: int = 300
) -> go.Figure:
    """x_0, ε and x_k = √ᾱ_k·x_0 + √(1−ᾱ_k)·ε side by side (values in [−1, 1], clipped)."""
    cells, layout = subplots(
        1,
        3,
        titles=("x₀, the clean image", "ε, the noise", f"x_k at k = {k}"),
        horizontal_spacing=0.03,
    )
    for cell in cells:
        layout[f"xaxis{cell}"].update(visible=False)
        layout[f"yaxis{cell}"].update(visible=False)
    traces = [
        go.Image(
            source=png_data_uri(to_uint8(x)), hoverinfo="skip", xaxis=f"x{cell}", yaxis=f"y{cell}"
        )
        for cell, x in zip(cells, (x0, noise, xk), strict=True)
    ]
    return figure(traces, height=height, **layout, margin=dict(l=0, r=0, t=30, b=0))


def filmstrip_timesteps(num_timesteps: int, columns: int = 8) -> NDArray[np.int64]:
    """``columns`` evenly spaced timesteps from 0 to T−1, both ends included."""
    return np.unique(np.round(np.linspace(0, num_timesteps - 1, columns)).astype(np.int64))


def filmstrip_frames(
    x0: ArrayLike,
    noise: ArrayLike,
    schedules: Sequence[NoiseSchedule],
    timesteps: ArrayLike,
) -> NDArray[np.float64]:
    """x_k for every schedule (rows) and timestep (columns), all from the same x_0 and ε.

    x0, noise: (H, W, 3) in [−1, 1] and N(0, I). Returns (rows, columns, H, W, 3), so any
    difference between rows comes from the schedule alone.
    """
    timesteps = np.asarray(timesteps)
    x0 = np.broadcast_to(np.asarray(x0, dtype=np.float64), (timesteps.size, *np.shape(x0)))
    noise = np.broadcast_to(np.asarray(noise, dtype=np.float64), x0.shape)
    return np.stack([schedule.q_sample(x0, timesteps, noise) for schedule in schedules])


def tile_mosaic(frames: ArrayLike, gap: int = GAP) -> NDArray[np.uint8]:
    """Frames (rows, columns, H, W, 3) in [−1, 1] laid out as one uint8 picture with white gaps."""
    tiles = to_uint8(frames)
    rows, columns, height, width, _ = tiles.shape
    mosaic = np.full(
        (rows * height + (rows - 1) * gap, columns * width + (columns - 1) * gap, 3),
        255,
        dtype=np.uint8,
    )
    for r in range(rows):
        for c in range(columns):
            top, left = r * (height + gap), c * (width + gap)
            mosaic[top : top + height, left : left + width] = tiles[r, c]
    return mosaic


def filmstrip_figure(
    frames: ArrayLike, row_labels: Sequence[str], timesteps: ArrayLike, *, gap: int = GAP
) -> go.Figure:
    """The filmstrip as one image: a row per schedule, a column per timestep k."""
    frames = np.asarray(frames)
    rows, columns, height, width, _ = frames.shape
    mosaic = tile_mosaic(frames, gap)
    bare = dict(showgrid=False, zeroline=False, showline=False, ticks="", tickmode="array")
    # Tall enough for the picture at a typical page width (~900 px), so little space is idle.
    aspect = mosaic.shape[0] / mosaic.shape[1]
    return figure(
        [go.Image(source=png_data_uri(mosaic), hoverinfo="skip")],
        height=int(np.clip(50 + 900 * aspect, 150, 720)),
        xaxis=axis(
            side="top",
            tickvals=[c * (width + gap) + width / 2 for c in range(columns)],
            ticktext=[f"k = {t}" for t in np.asarray(timesteps)],
            **bare,
        ),
        yaxis=axis(
            tickvals=[r * (height + gap) + height / 2 for r in range(rows)],
            ticktext=list(row_labels),
            **bare,
        ),
        margin=dict(l=10, r=10, t=40, b=10),
    )


def spacing_figure(
    visits: Mapping[str, ArrayLike],
    num_timesteps: int,
    *,
    last_alpha_bar: float | None = None,
    height: int = 260,
) -> go.Figure:
    """Which timesteps k each sampler spacing visits: one row of dots per spacing.

    last_alpha_bar: ᾱ at k = T−1, printed beside the last step when given.
    """
    traces = [
        go.Scatter(
            x=timesteps,
            y=[name] * timesteps.size,
            customdata=np.arange(1, timesteps.size + 1),
            mode="markers",
            name=name,
            marker=dict(color=SPACING_COLOURS.get(name, OKABE_ITO["black"]), size=8),
            hovertemplate=f"{name}<br>sampler step %{{customdata}}: k=%{{x}}<extra></extra>",
        )
        for name, timesteps in ((name, np.asarray(ks)) for name, ks in visits.items())
    ]
    last = num_timesteps - 1
    return figure(
        traces,
        height=height,
        xaxis=axis("training timestep k", range=[-0.02 * last, 1.02 * last]),
        yaxis=axis(autorange="reversed"),
        shapes=[vline(last, color="#555555", width=1, dash="dot")],
        annotations=[
            dict(
                x=last,
                y=1,
                yref="paper",
                yanchor="bottom",
                xanchor="right",
                text=f"T−1 = {last}, the last training step"
                + ("" if last_alpha_bar is None else f" (ᾱ = {last_alpha_bar:.2g})"),
                showarrow=False,
                font=dict(size=12, color="#555555"),
            )
        ],
        showlegend=False,
    )
