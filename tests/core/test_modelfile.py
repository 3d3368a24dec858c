import numpy as np
import pytest
import torch

from trim_desktop.core.modelfile import ModelFileError, build_scorer, load_model, save_model
from trim_desktop.core.train import PRESETS, score_with_model, train_on_collection


@pytest.fixture
def one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def test_train_save_load_gives_same_scores(tmp_path, one_thread):
    rng = np.random.default_rng(0)
    vids = [
        np.abs(rng.normal(size=(int(rng.integers(12, 20)), 16))).astype(np.float32)
        for _ in range(3)
    ]
    settings = PRESETS["short"].replace(lr=1e-4, seed=3)
    state = train_on_collection(vids, settings, 1, 2)
    save_model(tmp_path / "m.pt", state, 16, "unknown", "crop", settings, {"videos": 3})
    m = load_model(tmp_path / "m.pt", expect_dim=16)
    assert m.settings["lr"] == 1e-4 and m.extra["videos"] == 3
    for v in vids:
        np.testing.assert_array_equal(
            score_with_model(v, state, "cpu"), score_with_model(v, m.state_dict, "cpu")
        )
    with torch.no_grad():
        out = build_scorer(m)(torch.from_numpy(vids[0])).numpy()
    np.testing.assert_allclose(out, score_with_model(vids[0], state, "cpu"), rtol=1e-6)


def test_wrong_files_give_clear_errors(tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "none.pt")
    (tmp_path / "junk.pt").write_bytes(b"hello")
    with pytest.raises(ModelFileError, match="not a TRIM Desktop model"):
        load_model(tmp_path / "junk.pt")
    torch.save({"weights": 1}, tmp_path / "other.pt")
    with pytest.raises(ModelFileError, match="not a TRIM Desktop model"):
        load_model(tmp_path / "other.pt")


def test_feature_mismatch_is_refused(tmp_path):
    from trim_desktop.core.model import TrimScorer

    save_model(tmp_path / "r.pt", TrimScorer(2048).state_dict(), 2048, "resnet50", "crop")
    with pytest.raises(ModelFileError, match=r"2048-d.*1280-d.*--backbone resnet50"):
        load_model(tmp_path / "r.pt", expect_dim=1280, expect_backbone="efficientnet-lite0")
    with pytest.raises(ModelFileError, match="resnet50 features, not"):
        load_model(tmp_path / "r.pt", expect_dim=2048, expect_backbone="other")
    assert load_model(tmp_path / "r.pt", expect_dim=2048, expect_backbone="resnet50").in_dim == 2048
