"""price_predictor: the close ``horizon`` candles ahead (PyTorch MLP 128-64-32, dropout 0.2, Adam).

The network learns the standardized log return ln(close[t+h] / close[t]) rather than the price
itself, so one model serves symbols priced at 100 and at 40,000; the price is rebuilt from the
row's close. Runs on CUDA when it is there, on the CPU otherwise.

torch (and mlp.py, the network) is imported when a network is first trained or loaded: it made
1.1 s of the 3.4 s the definitions took to load, which the UI's code location, the daemon,
sensor ticks and commands such as `blofin symbols` need not pay.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr
from sklearn.metrics import r2_score

from blofin_assets.ml.metrics import compare_classification, compare_regression
from blofin_assets.ml.models.regressor import CalibratedRegressor
from blofin_assets.ml.splits import calibration_split

# Rows per block when the network scores many (see _log_return).
PREDICT_BLOCK = 8192


class PricePredictor(CalibratedRegressor):
    """The close ``horizon`` candles ahead: an MLP (ReLU, dropout, Adam) on the scaled features
    that learns the standardized log return and rebuilds the price from the row's close.

    Parameters
    ----------
    hidden_sizes : list of int
        Widths of the hidden layers.
    dropout : float
        Dropout rate after each hidden layer.
    epochs : int
        Most passes over the training rows (exact schedule).
    learning_rate : float
        Adam's learning rate.
    batch_size : int
        Rows per optimizer step (exact schedule).
    scalable_epochs : int
        Most passes in the scalable schedule.
    scalable_batch_size : int
        Rows per optimizer step in the scalable schedule.
    scalable_sample_passes : int
        Most rows seen in all (epochs x rows) in the scalable schedule.
    estimator : str
        ``auto``: the exact schedule up to ``exact_max_rows`` training rows, the scalable one
        above; or force ``exact`` / ``scalable``.
    exact_max_rows : int, optional
        Row count where ``auto`` switches; default: the model's measured limit.
    horizon : int
        Candles ahead; the purge gap before the calibration rows.
    calibration_fraction : float
        Newest share of each symbol's training rows that calibrates the confidence.
    patience : int
        Early stopping: training ends after this many passes without a lower error on the
        stopping rows, and the weights of the best pass are kept; 0 trains every pass on all
        rows (no stopping rows).
    stopping_fraction : float
        Newest share of each symbol's fitting rows (after a purge gap) held out to decide when
        to stop.
    random_state : int
        Seed of the weights and the batch order.
    device : str
        ``auto`` (CUDA when there, else the CPU), ``cpu`` or ``cuda``.
    features : list of str, optional
        Feature columns to learn from; default: every scale-free feature.

    Attributes
    ----------
    estimator_ : MLP
        The trained network (on the CPU).
    layers_ : list of (ndarray, ndarray)
        Its linear layers' float32 weights (inputs x outputs) and biases: prediction runs them
        in numpy (torch's per-call overhead is most of a one-row prediction; same float32 math).
    target_mean_, target_std_ : float
        Scale of the training log returns.
    residual_std_ : float
        Spread of realized around predicted log returns on the calibration rows.
    stopping_curve_ : list of float
        Mean squared error (standardized log returns) on the stopping rows after each pass.
    best_epoch_ : int
        The pass whose weights were kept.
    """

    name = "price_predictor"
    target = "target_price"
    family = "PyTorch MLP"
    library = "pytorch"
    summary = "PyTorch MLP 128-64-32 (dropout 0.2): close in horizon candles."
    estimator_file = "model.pt"  # a state_dict, loaded with weights_only=True
    chart_unit = "log return"
    ensemble_columns = ("price_p_up", "expected_return")
    signal_column = "price_p_up"
    stacking_columns = ("price_p_up",)
    direction_metric = "directional_accuracy"
    # 50 epochs of batch 256 is 15k optimizer steps at 80k rows (~50 s on 2 cores). Above this
    # many rows the scalable schedule trains with batches of 2048 for at most
    # `scalable_epochs`, and at most `scalable_sample_passes` rows seen in all (epochs x rows).
    # Either way early stopping usually ends it sooner: on the default data the error on the
    # stopping rows is lowest after 2 passes and 20% higher after 30 (the network learns noise).
    default_exact_max_rows = 5_000

    parameter_bounds = {"hidden_sizes": {"min_length": 1, "max_length": 8}, "dropout": {"ge": 0.0, "lt": 1.0}, "epochs": {"ge": 1, "le": 10_000}, "learning_rate": {"gt": 0.0, "le": 10.0}, "batch_size": {"ge": 1, "le": 1_000_000}, "scalable_epochs": {"ge": 1, "le": 10_000}, "scalable_batch_size": {"ge": 1, "le": 1_000_000}, "calibration_fraction": {"gt": 0.0, "lt": 1.0}, "patience": {"ge": 0, "le": 10_000}, "stopping_fraction": {"gt": 0.0, "lt": 1.0}}

    def __init__(
        self,
        hidden_sizes: tuple[int, ...] = (128, 64, 32),
        dropout: float = 0.2,
        epochs: int = 50,
        learning_rate: float = 1e-3,
        batch_size: int = 256,
        scalable_epochs: int = 20,
        scalable_batch_size: int = 2048,
        scalable_sample_passes: int = 1_000_000,
        estimator: str = "auto",
        exact_max_rows: int | None = None,
        horizon: int = 5,
        calibration_fraction: float = 0.1,
        patience: int = 3,
        stopping_fraction: float = 0.1,
        random_state: int = 0,
        device: str = "auto",
        features: tuple[str, ...] | None = None,
    ):
        self.hidden_sizes = hidden_sizes
        self.dropout = dropout
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.scalable_epochs = scalable_epochs
        self.scalable_batch_size = scalable_batch_size
        self.scalable_sample_passes = scalable_sample_passes
        self.estimator = estimator
        self.exact_max_rows = exact_max_rows
        self.horizon = horizon
        self.calibration_fraction = calibration_fraction
        self.patience = patience
        self.stopping_fraction = stopping_fraction
        self.random_state = random_state
        self.device = device
        self.features = features

    @classmethod
    def side_by_side(cls, fits: int):
        """Every fit trains on one torch thread (one_torch_thread); set once here, before the
        folds' threads start (they inherit it), rather than by fits racing each other over
        torch's settings. Two folds on two threads each had run four on two cores."""
        from blofin_assets.ml.models.mlp import one_torch_thread

        return one_torch_thread()

    @classmethod
    def search_space(cls, trial) -> dict:
        widths = {"64-32": (64, 32), "128-64-32": (128, 64, 32), "256-128-64": (256, 128, 64)}
        return {
            "hidden_sizes": widths[trial.suggest_categorical("hidden_sizes", list(widths))],
            "dropout": trial.suggest_float("dropout", 0.0, 0.5),
            "learning_rate": trial.suggest_float("learning_rate", 1e-4, 1e-2, log=True),
            "epochs": trial.suggest_int("epochs", 10, 60, step=10),
        }

    @staticmethod
    def _close(X: pd.DataFrame) -> np.ndarray:
        if "close" not in X.columns:
            raise ValueError("price_predictor: X needs the 'close' column to turn returns into prices")
        return X["close"].to_numpy(dtype=np.float64)

    def _stopping_rows(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
        """(rows to learn from, rows that decide when to stop or None): the newest
        ``stopping_fraction`` of each symbol's rows stop, after a purge gap; none without
        early stopping or where too few rows are left to judge by."""
        if self.patience == 0:
            return np.ones(len(X), dtype=bool), None
        learn, stop = calibration_split(X, horizon=self.horizon, fraction=self.stopping_fraction)
        if learn.sum() < 2 or stop.sum() < 2:
            return np.ones(len(X), dtype=bool), None
        return learn, stop

    def _fit_scaled(self, X, Xs, y, sample_weight=None):  # the network's loss is unweighted
        import torch

        from blofin_assets.ml.models.mlp import MLP, one_torch_thread, pick_device, train

        learn, stop = self._stopping_rows(X)
        log_return = np.log(np.asarray(y, dtype=np.float64) / self._close(X))
        self.target_mean_ = float(log_return[learn].mean())
        self.target_std_ = float(log_return[learn].std()) or 1.0
        z = ((log_return - self.target_mean_) / self.target_std_).astype(np.float32)

        n = int(learn.sum())
        scalable = self._use_scalable(n)
        if scalable:
            epochs = max(1, min(self.scalable_epochs, self.scalable_sample_passes // n))
        else:
            epochs = self.epochs
        batch = self.scalable_batch_size if scalable else self.batch_size
        device = pick_device(self.device)
        # Private generators for the weights and the dropout masks (the batch order's is in
        # train): a fit draws nothing from torch's process-wide state, so folds can train
        # side by side.
        net = MLP(
            Xs.shape[1],
            tuple(self.hidden_sizes),
            self.dropout,
            init_generator=torch.Generator().manual_seed(self.random_state),
            dropout_generator=np.random.default_rng(self.random_state + 1),
        ).to(device)
        stopping = None if stop is None else (Xs[stop], z[stop])
        with one_torch_thread():
            self.stopping_curve_, self.best_epoch_ = train(
                net, (Xs[learn], z[learn]), stopping, epochs=epochs, batch=batch, learning_rate=self.learning_rate,
                patience=self.patience, seed=self.random_state, device=device, name=self.name,
            )
        self.estimator_used_ = f"torch MLP {list(self.hidden_sizes)}, batch {batch}, " + (
            f"{len(self.stopping_curve_)} of at most {epochs} epochs, kept epoch {self.best_epoch_}" if stop is not None else f"{epochs} epochs"
        )
        self.estimator_ = net.cpu()
        self._keep_layers()

    def _keep_layers(self) -> None:
        from torch import nn

        linear = [m for m in self.estimator_.net if isinstance(m, nn.Linear)]
        self.layers_ = [(m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy()) for m in linear]

    def _log_return(self, Xs: np.ndarray) -> np.ndarray:
        """The network in eval mode (dropout off): ReLU between the linear layers.

        In blocks of rows, in place: all at once, the 720k training rows at 1M candles made
        three 128-wide temporaries (1.1 GB) to score in-sample."""
        z = np.empty(len(Xs), dtype=np.float64)
        for start in range(0, len(Xs), PREDICT_BLOCK):
            h = Xs[start : start + PREDICT_BLOCK]
            for weight, bias in self.layers_[:-1]:
                h = h @ weight
                h += bias
                np.maximum(h, 0.0, out=h)
            weight, bias = self.layers_[-1]
            z[start : start + PREDICT_BLOCK] = (h @ weight + bias)[:, 0]
        return self.target_mean_ + self.target_std_ * z

    def predict_log_return(self, X: pd.DataFrame) -> np.ndarray:
        return self._log_return(self._scaled(X))

    def direction_score(self, X: pd.DataFrame) -> np.ndarray:
        return self.predict_log_return(X)

    def _predict_scaled(self, X, Xs):
        return self._close(X) * np.exp(self._log_return(Xs))

    def _calibrate(self, X, y):
        super()._calibrate(X, y)
        # Spread of realized around predicted log return on the calibration rows: with it the
        # predicted return becomes a probability of a higher close (used by the ensemble).
        residual = np.log(np.asarray(y, dtype=np.float64) / self._close(X)) - self.predict_log_return(X)
        self.residual_std_ = float(residual.std()) or 1.0

    def up_probability(self, log_return: np.ndarray) -> np.ndarray:
        """P(higher close) for predicted log returns: Phi(mu / residual std)."""
        return ndtr(np.asarray(log_return) / self.residual_std_)

    def predict_up_probability(self, X: pd.DataFrame) -> np.ndarray:
        return self.up_probability(self.predict_log_return(X))

    def predict_outputs(self, X: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {"predicted_price": self.predict(X), "confidence": self.predict_confidence(X)}, index=X.index
        )

    def output_record(self, row: pd.Series) -> dict:
        return {"predicted_price": float(row["predicted_price"]), "confidence": float(row["confidence"])}

    def _ensemble_scaled(self, Xs):
        expected = self._log_return(Xs)
        return np.column_stack([self.up_probability(expected), expected])

    baseline_name = "no change (price in h candles = close now)"

    def baseline_predictions(self, test: pd.DataFrame, train: pd.DataFrame) -> np.ndarray:
        return test["close"].to_numpy(dtype=np.float64)

    def compare(self, test: pd.DataFrame, train: pd.DataFrame, predicted: np.ndarray) -> dict:
        """Beside "no change" (the price in h candles equals the close now), with R^2 of the
        implied log return and directional accuracy: price levels differ 400x between symbols,
        so pooled R^2 on prices is near 1 for any sane forecast. The direction it implies
        (higher close or not; ties count as down) is judged as a classifier's is, beside chance
        agreement, its skill in ``direction_skill``."""
        y, close = test[self.target].to_numpy(), test["close"].to_numpy()
        report = compare_regression(y, predicted, close, self.baseline_name)
        report["model"]["return_r2"] = float(r2_score(np.log(y / close), np.log(predicted / close)))
        report["baseline"]["return_r2"] = float(r2_score(np.log(y / close), np.zeros(len(y))))
        direction = compare_classification(y > close, np.asarray(predicted) > close)
        report["model"]["directional_accuracy"] = direction["model"]["accuracy"]
        report["baseline"]["directional_accuracy"] = direction["baseline"]["accuracy"]
        report["direction_skill"] = direction["skill"]
        return report

    def chart_values(self, values: np.ndarray, close: np.ndarray) -> np.ndarray:
        return np.log(np.asarray(values, dtype=np.float64) / np.asarray(close, dtype=np.float64))

    def fitted_summary(self) -> dict:
        return {
            **super().fitted_summary(),
            "target_mean": self.target_mean_,
            "target_std": self.target_std_,
            "residual_std": self.residual_std_,
            "best_epoch": self.best_epoch_,
            "stopping_curve": self.stopping_curve_,
        }

    def _save_estimator(self, path):
        import torch

        torch.save(self.estimator_.state_dict(), path)

    def _load_estimator(self, path, fitted):
        import torch

        from blofin_assets.ml.models.mlp import MLP

        net = MLP(self.n_features_in_, tuple(self.hidden_sizes), self.dropout)
        net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        net.eval()
        self.estimator_ = net
        self._keep_layers()
        self.target_mean_ = float(fitted["target_mean"])
        self.target_std_ = float(fitted["target_std"])
        self.residual_std_ = float(fitted["residual_std"])
        self.best_epoch_ = fitted.get("best_epoch")  # absent in models saved before early stopping
        self.stopping_curve_ = fitted.get("stopping_curve", [])

