"""Run config of a model asset, made from the model class: one field per hyperparameter of its
``__init__`` (with its real default and the description from its numpydoc), beside the
pipeline's own settings. A new model class gets its launchpad form with no code here."""

from __future__ import annotations

import inspect
import types
import typing
from functools import cache
from typing import Optional, Union

from pydantic import Field, create_model

from blofin_assets.defs.config_bounds import CheckedConfig
from blofin_assets.ml.models import CandleModel


class ModelConfig(CheckedConfig):
    """Settings of the pipeline around any model (the hyperparameters are added per model)."""

    bounds = {"min_importance_share": (0.0, 1.0)}

    champion_challenger: bool = False
    """Keep the current model unless the new one is at least as good (always on in retraining
    runs started by drift_sensor)."""
    min_importance_share: float = 0.01
    """When challenging: drop features whose importance is below this share of the largest."""
    use_tuned_params: bool = True
    """Train with the hyperparameters the last significant tuning run adopted (over the values
    here) when there are any; false: the values here alone."""

    def params(self) -> dict:
        """The model's hyperparameters (the pipeline settings above excluded)."""
        return self.model_dump(exclude=set(ModelConfig.model_fields))


def _config_type(annotation):
    """A Dagster config type for a hyperparameter's annotation: tuples become lists."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        (only,) = inner  # hyperparameters are one type, or that type or None
        return Optional[_config_type(only)] if len(inner) < len(args) else _config_type(only)
    if origin is tuple:
        return list[args[0]]
    return annotation


@cache
def model_config_class(cls: type[CandleModel]) -> type[ModelConfig]:
    """``ModelConfig`` plus every configurable ``__init__`` parameter of ``cls``."""
    hints = typing.get_type_hints(cls.__init__)
    docs = cls.parameter_docs()
    fields = {}
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or name in cls.runtime_params:
            continue
        default = list(parameter.default) if isinstance(parameter.default, tuple) else parameter.default
        bounds = cls.parameter_bounds.get(name, {})
        fields[name] = (_config_type(hints[name]), Field(default=default, description=docs.get(name), **bounds))
    return create_model(f"{type_name(cls)}Config", __base__=ModelConfig, **fields)


def type_name(cls: type[CandleModel]) -> str:
    return "".join(part.capitalize() for part in cls.name.split("_"))
