import numpy as np
from sklearn.kernel_approximation import Nystroem
from sklearn.linear_model import SGDClassifier

from blofin_assets.ml.models.kernel import NystroemLinearSVM


def data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    y = np.where(X[:, 0] ** 2 + X[:, 1] ** 2 < 1.0, 0, np.where(X[:, 2] > 0, 1, 2))  # not linear in X
    return X, y


def test_collapsed_scores_equal_the_nystroem_then_linear_pipeline():
    X, y = data()
    model = NystroemLinearSVM(gamma=0.2, n_components=200, C=1.0, epochs=5, random_state=3).fit(X, y)
    features = Nystroem(gamma=0.2, n_components=200, random_state=3).fit(X)
    svm = SGDClassifier(loss="hinge", alpha=1 / len(X), max_iter=5, tol=None, average=True, random_state=3)
    svm.fit(features.transform(X), y)
    X_new, _ = data(500, seed=1)
    np.testing.assert_allclose(model.decision_function(X_new), svm.decision_function(features.transform(X_new)), atol=1e-8)
    np.testing.assert_array_equal(model.predict(X_new), svm.predict(features.transform(X_new)))


def test_the_kernel_features_learn_a_boundary_a_linear_model_cannot():
    X, y = data()
    X_new, y_new = data(2000, seed=2)
    kernel = NystroemLinearSVM(gamma=0.2, n_components=300).fit(X, y)
    linear = SGDClassifier(loss="hinge", random_state=0).fit(X, y)
    assert np.mean(kernel.predict(X_new) == y_new) > np.mean(linear.predict(X_new) == y_new) + 0.1


def test_two_classes_give_one_score_per_row():
    X, y = data()
    model = NystroemLinearSVM(gamma=0.2, n_components=100).fit(X, (y == 0).astype(int))
    assert model.decision_function(X[:7]).shape == (7,)
    assert set(model.predict(X)) <= {0, 1}


def test_nystroem_features_equal_scikit_learns_transform_in_either_precision():
    from blofin_assets.ml.models.kernel import nystroem_features

    X, _ = data(5000)
    for dtype in (np.float64, np.float32):
        Xd = X.astype(dtype)
        sampler = Nystroem(gamma=0.2, n_components=300, random_state=1).fit(Xd)
        ours = nystroem_features(Xd, sampler.components_, sampler.normalization_, 0.2, block=1000)
        assert ours.dtype == dtype
        # The bound of computing in dtype: |x|^2 + |c|^2 - 2 x.c loses up to eps (|x|^2 + |c|^2)
        # to cancellation, the kernel gamma times that, and the projection sums it over a row of
        # N. (scikit-learn computes float32 distances in float64; which float32 roundings
        # differ depends on the BLAS kernel the CPU selects: 1.9e-5 at most on an AMD EPYC.)
        norms = (Xd.astype(np.float64) ** 2).sum(axis=1).max() + (sampler.components_.astype(np.float64) ** 2).sum(axis=1).max()
        bound = np.finfo(dtype).eps * 0.2 * norms * np.abs(sampler.normalization_).sum(axis=1).max()
        np.testing.assert_allclose(ours, sampler.transform(Xd), rtol=0, atol=max(bound, 1e-12 * np.abs(ours).max()))
