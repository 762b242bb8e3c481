"""Each model asset's run config is made from its class: every hyperparameter, its real default
and its documented meaning."""

import inspect

import pytest

from blofin_assets.defs.model_config import ModelConfig, model_config_class
from blofin_assets.ml.models import MODEL_CLASSES, MomentumClassifier, PricePredictor


@pytest.mark.parametrize("name", sorted(MODEL_CLASSES))
def test_the_config_holds_every_hyperparameter_with_its_default(name):
    cls = MODEL_CLASSES[name]
    config = model_config_class(cls)()
    parameters = {p: v.default for p, v in inspect.signature(cls.__init__).parameters.items() if p != "self"}
    expected = {p: list(d) if isinstance(d, tuple) else d for p, d in parameters.items() if p not in cls.runtime_params}
    assert config.params() == expected
    assert set(config.model_dump()) == set(expected) | set(ModelConfig.model_fields)
    # What the config gives builds the model (the hyperparameters round-trip).
    assert cls(**config.params()).get_params()["random_state"] == 0


def test_types_follow_the_signature_and_descriptions_the_docstring():
    fields = model_config_class(PricePredictor).model_fields
    assert fields["hidden_sizes"].annotation == list[int] and fields["hidden_sizes"].default == [128, 64, 32]
    assert fields["dropout"].description == "Dropout rate after each hidden layer."
    gamma = model_config_class(MomentumClassifier)(gamma=0.5)
    assert gamma.params()["gamma"] == 0.5 and model_config_class(MomentumClassifier)().params()["gamma"] is None
