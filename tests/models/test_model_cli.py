"""The sampling command line: bad arguments give one line and exit code 2; good ones write .npz."""

import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import timestep_lab.models as models_pkg

ROOT = Path(__file__).resolve().parents[2]


def _import_cli():
    # ``timestep_lab.models.sample`` is both the function (package export) and this CLI module;
    # importing the module rebinds the package attribute, so put the function back for others.
    function = models_pkg.sample
    module = importlib.import_module("timestep_lab.models.sample")
    models_pkg.sample = function
    return module


sample_cli = _import_cli()

BAD = [
    ["--model", "digitz", "--out", "x.npz"],
    ["--model", "digits", "--label", "12", "--out", "x.npz"],
    ["--model", "digits", "--label", "three", "--out", "x.npz"],
    ["--model", "digits", "--num", "0", "--out", "x.npz"],
    ["--model", "digits", "--steps", "0", "--out", "x.npz"],
    ["--model", "digits", "--steps", "1001", "--out", "x.npz"],
    ["--model", "digits", "--eta", "2", "--out", "x.npz"],
    ["--model", "digits", "--guidance", "-1", "--out", "x.npz"],
    ["--model", "digits", "--sampler", "euler", "--out", "x.npz"],
    ["--model", "digits", "--dataset", "moons", "--out", "x.npz"],
    ["--model", "toy2d", "--label", "3", "--out", "x.npz"],
    ["--model", "toy2d", "--dataset", "spiral", "--out", "x.npz"],
    ["--model", "digits", "--out", "x.png"],
    ["--model", "digits"],
]


@pytest.mark.parametrize("argv", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_arguments_exit_2_with_one_line(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        sample_cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert not (tmp_path / "x.npz").exists()


def test_digits_cli_writes_images_in_unit_range(tmp_path):
    out = tmp_path / "samples.npz"
    cmd = [sys.executable, "-m", "timestep_lab.models.sample", "--model", "digits"]
    cmd += ["--label", "3", "--num", "6", "--sampler", "ddim", "--steps", "10"]
    cmd += ["--guidance", "2", "--seed", "0", "--out", str(out)]
    subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
    with np.load(out) as f:
        images, labels = f["images"], f["labels"]
    assert images.shape == (6, 8, 8) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0 and images.std() > 0.1
    np.testing.assert_array_equal(labels, np.full(6, 3))


def test_toy2d_cli_writes_points(tmp_path):
    out = tmp_path / "moons.npz"
    argv = ["--model", "toy2d", "--dataset", "moons", "--num", "32", "--steps", "10"]
    assert sample_cli.main([*argv, "--out", str(out)]) == 0
    with np.load(out) as f:
        assert f["points"].shape == (32, 2)
        assert str(f["dataset"]) == "moons"


def test_unconditional_digits_are_labelled_minus_one(tmp_path):
    out = tmp_path / "u.npz"
    argv = ["--model", "digits-none", "--label", "none", "--num", "4", "--steps", "5"]
    assert sample_cli.main([*argv, "--out", str(out)]) == 0
    with np.load(out) as f:
        np.testing.assert_array_equal(f["labels"], -np.ones(4))
