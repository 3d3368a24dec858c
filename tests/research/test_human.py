"""The TVSum "Human" row of Table 1 from the real annotations (read in place, never copied)."""

from pathlib import Path

import pytest

from trim_desktop.research.h5data import read_tvsum_annotations
from trim_desktop.research.metrics import human_agreement_tvsum

ANNO = Path("/work/shared/data/tvsum/ydata-anno.tsv.gz")


@pytest.mark.skipif(not ANNO.is_file(), reason=f"TVSum annotations not on this machine ({ANNO})")
def test_tvsum_human_row_all_50_videos():
    # all 50 videos, 190 annotator pairs each: about 3 s (mostly parsing the 14 MB file)
    annos = read_tvsum_annotations(ANNO)
    assert len(annos) == 50 and all(a[2].shape[0] == 20 for a in annos)
    tau, rho = human_agreement_tvsum([a[2] for a in annos])
    assert tau == pytest.approx(0.177, abs=0.005)
    assert rho == pytest.approx(0.204, abs=0.005)
