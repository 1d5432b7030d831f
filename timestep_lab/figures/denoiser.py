"""Figures of a trained denoiser at work: sample grids, the reverse trajectory and the network.

Notation (shared NOTATION.md): ``xk`` x_k, ``x0_pred`` x̂_0, ``eps_pred`` ε̂, ``alpha_bar`` ᾱ_k,
``k`` the true timestep, ``k_told`` the timestep the network was told, ``encoding`` the row P
its time MLP received.

Pictures travel as PNG: digits are tiled into one grid (upscaled nearest-neighbour, so pixels
stay square), point clouds are drawn as dots on a small canvas. The in-browser animation sends
each frame once, compactly: digits as native-resolution uint8 heatmaps (1 byte a pixel), points
as uint8 grid coordinates, so a 40-frame trajectory costs about a hundred kilobytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike, NDArray
from PIL import Image
from plotly.subplots import make_subplots

from timestep_lab.figures.style import OKABE_ITO, base_layout
from timestep_lab.images.pixels import to_uint8

#: ε̂ is roughly N(0, I); it is drawn over [−EPS_RANGE, EPS_RANGE] instead of clipped at ±1.
EPS_RANGE = 3.0
#: Half-width of the square the 2D points are drawn in (the data lie in about [−1, 1]²).
POINTS_EXTENT = 2.0
ANIMATED_IMAGES = 16  # the animation shows the first 16 digits (a 4 × 4 grid)
HEATMAP_WHITE = 126  # grey levels of the animation (see heatmap_levels)
GRID_GAP = 1  # background pixels between digit tiles, before upscaling
BACKGROUND = 255  # white around the tiles and behind the points
TRUTH_GREY = np.array([205, 205, 205], dtype=np.uint8)
POINT_BLUE = np.array([0, 114, 178], dtype=np.uint8)  # Okabe–Ito blue


def grid_columns(num: int) -> int:
    """Columns of a near-square grid for ``num`` tiles (16 → 4, 10 → 4, 64 → 8)."""
    return max(1, int(np.ceil(np.sqrt(num))))


def image_grid(
    images: ArrayLike, *, value_range: float = 1.0, scale: int = 1, columns: int | None = None
) -> NDArray[np.uint8]:
    """Grayscale tiles (N, H, W) in [−value_range, value_range] as one uint8 grid picture.

    scale: each pixel becomes scale × scale (nearest-neighbour). columns: tiles per row
    (default: near square). Tiles are separated by a white gap of ``GRID_GAP × scale`` pixels.
    """
    images = np.asarray(images, dtype=np.float64) / value_range
    num, height, width = images.shape
    columns = columns or grid_columns(num)
    rows = int(np.ceil(num / columns))
    tiles = to_uint8(images)
    tiles = tiles.repeat(scale, axis=1).repeat(scale, axis=2)
    gap = GRID_GAP * scale
    th, tw = height * scale, width * scale
    grid = np.full((rows * th + (rows - 1) * gap, columns * tw + (columns - 1) * gap), BACKGROUND)
    for n in range(num):
        r, c = divmod(n, columns)
        grid[r * (th + gap) : r * (th + gap) + th, c * (tw + gap) : c * (tw + gap) + tw] = tiles[n]
    return grid.astype(np.uint8)


def point_pixels(
    points: ArrayLike, *, size: int, extent: float = POINTS_EXTENT
) -> NDArray[np.int64]:
    """The canvas pixel (column, row) of each 2D point's dot on a size × size canvas (N, 2).

    The square [−extent, extent]² spans the canvas, y up; a dot covers its pixel and the three
    to its right and below, so a point whose dot would leave the canvas gets (−1, −1).
    """
    points = np.asarray(points, dtype=np.float64)
    col = np.floor((points[:, 0] + extent) / (2 * extent) * (size - 1)).astype(np.int64)
    row = np.floor((extent - points[:, 1]) / (2 * extent) * (size - 1)).astype(np.int64)
    inside = (col >= 0) & (col < size - 1) & (row >= 0) & (row < size - 1)
    return np.where(inside[:, None], np.stack([col, row], axis=1), -1)


def points_canvas(
    points: ArrayLike,
    *,
    size: int = 240,
    truth: ArrayLike | None = None,
    extent: float = POINTS_EXTENT,
) -> NDArray[np.uint8]:
    """2D points (N, 2) as blue 2×2-pixel dots on a white RGB canvas (size, size, 3).

    truth: optional points of the true distribution, drawn faintly grey underneath. The square
    shown is [−extent, extent]²; points outside it are left out.
    """
    canvas = np.full((size, size, 3), BACKGROUND, dtype=np.uint8)
    for pts, colour in ((truth, TRUTH_GREY), (points, POINT_BLUE)):
        if pts is None:
            continue
        pixels = point_pixels(pts, size=size, extent=extent)
        col, row = pixels[pixels[:, 0] >= 0].T
        for dr in (0, 1):
            for dc in (0, 1):
                canvas[row + dr, col + dc] = colour
    return canvas


def png_bytes(pixels: ArrayLike) -> bytes:
    """A uint8 picture (H, W) or (H, W, 3) as PNG bytes; RGB ones as a small-palette PNG.

    The RGB pictures here (dots on a canvas) hold three colours, so an 8-colour palette is
    exact and several times smaller than 24-bit RGB.
    """
    image = Image.fromarray(np.asarray(pixels, dtype=np.uint8))
    if image.mode == "RGB":
        image = image.quantize(colors=8, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)  # fast: pictures stream while sampling
    return buffer.getvalue()


def sample_picture(
    samples: ArrayLike, *, width: int, truth: ArrayLike | None = None, value_range: float = 1.0
) -> NDArray[np.uint8]:
    """Samples drawn at most ``width`` pixels wide, never resampled on screen.

    Digits (N, H, W) become a grid upscaled by the largest whole factor that fits; points
    (N, 2) become dots on a width × width canvas over the faint ``truth``. Values are divided
    by ``value_range`` first (ε̂ is drawn over ±3).
    """
    samples = np.asarray(samples)
    if samples.ndim == 3:
        columns = grid_columns(len(samples))
        scale = max(1, (width + GRID_GAP) // (columns * (samples.shape[2] + GRID_GAP)))
        return image_grid(samples, value_range=value_range, scale=scale, columns=columns)
    return points_canvas(samples / value_range, truth=truth, size=width)


def animation_frame_steps(num_steps: int, max_frames: int = 40) -> NDArray[np.int64]:
    """Which stored steps the in-browser animation shows: ≤ max_frames, first and last kept."""
    if num_steps <= max_frames:
        return np.arange(num_steps)
    return np.unique(np.round(np.linspace(0, num_steps - 1, max_frames)).astype(np.int64))


def byte_coordinates(points: ArrayLike, extent: float = POINTS_EXTENT) -> NDArray[np.uint8]:
    """Points (N, 2) in [−extent, extent]² as uint8 grid coordinates 0 … 255, outside ones dropped.

    One byte per coordinate instead of four: at ~300 px per panel a step of 2·extent/255 is
    about one pixel, so the animation looks the same at a quarter of the payload.
    """
    points = np.asarray(points, dtype=np.float64)
    inside = np.all(np.abs(points) <= extent, axis=1)
    return np.round((points[inside] + extent) / (2 * extent) * 255).astype(np.uint8)


def heatmap_levels(images: ArrayLike) -> NDArray[np.uint8]:
    """The first ``ANIMATED_IMAGES`` digits as a grid of grey levels 0 … HEATMAP_WHITE.

    Fewer than 128 levels on purpose: base64 of such bytes seldom holds a "/", which plotly's
    JSON escapes as six characters (white, 255, would double the payload).
    """
    grid = image_grid(np.asarray(images)[:ANIMATED_IMAGES]).astype(np.uint16)
    return (grid * HEATMAP_WHITE // 255).astype(np.uint8)


def _moving_traces(step: Any, points_shown: int) -> list[dict]:
    """The trace updates of one animation frame: x_k and x̂_0 (pictures or points)."""
    if np.ndim(step.xk) == 3:
        return [dict(type="heatmap", z=heatmap_levels(x)) for x in (step.xk, step.x0_pred)]
    updates = []
    for x in (step.xk, step.x0_pred):
        xy = byte_coordinates(np.asarray(x)[:points_shown])
        updates.append(dict(type="scattergl", x=xy[:, 0], y=xy[:, 1]))
    return updates


def trajectory_animation_figure(
    steps: Sequence[Any],
    alpha_bar: ArrayLike,
    *,
    truth: ArrayLike | None = None,
    max_frames: int = 40,
    points_shown: int = 600,
    height: int = 420,
) -> go.Figure:
    """The reverse process as a plotly animation: x_k, x̂_0 and ᾱ_k, with play and a slider.

    steps: ``Step`` records (``index``, ``k``, ``xk``, ``x0_pred``) in sampling order. The
    browser plays the frames itself (no server round trip). Digits: the first
    ``ANIMATED_IMAGES`` as uint8 heatmaps; points: the first ``points_shown``, over the faint
    ``truth``.
    """
    alpha_bar = np.asarray(alpha_bar)
    picked = [steps[i] for i in animation_frame_steps(len(steps), max_frames)]
    images = np.ndim(picked[0].xk) == 3
    animation = make_subplots(
        rows=1,
        cols=3,
        column_widths=[0.36, 0.36, 0.28],
        horizontal_spacing=0.05,
        subplot_titles=("x_k, the sample now", "x̂₀, its estimate of x₀", "ᾱ_k"),
    )
    moving = []  # indices of the traces each frame replaces
    for col, update in enumerate(_moving_traces(picked[0], points_shown), start=1):
        if images:
            # A heatmap of uint8 pixels redraws at once; an image trace blanks while it decodes.
            moving.append(len(animation.data))
            animation.add_trace(
                go.Heatmap(
                    z=update["z"],
                    colorscale=[[0, "black"], [1, "white"]],
                    zmin=0,
                    zmax=HEATMAP_WHITE,
                    showscale=False,
                    hoverinfo="skip",
                ),
                row=1,
                col=col,
            )
            continue
        if truth is not None:
            xy = byte_coordinates(truth)
            animation.add_trace(
                go.Scattergl(
                    x=xy[:, 0],
                    y=xy[:, 1],
                    mode="markers",
                    hoverinfo="skip",
                    marker=dict(color="#CCCCCC", size=3),
                ),
                row=1,
                col=col,
            )
        moving.append(len(animation.data))
        animation.add_trace(
            go.Scattergl(
                x=update["x"],
                y=update["y"],
                mode="markers",
                hoverinfo="skip",
                marker=dict(color=OKABE_ITO["blue"], size=3, opacity=0.7),
            ),
            row=1,
            col=col,
        )
    ks = np.arange(alpha_bar.size)
    animation.add_trace(
        go.Scatter(
            x=ks[::4],
            y=alpha_bar[::4].astype(np.float32),
            mode="lines",
            line=dict(color=OKABE_ITO["green"], width=2),
            hoverinfo="skip",
        ),
        row=1,
        col=3,
    )
    k0 = picked[0].k
    moving.append(len(animation.data))  # the ᾱ marker
    animation.add_trace(
        go.Scatter(
            x=[k0],
            y=[float(alpha_bar[k0])],
            mode="markers",
            hoverinfo="skip",
            marker=dict(color="black", size=12, symbol="circle-open", line_width=2.5),
        ),
        row=1,
        col=3,
    )
    frames = []
    for step in picked:
        updates = _moving_traces(step, points_shown)
        updates.append(dict(type="scatter", x=[step.k], y=[float(alpha_bar[step.k])]))
        frames.append(go.Frame(name=str(step.index), data=updates, traces=moving))
    animation.frames = frames
    still = dict(mode="immediate", frame=dict(duration=0), transition=dict(duration=0))
    play = dict(frame=dict(duration=120, redraw=True), transition=dict(duration=0))
    animation.update_layout(
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0,
                y=-0.04,
                xanchor="left",
                yanchor="top",
                pad=dict(t=0, r=10),
                showactive=False,
                buttons=[
                    dict(
                        label="▶ Play", method="animate", args=[None, {**play, "fromcurrent": True}]
                    ),
                    dict(label="❚❚ Pause", method="animate", args=[[None], still]),
                ],
            )
        ],
        sliders=[
            dict(
                x=0.17,
                y=-0.02,
                len=0.83,
                xanchor="left",
                yanchor="top",
                pad=dict(t=0),
                currentvalue=dict(prefix="k = ", font=dict(size=13)),
                steps=[
                    dict(label=str(step.k), method="animate", args=[[str(step.index)], still])
                    for step in picked
                ],
            )
        ],
    )
    for col in (1, 2):
        animation.update_xaxes(visible=False, row=1, col=col)
        animation.update_yaxes(visible=False, row=1, col=col)
        if images:  # row 0 on top, square pixels
            animation.update_yaxes(
                autorange="reversed", scaleanchor=f"x{col if col > 1 else ''}", row=1, col=col
            )
        else:
            animation.update_xaxes(range=[-4, 259], row=1, col=col)
            animation.update_yaxes(
                range=[-4, 259], scaleanchor=f"x{col if col > 1 else ''}", row=1, col=col
            )
    animation.update_xaxes(title="k", range=[-20, alpha_bar.size + 20], row=1, col=3)
    animation.update_yaxes(range=[-0.03, 1.05], row=1, col=3)
    layout = base_layout(height=height)
    layout["margin"] = dict(l=10, r=10, t=30, b=90)
    layout["showlegend"] = False
    return animation.update_layout(**layout)


def network_dot(description: dict[str, Any], *, k: int | None = None, label: str = "c") -> str:
    """A Graphviz DOT diagram of a denoiser from ``model.describe()``, with its live sizes.

    Shows k → P(k) (d values) → Linear–SiLU–Linear, the class vector added to it, and the sum
    entering every residual block. k: the timestep to print on the input (None: "k").
    """
    d, e = description["enc_dim"], description["emb_dim"]
    mode = description.get("time_mode", "sinusoidal")
    code = {
        "sinusoidal": f"sinusoidal P(k)\\n{d} values in [−1, 1]",
        "scalar": f"k / T in all {d} columns",
        "raw": f"the bare k in all {d} columns",
        "none": f"zeros ({d} columns):\\nk is never told",
    }[mode]
    k_text = "k" if k is None else f"k = {k}"
    blue, orange, green = OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["green"]
    lines = [
        "digraph denoiser {",
        '  rankdir=LR; bgcolor="transparent"; nodesep=0.25; ranksep=0.35;',
        '  node [shape=box, style="rounded,filled", fillcolor="#F7F7F7", color="#BBBBBB",'
        ' fontname="Helvetica", fontsize=11];',
        '  edge [color="#777777", fontname="Helvetica", fontsize=10];',
        f'  k [label="{k_text}", shape=ellipse, fillcolor="white", color="{blue}"];',
        f'  enc [label="{code}", color="{blue}"];',
        f'  mlp [label="Linear {d}→{e}, SiLU,\\nLinear {e}→{e}", color="{blue}"];',
        f'  c [label="{label}", shape=ellipse, fillcolor="white", color="{orange}"];',
        f'  table [label="class table\\n{description["num_classes"]} + ∅ rows × {e}",'
        f' color="{orange}"];',
        '  plus [label="+", shape=circle, fillcolor="white", fontsize=16, width=0.35];',
        "  k -> enc -> mlp -> plus; c -> table -> plus;",
    ]
    if description["kind"] == "unet":
        size = description["image_size"]
        lines.append(f'  x [label="x_k\\n1×{size}×{size}", shape=ellipse, fillcolor="white"];')
        blocks = []
        channels, resolutions = description["channels"], description["resolutions"]
        for i, (ch, res) in enumerate(zip(channels, resolutions, strict=True)):
            blocks.append((f"down{i}", f"down block {i + 1}\\n{ch} ch, {res}×{res}"))
        blocks.append(
            ("mid", f"middle block\\n{channels[-1]} ch, {resolutions[-1]}×{resolutions[-1]}")
        )
        for i, (ch, res) in reversed(list(enumerate(zip(channels, resolutions, strict=True)))):
            blocks.append((f"up{i}", f"up block {len(channels) - i}\\n{ch} ch, {res}×{res}"))
        out = f'  out [label="ε̂\\n1×{size}×{size}", shape=ellipse, fillcolor="white"];'
    else:
        width = description["width"]
        lines.append('  x [label="x_k\\n2 numbers", shape=ellipse, fillcolor="white"];')
        blocks = [
            (f"b{i}", f"residual block {i + 1}\\n{width} wide")
            for i in range(description["residual_blocks"])
        ]
        out = '  out [label="ε̂\\n2 numbers", shape=ellipse, fillcolor="white"];'
    lines.append(out)
    for name, text in blocks:
        lines.append(f'  {name} [label="{text}", fillcolor="#EAF3FA"];')
    names = [name for name, _ in blocks]
    if description["kind"] == "unet":
        # Drawn as a U: the down path on top, the up path folded back beneath it, with the
        # concatenated skips between them (dotted).
        levels = len(description["channels"])
        down, up = ["x", *names[: levels + 1]], ["out", *names[levels + 1 :][::-1], "mid"]
        lines.append(f"  {' -> '.join(down)} [weight=10];")
        lines.append(f"  {' -> '.join(up)} [weight=10, dir=back];")
        for i in range(levels):
            lines.append(f"  {{rank=same; down{i}; up{i}}}")
            lines.append(f'  down{i} -> up{i} [style=dotted, color="#AAAAAA", arrowsize=0.5];')
        lines.append("  {rank=same; x; out}")
    else:
        lines.append(f"  {' -> '.join(['x', *names, 'out'])} [weight=10];")
    lines.append(
        f'  emb [label="time + class\\nembedding, {e} values", shape=box, color="{green}",'
        " penwidth=2];"
    )
    lines.append("  plus -> emb;")
    for name, _ in blocks:
        lines.append(
            f'  emb -> {name} [color="{green}", style=dashed, arrowsize=0.6, constraint=false];'
        )
    lines.append("}")
    return "\n".join(lines)
