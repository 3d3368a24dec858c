"""Disjoint 5-fold splits, fixed and shipped with the project so every run tests the same videos.

Each video is in exactly one test fold; the other folds form its training set. The shipped
files ``splits/tvsum.json`` and ``splits/summe.json`` come from :func:`generate_splits`
with ``SEED``; regenerate them with ``python -m trim_desktop.research.splits --write``
(a test checks that they still match).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path
from typing import Optional, Sequence

from trim_desktop.core.errors import TrimError
from trim_desktop.research.h5data import DatasetError, natural_key

SEED = 20250101
N_FOLDS = 5
DATASETS = {"tvsum": 50, "summe": 25}
SPLIT_DIR = Path(__file__).with_name("splits")


def dataset_keys(dataset: str) -> list[str]:
    """The h5 group names of a benchmark: ``video_1`` .. ``video_N``."""
    return [f"video_{i}" for i in range(1, DATASETS[dataset] + 1)]


def generate_splits(keys: Sequence[str], n_folds: int = N_FOLDS, seed: int = SEED) -> list[dict]:
    """Shuffle with a seeded ``random.Random`` (stable across Python versions), deal into folds.

    Fold sizes differ by at most one; keys are listed in natural order inside each fold.
    """
    keys = sorted(set(keys), key=natural_key)
    if len(keys) < n_folds:
        raise ValueError(f"{len(keys)} videos cannot make {n_folds} folds")
    order = list(keys)
    random.Random(seed).shuffle(order)
    folds = [sorted(order[i::n_folds], key=natural_key) for i in range(n_folds)]
    return [
        {"train_keys": [k for k in keys if k not in set(test)], "test_keys": test} for test in folds
    ]


def check_splits(splits: list[dict], keys: Optional[Sequence[str]] = None) -> None:
    """Raise :class:`DatasetError` unless test folds are disjoint, cover every video once,
    and each fold's train set is exactly the other videos (or ``keys``' videos, if given)."""
    tests = [k for s in splits for k in s["test_keys"]]
    everyone = set(tests)
    if len(tests) != len(everyone):
        raise DatasetError("splits: a video is in more than one test fold")
    if keys is not None and set(keys) != everyone:
        missing = sorted(set(keys) - everyone, key=natural_key)
        extra = sorted(everyone - set(keys), key=natural_key)
        raise DatasetError(
            f"splits do not match the dataset (missing {missing[:5]}, unknown {extra[:5]})"
        )
    for i, s in enumerate(splits):
        if set(s["train_keys"]) & set(s["test_keys"]):
            raise DatasetError(f"splits: fold {i + 1} trains on a test video")
        if set(s["train_keys"]) | set(s["test_keys"]) != everyone:
            raise DatasetError(f"splits: fold {i + 1} train set is not the other folds' videos")


def load_splits(source: str | Path, keys: Optional[Sequence[str]] = None) -> list[dict]:
    """Load ``tvsum`` / ``summe`` (shipped) or a JSON file path, and validate it."""
    path = SPLIT_DIR / f"{source}.json" if str(source) in DATASETS else Path(source)
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise DatasetError(f"cannot read splits {path}: {exc}") from None
    splits = data["splits"] if isinstance(data, dict) else data
    if not isinstance(splits, list) or not all(
        isinstance(s, dict) and "train_keys" in s and "test_keys" in s for s in splits
    ):
        raise DatasetError(f"{path}: expected a list of {{train_keys, test_keys}}")
    check_splits(splits, keys)
    return splits


def splits_document(dataset: str) -> dict:
    """What the shipped file for ``dataset`` contains."""
    return {
        "dataset": dataset,
        "seed": SEED,
        "n_folds": N_FOLDS,
        "generator": "trim_desktop.research.splits.generate_splits",
        "splits": generate_splits(dataset_keys(dataset), N_FOLDS, SEED),
    }


def _compact_json(doc: dict) -> str:
    """Indented JSON with each key list on one line, so a fold reads at a glance."""
    text = json.dumps(doc, indent=1)
    return (
        re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
        + "\n"
    )


def write_shipped() -> list[Path]:
    """Regenerate the shipped split files."""
    SPLIT_DIR.mkdir(exist_ok=True)
    out = []
    for dataset in DATASETS:
        path = SPLIT_DIR / f"{dataset}.json"
        path.write_text(_compact_json(splits_document(dataset)))
        out.append(path)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate or check the shipped 5-fold splits.")
    parser.add_argument("--write", action="store_true", help="rewrite splits/*.json")
    args = parser.parse_args(argv)
    if args.write:
        for p in write_shipped():
            print(p)
        return 0
    for dataset in DATASETS:
        ok = load_splits(dataset, dataset_keys(dataset)) == splits_document(dataset)["splits"]
        print(f"{dataset}: {'matches the generator' if ok else 'DIFFERS from the generator'}")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except TrimError as err:
        print(err)
        raise SystemExit(err.exit_code) from None
