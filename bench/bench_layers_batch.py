"""Batches of several universes: one masked layer call against a loop over universes, and the GAT's graph precompute.

On the shared S&P 500 data (`portfolio_nb.data.shared_dataset()`, 505 tickers with real late listings and
delistings, so the dates of a batch hold different universes; the script skips with a message where it is absent),
all in one run, on the CPU:

1. xLSTM-TS at its `cpu-small` preset, a batch of 16 training samples drawn across 2015-2017. The reference is the
   former `solve_by_universe`: the convex layer for n assets run once per distinct universe of the batch, on its
   rows' valid assets. The new path is one layer for all N assets, called once with the batch's mask.
   - layer stage: forward and backward of the training loss (negative Sharpe + risk calibration) from the
     network's forecasts (mu, factor, diag of the batch, fixed), the part of the step that changed; median of
     `--repeats`;
   - full step: forward and backward of the loss through the whole network (encoder included), median of
     `--full-repeats`.
   Each prints both timings, their ratio, and the max |difference| of the weights and of the gradients (with
   respect to the forecasts, and with respect to every network parameter for the full step).
2. The GAT at its `cpu-small` preset: seconds per training epoch (same samples, seed and initial weights) with
   (a) the per-universe layer loop and the graph built in every forward pass from the batch's return windows (the
   former code; the same graph, here through `sample_graphs` and `batch_graph`), (b) the masked layer and the graph
   built in every forward pass, (c) the masked layer and each sample's graph computed once (`sample_graphs`, the
   model's inputs now); median of `--epochs`, and the one-off cost of the precompute.
3. `return_windows` for one decision at the end of the history against the former full-history `nan_to_num`.

Timings are medians; other processes may share the machine (its load average is printed). torch runs on `--threads`
threads (default 1): on this 2-core machine shared with other processes, 2 OpenMP threads made the same GAT epoch take
anywhere from 5 to 23 s (CPU time too, from spinning), against a steady 1.2-1.4 s on one thread.

Run: python bench/bench_layers_batch.py [--repeats 9] [--full-repeats 3] [--epochs 7] [--threads 1]
"""
import argparse, copy, os, platform, statistics, time
import numpy as np, pandas as pd, torch
from portfolio_nb.data import load_panel, shared_dataset
from portfolio_nb.losses import SharpeRatioLoss
from portfolio_nb.models.gat import GATPortfolioModel, return_windows, sample_graphs
from portfolio_nb.models.xlstm import XLSTMPortfolioModel, risk_nll
from portfolio_nb.training import Trainer, chronological_split, seed_everything

class PerUniverse(torch.nn.Module):
    "The reference (the former `solve_by_universe`): the layer for each universe's n assets, on the rows that share it."
    def __init__(self, layer_for): super().__init__(); self.layer_for = layer_for
    def forward(self, mu, factor, diag, mask):
        w = mu.new_zeros(mask.shape)
        for universe in mask.unique(dim=0):
            r, cols = (mask == universe).all(1), universe.nonzero()[:, 0]
            wr = self.layer_for(len(cols))(mu[r][:, cols], factor[r][:, cols], diag[r][:, cols])
            w = w.index_put((r.nonzero()[:, :1].expand(-1, len(cols)), cols.expand(int(r.sum()), -1)), wr)
        return w

def per_universe(net):
    "`net` with its convex layer replaced by the per-universe loop over the same layers."
    layer_for = net.layer
    net.layer = lambda n: PerUniverse(layer_for)
    return net

def interleaved(calls: dict, repeats: int) -> tuple[dict, dict]:
    "Median seconds of each of `calls` (name: function), timed in turns so that a change of load hits all alike; their last results."
    times, outs = {k: [] for k in calls}, {}
    for _ in range(repeats):
        for k, f in calls.items():
            t = time.perf_counter(); outs[k] = f(); times[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}, outs

def max_diff(a, b): return max((x - y).abs().max().item() for x, y in zip(a, b))

def training_samples(model, panel):
    "The model's training samples ending in 2015-2017."
    model.train_lookback_days = None
    return model.training_samples(panel, (pd.Timestamp('2015-01-02'), pd.Timestamp('2017-12-29')))

