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
