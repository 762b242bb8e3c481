"""Fast prediction of fitted tree ensembles on a few rows.

The libraries predict a few rows slowly for reasons that have nothing to do with the trees
(one row, measured on 2 cores): sklearn's forest goes tree by tree through joblib threads
(~20 ms for 100 trees), HistGradientBoosting validates its input and starts OpenMP threads
(~2 ms), XGBoost's in-place prediction builds an adapter (~0.15 ms). Here every tree's
nodes sit in flat arrays and all trees are walked together, one depth level per numpy step
(a leaf points to itself, so walking past it is harmless): tens of microseconds for one row,
the same leaves the library reaches (each library's comparison kept: sklearn and
HistGradientBoosting go left when x <= threshold, XGBoost when x < threshold, in float32).
Large batches stay with the libraries, which are faster there.
"""

from __future__ import annotations

import json

import numpy as np

FEW_ROWS = 256  # up to this many rows the flat walk beats the libraries' own prediction


class MadeOnFirstUse:
    """A model attribute holding its flat trees, made by the model's ``_flatten()`` when first
    read. A model fitted to predict in bulk (a walk-forward fold, a tuning trial, a replay
    period) never pays for them: 2.1 of a 30-trial search's 27 s went to XGBoost's tree dump.
    A loaded model sets them at once, as that also checks the stored trees (``FlatTrees``);
    setting None (a new fit) makes them again on the next read."""

    def __set_name__(self, owner, name):
        self.slot = f"_{name}made"

    def __get__(self, model, owner=None):
        if model is None:
            return self
        made = model.__dict__.get(self.slot)
        if made is None:
            made = model.__dict__[self.slot] = model._flatten()
        return made

    def __set__(self, model, value):
        model.__dict__[self.slot] = value


