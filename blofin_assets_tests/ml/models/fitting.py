"""Fit a registered model on the training rows of a model table, as the tests need it."""

from blofin_assets.ml.training import build_model


def fit(name, table, **params):
    """(the model fitted on the training rows, the test rows)."""
    train = table[table["split"] == "train"]
    model = build_model(name, params, horizon=5)
    return model.fit(train, train[model.target]), table[table["split"] == "test"]
