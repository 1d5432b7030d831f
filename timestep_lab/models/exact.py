"""The best any denoiser can do on Gaussian-mixture data, in closed form (pure NumPy, float64).

Notation (see shared NOTATION.md):

| code name        | symbol            | meaning                                                  |
|------------------|-------------------|----------------------------------------------------------|
| `weights`        | π_c               | mixture weights, c = 0 … K−1, summing to 1                |
| `means`          | μ_c               | component means, (K, D)                                   |
| `stds`           | σ_c               | per-component isotropic standard deviation (0: a point)  |
| `alpha_bar`      | ᾱ_k               | signal variance left at step k                            |
| `xk`             | x_k               | √ᾱ_k·x_0 + √(1−ᾱ_k)·ε (Ho et al. eq. 4)                   |
| `var`            | v_{k,c}           | ᾱ_k·σ_c² + 1 − ᾱ_k, the variance of x_k given component c |
| `resp`           | p(c | x_k)        | responsibilities                                          |
| `eps_star`       | ε*(x, k)          | E[ε | x_k = x], minimiser of E‖ε − ε̂(x_k, k)‖²          |
| `eps_blind`      | ε*_∅(x)           | E[ε | x_k = x], k ~ U{0 … T−1} unknown                   |
| `k_posterior`    | p(k | x_k)        | what x_k alone says about k (uniform prior over k)        |

Given component c, x_0 ~ N(μ_c, σ_c² I), so x_k | c ~ N(√ᾱ_k μ_c, v_{k,c} I) and ε, x_k are
jointly Gaussian with Cov(ε, x_k) = √(1−ᾱ_k) I, hence

    E[ε | x_k = x, c] = √(1−ᾱ_k) (x − √ᾱ_k μ_c) / v_{k,c}      (Gaussian conditioning)
    ε*(x, k)           = Σ_c p(c | x_k = x) E[ε | x_k = x, c]
    ε*_∅(x)            = Σ_k p(k | x) ε*(x, k),   p(k | x) ∝ Σ_c π_c N(x; √ᾱ_k μ_c, v_{k,c} I).

The MSE of a conditional expectation is the least any function of the same inputs reaches
(the projection property of E[· | ·]), so ``eps_floor`` is a floor for every network told k, and
``blind_floor`` one for every network told nothing (Sun et al. 2025, "Is noise conditioning
necessary for denoising generative models?", make this argument and measure the gap).

Losses are per coordinate, as a network's ``mse_loss`` averages them: E‖ε − ε̂‖² / D.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from timestep_lab.encodings import NoiseSchedule

MAX_DIM, MAX_COMPONENTS, MAX_STD = 4096, 4096, 100.0
MAX_POINTS = 200_000  # x values per call
MAX_WORK = 400_000_000  # points × timesteps × components in one blind evaluation
CHUNK_WORK = 4_000_000  # float64 cells held at once (≈ 32 MB)


@dataclass(frozen=True)
class GaussianMixture:
    """An isotropic Gaussian mixture: weights π (K,), means μ (K, D), standard deviations σ (K,).

    Build one with ``gaussian_mixture``, which checks the values and normalises the weights.
    """

    weights: NDArray[np.float64]
    means: NDArray[np.float64]
    stds: NDArray[np.float64]

    @property
    def num_components(self) -> int:
        return int(self.weights.shape[0])

    @property
    def dim(self) -> int:
        return int(self.means.shape[1])

    def sample(self, num: int, seed: int) -> NDArray[np.float64]:
        """``num`` independent draws x_0 (num, D) from the mixture, seeded."""
        if isinstance(num, bool) or not isinstance(num, (int, np.integer)):
            raise ValueError(f"num={num!r} must be a whole number in 1 … {MAX_POINTS}")
        if not 1 <= num <= MAX_POINTS:
            raise ValueError(f"num={num} must be a whole number in 1 … {MAX_POINTS}")
        rng = np.random.default_rng(seed)
        which = rng.choice(self.num_components, size=num, p=self.weights)
        return self.means[which] + self.stds[which, None] * rng.standard_normal((num, self.dim))


def _frozen(a: NDArray[np.float64]) -> NDArray[np.float64]:
    a.setflags(write=False)
    return a


def gaussian_mixture(weights: ArrayLike, means: ArrayLike, stds: ArrayLike) -> GaussianMixture:
    """A checked ``GaussianMixture``.

    weights: K values ≥ 0, not all 0 (normalised to sum to 1). means: (K, D), or (K,) for
    D = 1, finite, K in 1 … 4096, D in 1 … 4096. stds: K values in [0, 100] (or one for all).
    """
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    mu = np.asarray(means, dtype=np.float64)
    if mu.ndim == 1:
        mu = mu[:, None]
    if mu.ndim != 2 or not 1 <= mu.shape[0] <= MAX_COMPONENTS or not 1 <= mu.shape[1] <= MAX_DIM:
        raise ValueError(
            f"means must be (K, D) with K in 1 … {MAX_COMPONENTS} and D in 1 … {MAX_DIM}, "
            f"got shape {mu.shape}"
        )
    K = mu.shape[0]
    s = np.broadcast_to(np.asarray(stds, dtype=np.float64).reshape(-1), (K,)).copy()
    if w.shape != (K,):
        raise ValueError(f"weights must be {K} values (one per mean), got {w.shape[0]}")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be finite, ≥ 0 and not all 0")
    if not np.all(np.isfinite(mu)):
        raise ValueError("means must be finite numbers")
    if not np.all(np.isfinite(s)) or np.any(s < 0) or np.any(s > MAX_STD):
        raise ValueError(f"stds must lie in [0, {MAX_STD:g}], got {s.tolist()[:8]}")
    return GaussianMixture(_frozen(w / w.sum()), _frozen(mu), _frozen(s))


def _points(x: ArrayLike, mixture: GaussianMixture) -> NDArray[np.float64]:
    xa = np.asarray(x, dtype=np.float64)
    if mixture.dim == 1 and xa.ndim == 1:
        xa = xa[:, None]
    if xa.ndim != 2 or xa.shape[1] != mixture.dim:
        raise ValueError(f"x must be (N, {mixture.dim}) for this mixture, got shape {xa.shape}")
    if not 1 <= xa.shape[0] <= MAX_POINTS:
        raise ValueError(f"x must hold 1 … {MAX_POINTS} points, got {xa.shape[0]}")
    if not np.all(np.isfinite(xa)):
        raise ValueError("x must be finite numbers")
    return xa


def _timesteps(k: ArrayLike, n: int, schedule: NoiseSchedule) -> NDArray[np.int64]:
    kk = schedule.check_timesteps(k)
    kk = np.broadcast_to(kk, (n,)) if kk.ndim == 0 else kk
    if kk.shape != (n,):
        raise ValueError(f"k must be one timestep or {n} timesteps, got shape {kk.shape}")
    return kk


def _log_joint(
    x: NDArray[np.float64], alpha_bar: NDArray[np.float64], mixture: GaussianMixture
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """log π_c N(x; √ᾱ μ_c, v I) for x (N, D) and ᾱ broadcast as (N, M, 1) or (N, 1, 1).

    Returns (log joint (N, M, K), v (…, K), squared distances ‖x − √ᾱ μ_c‖² (N, M, K)).
    """
    D = mixture.dim
    var = alpha_bar * mixture.stds**2 + (1.0 - alpha_bar)  # v_{k,c}
    # ‖x − √ᾱ μ‖² = ‖x‖² − 2√ᾱ x·μ + ᾱ‖μ‖², without an (N, M, K, D) array
    x_sq = (x**2).sum(1)[:, None, None]
    x_mu = (x @ mixture.means.T)[:, None, :]
    mu_sq = (mixture.means**2).sum(1)[None, None, :]
    dist_sq = np.maximum(x_sq - 2.0 * np.sqrt(alpha_bar) * x_mu + alpha_bar * mu_sq, 0.0)
    log_joint = np.log(mixture.weights) - 0.5 * D * np.log(2 * np.pi * var) - dist_sq / (2 * var)
    return log_joint, var, dist_sq


def _softmax(log_p: NDArray[np.float64], axis: int | tuple[int, ...]) -> NDArray[np.float64]:
    with np.errstate(divide="ignore"):  # log π = −inf for a weight of 0 is fine
        p = np.exp(log_p - log_p.max(axis=axis, keepdims=True))
    return p / p.sum(axis=axis, keepdims=True)


def optimal_eps(
    x: ArrayLike, k: ArrayLike, mixture: GaussianMixture, schedule: NoiseSchedule
) -> NDArray[np.float64]:
    """ε*(x, k) = E[ε | x_k = x] for data drawn from ``mixture`` (module docstring), (N, D).

    x: (N, D) points (or (N,) when D = 1), N in 1 … 200000. k: one timestep or N, in [0, T).
    """
    xa = _points(x, mixture)
    kk = _timesteps(k, xa.shape[0], schedule)
    out = np.empty_like(xa)
    step = max(1, CHUNK_WORK // max(1, mixture.num_components * mixture.dim))
    for lo in range(0, xa.shape[0], step):
        xs = xa[lo : lo + step]
        ab = schedule.alpha_bar[kk[lo : lo + step]][:, None, None]  # (n, 1, 1)
        with np.errstate(divide="ignore"):
            log_joint, var, _ = _log_joint(xs, ab, mixture)
        resp = _softmax(log_joint, axis=2)[:, 0, :]  # p(c | x_k), (n, K)
        var = var[:, 0, :]
        # Σ_c r_c √(1−ᾱ)(x − √ᾱ μ_c)/v_c, split into the x term and the μ term
        gain = np.sqrt(1.0 - ab[:, 0, 0])[:, None]
        x_coef = (resp / var).sum(1, keepdims=True)
        mu_term = ((resp / var) * np.sqrt(ab[:, 0, :])) @ mixture.means
        out[lo : lo + step] = gain * (x_coef * xs - mu_term)
    return out


def k_posterior(
    x: ArrayLike,
    mixture: GaussianMixture,
    schedule: NoiseSchedule,
    *,
    k_grid: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """p(k | x_k = x) with k uniform on ``k_grid`` (default: all of 0 … T−1), shape (N, M).

    A coarser grid (every 5th k) bounds the work when the mixture has many components; p(k | x)
    changes slowly with k, so the answer moves little (the tests measure how little).
    """
    xa = _points(x, mixture)
    grid = _grid(k_grid, schedule)
    _check_work(xa.shape[0], grid.size, mixture)
    out = np.empty((xa.shape[0], grid.size))
    for lo, hi in _chunks(xa.shape[0], grid.size, mixture):
        with np.errstate(divide="ignore"):
            log_joint, _, _ = _log_joint(
                xa[lo:hi], schedule.alpha_bar[grid][None, :, None], mixture
            )
        log_marginal = _logsumexp(log_joint, axis=2)  # log p(x | k), (n, M)
        out[lo:hi] = _softmax(log_marginal, axis=1)
    return out


def optimal_blind_eps(
    x: ArrayLike,
    mixture: GaussianMixture,
    schedule: NoiseSchedule,
    *,
    k_grid: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """ε*_∅(x) = Σ_k p(k | x) ε*(x, k), the best prediction made without k, (N, D).

    x: (N, D) points. k_grid: the timesteps k is uniform over (default all of 0 … T−1).
    """
    xa = _points(x, mixture)
    grid = _grid(k_grid, schedule)
    _check_work(xa.shape[0], grid.size, mixture)
    out = np.empty_like(xa)
    for lo, hi in _chunks(xa.shape[0], grid.size, mixture):
        xs = xa[lo:hi]
        ab = schedule.alpha_bar[grid][None, :, None]  # (1, M, 1)
        with np.errstate(divide="ignore"):
            log_joint, var, _ = _log_joint(xs, ab, mixture)
        joint = _softmax(log_joint, axis=(1, 2))  # p(k, c | x), (n, M, K)
        weight = joint / var * np.sqrt(1.0 - ab)  # p(k, c | x) √(1−ᾱ_k) / v_{k,c}
        x_coef = weight.sum((1, 2))[:, None]
        mu_term = (weight * np.sqrt(ab)).sum(1) @ mixture.means
        out[lo:hi] = x_coef * xs - mu_term
    return out


def _logsumexp(a: NDArray[np.float64], axis: int) -> NDArray[np.float64]:
    top = a.max(axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        return np.squeeze(top, axis) + np.log(np.exp(a - top).sum(axis))


def _grid(k_grid: ArrayLike | None, schedule: NoiseSchedule) -> NDArray[np.int64]:
    if k_grid is None:
        return np.arange(schedule.num_timesteps)
    grid = schedule.check_timesteps(k_grid).reshape(-1)
    if grid.size == 0:
        raise ValueError("k_grid must hold at least one timestep")
    return grid


def _check_work(n: int, m: int, mixture: GaussianMixture) -> None:
    work = n * m * mixture.num_components
    if work > MAX_WORK:
        raise ValueError(
            f"{n} points × {m} timesteps × {mixture.num_components} components = {work:,} is "
            f"more than {MAX_WORK:,}; use fewer points or a coarser k_grid"
        )


def _chunks(n: int, m: int, mixture: GaussianMixture):
    step = max(1, CHUNK_WORK // max(1, m * mixture.num_components))
    for lo in range(0, n, step):
        yield lo, min(n, lo + step)


@dataclass(frozen=True)
class Floors:
    """Per-coordinate MSE floors, by Monte Carlo: overall and per band of k.

    eps: E‖ε − ε*(x_k, k)‖²/D (no network told k does better). blind: E‖ε − ε*_∅(x_k)‖²/D (no
    network told nothing does better). band_edges: B + 1 timesteps; band b holds
    band_edges[b] ≤ k < band_edges[b + 1]. num: Monte Carlo draws; *_se: standard errors.
    """

    eps: float
    blind: float
    eps_se: float
    blind_se: float
    band_edges: NDArray[np.int64]
    eps_bands: NDArray[np.float64]
    blind_bands: NDArray[np.float64]
    num: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "eps": self.eps,
            "blind": self.blind,
            "eps_se": self.eps_se,
            "blind_se": self.blind_se,
            "band_edges": self.band_edges.tolist(),
            "eps_bands": self.eps_bands.tolist(),
            "blind_bands": self.blind_bands.tolist(),
            "num": self.num,
        }


def band_edges(num_timesteps: int, num_bands: int) -> NDArray[np.int64]:
    """B + 1 edges splitting 0 … T−1 into ``num_bands`` bands of (nearly) equal width."""
    if not 1 <= num_bands <= num_timesteps:
        raise ValueError(f"num_bands={num_bands} must lie in 1 … {num_timesteps}")
    return np.round(np.linspace(0, num_timesteps, num_bands + 1)).astype(np.int64)


def band_of(k: ArrayLike, edges: NDArray[np.int64]) -> NDArray[np.int64]:
    """Which band each timestep k falls in, 0 … B−1."""
    return np.searchsorted(edges, np.asarray(k), side="right") - 1


def band_means(values: ArrayLike, k: ArrayLike, edges: NDArray[np.int64]) -> NDArray[np.float64]:
    """Mean of ``values`` (N,) within each band of k (N,); NaN for an empty band."""
    b = band_of(k, edges)
    num_bands = edges.size - 1
    total = np.bincount(b, weights=np.asarray(values, dtype=np.float64), minlength=num_bands)
    count = np.bincount(b, minlength=num_bands)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count


def noised_draws(
    mixture: GaussianMixture, schedule: NoiseSchedule, num: int, seed: int
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """(x_k, k, ε): ``num`` draws of x_0 from the mixture, k ~ U{0 … T−1}, ε ~ N(0, I)."""
    rng = np.random.default_rng([seed, 1])  # a stream of its own, apart from x_0's
    x0 = mixture.sample(num, seed)
    k = rng.integers(0, schedule.num_timesteps, num)
    noise = rng.standard_normal(x0.shape)
    return schedule.q_sample(x0, k, noise), k, noise


def mse_floors(
    mixture: GaussianMixture,
    schedule: NoiseSchedule,
    *,
    num: int = 20_000,
    seed: int = 0,
    num_bands: int = 10,
    k_grid: ArrayLike | None = None,
) -> Floors:
    """The least per-coordinate MSE reachable with k and without it, by Monte Carlo (seeded).

    num: draws in 1 … 200000. num_bands: bands of k in 1 … T. k_grid: as in
    ``optimal_blind_eps``.
    """
    xk, k, noise = noised_draws(mixture, schedule, num, seed)
    err = ((noise - optimal_eps(xk, k, mixture, schedule)) ** 2).mean(1)
    err_blind = ((noise - optimal_blind_eps(xk, mixture, schedule, k_grid=k_grid)) ** 2).mean(1)
    edges = band_edges(schedule.num_timesteps, num_bands)
    return Floors(
        eps=float(err.mean()),
        blind=float(err_blind.mean()),
        eps_se=float(err.std(ddof=1) / np.sqrt(num)) if num > 1 else float("nan"),
        blind_se=float(err_blind.std(ddof=1) / np.sqrt(num)) if num > 1 else float("nan"),
        band_edges=edges,
        eps_bands=band_means(err, k, edges),
        blind_bands=band_means(err_blind, k, edges),
        num=num,
    )


def gaussian_eps_floor(std: float, schedule: NoiseSchedule) -> NDArray[np.float64]:
    """Exact per-coordinate floor E‖ε − ε*‖²/D at every k for one Gaussian, N(μ, σ² I), (T,).

    Var(ε | x_k) = 1 − (1−ᾱ_k)/v_k = ᾱ_k σ² / v_k (Gaussian conditioning), the same in every
    coordinate and for every x.
    """
    if not 0.0 <= std <= MAX_STD:
        raise ValueError(f"std={std!r} must lie in [0, {MAX_STD:g}]")
    ab = schedule.alpha_bar
    return ab * std**2 / (ab * std**2 + 1.0 - ab)


def k_posterior_width(
    dims: ArrayLike,
    k_true: int,
    schedule: NoiseSchedule,
    *,
    std: float = 0.5,
    num: int = 200,
    seed: int = 0,
) -> NDArray[np.float64]:
    """How precisely x_k alone tells k for data N(0, σ² I_D): the mean std of p(k | x_k).

    For each D, x_k is drawn at the true step ``k_true``; the posterior std over k (uniform
    prior on 0 … T−1) is averaged over ``num`` draws. x_k | k ~ N(0, v_k I) with
    v_k = ᾱ_k σ² + 1 − ᾱ_k, so ‖x_k‖² = v_{k_true} χ²_D is a sufficient statistic and is drawn
    directly (no D-dimensional arrays). A width near T/√12 ≈ 0.29 T means x_k says nothing
    about k (at σ = 1, v_k = 1 for every k); a width of a few steps means k is readable.

    dims: D values in 1 … 4096. k_true: in [0, T). std: σ in [0, 100]. num: 1 … 10000.
    """
    d = np.asarray(dims)
    if d.ndim != 1 or d.size == 0 or d.dtype.kind not in "iu" or np.any((d < 1) | (d > MAX_DIM)):
        raise ValueError(f"dims must be whole numbers in 1 … {MAX_DIM}")
    k0 = int(schedule.check_timesteps(k_true))
    if not 0.0 <= std <= MAX_STD:
        raise ValueError(f"std={std!r} must lie in [0, {MAX_STD:g}]")
    if not 1 <= num <= 10_000:
        raise ValueError(f"num={num!r} must lie in 1 … 10000")
    ab = schedule.alpha_bar
    var = ab * std**2 + 1.0 - ab  # v_k, (T,)
    k = np.arange(schedule.num_timesteps, dtype=np.float64)
    rng = np.random.default_rng(seed)
    widths = np.empty(d.size)
    for i, D in enumerate(d.tolist()):
        sq_norm = var[k0] * rng.chisquare(D, num)  # ‖x_k‖², (num,)
        log_lik = -0.5 * D * np.log(var)[None, :] - sq_norm[:, None] / (2.0 * var[None, :])
        post = _softmax(log_lik, axis=1)
        mean = post @ k
        widths[i] = float(np.sqrt(np.maximum(post @ k**2 - mean**2, 0.0)).mean())
    return widths
