"""Adam in a few tensor operations, without ``torch.optim``.

Why: the first ``torch.optim`` optimizer a process builds imports ``torch._dynamo``
(its methods are wrapped by ``torch._disable_dynamo``), which took 1.5 s on the 2-core
machine: a twelfth of the target time for summarizing a 10-minute video on the CLI, for
code we never use. The update is torch.optim.Adam's (L2 weight decay added to the
gradient, bias-corrected moments, eps outside the square root); tests/core/test_adam.py
checks it against torch.optim.Adam step by step.
"""

from __future__ import annotations

import math
from typing import Iterable, Optional

import torch


class Adam:
    """Adam over ``params`` with ``param_groups[0]["lr"]`` adjustable between steps."""

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float,
        weight_decay: float = 0.0,
        betas: tuple = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.params = [p for p in params if p.requires_grad]
        if not self.params:
            raise ValueError("Adam needs at least one parameter that requires grad")
        if lr <= 0:
            raise ValueError("lr must be positive")
        self.param_groups = [{"lr": float(lr)}]
        self.weight_decay = float(weight_decay)
        self.beta1, self.beta2 = (float(b) for b in betas)
        self.eps = float(eps)
        self.steps = 0
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        # torch's fused kernel (the one torch.optim.Adam(fused=True) calls): ~5x faster
        # than the loop below for the scorer's 4.5M weights on the CPU. None = untried.
        self._fused: Optional[bool] = None
        self._step_tensors = [
            torch.zeros((), dtype=torch.float32, device=p.device) for p in self.params
        ]

    def _fused_step(self, lr: float) -> bool:
        """One step with ``torch._fused_adam_``; False (and the loop from then on) if this
        torch build or device has no such kernel, or a parameter has no gradient."""
        grads = [p.grad for p in self.params if p.grad is not None]
        if len(grads) != len(self.params):
            return False
        steps = self._step_tensors
        try:
            for t in steps:  # the step count the loop path would use, too
                t.fill_(self.steps)
            torch._fused_adam_(
                self.params,
                grads,
                self.exp_avg,
                self.exp_avg_sq,
                [],
                steps,
                lr=lr,
                beta1=self.beta1,
                beta2=self.beta2,
                weight_decay=self.weight_decay,
                eps=self.eps,
                amsgrad=False,
                maximize=False,
            )
        except (AttributeError, RuntimeError, NotImplementedError, TypeError):
            if self._fused is None:  # first try failed before touching the weights
                self._fused = False
                return False
            raise
        self._fused = True
        return True

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.zero_()

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        lr = self.param_groups[0]["lr"]
        if self._fused is not False and self._fused_step(lr):
            return
        bias1 = 1.0 - self.beta1**self.steps
        bias2_sqrt = math.sqrt(1.0 - self.beta2**self.steps)
        for p, m, v in zip(self.params, self.exp_avg, self.exp_avg_sq):
            g = p.grad
            if g is None:
                continue
            if self.weight_decay:
                g = g.add(p, alpha=self.weight_decay)
            m.lerp_(g, 1.0 - self.beta1)
            v.mul_(self.beta2).addcmul_(g, g, value=1.0 - self.beta2)
            denom = (v.sqrt() / bias2_sqrt).add_(self.eps)
            p.addcdiv_(m, denom, value=-lr / bias1)


__all__ = ["Adam"]
