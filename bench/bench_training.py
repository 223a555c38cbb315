"""Training throughput of one epoch: the project's path against the seeds' way, in one run (CPU).

400 assets, L=60, F=5 (the LSTM feature set on a synthetic panel with volume; timing only), one epoch of
LSTMPortfolioNetwork (hidden 32, 1 layer, bidirectional, 2 heads) on the Sharpe loss, batch 32.
- project: windows are a strided view of the feature cube, a chronological split with an embargo, each batch
  gathers its windows, and only valid assets are encoded;
- seeds' way: every window materialized per date into a TensorDataset, random_split, DataLoader(shuffle=True),
  every asset encoded.
Each path runs in a fresh process; prints windows/s and the peak RSS, and their ratios.

Run: python bench/bench_training.py
"""
import multiprocessing as mp, statistics, threading, time
import numpy as np, pandas as pd, torch

def rss_mib():
    with open('/proc/self/status') as f: return next(int(l.split()[1]) / 1024 for l in f if l.startswith('VmRSS'))

def synthetic_panel(T=450, N=400, seed=0):
    from portfolio_nb.data import panel_from_frames
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range('2010-01-04', periods=T, name='date')
    r = pd.DataFrame(rng.normal(3e-4, 0.02, (T, N)), dates, [f"S{i:03d}" for i in range(N)])
    late = rng.choice(N, N // 10, replace=False)  # 10% listed later, as in real universes
    for j, start in zip(late, rng.integers(100, T - 100, len(late))): r.iloc[:start, j] = np.nan
    px = 20 * (1 + r.fillna(0)).cumprod().where(r.notna())
    return panel_from_frames(r, px, px * 0 + rng.lognormal(13, 0.5, (T, N)))

def run(path, q):
    torch.manual_seed(0); torch.set_num_threads(2)
    from portfolio_nb.features import FeatureConfig, compute_features, make_windows, make_targets
    from portfolio_nb.losses import SharpeRatioLoss
    from portfolio_nb.models.lstm import LSTMModelConfig, LSTMPortfolioNetwork
    from portfolio_nb.training import TrainConfig, Trainer, chronological_split
    panel = synthetic_panel()
    cfg = FeatureConfig()
    cube = compute_features(panel, cfg, verbose=False)
    ends = cube.dates[cfg.sequence_length - 1: -cfg.forecast_horizon]
    net = LSTMPortfolioNetwork(LSTMModelConfig(input_size=5, hidden_size=32, num_layers=1, attention_heads=2))
    loss = SharpeRatioLoss()
    peak, done = [rss_mib()], threading.Event()
    def sample():
        while not done.is_set(): peak[0] = max(peak[0], rss_mib()); time.sleep(0.005)
    threading.Thread(target=sample, daemon=True).start()
    t = time.perf_counter()
    if path == 'project':
        X, mask = make_windows(cube, ends)
        Y = make_targets(panel, ends, cfg.forecast_horizon)
        tr, va = chronological_split(np.arange(len(ends)), 0.2, embargo=cfg.forecast_horizon)
        trainer = Trainer(net, lambda n, x, m, y: loss(n(x, m)[0], y, m), None, TrainConfig(batch_size=32), progress=False)
        trainer.train_epoch(X, mask, Y, tr, np.random.default_rng(0))
        n = len(tr)
    else:
        from torch.utils.data import TensorDataset, DataLoader, random_split
        vals = torch.from_numpy(cube.values)
        pos = cube.dates.get_indexer(ends)
        X = torch.stack([vals[p - cfg.sequence_length + 1: p + 1].permute(1, 0, 2).clone() for p in pos])  # per-date copies
        mask = torch.ones(X.shape[:2], dtype=torch.bool)  # the seeds encode every asset
        Y = make_targets(panel, ends, cfg.forecast_horizon)
        train, _ = random_split(TensorDataset(X, mask, Y), [0.8, 0.2], generator=torch.Generator().manual_seed(0))
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        net.train()
        for x, m, y in DataLoader(train, batch_size=32, shuffle=True):
            opt.zero_grad(); l = loss(net(x, m)[0], y, m); l.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0); opt.step()
        n = len(train)
    secs = time.perf_counter() - t
    done.set()
    q.put((n / secs, peak[0], n))

if __name__ == '__main__':
    ctx, out = mp.get_context('spawn'), {}
    for path in ('project', 'seeds'):
        q = ctx.Queue(); p = ctx.Process(target=run, args=(path, q)); p.start(); out[path] = q.get(); p.join()
    (tp, mp_, n1), (ts, ms, n2) = out['project'], out['seeds']
    print(f"one epoch, 400 assets, L=60, F=5, batch 32 (CPU, {torch.get_num_threads()} threads):")
    print(f"  project: {tp:.1f} windows/s over {n1} training windows, peak RSS {mp_:.0f} MiB")
    print(f"  seeds' way: {ts:.1f} windows/s over {n2} training windows, peak RSS {ms:.0f} MiB")
    print(f"  throughput ratio {tp / ts:.2f}x, peak memory ratio {ms / mp_:.2f}x (seeds / project)")
