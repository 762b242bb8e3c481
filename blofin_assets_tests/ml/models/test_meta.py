"""The meta-labeling model: three barrier outcomes, and a sixth model by registration alone."""

from pathlib import Path

import dagster as dg
import numpy as np

from blofin_assets.definitions import build_definitions
from blofin_assets.ml.models import MetaLabeler, model_names, register_model, unregister_model
from blofin_assets.ml.training import train_model

PACKAGE = Path(__file__).resolve().parents[3] / "blofin_assets"


def test_it_gives_each_barrier_outcome_a_probability(small_table):
    table, targets = small_table
    model = train_model("meta_labeler", table, targets.horizon, {"n_estimators": 20}).model
    test = table[table["split"] == "test"]
    proba = model.predict_proba(test)
    assert proba.shape == (len(test), 3) and np.allclose(proba.sum(axis=1), 1.0)
    outputs = model.ensemble_outputs(test)
    assert list(outputs.columns) == list(MetaLabeler.barrier_columns)
    np.testing.assert_allclose(outputs.to_numpy(), proba[:, 1:])
    # weighted by uniqueness over the span to the touch: fewer effective labels than rows
    assert model.n_effective_ < len(table[table["split"] == "train"])


def test_it_is_a_sixth_model_by_registration_alone():
    """Nothing in the package names it but its own module and its registration line; without
    that line the graph has the five others, with it the sixth's asset and validation."""
    naming = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if "meta_labeler" in path.read_text() or "MetaLabeler" in path.read_text()
    ]
    assert sorted(naming) == ["ml/models/__init__.py", "ml/models/meta.py"]
    unregister_model("meta_labeler")
    try:
        keys = {k.to_user_string() for k in build_definitions(dg.in_process_executor).resolve_asset_graph().get_all_asset_keys()}
        assert "meta_labeler" not in keys and len(model_names()) == 5
    finally:
        register_model(MetaLabeler)
    keys = {k.to_user_string() for k in build_definitions(dg.in_process_executor).resolve_asset_graph().get_all_asset_keys()}
    assert {"meta_labeler", "meta_labeler_validation"} <= keys
