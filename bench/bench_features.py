"""compute_features + make_windows against the seeds' design, in one run.

Each timing computes the cube from scratch (`compute_cube`; `compute_features` would hand back the cube kept on the
panel after the first repeat).

1. The shared 505-ticker dataset, every date: the project's path against the seeds' design (features computed one
   ticker at a time, then windows copied per date with `history[date <= d].tail(L)`). Prints the speed and
   memory ratios. Skips where the shared dataset is absent.
2. 400 assets x 5,000 days x the 14-feature ranker set (synthetic data, for timing only): seconds and peak RSS,
   measured in a fresh process.

Run: python bench/bench_features.py [--repeats 3]
"""
import argparse, multiprocessing as mp, statistics, threading, time
import numpy as np, pandas as pd
from portfolio_nb.data import load_panel, shared_dataset, panel_from_frames
from portfolio_nb.features import FeatureConfig, compute_cube, make_windows

def seed_rsi(r, n=14):
    "The seed's RSI: rolling means of the ups and downs of `returns.diff()`."
    d = r.diff()
    return 100 - 100 / (1 + d.clip(lower=0).rolling(n).mean() / (-d).clip(lower=0).rolling(n).mean())

def seed_features(panel):
    "The seeds' design: one ticker at a time, standardized over each ticker's own history."
    out = {}
    for t in panel.tickers:
        r, v = panel.returns[t].ffill(), panel.volume[t].ffill()
        f = pd.DataFrame({'returns': r, 'volatility_20d': r.rolling(20).std() * np.sqrt(252), 'momentum_20d': r.rolling(20).sum(),
                          'rsi_14d': seed_rsi(r), 'volume_ratio_20d': v / v.rolling(20).mean()})
        out[t] = ((f - f.mean()) / f.std()).fillna(0.0)
    return out

def seed_windows(features, L):
    "The seeds' design: for each date, `history[date <= d].tail(L)`, copied into a [dates, N, L, F] array."
    wide = pd.concat(features, axis=1)
    N, F = len(features), wide.shape[1] // len(features)
    dates = wide.index[L - 1:]
    X = np.empty((len(dates), N, L, F), np.float32)
    for i, d in enumerate(dates):
        X[i] = wide[wide.index <= d].tail(L).to_numpy(np.float32).reshape(L, N, F).transpose(1, 0, 2)
    return X

def timed(fn, repeats):
    "Median seconds of `repeats` calls and the last result."
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t)
    return statistics.median(times), out

def real_data(repeats):
    path = shared_dataset()
    if path is None: return print("shared dataset absent: part 1 skipped")
    panel = load_panel(path, verbose=False)
    cfg = FeatureConfig()
    ours = lambda: make_windows(compute_cube(panel, cfg))
    seed = lambda: seed_windows(seed_features(panel), cfg.sequence_length)
    t_ours, (X, mask) = timed(ours, repeats)
    t_seed, Xs = timed(seed, max(1, repeats // 3))
    cube_bytes = X.untyped_storage().nbytes() + mask.numel()
    print(f"1. shared dataset {panel.returns.shape[1]} tickers x {len(panel.dates)} dates, L={cfg.sequence_length}, F={X.shape[-1]}; "
          f"{X.shape[0]} windows")
    print(f"   project: {t_ours:.3f} s (median of {repeats})   seeds' design: {t_seed:.2f} s   speed-up {t_seed / t_ours:.1f}x")
    print(f"   windows in memory: project {cube_bytes / 2**20:.1f} MiB (a view of the cube)   seeds' design {Xs.nbytes / 2**20:.0f} MiB"
          f"   ratio {Xs.nbytes / cube_bytes:.0f}x")

def rss_mib() -> float:
    "Resident memory of this process now (Linux)."
    with open('/proc/self/status') as f: return next(int(l.split()[1]) / 1024 for l in f if l.startswith('VmRSS'))

def peak_rss_during(fn):
    "Run `fn`, sampling the resident memory every 2 ms; return its result and the peak in MiB."
    peak, done = [rss_mib()], threading.Event()
    def sample():
        while not done.is_set(): peak[0] = max(peak[0], rss_mib()); time.sleep(0.002)
    th = threading.Thread(target=sample); th.start()
    try: return fn(), peak[0]
    finally: done.set(); th.join()

def _synthetic(q):
    rng = np.random.default_rng(0)
    T, N = 5000, 400
    dates = pd.bdate_range('2000-01-03', periods=T, name='date')
    r = pd.DataFrame(rng.normal(3e-4, 0.02, (T, N)), dates, [f"S{i:03d}" for i in range(N)])
    r[rng.random((T, N)) < 0.01] = np.nan
    px = 20 * (1 + r.fillna(0)).cumprod()
    vol = pd.DataFrame(rng.lognormal(13, 0.5, (T, N)), dates, r.columns)
    panel = panel_from_frames(r, px, vol)
    del r, px, vol
    base = rss_mib()
    t = time.perf_counter()
    (X, mask), peak = peak_rss_during(lambda: make_windows(compute_cube(panel, FeatureConfig.preset('ranker'))))
    q.put((time.perf_counter() - t, base, peak, tuple(X.shape)))

def synthetic(repeats):
    runs = []
    for _ in range(repeats):
        q = mp.get_context('spawn').Queue()
        p = mp.get_context('spawn').Process(target=_synthetic, args=(q,)); p.start(); runs.append(q.get()); p.join()
    secs = statistics.median(r[0] for r in runs)
    base, peak, shape = runs[-1][1], max(r[2] for r in runs), runs[-1][3]
    print(f"2. synthetic 400 assets x 5000 days x 14 features -> windows {list(shape)}: {secs:.2f} s (median of {repeats}), "
          f"peak RSS {peak:.0f} MiB (the process with torch and the panel loaded: {base:.0f} MiB)")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=3)
    a = ap.parse_args()
    real_data(a.repeats)
    synthetic(a.repeats)
