"""Device choice and the CUDA -> CPU fallback (CUDA failures are injected: no GPU here)."""

import pytest
import torch

from trim_desktop.core.device import (
    choose_device,
    device_label,
    is_cuda_failure,
    run_with_cpu_fallback,
)
from trim_desktop.core.errors import DeviceError


def test_cpu_and_auto_without_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert choose_device("cpu") == torch.device("cpu")
    assert choose_device("auto") == torch.device("cpu")
    assert choose_device(None) == torch.device("cpu")
    assert choose_device(torch.device("cpu")) == torch.device("cpu")


def test_auto_prefers_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert choose_device("auto").type == "cuda"


@pytest.mark.parametrize("pref", ["cuda", "cuda:0", "CUDA:1"])
def test_cuda_without_gpu_is_a_clear_error(monkeypatch, pref):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceError, match="no CUDA GPU"):
        choose_device(pref)


def test_cuda_index_out_of_range(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert choose_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(DeviceError, match="only 1 CUDA GPU"):
        choose_device("cuda:3")


def test_unknown_device_name():
    with pytest.raises(DeviceError, match="Unknown device"):
        choose_device("tpu")


def test_labels(monkeypatch):
    n = torch.get_num_threads()
    assert device_label("cpu") == f"CPU ({n} thread{'s' if n != 1 else ''})"
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda d=None: "NVIDIA H100")
    assert device_label(torch.device("cuda:0")) == "NVIDIA H100 (CUDA)"


def test_is_cuda_failure():
    assert is_cuda_failure(torch.cuda.OutOfMemoryError("CUDA out of memory."))
    assert is_cuda_failure(RuntimeError("CUDA error: an illegal memory access"))
    assert not is_cuda_failure(RuntimeError("shape mismatch"))
    assert not is_cuda_failure(ValueError("CUDA"))


@pytest.mark.parametrize(
    "error",
    [
        torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
        RuntimeError("CUDA error: device-side assert triggered"),
    ],
)
def test_fallback_to_cpu_on_injected_cuda_failure(monkeypatch, error):
    emptied = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: emptied.append(1))
    calls, messages = [], []

    def fn(d):
        calls.append(d.type)
        if d.type == "cuda":
            raise error
        return "done on " + d.type

    out = run_with_cpu_fallback(fn, torch.device("cuda"), messages.append)
    assert out == "done on cpu"
    assert calls == ["cuda", "cpu"]
    assert emptied == [1]
    assert len(messages) == 1 and "CPU" in messages[0] and type(error).__name__ in messages[0]


def test_no_fallback_for_other_errors_or_on_cpu():
    def bad(d):
        raise ValueError("not a GPU problem")

    with pytest.raises(ValueError):
        run_with_cpu_fallback(bad, torch.device("cuda"))
    calls = []

    def oom(d):
        calls.append(d.type)
        raise RuntimeError("CUDA error: whatever")

    with pytest.raises(RuntimeError):
        run_with_cpu_fallback(oom, "cpu")
    assert calls == ["cpu"]
