"""Our Adam must take the same steps as torch.optim.Adam (it replaces it for start-up time)."""

import subprocess
import sys

import pytest
import torch

from trim_desktop.core.adam import Adam


def _model(seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 1))


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("weight_decay", [0.0, 1e-2])
def test_matches_torch_adam_over_many_steps_with_lr_changes(weight_decay, fused):
    ours, ref = _model(0), _model(0)
    opt = Adam(ours.parameters(), lr=1e-2, weight_decay=weight_decay)
    if not fused:
        opt._fused = False  # the plain loop (torch builds without the fused kernel)
    ref_opt = torch.optim.Adam(ref.parameters(), lr=1e-2, weight_decay=weight_decay)
    x = torch.randn(32, 6, generator=torch.Generator().manual_seed(1))
    for step in range(25):
        lr = 1e-2 * (0.5 if step >= 10 else 1.0)
        opt.param_groups[0]["lr"] = lr
        for g in ref_opt.param_groups:
            g["lr"] = lr
        for model, o in ((ours, opt), (ref, ref_opt)):
            o.zero_grad(set_to_none=True)
            (model(x) ** 2).mean().backward()
            o.step()
    assert opt._fused is fused
    for a, b in zip(ours.parameters(), ref.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    assert not torch.equal(next(ours.parameters()), next(_model(0).parameters()))  # it moved


def test_parameters_without_gradient_are_left_alone():
    a = torch.nn.Parameter(torch.ones(3))
    b = torch.nn.Parameter(torch.ones(3))
    opt = Adam([a, b], lr=0.1)
    (a * 2).sum().backward()
    opt.step()
    assert torch.all(a < 1) and torch.equal(b.detach(), torch.ones(3))
    opt.zero_grad()
    assert a.grad is None


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        Adam([], lr=0.1)
    with pytest.raises(ValueError):
        Adam([torch.nn.Parameter(torch.ones(1))], lr=0.0)


def test_training_does_not_import_torch_dynamo():
    """torch.optim would import torch._dynamo (~1.5 s) on first use; summarize must not."""
    code = (
        "import sys, numpy as np\n"
        "from trim_desktop.core import train\n"
        "X = np.random.default_rng(0).random((40, 16), dtype=np.float32)\n"
        "train.train_on_video(X, train.TrainSettings(steps1=2, steps2=2))\n"
        "print('torch._dynamo' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"
