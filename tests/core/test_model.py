"""TrimScorer: the paper's layer sizes, both input layouts, kernel-3 temporal context."""

import pytest
import torch

from trim_desktop.core.model import TrimScorer


@pytest.mark.parametrize("D", [2048, 1280])
def test_shapes_and_range(D):
    torch.manual_seed(0)
    m = TrimScorer(D)
    x = torch.randn(7, D)
    p = m(x)
    assert p.shape == (7,)
    assert ((p > 0) & (p < 1)).all()
    pb = m(torch.stack([x, x * 0.5, x * 0]))
    assert pb.shape == (3, 7)
    # the batched path gives the same answer as the single-video path
    assert torch.allclose(pb[0], p, atol=1e-6)


def test_layer_sizes_follow_the_paper():
    m = TrimScorer(2048)
    assert m.conv.weight.shape == (1024, 2048, 3) and m.conv.padding == (1,)
    assert m.fc1.weight.shape == (512, 1024)
    assert m.fc2.weight.shape == (256, 512)
    assert m.fc3.weight.shape == (1, 256)


def test_single_sample_and_bad_shapes():
    m = TrimScorer(16)
    assert m(torch.randn(1, 16)).shape == (1,)
    with pytest.raises(ValueError):
        m(torch.randn(5, 15))
    with pytest.raises(ValueError):
        m(torch.randn(16))


def test_receptive_field_is_three_samples():
    """Changing sample 5 can only change scores 4, 5, 6 (one conv of kernel 3)."""
    torch.manual_seed(0)
    m = TrimScorer(8)
    x = torch.randn(10, 8)
    y = x.clone()
    y[5] += 3.0
    with torch.no_grad():
        d = (m(x) - m(y)).abs()
    assert (d[[4, 5, 6]] > 0).all()
    assert (d[[0, 1, 2, 3, 7, 8, 9]] == 0).all()


def test_bf16_runs_the_trunk_in_bfloat16_and_scores_in_float32():
    """bf16=True (long videos, CPUs with native bf16: train.train_precision): the
    convolution and both hidden layers compute in bfloat16; the last layer, the scores
    and every weight stay float32. bf16=False: float32 throughout."""
    for bf16, hidden in ((True, torch.bfloat16), (False, torch.float32)):
        m = TrimScorer(16, bf16=bf16)
        seen = {}
        for name in ("conv", "fc1", "fc2", "fc3"):
            getattr(m, name).register_forward_hook(
                lambda mod, inp, out, name=name, seen=seen: seen.__setitem__(name, out.dtype)
            )
        p = m(torch.rand(30, 16))
        assert seen == {"conv": hidden, "fc1": hidden, "fc2": hidden, "fc3": torch.float32}
        assert p.dtype == torch.float32 and p.shape == (30,)
        assert all(w.dtype == torch.float32 for w in m.parameters())
