"""TrimScorer: the scoring network of TRIM Sect. 3.2.

Conv1D(D->1024, k=3, pad=1) -> ReLU -> FC(1024->512) -> ReLU -> FC(512->256) -> ReLU
-> FC(256->1) -> sigmoid, applied to the whole video as one sequence. The kernel-3
convolution over time is the only temporal context; everything else is per sample.
No attention, no recurrence, so one forward pass over a 10-minute video is cheap.
"""

from __future__ import annotations

import torch
from torch import nn

CONV_DIM = 1024
"""Output channels of the temporal convolution (fixed by the paper)."""


class TrimScorer(nn.Module):
    """Importance score p_t in (0, 1) for every sample of a video.

    ``forward`` takes ``(N, D)`` (one video) or ``(B, N, D)`` (a batch of equally long
    sequences, e.g. the two masked views of stage 1) and returns ``(N,)`` or ``(B, N)``.
    """

    def __init__(self, in_dim: int = 2048, bf16: bool = False) -> None:
        super().__init__()
        if in_dim <= 0:
            raise ValueError(f"in_dim must be positive, got {in_dim}")
        self.in_dim = int(in_dim)
        # The convolution and the two hidden layers are nearly all the arithmetic; on the
        # CPU they may run in bfloat16 (weights stay float32; the last layer, the sigmoid,
        # the losses and Adam are float32). See train.train_precision, docs/training.md.
        self.bf16 = bool(bf16)
        self.conv = nn.Conv1d(self.in_dim, CONV_DIM, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(CONV_DIM, 512)
        self.fc2 = nn.Linear(512, 256)
        self.fc3 = nn.Linear(256, 1)
        self.relu = nn.ReLU()

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Pre-sigmoid outputs, same shape rule as :meth:`forward`."""
        if x.dim() not in (2, 3) or x.shape[-1] != self.in_dim:
            raise ValueError(
                f"expected (N, {self.in_dim}) or (B, N, {self.in_dim}) features, got {tuple(x.shape)}"
            )
        single = x.dim() == 2
        if single:
            x = x.unsqueeze(0)
        # Conv1d wants channels first: (B, D, N); back to (B, N, C) for the linear layers.
        with torch.autocast(
            "cpu", dtype=torch.bfloat16, enabled=self.bf16 and x.device.type == "cpu"
        ):
            h = self.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
            h = self.relu(self.fc1(h))
            h = self.relu(self.fc2(h))
        z = self.fc3(h.float()).squeeze(-1)
        return z.squeeze(0) if single else z

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(x))
