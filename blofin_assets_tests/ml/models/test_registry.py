"""register_model: what a model class must say before the pipeline takes it."""

import pytest

from blofin_assets.ml.models import MODEL_CLASSES, model_class, model_names, register_model, unregister_model
from blofin_assets_tests.fakes.trend_model import TrendFollower


def test_the_registry_refuses_incomplete_or_clashing_classes():
    class Nameless(TrendFollower):
        name = None

    class Stray(TrendFollower):
        name = "stray"
        stacking_columns = ("not_an_output",)

    class Impostor(TrendFollower):
        name = "direction_predictor"

    with pytest.raises(TypeError, match=r"must set the class attribute\(s\) \['name'\]"):
        register_model(Nameless)
    with pytest.raises(TypeError, match="not among its ensemble_columns"):
        register_model(Stray)
    with pytest.raises(ValueError, match="'direction_predictor' is already registered"):
        register_model(Impostor)


def test_registering_adds_the_model_and_unregistering_removes_it():
    before = model_names()
    register_model(TrendFollower)
    try:
        assert model_names() == (*before, "trend_follower") and model_class("trend_follower") is TrendFollower
        assert register_model(TrendFollower) is TrendFollower  # registering twice is harmless
    finally:
        unregister_model("trend_follower")
    assert model_names() == before and "trend_follower" not in MODEL_CLASSES
    with pytest.raises(KeyError, match="unknown model 'trend_follower'"):
        model_class("trend_follower")
