"""The price model's network: ReLU layers with dropout, trained by Adam on mean squared error
with early stopping. Every random draw (weights, dropout masks, batch order) comes from the
fit's own seeded generators, never from torch's process-wide one, so two networks can train
side by side in threads and each gives what it gives alone."""

from __future__ import annotations

import logging
import math
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn
from torch.optim.adam import adam

from blofin_assets.ml.fit_label import labelled

log = logging.getLogger(__name__)


@contextmanager
def one_torch_thread():
    """Train on one torch intra-op thread. Results then do not depend on the core count: on
    AVX-512 machines one and two threads sum a layer's gradients in different orders, so the
    same fit gave other weights alone than beside a second one. At these network sizes one
    thread is as fast (one fit at 100k candles 0.68 against 0.64 s on two, at 1M 1.9-2.3
    against 1.7-2.5 s; at 5k 0.07 against 0.13-0.17 s). torch's count belongs to the calling
    thread and seeds the threads started while it is set; it is restored afterwards."""
    before = torch.get_num_threads()
    if before == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class SeededDropout(nn.Module):
    """Dropout whose masks come from its own numpy generator, not torch's process-wide one: two
    networks then train side by side in threads and each gets the same masks as alone.

    numpy draws them: torch's CPU generator (Mersenne Twister, one number at a time) made the
    masks three quarters of a training epoch (at 90k rows 0.58 s an epoch, 0.11 s without
    dropout, 0.16 s with these); a 2048 x 128 mask 2.3 ms there, 0.37 ms as 16-bit integers from
    numpy's PCG64. A unit is kept when its integer is at least p * 65536, rounded: p is exact to
    1/65536."""

    def __init__(self, p: float, generator: np.random.Generator | None = None):
        super().__init__()
        self.p, self.generator = p, generator
        self._threshold = round(p * 65536)
        self._scale = np.float32(1.0 / (1.0 - p))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        draws = (self.generator or np.random.default_rng()).integers(0, 65536, tuple(x.shape), dtype=np.uint16)
        return x * torch.from_numpy((draws >= self._threshold) * self._scale).to(x.device)


class MLP(nn.Module):
    """ReLU layers with dropout. ``init_generator`` seeds the weights (torch's own scheme:
    Kaiming-uniform weights, biases uniform in +-1/sqrt(fan_in)); ``dropout_generator`` the
    dropout masks. Without them (loading saved weights) nothing is drawn that matters."""

    def __init__(
        self,
        n_inputs: int,
        hidden_sizes=(128, 64, 32),
        dropout: float = 0.2,
        init_generator: torch.Generator | None = None,
        dropout_generator: np.random.Generator | None = None,
    ):
        super().__init__()
        layers: list[nn.Module] = []
        width = n_inputs
        for size in hidden_sizes:
            layers += [self._linear(width, size, init_generator), nn.ReLU(), SeededDropout(dropout, dropout_generator)]
            width = size
        layers.append(self._linear(width, 1, init_generator))
        self.net = nn.Sequential(*layers)

    @staticmethod
    def _linear(n_in: int, n_out: int, generator: torch.Generator | None) -> nn.Linear:
        layer = nn.utils.skip_init(nn.Linear, n_in, n_out)
        with torch.no_grad():
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
            bound = 1.0 / math.sqrt(n_in)
            nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
        return layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


def pick_device(device: str = "auto") -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


class EagerAdam:
    """torch's Adam, stepped through its functional form (``torch.optim.adam.adam``, the
    arithmetic ``torch.optim.Adam`` runs on the CPU: one tensor at a time, default betas and
    eps, no weight decay). ``torch.optim.Optimizer``'s methods import torch.compile's machinery
    (``torch._dynamo``: 3.4 s) on their first call in a process, to stay out of compiled
    graphs; nothing here is compiled, and every process that trains this network (a run, a
    replay worker) would pay it."""

    def __init__(self, params, lr: float):
        self.params = list(params)
        self.lr = lr
        self.exp_avgs = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]
        self.exp_avg_sqs = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]
        self.steps = [torch.tensor(0.0) for _ in self.params]

    def zero_grad(self) -> None:
        for param in self.params:
            param.grad = None

    @torch.no_grad()
    def step(self) -> None:
        adam(
            self.params, [p.grad for p in self.params], self.exp_avgs, self.exp_avg_sqs, [], self.steps,
            foreach=False, amsgrad=False, beta1=0.9, beta2=0.999, lr=self.lr, weight_decay=0.0, eps=1e-8, maximize=False,
        )


def train(
    net: MLP,
    learning: tuple[np.ndarray, np.ndarray],
    stopping: tuple[np.ndarray, np.ndarray] | None,
    *,
    epochs: int,
    batch: int,
    learning_rate: float,
    patience: int,
    seed: int,
    device: torch.device,
    name: str,
) -> tuple[list[float], int]:
    """Train ``net`` (in place) on the ``learning`` rows (inputs, float32 targets) for at most
    ``epochs``. With ``stopping`` rows, stop once ``patience`` epochs bring no lower error
    there and keep the best epoch's weights. Returns (error on the stopping rows after each
    epoch, the epoch whose weights were kept)."""
    optimizer = EagerAdam(net.parameters(), lr=learning_rate)
    inputs, targets = (torch.from_numpy(a).to(device) for a in learning)
    if stopping is not None:
        stop_inputs, stop_targets = (torch.from_numpy(a).to(device) for a in stopping)
    generator = torch.Generator().manual_seed(seed)
    n = len(inputs)
    curve: list[float] = []
    best_epoch, best_state, since_best = epochs, None, 0
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(n, generator=generator).to(device)
        total = 0.0
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(net(inputs[idx]), targets[idx])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        progress = f"{labelled(name)} epoch {epoch + 1}/{epochs}: train MSE {total / n:.4f}"
        if stopping is not None:
            net.eval()
            with torch.no_grad():
                stop_loss = float(nn.functional.mse_loss(net(stop_inputs), stop_targets))
            progress += f", stopping rows MSE {stop_loss:.4f}"
            if stop_loss < min(curve, default=np.inf):
                best_state = [p.detach().clone() for p in net.parameters()]
                best_epoch, since_best = epoch + 1, 0
            else:
                since_best += 1
            curve.append(stop_loss)
        if stopping is not None or epoch == 0 or (epoch + 1) % 10 == 0 or epoch + 1 == epochs:
            log.info("%s", progress)
        if stopping is not None and since_best >= patience:
            log.info("%s: no better on the stopping rows for %d epochs; keeping epoch %d", labelled(name), patience, best_epoch)
            break
    if best_state is not None:
        with torch.no_grad():
            for param, best in zip(net.parameters(), best_state):
                param.copy_(best)
    net.eval()
    return curve, best_epoch
