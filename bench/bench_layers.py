"""Convex portfolio layers: forward + backward time of the fast backend against cvxpylayers, in one run (CPU).

Batch 32, k = 5 factors, n = 20, 100 and 400 assets, max_weight = 0.1, daily-scale random problems
(mu around 5 bp, factor loadings ~ 1%, specific volatility 1-3%). For each layer and size: seconds per batch for a
forward pass and the backward pass of a random linear function of the weights (median over repeats), the ratio,
and how closely the backends agree: max |weight difference| and the max relative gradient difference (over mu,
factor and diag, relative to the largest entry of each gradient). cvxpylayers uses the layer's defaults (SCS
eps 1e-10, diffcp's dense derivative), which take seconds per batch at n = 400, so it is timed `--cvx-repeats` times
there (default 1).

Run: python bench/bench_layers.py [--repeats 5] [--cvx-repeats 1]
"""
import argparse, os, platform, statistics, time
import torch
from portfolio_nb.layers import MaxSharpeLayer, MeanVarianceLayer
from portfolio_nb.testing import layer_problems

def problems(B, n, k, seed=0):
    "A random batch of problems and a random direction to differentiate the weights along."
    return *layer_problems(B, n, k, seed), torch.randn(B, n, generator=torch.Generator().manual_seed(seed + 1), dtype=torch.float64)

def forward_backward(layer, mu, factor, diag, direction):
    "Seconds for one forward and backward pass, the weights and the gradients."
    inputs = [x.clone().requires_grad_() for x in (mu, factor, diag)]
    t0 = time.perf_counter()
    w = layer(*inputs)
    grads = torch.autograd.grad((w * direction).sum(), inputs)
    return time.perf_counter() - t0, w.detach(), grads

def timed(layer, data, repeats):
    "Median seconds over `repeats` passes after a warm-up pass, with the last weights and gradients."
    forward_backward(layer, *data)
    runs = [forward_backward(layer, *data) for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), runs[-1][1], runs[-1][2]

def main(repeats, cvx_repeats):
    B, k = 32, 5
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; batch {B}, {k} factors; seconds per batch (forward + backward)")
    print(f"{'layer':18} {'n':>4} {'fast s':>9} {'cvxpylayers s':>14} {'ratio':>7} {'max |dw|':>9} {'max rel dgrad':>14}")
    for n in (20, 100, 400):
        data = problems(B, n, k)
        for make in (lambda b: MeanVarianceLayer(n, backend=b), lambda b: MaxSharpeLayer(n, backend=b)):
            t_fast, w_fast, g_fast = timed(make('fast'), data, repeats)
            t_cvx, w_cvx, g_cvx = timed(make('cvxpylayers'), data, cvx_repeats if n == 400 else repeats)
            gap = max(((a - b).abs().max() / b.abs().max()).item() for a, b in zip(g_fast, g_cvx))
            print(f"{type(make('fast')).__name__:18} {n:4d} {t_fast:9.4f} {t_cvx:14.3f} {t_cvx / t_fast:6.0f}x "
                  f"{(w_fast - w_cvx).abs().max().item():9.1e} {gap:14.1e}")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--cvx-repeats', type=int, default=1, help='timed passes of cvxpylayers at n = 400')
    args = ap.parse_args()
    main(args.repeats, args.cvx_repeats)
