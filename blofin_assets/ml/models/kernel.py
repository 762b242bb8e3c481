"""A linear SVM on Nystroem RBF features, collapsed for fast prediction.

Nystroem maps x to k(x, C) @ N, with C the sampled components and N their normalisation; the
linear SVM then scores (k(x, C) @ N) @ W + b. Folding N @ W into one matrix once makes every
prediction a kernel row times a (components x classes) matrix, instead of a kernel row times
N (components x components) and then W: 100k rows score in ~0.2 s rather than ~1 s.
"""

from __future__ import annotations

import numpy as np
from sklearn.kernel_approximation import Nystroem
from sklearn.linear_model import SGDClassifier


class NystroemLinearSVM:
    """A linear SVM (averaged SGD, hinge loss) on Nystroem RBF features, collapsed for speed.

    Parameters
    ----------
    gamma : float
        RBF kernel width.
    n_components : int
        Nystroem components (at most the training rows).
    C : float
        The SVM's regularisation, as SGD's alpha = 1 / (C n).
    epochs : int
        SGD passes.
    random_state : int
        Seed of the component sample and the SGD.

    Attributes
    ----------
    components_, weights_, intercept_ : ndarray
        Kernel centres and the folded linear map from kernel rows to class scores.
    """

    def __init__(self, gamma: float, n_components: int = 500, C: float = 1.0, epochs: int = 5, random_state: int = 0):
        self.gamma = gamma
        self.n_components = n_components
        self.C = C
        self.epochs = epochs
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> "NystroemLinearSVM":
        n_components = min(self.n_components, len(X))
        features = Nystroem(gamma=self.gamma, n_components=n_components, random_state=self.random_state).fit(X)
        svm = SGDClassifier(
            loss="hinge",
            alpha=1.0 / (self.C * len(X)),  # the SVM objective's C, as SGD's regularisation
            max_iter=self.epochs,
            tol=None,
            average=True,
            random_state=self.random_state,
            # One thread per class against the rest, all at once (the same coefficients as one by
            # one): three classes on two cores run in 1.5 rounds rather than 2.
            n_jobs=len(np.unique(y)),
        ).fit(nystroem_features(X, features.components_, features.normalization_, self.gamma), y, sample_weight=sample_weight)
        self.classes_ = svm.classes_
        self.components_ = features.components_.astype(np.float64)
        self.component_norms_ = np.einsum("ij,ij->i", self.components_, self.components_)
        self.weights_ = features.normalization_.T @ svm.coef_.T  # (components, classes or 1)
        self.intercept_ = svm.intercept_.copy()
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        scores = np.empty((len(X), self.weights_.shape[1]))
        # In blocks: a 100k x 500 kernel matrix is 400 MB; 2048-row blocks stay in cache.
        for start in range(0, len(X), 2048):
            block = X[start : start + 2048]
            kernel = rbf_block(block, self.components_, self.component_norms_, self.gamma)
            scores[start : start + 2048] = kernel @ self.weights_ + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X: np.ndarray) -> np.ndarray:
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[scores.argmax(axis=1)]


def nystroem_features(X: np.ndarray, components: np.ndarray, normalization: np.ndarray, gamma: float, block: int = 4096) -> np.ndarray:
    """What ``Nystroem.transform`` gives, in ``X``'s own precision: exp(-gamma |x - c|^2) @ N.T,
    in blocks that stay in cache. scikit-learn computes a float32 matrix's distances in float64
    chunks; here they stay in float32 (an error near 1e-6 in a kernel value, where the SGD after
    it is far coarser), 80k rows x 500 components 0.36 -> 0.30 s alone, 0.98 -> 0.65 s for
    two walk-forward folds side by side. A test compares both."""
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    X = np.asarray(X, dtype=dtype)
    components = np.asarray(components, dtype=dtype)
    projection = np.ascontiguousarray(np.asarray(normalization, dtype=dtype).T)
    component_norms = np.einsum("ij,ij->i", components, components)
    out = np.empty((len(X), projection.shape[1]), dtype=dtype)
    for start in range(0, len(X), block):
        kernel = rbf_block(X[start : start + block], components, component_norms, gamma)
        np.matmul(kernel, projection, out=out[start : start + block])
    return out


def rbf_block(rows: np.ndarray, components: np.ndarray, component_norms: np.ndarray, gamma: float) -> np.ndarray:
    """exp(-gamma |x - c|^2) for every row and component, computed in place in one matrix of
    the block's size (no temporaries of that size)."""
    squared = rows @ components.T
    squared *= -2.0
    squared += np.einsum("ij,ij->i", rows, rows)[:, None]
    squared += component_norms
    np.maximum(squared, 0.0, out=squared)
    squared *= -gamma
    return np.exp(squared, out=squared)
