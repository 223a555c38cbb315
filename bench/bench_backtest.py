"""Backtest speed: 400 assets x 20 years daily, monthly rebalances (synthetic returns, timing only).

The project's `run_backtest` (numpy over [days, assets] per rebalance period) against a straightforward pandas
day-by-day loop in the same script; both compute the same net returns (checked).

Run: python bench/bench_backtest.py [--repeats 3]
"""
import argparse, statistics, time
import numpy as np, pandas as pd
from portfolio_nb.data import panel_from_frames
from portfolio_nb.backtest import rebalance_schedule, run_backtest

def pandas_daily_loop(weights: pd.DataFrame, returns: pd.DataFrame, cost_bps: float) -> pd.Series:
    "The straightforward reference: walk day by day, drifting a weight Series, trading at each rebalance."
    w, out = None, {}
    for date, r in returns.loc[weights.index[0]:].iterrows():
        gross = 0.0
        if w is not None:
            gross = (w * r).sum()
            w = w * (1 + r) / (1 + gross)
        cost = 0.0
        if date in weights.index:
            target = weights.loc[date]
            cost = cost_bps * 1e-4 * ((target - w).abs().sum() if w is not None else target.abs().sum())
            w = target.copy()
        out[date] = (1 + gross) * (1 - cost) - 1
    return pd.Series(out)

def main(repeats):
    rng = np.random.default_rng(0)
    T, N = 252 * 20, 400
    dates = pd.bdate_range('2000-01-03', periods=T, name='date')
    returns = pd.DataFrame(rng.normal(3e-4, 0.02, (T, N)), dates, [f"S{i:03d}" for i in range(N)])
    panel = panel_from_frames(returns)
    reb = rebalance_schedule(dates, 'M')
    weights = pd.DataFrame(rng.dirichlet(np.ones(N), len(reb)), reb, returns.columns)
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); res = run_backtest(weights, panel, cost_bps=10); times.append(time.perf_counter() - t)
    t = time.perf_counter(); ref = pandas_daily_loop(weights, returns, 10); t_ref = time.perf_counter() - t
    err = np.abs(res.returns.net.reindex(ref.index) - ref).max()
    ours = statistics.median(times)
    print(f"backtest {N} assets x {T} days, {len(reb)} monthly rebalances: project {ours:.3f} s (median of {repeats}), "
          f"pandas day-by-day loop {t_ref:.2f} s, ratio {t_ref / ours:.0f}x (max |net difference| {err:.1e})")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=3)
    main(ap.parse_args().repeats)
