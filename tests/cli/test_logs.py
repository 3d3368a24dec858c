"""-v / --log: the core's log lines reach stderr or a file, and nothing else changes."""

from __future__ import annotations

import argparse
import logging

import pytest

from trim_desktop.cli import evaluate, extract_dataset, summarize, train
from trim_desktop.cli.logs import add_log_options, setup_logging


@pytest.fixture
def parser():
    p = argparse.ArgumentParser(prog="t")
    add_log_options(p)
    yield p
    setup_logging(p.parse_args([]), p)  # leave the loggers as they were


def test_v_shows_info_and_vv_debug(parser, capsys):
    log = logging.getLogger("trim_desktop.core.features")
    setup_logging(parser.parse_args(["-v"]), parser)
    log.info("an info line")
    log.debug("a debug line")
    err = capsys.readouterr().err
    assert "an info line" in err and "a debug line" not in err
    setup_logging(parser.parse_args(["-vv"]), parser)
    log.debug("a debug line")
    assert "a debug line" in capsys.readouterr().err


def test_log_file_gets_debug_and_stderr_keeps_warnings(parser, tmp_path, capsys):
    path = tmp_path / "run.log"
    setup_logging(parser.parse_args(["--log", str(path)]), parser)
    log = logging.getLogger("trim_desktop.core.cache")
    log.debug("cache miss for x")
    log.warning("something odd")
    text = path.read_text(encoding="utf-8")
    assert "DEBUG trim_desktop.core.cache: cache miss for x" in text
    assert "something odd" in text
    err = capsys.readouterr().err
    assert "something odd" in err and "cache miss" not in err


def test_without_options_nothing_is_added(parser, capsys):
    setup_logging(parser.parse_args(["-v"]), parser)
    setup_logging(parser.parse_args([]), parser)
    assert not logging.getLogger("trim_desktop").handlers
    logging.getLogger("trim_desktop.core.cache").info("quiet")
    assert "quiet" not in capsys.readouterr().err


def test_unwritable_log_is_a_usage_error(parser, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        setup_logging(parser.parse_args(["--log", str(tmp_path / "no" / "such" / "x.log")]), parser)
    assert exc.value.code == 2
    assert "--log: cannot write" in capsys.readouterr().err


@pytest.mark.parametrize("cli", [summarize, train, evaluate, extract_dataset])
def test_every_cli_has_the_options(cli):
    help_text = cli.build_parser().format_help()
    assert "-v, --verbose" in help_text and "--log FILE" in help_text


@pytest.mark.slow
def test_summarize_log_file_records_the_core(parser, tmp_path, monkeypatch, capsys):
    """trim-summarize --log: the file gets the core's lines (a second run hits the cache);
    ``parser`` puts the loggers back afterwards."""
    from tests.media import make_video

    monkeypatch.setenv("TRIM_DESKTOP_CACHE", str(tmp_path / "cache"))
    video = make_video(tmp_path / "v.mp4", duration=3, fps=10, size=(96, 64), scene_s=1)
    log = tmp_path / "run.log"
    common = [
        str(video),
        "--no-export",
        "--backbone",
        "efficientnet-lite0",
        "--device",
        "cpu",
        "--steps2",
        "2",
        "-q",
        "--log",
        str(log),
        "--force",
    ]
    assert summarize.main(common) == 0
    assert "feature cache: no entry" in log.read_text(encoding="utf-8")
    assert summarize.main([*common, "-v"]) == 0
    assert "feature cache: hit" in log.read_text(encoding="utf-8")
    assert "INFO trim_desktop.core.cache: feature cache: hit" in capsys.readouterr().err
