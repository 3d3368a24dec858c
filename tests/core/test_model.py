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
