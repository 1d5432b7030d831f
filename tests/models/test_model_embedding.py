"""Time and class embeddings, and the shapes and descriptions of the two denoisers."""

import numpy as np
import pytest
import torch

from timestep_lab.encodings import timestep_embedding
from timestep_lab.models.embedding import TIME_MODES, TimeEmbedding, timestep_encoding
from timestep_lab.models.mlp2d import MLP2D
from timestep_lab.models.unet import UNet

K = np.array([0, 1, 250, 999, 12.5])


def test_sinusoidal_rows_are_the_library_rows_in_float32():
    got = timestep_encoding(K, 64, mode="sinusoidal").numpy()
    want = timestep_embedding(K, 64, convention="transformer").astype(np.float32)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)


def test_ablation_encodings():
    np.testing.assert_allclose(timestep_encoding(K, 8, mode="scalar").numpy()[:, 3], K / 1000)
    np.testing.assert_allclose(timestep_encoding(K, 8, mode="raw").numpy()[:, 0], K)
    assert not timestep_encoding(K, 8, mode="none").numpy().any()


def test_bad_mode_is_a_value_error():
    with pytest.raises(ValueError, match="sinusoidal"):
        timestep_encoding(K, 8, mode="learned")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sinusoidal"):
        TimeEmbedding(8, 16, mode="learned")  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", TIME_MODES)
def test_unet_shapes_and_encoding_override(mode):
    torch.manual_seed(0)
    model = UNet(channels=(16, 32), time_mode=mode).eval()
    x, k, c = torch.randn(3, 1, 8, 8), torch.tensor([0, 500, 999]), torch.tensor([1, 2, 10])
    with torch.inference_mode():
        out = model(x, k, c)
        same = model(x, k, c, encoding=model.time_embed.encode(k))
    assert out.shape == x.shape
    torch.testing.assert_close(out, same)


def test_a_different_told_timestep_changes_the_sinusoidal_unet_output():
    torch.manual_seed(0)
    model = UNet(channels=(16, 32)).eval()
    for p in model.conv_out.parameters():  # the zero init would hide every difference
        torch.nn.init.normal_(p)
    x, c = torch.randn(2, 1, 8, 8), torch.tensor([1, 2])
    with torch.inference_mode():
        a = model(x, torch.tensor([10, 10]), c)
        b = model(x, torch.tensor([900, 900]), c)
    assert (a - b).abs().max() > 1e-3


def test_describe_reports_sizes():
    d = UNet(channels=(48, 96, 96)).describe()
    assert d["resolutions"] == [8, 4, 2]
    assert 1_000_000 <= d["params"] <= 2_000_000
    assert d["params_time_embedding"] == 64 * 128 + 128 + 128 * 128 + 128
    m = MLP2D().describe()
    assert m["kind"] == "mlp2d" and m["residual_blocks"] == 4


def test_mlp2d_shapes():
    model = MLP2D(width=32, depth=2).eval()
    with torch.inference_mode():
        out = model(torch.randn(5, 2), torch.arange(5) * 100, torch.tensor([0, 1, 2, 3, 0]))
    assert out.shape == (5, 2)
