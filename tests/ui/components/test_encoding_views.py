"""The browser's P(k, j) (encoding_views.js) equals the library's timestep_embedding.

Both are float64; the browser must agree to 1e-12 for every layout, odd d included, on a sweep
of d, n and k. The view's data are a few numbers, checked here too.
"""

import numpy as np
import pytest

from tests.ui.components.conftest import module_url
from timestep_lab.encodings import CONVENTIONS, MIN_DIM, column_roles, frequencies
from timestep_lab.encodings import timestep_embedding as library_embedding
from timestep_lab.ui.components.encoding_views import encoding_data

DIMS = [1, 2, 3, 4, 5, 7, 8, 16, 33, 64, 127, 128, 1024]
BASES = [2.0, 10.0, 10_000.0, 1_000_000.0]
TIMESTEPS = [0, 1, 2, 17, 250, 999, 2047, 3999]

BROWSER_EMBEDDING = """async ([url, cases]) => {
    const m = await import(url);
    return cases.map(([ks, d, n, convention]) => ({
        P: Array.from(m.timestepEmbedding(ks, d, {n, convention})),
        freqs: Array.from(m.frequencies(d, {n, convention})),
        kind: m.columnRoles(d, convention).kind,
        index: Array.from(m.columnRoles(d, convention).index),
    }));
}"""


@pytest.mark.browser
@pytest.mark.parametrize("convention", CONVENTIONS)
def test_browser_embedding_equals_the_library(js_page, convention):
    cases = [(TIMESTEPS, d, n, convention) for d in DIMS if d >= MIN_DIM[convention] for n in BASES]
    results = js_page.evaluate(BROWSER_EMBEDDING, [module_url("encoding_views.js"), cases])
    worst = 0.0
    for (ks, d, n, _), got in zip(cases, results, strict=True):
        expected = library_embedding(ks, d, base=n, convention=convention)
        browser = np.array(got["P"]).reshape(len(ks), d)
        worst = max(worst, float(np.abs(browser - expected).max()))
        np.testing.assert_allclose(
            got["freqs"], frequencies(d, base=n, convention=convention), rtol=1e-15, atol=0
        )
        index, kind = column_roles(d, convention=convention)
        assert got["kind"] == kind.tolist() and got["index"] == index.tolist()
    assert worst <= 1e-12, worst


@pytest.mark.browser
def test_browser_refuses_what_the_library_refuses(js_page):
    errors = js_page.evaluate(
        """async (url) => {
            const m = await import(url);
            const attempt = (f) => { try { f(); return null; } catch (e) { return e.message; } };
            return [
                attempt(() => m.frequencies(3, {convention: "ddpm"})),
                attempt(() => m.frequencies(8, {n: 1})),
                attempt(() => m.frequencies(8, {convention: "other"})),
            ];
        }""",
        module_url("encoding_views.js"),
    )
    assert errors[0] == "d=3 must be a whole number ≥ 4"
    assert errors[1] == "n=1 must be a finite number > 1"
    assert errors[2] == "convention=other is not known"


def test_view_data_are_the_setting_only():
    data = encoding_data("heatmap", k=5, num_timesteps=1000, dim=1024, base=10_000.0, layout="ldm")
    assert data["view"] == "heatmap" and data["k"] == 5 and data["d"] == 1024
    assert len(str(data)) < 200  # the browser computes the 1,024,000 cells itself
    with pytest.raises(ValueError, match="k=1000 must be in 0 … 999"):
        encoding_data("vector", k=1000, num_timesteps=1000, dim=8, base=10.0, layout="ddpm")
    with pytest.raises(ValueError, match="view='table' is not one of"):
        encoding_data("table", k=0, num_timesteps=10, dim=8, base=10.0, layout="ddpm")