def xlstm_step(panel, repeats, full_repeats):
    model = XLSTMPortfolioModel('cpu-small')
    cube, X, mask, Y, ends, keep = training_samples(model, panel)
    b = torch.from_numpy(np.sort(np.random.default_rng(0).choice(keep, 16, replace=False)))
    x, m, y = X[b], mask[b], Y[b]
    print(f"xLSTM-TS cpu-small: batch of 16 samples from {cube.dates[ends[b[0]]].date()} to {cube.dates[ends[b[-1]]].date()}, "
          f"{len(m.unique(dim=0))} distinct universes, {m.sum(1).min().item()}-{m.sum(1).max().item()} of {m.shape[1]} assets valid")
    seed_everything(0)
    net = model.build_network(X.shape[-1])
    ref = per_universe(copy.deepcopy(net))
    with torch.no_grad(): _, forecasts = net(x, m)
    realized = torch.where(m, torch.nan_to_num(y).sum(-1), 0.0)

    def layer_stage(n):
        inputs = [t.clone().requires_grad_() for t in forecasts]
        w = n.layer(m.shape[1])(*inputs, m)
        loss = SharpeRatioLoss()(w, y, m) + risk_nll(inputs[1], inputs[2], realized, m)
        return w.detach(), torch.autograd.grad(loss, inputs)

    interleaved({'ref': lambda: layer_stage(ref), 'new': lambda: layer_stage(net)}, 1)  # warm-up
    t, out = interleaved({'ref': lambda: layer_stage(ref), 'new': lambda: layer_stage(net)}, repeats)
    (w_ref, g_ref), (w_new, g_new) = out['ref'], out['new']
    print(f"  layer stage (loss from the forecasts, fwd+bwd), median of {repeats}: per-universe loop {t['ref']:.3f} s, "
          f"masked batch call {t['new']:.3f} s, ratio {t['ref'] / t['new']:.1f}x")
    print(f"    max |dw| {(w_new - w_ref).abs().max().item():.1e}, max |d grad| w.r.t. (mu, factor, diag) {max_diff(g_new, g_ref):.1e} "
          f"(largest gradient entry {max(g.abs().max().item() for g in g_ref):.1e})")

    def full_step(n):
        n.zero_grad(set_to_none=True)
        model.loss(n, x, m, y).backward()
        return {k: p.grad.clone() for k, p in n.named_parameters() if p.grad is not None}
    t, out = interleaved({'ref': lambda: full_step(ref), 'new': lambda: full_step(net)}, full_repeats)
    g_ref, g_new = out['ref'], out['new']
    with torch.no_grad(): dw = (net(x, m)[0] - ref(x, m)[0]).abs().max().item()
    print(f"  full training step (encoder + layer + loss, fwd+bwd), median of {full_repeats}: per-universe loop {t['ref']:.1f} s, "
          f"masked batch call {t['new']:.1f} s, ratio {t['ref'] / t['new']:.2f}x")
    print(f"    max |dw| {dw:.1e}, max |d grad| over the {len(g_new)} parameters {max_diff(g_new.values(), (g_ref[k] for k in g_new)):.1e}")

def gat_epochs(panel, epochs):
    model = GATPortfolioModel('cpu-small')
    t = time.perf_counter()
    cube, X, mask, Y, ends, keep = training_samples(model, panel)
    t_samples = time.perf_counter() - t
    tr, _ = chronological_split(ends[keep], model.train_config.val_fraction, embargo=model.embargo_days)
    x, R, edges, rho = X
    t_graphs = interleaved({'graphs': lambda: sample_graphs(R, mask, 5)}, 3)[0]['graphs']
    print(f"GAT cpu-small: {len(keep)} samples ({len(tr)} in training, batches of {model.train_config.batch_size}), "
          f"{mask.shape[1]} assets, edge lists {tuple(edges.shape)}; building the samples took {t_samples:.1f} s, "
          f"of which the graphs of all samples {t_graphs:.2f} s (median of 3)")
    seed_everything(0)
    net0 = model.build_network(x.shape[-1])
    variants = {'(a) per-universe layer loop, graph in every forward': (lambda: per_universe(copy.deepcopy(net0)), (x, R)),
                '(b) masked layer, graph in every forward': (lambda: copy.deepcopy(net0), (x, R)),
                '(c) masked layer, graph computed once per sample': (lambda: copy.deepcopy(net0), X)}

    def epoch(make_net, inputs):
        trainer = Trainer(make_net(), model.loss, model.metric, model.train_config, progress=False)
        seed_everything(0)
        return trainer.train_epoch(inputs, mask, Y, keep[tr], np.random.default_rng(0))
    calls = {k: (lambda v=v: epoch(*v)) for k, v in variants.items()}
    interleaved(calls, 1)  # warm-up
    times, losses = interleaved(calls, epochs)
    base = times[next(iter(variants))]
    for k in variants:
        print(f"  {k:52s} {times[k]:6.2f} s per epoch (median of {epochs}), {base / times[k]:4.2f}x vs (a), mean loss {losses[k]:.6f}")

def windows_cost(panel):
    lookback, date = 60, panel.dates[-1:]
    def former():
        R = torch.from_numpy(np.nan_to_num(panel.returns.to_numpy(np.float32)))
        return R.unfold(0, lookback, 1)[torch.from_numpy(np.array([len(panel.dates) - lookback]))]
    t, out = interleaved({'former': former, 'new': lambda: return_windows(panel, date, lookback)}, 21)
    assert torch.equal(out['former'], out['new'])
    print(f"return_windows, one decision after {len(panel.dates)} days of history (median of 21): full-history nan_to_num "
          f"{1e3 * t['former']:.2f} ms, rows of the window only {1e3 * t['new']:.2f} ms, ratio {t['former'] / t['new']:.1f}x (same windows)")

def main(repeats, full_repeats, epochs, threads):
    folder = shared_dataset()
    if folder is None:
        print("the shared dataset (shared/data/sp500_2013_2018) is not here: nothing to measure"); return
    torch.set_num_threads(threads)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads, "
          f"torch {torch.__version__}, no GPU used; load average at start {os.getloadavg()[0]:.1f}")
    panel = load_panel(folder, verbose=False)
    windows_cost(panel)
    gat_epochs(panel, epochs)
    xlstm_step(panel, repeats, full_repeats)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=9, help='timed passes of the layer stage')
    ap.add_argument('--full-repeats', type=int, default=3, help='timed full xLSTM training steps')
    ap.add_argument('--epochs', type=int, default=7, help='timed GAT epochs per variant')
    ap.add_argument('--threads', type=int, default=1, help='torch threads')
    a = ap.parse_args()
    main(a.repeats, a.full_repeats, a.epochs, a.threads)
