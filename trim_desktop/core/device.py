"""Where the networks run: device choice, a readable label, and CPU fallback.

A desktop app meets laptops without a GPU and GPUs that run out of memory half way
through a video; both must end in a result (on the CPU), not a crash.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from typing import Callable, Optional, TypeVar, Union

import torch

from .cpus import available_cpus  # noqa: F401 - re-exported for callers of device
from .errors import DeviceError

log = logging.getLogger(__name__)

T = TypeVar("T")
DeviceLike = Union[str, torch.device, None]
"""A preference for choose_device (None: "auto")."""
Device = Union[str, torch.device]
"""A device itself, as torch.device() takes it ("cpu", "cuda:0")."""

_PREF_RE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def choose_device(pref: DeviceLike = "auto") -> torch.device:
    """Turn a user preference ("auto", "cpu", "cuda", "cuda:N") into a usable device.

    "auto" takes the GPU when there is one. Asking for CUDA explicitly without one is a
    :class:`DeviceError`, because silently running 50x slower would surprise the user.
    """
    if isinstance(pref, torch.device):
        pref = str(pref)
    pref = (pref or "auto").strip().lower()
    if not _PREF_RE.match(pref):
        raise DeviceError(f"Unknown device {pref!r}: use auto, cpu, cuda or cuda:N.")
    if pref == "cpu":
        return torch.device("cpu")
    if pref == "auto":
        return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
    if not torch.cuda.is_available():
        raise DeviceError(
            f"--device {pref} was asked for, but no CUDA GPU is available "
            "on this computer (use --device cpu or auto)."
        )
    dev = torch.device(pref)
    count = torch.cuda.device_count()
    if dev.index is not None and dev.index >= count:
        raise DeviceError(
            f"--device {pref} was asked for, but this computer has only "
            f"{count} CUDA GPU{'s' if count != 1 else ''} (cuda:0..cuda:{count - 1})."
        )
    return dev


def cpu_threads() -> int:
    """Threads torch may use for the CPU path (what the label shows)."""
    return max(1, torch.get_num_threads())


def device_label(device: Device) -> str:
    """A short human label: "NVIDIA H100 80GB HBM3 (CUDA)" or "CPU (2 threads)"."""
    dev = torch.device(device) if not isinstance(device, torch.device) else device
    if dev.type == "cuda":
        try:
            name = torch.cuda.get_device_name(dev)
        except Exception:  # no driver, bad index: still label it
            name = "GPU"
        return f"{name} (CUDA)"
    if dev.type == "mps":
        return "Apple GPU (MPS)"
    n = cpu_threads()
    return f"CPU ({n} thread{'s' if n != 1 else ''})"


def is_cuda_failure(exc: BaseException) -> bool:
    """True for errors that mean "the GPU could not do it" (OOM, driver/kernel faults)."""
    oom = getattr(torch.cuda, "OutOfMemoryError", None)
    if oom is not None and isinstance(exc, oom):
        return True
    if isinstance(exc, RuntimeError):
        text = str(exc)
        return "CUDA" in text or "cuDNN" in text or "CUBLAS" in text or "out of memory" in text
    return False


def run_with_cpu_fallback(
    fn: Callable[[torch.device], T],
    device: Device,
    on_fallback: Optional[Callable[[str], None]] = None,
) -> T:
    """Call ``fn(device)``; if a CUDA device fails with a CUDA error, retry on the CPU.

    The GPU cache is emptied first so the failed attempt's memory is returned; the
    caller hears about the switch through ``on_fallback(message)`` (to show the user
    why the run got slower). Errors on the CPU, and non-CUDA errors, propagate.
    """
    dev = torch.device(device) if not isinstance(device, torch.device) else device
    if dev.type != "cuda":
        return fn(dev)
    try:
        return fn(dev)
    except Exception as exc:  # noqa: BLE001 - filtered just below
        if not is_cuda_failure(exc):
            raise
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        message = (
            f"The GPU failed ({type(exc).__name__}: {first_line[:160]}); "
            "continuing on the CPU, which is slower."
        )
    # Outside the except block, so the traceback (holding GPU tensors) is released.
    try:
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except Exception:  # the GPU may be in a bad state; the CPU retry still works
        pass
    log.warning(message)
    if on_fallback is not None:
        on_fallback(message)
    return fn(torch.device("cpu"))


@functools.lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """True when the CPU has bfloat16 dot-product instructions (AVX512-BF16 or AMX).

    Without them oneDNN emulates bf16 and it is slower than float32, so "auto" stays
    float32 there. Linux only (reads /proc/cpuinfo); elsewhere False.
    """
    try:
        if not torch.backends.mkldnn.is_available():
            return False
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


@contextlib.contextmanager
def torch_threads(want: int):
    """Use ``want`` torch CPU threads for a block, then give the caller's count back."""
    before = torch.get_num_threads()
    want = max(1, int(want))
    if want != before:
        torch.set_num_threads(want)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)
