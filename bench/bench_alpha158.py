"""The Alpha158 library (157 features) against the plain pandas reference, in one run, on the shared S&P 500 data.

1. The vectorized raw features (every `FEATURES[name].fn` of the 'alpha158' preset, on the whole panel) against
   `portfolio_nb.testing.alpha158_reference` (pandas, one ticker at a time, `rolling.apply` for the regressions,
   ranks and argmaxes). The reference is timed on `--subset` tickers and scaled linearly to the whole panel (it
   runs ticker by ticker, so its time is linear in the tickers); the vectorized library is timed on the whole
   panel and on the subset. The subset's values are compared too (the largest difference, to 1e-5).
2. The whole cube (`compute_cube`, cleaning and masks included): seconds and the peak resident memory above the
   process's memory before it (sampled every 2 ms), with the cube's own size.

The shared folder has no open/high/low.parquet: the panel is built from its `ohlcv_long.parquet` with
`panel_from_long` (and its membership calendar). Skips where the shared dataset is absent.

Run: python bench/bench_alpha158.py [--repeats 3] [--subset 20]
"""
import argparse, warnings
import numpy as np, pandas as pd
from portfolio_nb.data import panel_from_long, shared_dataset
from portfolio_nb.features import FEATURES, FeatureConfig, compute_cube, feature_inputs
from portfolio_nb.testing import alpha158_reference
from bench_features import peak_rss_during, rss_mib, timed  # the benches' memory probe and timer (one home)



def vectorized(x, names):
    "Every raw feature of `names`, float32 [T, N] each (what compute_cube computes before cleaning)."
    return {n: FEATURES[n].fn(x).to_numpy(np.float32) for n in names}

def main(repeats, subset):
    path = shared_dataset()
    if path is None: return print("shared dataset absent: bench skipped")
    panel = panel_from_long(pd.read_parquet(path/'ohlcv_long.parquet'),
                            calendar=pd.read_parquet(path/'universe_calendar.parquet'), source=str(path))
    cfg = FeatureConfig.preset('alpha158')
    names = cfg.feature_set
    T, N = panel.returns.shape
    print(f"shared dataset: {N} tickers x {T} dates, {len(names)} Alpha158 features (VWAP0 left out: no VWAP)")

    base = rss_mib()
    cube, peak = peak_rss_during(lambda: compute_cube(panel, cfg))
    t_cube, cube = timed(lambda: compute_cube(panel, cfg), repeats)
    print(f"2. whole cube (compute_cube): {t_cube:.2f} s (median of {repeats}); cube {cube.values.nbytes / 2**20:.0f} MiB "
          f"float32 {list(cube.values.shape)}, {cube.valid.mean():.1%} valid; "
          f"peak RSS {peak - base:.0f} MiB above the {base:.0f} MiB before it (target < 1024 MiB)")
    del cube

    x = feature_inputs(panel)
    t_all, _ = timed(lambda: vectorized(x, names), repeats)
    some = list(panel.tickers[np.linspace(0, N - 1, subset).astype(int)])
    args = [f[some] for f in (x.price, x.open, x.high, x.low, x.volume)]  # the subset's columns (the fill is per ticker)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)
        t_ref, ref = timed(lambda: alpha158_reference(*args, names), 1)
    mine = vectorized(x, names)
    pos = [panel.tickers.get_loc(t) for t in some]
    worst = max(float(np.nanmax(np.abs(mine[n][:, pos] - ref[n].to_numpy()) / np.maximum(1, np.abs(ref[n].to_numpy())),
                                initial=0)) for n in names)
    same_nan = all((np.isnan(mine[n][:, pos]) == ref[n].isna().to_numpy()).all() for n in names)
    t_ref_all = t_ref * N / subset
    print(f"1. raw features, vectorized: {t_all:.2f} s on all {N} tickers (median of {repeats})")
    print(f"   pandas reference: {t_ref:.1f} s on {subset} tickers (one run), scaled linearly to {N}: {t_ref_all:.0f} s")
    print(f"   speed-up {t_ref_all / t_all:.0f}x (target >= 20x)")
    print(f"   on the {subset} tickers: largest difference {worst:.1e} (relative where |value| > 1), "
          f"missing in the same cells: {same_nan}")

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--subset', type=int, default=20)
    main(**vars(ap.parse_args()))