class FlatTrees:
    """Fitted decision trees in flat arrays, walked together.

    Parameters
    ----------
    trees : list of dict
        Per tree: ``feature``, ``threshold``, ``left``, ``right`` (child node index, -1 at a
        leaf) and ``value`` (the leaf's output), indexed by node; node 0 is the root.
    strict : bool
        Go left when x < threshold (XGBoost) instead of x <= threshold.
    n_features : int, optional
        The number of features the trees were fitted on: every split's feature must be below it.

    The trees are checked first (``check_tree``): the libraries walk these same arrays without
    bounds checks, so a stored file whose node or feature indices point outside them would crash
    the process that predicts instead of being refused.
    """

    def __init__(self, trees: list[dict], *, strict: bool = False, n_features: int | None = None):
        for number, tree in enumerate(trees):
            check_tree(tree, n_features, number)
        sizes = np.array([len(tree["feature"]) for tree in trees])
        self.roots = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        self.strict = strict
        feature, threshold, left, right, value = [], [], [], [], []
        for tree, offset in zip(trees, self.roots):
            nodes = np.arange(len(tree["feature"])) + offset
            is_leaf = np.asarray(tree["left"]) < 0
            feature.append(np.where(is_leaf, 0, tree["feature"]))
            threshold.append(np.asarray(tree["threshold"], dtype=np.float64))
            left.append(np.where(is_leaf, nodes, np.asarray(tree["left"]) + offset))
            right.append(np.where(is_leaf, nodes, np.asarray(tree["right"]) + offset))
            value.append(np.asarray(tree["value"], dtype=np.float64))
        self.feature = np.concatenate(feature).astype(np.intp)
        self.threshold = np.concatenate(threshold)
        if strict:  # XGBoost compares float32 values with float32 split conditions
            self.threshold = self.threshold.astype(np.float32)
        self.left = np.concatenate(left).astype(np.intp)
        self.right = np.concatenate(right).astype(np.intp)
        self.value = np.concatenate(value)
        self.depth = max(_depth(tree["left"], tree["right"]) for tree in trees)

    def leaf_values(self, X: np.ndarray) -> np.ndarray:
        """Each row's leaf value in each tree: shape (rows, trees)."""
        X = np.asarray(X)
        less = np.less if self.strict else np.less_equal
        if len(X) == 1:  # live use: one row, one-dimensional steps
            x, node = X[0], self.roots
            for _ in range(self.depth):
                node = np.where(less(x[self.feature[node]], self.threshold[node]), self.left[node], self.right[node])
            return self.value[node][None, :]
        rows = np.arange(len(X))[:, None]
        node = np.broadcast_to(self.roots, (len(X), len(self.roots)))
        for _ in range(self.depth):
            go_left = less(X[rows, self.feature[node]], self.threshold[node])
            node = np.where(go_left, self.left[node], self.right[node])
        return self.value[node]

    # --- from the libraries' fitted models ----------------------------------------------------
    @classmethod
    def from_sklearn(cls, trees, n_features: int | None = None) -> "FlatTrees":
        """From sklearn ``Tree`` objects (``estimator.tree_``) of single-output regressors."""
        flat = []
        for number, t in enumerate(trees):
            if t.value.ndim != 3 or t.value.shape[0] != t.node_count or t.value.shape[1:] != (1, 1):
                raise ValueError(f"tree {number}: values of shape {t.value.shape} for {t.node_count} nodes of one output")
            flat.append({"feature": t.feature, "threshold": t.threshold, "left": t.children_left, "right": t.children_right, "value": t.value[:, 0, 0]})
        return cls(flat, n_features=n_features)

    @classmethod
    def from_hist_gradient_boosting(cls, predictors, n_features: int | None = None) -> "FlatTrees":
        """From a fitted HistGradientBoostingRegressor's ``_predictors`` (one per iteration)."""
        flat = []
        for number, (predictor,) in enumerate(predictors):
            nodes = predictor.nodes
            if nodes["is_categorical"].any():  # never fitted here; its bitsets are not checked
                raise ValueError(f"tree {number}: categorical splits, which these models never make")
            leaf = nodes["is_leaf"].astype(bool)
            flat.append(
                {
                    "feature": nodes["feature_idx"],
                    "threshold": nodes["num_threshold"],
                    "left": np.where(leaf, -1, nodes["left"].astype(np.int64)),
                    "right": np.where(leaf, -1, nodes["right"].astype(np.int64)),
                    "value": nodes["value"],
                }
            )
        return cls(flat, n_features=n_features)

    @classmethod
    def from_xgboost(cls, booster) -> tuple["FlatTrees", float]:
        """From a fitted single-output XGBoost booster: the trees and the base margin."""
        learner = json.loads(booster.save_raw("json"))["learner"]
        objective = learner["objective"]["name"]
        if objective not in ("binary:logistic", "reg:squarederror"):
            raise ValueError(f"objective {objective} is not supported by the flat walk")
        flat = []
        for tree in learner["gradient_booster"]["model"]["trees"]:
            if any(tree["split_type"]):
                raise ValueError("categorical splits are not supported by the flat walk")
            # A leaf's output is stored in its split condition.
            flat.append(
                {
                    "feature": tree["split_indices"],
                    "threshold": tree["split_conditions"],
                    "left": tree["left_children"],
                    "right": tree["right_children"],
                    "value": tree["split_conditions"],
                }
            )
        base_score = float(str(learner["learner_model_param"]["base_score"]).strip("[]"))
        if objective == "binary:logistic":
            base_margin = float(np.log(base_score / (1.0 - base_score)))
        else:
            base_margin = base_score
        return cls(flat, strict=True), base_margin


def check_tree(tree: dict, n_features: int | None, number: int = 0) -> None:
    """Refuse (ValueError naming tree and node) a tree whose arrays a library could not walk
    safely: arrays of unequal length, a child index outside the tree or not after its parent
    (nodes are numbered as they are split, so a child always comes later; this also rules out
    cycles), a node with one child, or a split on a feature the model does not have."""
    feature, left, right = (np.asarray(tree[k]) for k in ("feature", "left", "right"))
    n = len(feature)
    if n == 0 or not len(left) == len(right) == len(tree["threshold"]) == len(tree["value"]) == n:
        raise ValueError(f"tree {number}: node arrays of unequal length or empty")
    nodes = np.arange(n)
    inner = left >= 0
    limit = np.iinfo(np.int64).max if n_features is None else n_features
    problems = {
        "a child index outside the tree or not after its node": inner & ((left <= nodes) | (left >= n) | (right <= nodes) | (right >= n)),
        "one child only": inner != (right >= 0),
        "a split on a feature the model does not have": inner & ((feature < 0) | (feature >= limit)),
    }
    for problem, where in problems.items():
        if where.any():
            raise ValueError(f"tree {number}, node {int(np.flatnonzero(where)[0])}: {problem}; the file is not a tree this project wrote")


def _depth(left, right) -> int:
    """Edges on the longest root-to-leaf path."""
    left, right = np.asarray(left), np.asarray(right)
    depth, level = 0, np.array([0])
    while True:
        inner = level[left[level] >= 0]
        if inner.size == 0:
            return depth
        level = np.concatenate([left[inner], right[inner]])
        depth += 1
