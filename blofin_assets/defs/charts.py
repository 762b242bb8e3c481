"""Charts for asset metadata. The UI draws a markdown entry shorter than ``INLINE_LIMIT``
characters in place and hides a longer one behind a "[Show Markdown]" link, so the pictures a
user opens a page for are small markdown tables with text bars (``*_table``), and the detailed
PNG charts (matplotlib, no display needed), far longer as base64, sit one click deep."""

from __future__ import annotations

import base64
import io
import textwrap

import matplotlib
import numpy as np
import pandas as pd

matplotlib.use("Agg")  # never open a window, work on servers without a display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


INLINE_LIMIT = 1000  # Dagster 1.13's UI: markdown metadata under this length renders inline
BLOCKS = " ▏▎▍▌▋▊▉█"


def text_bar(value: float, scale: float, width: int = 16) -> str:
    """A bar of ``width`` characters at ``value == scale``, in eighths of a character."""
    if not scale > 0 or not value > 0:
        return ""
    eighths = round(min(value / scale, 1.0) * width * 8)
    return "█" * (eighths // 8) + BLOCKS[eighths % 8].strip()


def inline(markdown: str) -> str:
    if len(markdown) >= INLINE_LIMIT:
        raise ValueError(f"{len(markdown)} characters would not show inline (limit {INLINE_LIMIT})")
    return markdown


def importance_table(importance: dict[str, float], top: int = 8) -> str:
    """The ``top`` features by loss increase, each with a bar (none where shuffling helped)."""
    items = sorted(importance.items(), key=lambda kv: -kv[1])[:top]
    scale = max((v for _, v in items), default=0.0)
    rows = [f"| {k} | {v:.3g} | {text_bar(v, scale)} |" for k, v in items]
    return inline("\n".join(["| feature | loss increase | |", "| --- | --- | --- |", *rows]))


def confusion_table(actual, predicted, labels: list[str]) -> str:
    """Counts of (actual, predicted) pairs, with the share of each actual row."""
    counts = confusion_counts(actual, predicted, len(labels))
    totals = counts.sum(axis=1)
    rows = [
        f"| **{label}** | " + " | ".join(f"{c} ({c / max(totals[i], 1):.0%})" for c in counts[i]) + " |"
        for i, label in enumerate(labels)
    ]
    header = "| actual ↓ predicted → | " + " | ".join(labels) + " |"
    return inline("\n".join([header, "| --- " * (len(labels) + 1) + "|", *rows]))


def calibration_table(actual, predicted, unit: str, bins: int = 5) -> str:
    """Held-out rows in ``bins`` equal groups by prediction (q1 lowest): mean predicted beside
    mean actual (equal when calibrated) and the mean absolute error, in ``unit``."""
    frame = pd.DataFrame({"actual": np.asarray(actual, float), "predicted": np.asarray(predicted, float)}).dropna()
    frame["group"] = pd.qcut(frame["predicted"].rank(method="first"), min(bins, len(frame)), labels=False)
    frame["abs_error"] = (frame["actual"] - frame["predicted"]).abs()
    table = frame.groupby("group")[["predicted", "actual", "abs_error"]].mean()
    rows = [f"| q{i + 1} | {r.predicted:.3g} | {r.actual:.3g} | {r.abs_error:.3g} |" for i, r in enumerate(table.itertuples(index=False))]
    return inline("\n".join([f"| {unit} | predicted | actual | abs err |", "| --- | --- | --- | --- |", *rows]))


def confusion_counts(actual, predicted, k: int):
    counts = np.zeros((k, k), dtype=int)
    for a, p in zip(actual, predicted):
        counts[int(a), int(p)] += 1
    return counts


DPI = 80  # a validation's two charts, one above the other, fit a 900-pixel-high dialog


def to_png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    plt.close(figure)
    return buffer.getvalue()


def markdown_image(png: bytes, alt: str) -> str:
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"


MAX_EQUITY_PANELS = 6


def equity_chart(curves: dict[str, dict[str, list[float]]], title: str, marks: dict[str, list[int]] | None = None, xlabel: str = "bars of the held-out period") -> bytes:
    """Each symbol's equity lines (the first one the strategy's) above the strategy's drawdown,
    in a grid of at most three columns (over ``MAX_EQUITY_PANELS`` symbols, one panel of their
    mean), with a dotted line at each of the symbol's ``marks`` (bar positions: the replay's
    retraining dates). The UI shows the PNG at its own size in a dialog, so the figure is capped
    at about 810 x 600 pixels to keep the dialog's Close button on a laptop screen."""
    marks = marks or {}
    if len(curves) > MAX_EQUITY_PANELS:
        marks = {f"mean of {len(curves)} symbols": next(iter(marks.values()), [])}
        curves = {f"mean of {len(curves)} symbols": mean_curves(curves)}
    n = max(1, len(curves))
    cols = min(3, n)
    rows = -(-n // cols)
    figure, axes = plt.subplots(
        2 * rows, cols, figsize=(min(9.0, 3.2 * cols + 1), min(6.4, 2.9 * rows + 0.8)), squeeze=False,
        gridspec_kw={"height_ratios": [2, 1] * rows}, sharex="col",
    )
    for k, (symbol, lines) in enumerate(curves.items()):
        top, bottom = axes[2 * (k // cols), k % cols], axes[2 * (k // cols) + 1, k % cols]
        for label, values in lines.items():
            top.plot(values, label=label, linewidth=1.0)
        top.axhline(1.0, color="grey", linewidth=0.6)
        top.set_title(symbol, fontsize=8)
        strategy = np.asarray(next(iter(lines.values())), dtype=float)
        bottom.fill_between(np.arange(len(strategy)), strategy / np.maximum.accumulate(strategy) - 1.0, 0.0, color="tab:red", alpha=0.4, linewidth=0)
        bottom.set_ylabel("drawdown", fontsize=7)
        for ax in (top, bottom):
            ax.tick_params(labelsize=7)
            for x in marks.get(symbol, []):
                ax.axvline(x, color="grey", linewidth=0.5, linestyle=":")
    for k in range(n, rows * cols):
        axes[2 * (k // cols), k % cols].set_visible(False)
        axes[2 * (k // cols) + 1, k % cols].set_visible(False)
    axes[0, 0].legend(fontsize=7, loc="upper left")
    figure.supxlabel(f"{xlabel} (equity, 1 = start)", fontsize=8)
    figure.suptitle("\n".join(textwrap.wrap(title, 110)), fontsize=8)
    figure.tight_layout()
    return to_png(figure)


def mean_curves(curves: dict[str, dict[str, list[float]]]) -> dict[str, list[float]]:
    """Each line's mean over symbols, on the bars they all have."""
    labels = next(iter(curves.values())).keys()
    length = min(len(values) for lines in curves.values() for values in lines.values())
    return {label: np.mean([lines[label][:length] for lines in curves.values()], axis=0).tolist() for label in labels}


def importance_chart(importance: dict[str, float], title: str) -> bytes:
    """Horizontal bars, most important at the top."""
    items = sorted(importance.items(), key=lambda kv: kv[1])
    figure, ax = plt.subplots(figsize=(6.5, 0.22 * len(items) + 1))
    ax.barh([k for k, _ in items], [v for _, v in items], color=["tab:blue" if v > 0 else "tab:gray" for _, v in items])
    ax.axvline(0, color="black", linewidth=0.6)
    # Few ticks in scientific notation: losses rise by 1e-4-sized amounts, whose plain labels
    # ran into each other.
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
    ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))
    ax.set_xlabel("rise in held-out loss when the feature is shuffled")
    ax.set_title(title, fontsize=10)
    figure.tight_layout()
    return to_png(figure)


def confusion_chart(actual, predicted, labels: list[str], title: str) -> bytes:
    """Counts of (actual, predicted) pairs, with the share of each actual row in brackets."""
    k = len(labels)
    counts = confusion_counts(actual, predicted, k)
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
