import json

import pytest

from trim_desktop.research import splits as sp


@pytest.mark.parametrize("dataset,n", [("tvsum", 50), ("summe", 25)])
def test_shipped_splits_cover_every_video_once(dataset, n):
    s = sp.load_splits(dataset, sp.dataset_keys(dataset))
    assert len(s) == 5
    tests = [k for f in s for k in f["test_keys"]]
    assert sorted(tests) == sorted(f"video_{i}" for i in range(1, n + 1))
    for f in s:
        assert not set(f["train_keys"]) & set(f["test_keys"])
        assert len(f["train_keys"]) + len(f["test_keys"]) == n
        assert len(f["test_keys"]) == n // 5


@pytest.mark.parametrize("dataset", ["tvsum", "summe"])
def test_shipped_files_match_the_seeded_generator(dataset):
    doc = json.loads((sp.SPLIT_DIR / f"{dataset}.json").read_text())
    assert doc == sp.splits_document(dataset)


def test_generation_is_deterministic_and_seed_dependent():
    keys = sp.dataset_keys("tvsum")
    assert sp.generate_splits(keys) == sp.generate_splits(keys)
    assert sp.generate_splits(keys, seed=1) != sp.generate_splits(keys)


def test_bad_splits_are_refused(tmp_path):
    s = sp.generate_splits([f"video_{i}" for i in range(1, 11)])
    s[1]["test_keys"].append(s[0]["test_keys"][0])
    (tmp_path / "s.json").write_text(json.dumps(s))
    with pytest.raises(sp.DatasetError, match="more than one test fold"):
        sp.load_splits(tmp_path / "s.json")
    with pytest.raises(sp.DatasetError, match="do not match"):
        sp.load_splits("summe", sp.dataset_keys("tvsum"))
