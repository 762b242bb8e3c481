"""Charts for asset metadata: PNG images embedded in markdown (matplotlib, no display needed)."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")  # never open a window, work on servers without a display
import matplotlib.pyplot as plt  # noqa: E402


def to_png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def markdown_image(png: bytes, alt: str) -> str:
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"


def equity_chart(curves: dict[str, dict[str, list[float]]], title: str) -> bytes:
    """One panel per symbol, each with the strategy's and buy-and-hold's equity."""
    n = max(1, len(curves))
    figure, axes = plt.subplots(n, 1, figsize=(8, 2.4 * n), squeeze=False)
    for ax, (symbol, lines) in zip(axes[:, 0], curves.items()):
        for label, values in lines.items():
            ax.plot(values, label=label, linewidth=1.2)
        ax.axhline(1.0, color="grey", linewidth=0.6)
        ax.set_title(symbol, fontsize=9)
        ax.set_ylabel("equity")
        ax.legend(fontsize=7, loc="upper left")
    axes[-1, 0].set_xlabel("bars of the held-out period")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return to_png(figure)


def importance_chart(importance: dict[str, float], title: str) -> bytes:
    """Horizontal bars, most important at the top."""
    items = sorted(importance.items(), key=lambda kv: kv[1])
    figure, ax = plt.subplots(figsize=(6, 0.28 * len(items) + 1))
    ax.barh([k for k, _ in items], [v for _, v in items], color=["tab:blue" if v > 0 else "tab:gray" for _, v in items])
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("rise in held-out loss when the feature is shuffled")
    ax.set_title(title, fontsize=10)
    figure.tight_layout()
    return to_png(figure)


def confusion_chart(actual, predicted, labels: list[str], title: str) -> bytes:
    """Counts of (actual, predicted) pairs, with the share of each actual row in brackets."""
    import numpy as np

    k = len(labels)
    counts = np.zeros((k, k), dtype=int)
    for a, p in zip(actual, predicted):
        counts[int(a), int(p)] += 1
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    figure, ax = plt.subplots(figsize=(1.6 * k + 1.5, 1.4 * k + 1))
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i in range(k):
        for j in range(k):
            ax.text(j, i, f"{counts[i, j]}\n({shares[i, j]:.0%})", ha="center", va="center", fontsize=8)
    ax.set_xticks(range(k), labels)
    ax.set_yticks(range(k), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    ax.set_title(title, fontsize=10)
    figure.tight_layout()
    return to_png(figure)


def prediction_chart(actual, predicted, title: str, unit: str) -> bytes:
    """Predicted against actual (the diagonal is perfect), and the residuals' distribution."""
    import numpy as np

    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    left.scatter(actual, predicted, s=4, alpha=0.4)
    low, high = np.nanmin([actual.min(), predicted.min()]), np.nanmax([actual.max(), predicted.max()])
    left.plot([low, high], [low, high], color="black", linewidth=0.8)
    left.set_xlabel(f"actual {unit}")
    left.set_ylabel(f"predicted {unit}")
    left.set_title("predicted vs actual", fontsize=9)
    right.hist(actual - predicted, bins=50, color="tab:gray")
    right.axvline(0, color="black", linewidth=0.8)
    right.set_xlabel(f"residual (actual - predicted) {unit}")
    right.set_title("residuals", fontsize=9)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return to_png(figure)


def trials_chart(trials, model: str) -> bytes:
    """Each trial's score (mean fold skill) in the order they ran, and the best so far."""
    import numpy as np

    figure, ax = plt.subplots(figsize=(7, 3.2))
    done = trials[trials["state"] == "complete"]
    ax.scatter(done["trial"], done["score"], s=14, label="trial")
    if len(done):
        ax.plot(done["trial"], np.maximum.accumulate(done["score"].to_numpy()), color="black", linewidth=1, label="best so far")
    ax.axhline(0, color="grey", linewidth=0.6)
    ax.set_xlabel("trial")
    ax.set_ylabel("cross-validated skill")
    ax.set_title(f"{model}: {len(trials)} trials ({len(done)} complete)", fontsize=10)
    ax.legend(fontsize=7)
    figure.tight_layout()
    return to_png(figure)
