import h5py
import numpy as np
import pytest

from tests.research.synth import hand_video, make_collection
from trim_desktop.research.h5data import (
    DatasetError,
    attach_tvsum_annotations,
    list_keys,
    read_h5,
    write_h5,
)


def test_roundtrip(tmp_path):
    v = hand_video("video_1")
    v.video_name = "Cooking"
    write_h5(tmp_path / "a.h5", [v, hand_video("video_10"), hand_video("video_2")])
    assert list_keys(tmp_path / "a.h5") == ["video_1", "video_2", "video_10"]
    r = read_h5(tmp_path / "a.h5")["video_1"]
    assert r.n_frames == 30 and r.n_steps == 6 and r.video_name == "Cooking"
    np.testing.assert_array_equal(r.change_points, v.change_points)
    np.testing.assert_array_equal(r.user_summary, v.user_summary)
    np.testing.assert_array_equal(r.n_frame_per_seg, [4, 6, 4, 6, 10])
    with h5py.File(tmp_path / "a.h5") as f:  # the field's names, as DSNet / CSTA read them
        assert {
            "features",
            "gtscore",
            "user_summary",
            "change_points",
            "n_frame_per_seg",
            "n_frames",
            "picks",
            "n_steps",
            "gtsummary",
            "video_name",
        } <= set(f["video_1"])


def test_errors(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        read_h5(tmp_path / "none.h5")
    (tmp_path / "x.h5").write_text("not h5")
    with pytest.raises(DatasetError, match="not a readable h5"):
        read_h5(tmp_path / "x.h5")
    with h5py.File(tmp_path / "bad.h5", "w") as f:
        f.create_group("video_1").create_dataset("features", data=np.zeros((3, 4)))
    with pytest.raises(DatasetError, match="lacks"):
        read_h5(tmp_path / "bad.h5")


def test_attach_annotations_by_file_order(tmp_path):
    make_collection(tmp_path / "c.h5", n_videos=2, with_user_scores=False)
    recs = read_h5(tmp_path / "c.h5")
    lines = []
    for i, r in enumerate(recs.values()):
        for u in range(3):
            lines.append(
                f"vid{i}\tVT\t" + ",".join(str((u + f) % 5 + 1) for f in range(r.n_frames))
            )
    (tmp_path / "anno.tsv").write_text("\n".join(lines) + "\n")
    assert attach_tvsum_annotations(recs, tmp_path / "anno.tsv") == 2
    assert recs["video_2"].user_scores.shape == (3, recs["video_2"].n_frames)
