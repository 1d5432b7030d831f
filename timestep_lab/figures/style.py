"""Shared look of every figure: colour-blind-safe colours (Okabe & Ito 2008) and a calm layout."""

from __future__ import annotations

from typing import Any

#: The Okabe–Ito palette, distinguishable under the common forms of colour blindness.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}

#: Diverging map for values in [−1, 1]; ColorBrewer's RdBu is colour-blind safe.
DIVERGING = "RdBu"
#: Matplotlib's name for the same map (for static exports).
DIVERGING_MPL = "RdBu"

KIND_COLOURS = {"sin": OKABE_ITO["blue"], "cos": OKABE_ITO["vermillion"], "pad": "#999999"}
ROLE_COLOURS = {
    "informative": OKABE_ITO["blue"],
    "still": OKABE_ITO["orange"],
    "aliased": OKABE_ITO["vermillion"],
}


AXIS = dict(gridcolor="#EBEBEB", zeroline=False, linecolor="#BBBBBB", automargin=True)


def base_layout(*, height: int) -> dict[str, Any]:
    """Layout settings every interactive figure shares."""
    # template="none" plus a few axis settings looks like plotly_white without sending its
    # 7 kB template with every figure (ten figures a rerun on the encoding page).
    return dict(
        height=height,
        margin=dict(l=10, r=10, t=30, b=10),
        template="none",
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis=AXIS,
        yaxis=AXIS,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        font=dict(size=13),
    )
