"""pipeline.train_settings_for: what a run trains with (presets, overrides, precision)."""

import pytest

from trim_desktop.core import pipeline, train


def test_auto_preset_follows_the_duration():
    s = pipeline.SummarizeSettings()
    assert pipeline.train_settings_for(s, 60.0).gamma == train.PRESETS["short"].gamma
    assert pipeline.train_settings_for(s, 600.0).gamma == train.PRESETS["long"].gamma


def test_overrides_seed_and_train_precision_reach_the_trainer():
    s = pipeline.SummarizeSettings(
        preset="long", alpha=2.0, steps2=7, seed=3, train_precision="fp32"
    )
    t = pipeline.train_settings_for(s, 600.0)
    assert (t.alpha, t.steps2, t.seed, t.precision) == (2.0, 7, 3, "fp32")
    assert t.gamma == train.PRESETS["long"].gamma  # not overridden: the preset's
    assert pipeline.train_settings_for(pipeline.SummarizeSettings(), 600.0).precision == "auto"


def test_bad_train_precision_is_refused():
    with pytest.raises(ValueError):
        pipeline.train_settings_for(pipeline.SummarizeSettings(train_precision="fp8"), 600.0)
