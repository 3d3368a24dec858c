"""Pieces: long shots are cut, short ones joined, and the pieces still tile the samples."""

from __future__ import annotations

import numpy as np

from trim_desktop.core.pieces import MIN_PIECE_S, cut_pieces, max_piece_seconds, sample_bounds


def _lengths(pieces, ts, duration):
    b = sample_bounds(ts, duration)
    return b[pieces[:, 1] + 1] - b[pieces[:, 0]]


def test_long_shot_is_cut_into_pieces_no_longer_than_the_limit():
    ts = np.arange(240) / 2.0  # 120 s at 2 samples/s, one shot
    pieces, shot_of = cut_pieces(np.array([[0, 239]]), ts, 120.0, max_seconds=8.0)
    lengths = _lengths(pieces, ts, 120.0)
    assert len(pieces) == 15 and lengths.max() <= 8.0 + 1e-9
    assert set(shot_of.tolist()) == {0}
    assert pieces[0, 0] == 0 and pieces[-1, 1] == 239
    assert np.all(pieces[1:, 0] == pieces[:-1, 1] + 1)


def test_short_shots_are_joined_to_a_neighbour():
    ts = np.arange(40) / 2.0  # 20 s
    shots = np.array(
        [[0, 9], [10, 10], [11, 29], [30, 31], [32, 39]]
    )  # 5 s, 0.5 s, 9.5 s, 1 s, 4 s
    pieces, _ = cut_pieces(shots, ts, 20.0, max_seconds=8.0)
    lengths = _lengths(pieces, ts, 20.0)
    assert lengths.min() >= MIN_PIECE_S
    assert pieces[0, 0] == 0 and pieces[-1, 1] == 39
    assert np.all(pieces[1:, 0] == pieces[:-1, 1] + 1)


def test_piece_length_follows_the_summary_length():
    assert max_piece_seconds(10.0) == 2.0  # a 10 s summary: ~5 pieces
    assert max_piece_seconds(40.0) == 5.0
    assert max_piece_seconds(1080.0) == 8.0  # a 2-hour video's 18 minutes


def test_a_video_shorter_than_a_piece_is_one_piece():
    ts = np.arange(2) / 2.0
    pieces, _ = cut_pieces(np.array([[0, 0], [1, 1]]), ts, 1.0, max_seconds=8.0)
    assert pieces.tolist() == [[0, 1]]
