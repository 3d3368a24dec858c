"""trim-eval, trim-train and trim-extract-dataset end to end on tiny synthetic data."""

import json

import av
import h5py
import numpy as np
import pytest
import torch

from tests.media import make_video
from tests.research.synth import make_collection, random_video
from trim_desktop.cli import evaluate as eval_cli
from trim_desktop.cli import extract_dataset as extract_cli
from trim_desktop.cli import train as train_cli
from trim_desktop.core.modelfile import load_model
from trim_desktop.research.h5data import read_h5, write_h5


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny networks run fastest on one thread (and do not fight other test processes)."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    return make_collection(tmp_path_factory.mktemp("h5") / "syn.h5", n_videos=5)


@pytest.mark.parametrize("dataset", ["summe", "tvsum"])
def test_trim_eval_prints_the_table(collection, dataset, tmp_path, capsys):
    rc = eval_cli.main(
        [
            str(collection),
            "--dataset",
            dataset,
            "--runs",
            "1",
            "--epochs1",
            "1",
            "--epochs2",
            "1",
            "--device",
            "cpu",
            "--json",
            str(tmp_path / "r.json"),
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    paper = {"summe": ("0.127", "0.140", "43.67"), "tvsum": ("0.181", "0.228", "59.61")}[dataset]
    for label, fig in zip(("Kendall tau", "Spearman rho", "F1 (%)"), paper):
        line = next(ln for ln in out.splitlines() if ln.startswith(label))
        assert fig in line and "±" in line
    res = json.loads((tmp_path / "r.json").read_text())
    tested = sorted(v["key"] for f in res["folds"] for v in f["videos"])
    assert tested == sorted(f"video_{i}" for i in range(1, 6))  # every video tested once


def test_trim_eval_errors(collection, tmp_path, capsys):
    assert eval_cli.main([str(tmp_path / "none.h5")]) == 3
    make_collection(tmp_path / "noscores.h5", n_videos=5, with_user_scores=False)
    assert eval_cli.main([str(tmp_path / "noscores.h5"), "--dataset", "tvsum", "--runs", "1"]) == 3
    assert "--annotations" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        eval_cli.main([str(collection), "--runs", "0"])
    assert exc.value.code == 2


def test_trim_train_from_h5_fold(collection, tmp_path):
    from trim_desktop.research.splits import generate_splits

    (tmp_path / "s.json").write_text(
        json.dumps(generate_splits([f"video_{i}" for i in range(1, 6)]))
    )
    out = tmp_path / "m.pt"
    args = [
        str(collection),
        "-o",
        str(out),
        "--splits",
        str(tmp_path / "s.json"),
        "--fold",
        "2",
        "--epochs1",
        "1",
        "--epochs2",
        "1",
        "--device",
        "cpu",
        "-q",
    ]
    assert train_cli.main(args) == 0
    m = load_model(out, expect_dim=16)
    assert m.backbone == "unknown" and m.extra["fold"] == 2 and m.extra["videos"] == 4
    assert train_cli.main(args) == 4  # exists, no --force
    assert train_cli.main(args + ["--force", "--backbone", "resnet50"]) == 3  # 16-d is not resnet50


def test_trim_train_from_videos(tmp_path):
    vids = tmp_path / "videos"
    vids.mkdir()
    for i in range(2):
        make_video(
            vids / f"v{i}.mp4", duration=3.0, fps=10, size=(96, 64), audio=False, scene_s=1.0
        )
    (vids / "broken.mp4").write_bytes(b"not a video")
    out = tmp_path / "m.pt"
    rc = train_cli.main(
        [
            str(vids),
            "-o",
            str(out),
            "--backbone",
            "efficientnet-lite0",
            "--no-cache",
            "--epochs1",
            "1",
            "--epochs2",
            "1",
            "--device",
            "cpu",
            "-q",
        ]
    )
    assert rc == 0
    m = load_model(out, expect_dim=1280, expect_backbone="efficientnet-lite0")
    assert m.extra["videos"] == 2 and m.preprocess == "crop"


def _decode_all(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def test_extract_dataset_at_exact_picks(tmp_path):
    vdir = tmp_path / "videos"
    vdir.mkdir()
    make_video(vdir / "My Clip.mp4", duration=2.0, fps=30, size=(96, 64), audio=False, scene_s=0.5)
    rec = random_video("video_1", np.random.default_rng(0), dim=8)
    rec.n_frames, rec.picks, rec.video_name = 60, np.array([0, 15, 30, 45]), "My_Clip"
    rec.features = np.zeros((4, 8), np.float32)
    rec.gtscore = np.ones(4, np.float32)
    rec.change_points = np.array([[0, 29], [30, 59]])
    rec.user_summary, rec.user_scores = np.zeros((3, 60), np.uint8), None
    rec.user_summary[:, 5:12] = 1
    write_h5(tmp_path / "template.h5", [rec])

    # the frames kept are exactly those at the picks' decode indices
    frames = list(extract_cli.frames_at(vdir / "My Clip.mp4", rec.picks, None))
    assert [i for i, _ in frames] == [0, 15, 30, 45]
    every = _decode_all(vdir / "My Clip.mp4")
    for i, img in frames:
        np.testing.assert_array_equal(img, every[i])

    out = tmp_path / "out.h5"
    rc = extract_cli.main(
        [
            str(vdir),
            "--dataset",
            "summe",
            "--template",
            str(tmp_path / "template.h5"),
            "-o",
            str(out),
            "--backbone",
            "efficientnet-lite0",
            "--device",
            "cpu",
            "-q",
        ]
    )
    assert rc == 0
    got = read_h5(out)["video_1"]
    assert got.features.shape == (4, 1280) and np.abs(got.features).sum() > 0
    assert not np.allclose(got.features[0], got.features[1])  # different scenes
    np.testing.assert_array_equal(got.user_summary, rec.user_summary)
    np.testing.assert_array_equal(got.change_points, rec.change_points)
    with h5py.File(out) as f:
        assert "efficientnet-lite0" in f.attrs["features"]


def test_extract_dataset_reports_missing_videos(tmp_path, capsys):
    (tmp_path / "videos").mkdir()
    write_h5(tmp_path / "t.h5", [random_video("video_1", np.random.default_rng(0))])
    rc = extract_cli.main(
        [
            str(tmp_path / "videos"),
            "--dataset",
            "tvsum",
            "--template",
            str(tmp_path / "t.h5"),
            "-o",
            str(tmp_path / "o.h5"),
        ]
    )
    assert rc == 3 and "AwmHb44_ouw" in capsys.readouterr().err
