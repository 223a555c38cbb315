"""The cost of a decision: a feature cube computed once per panel and sliced, against rebuilding it at every decision.

On the shared 505-ticker dataset (`portfolio_nb.data.shared_dataset()`; skipped with a message where absent), with
StockLSTM at its cpu-small preset (the 14-feature ranker set, 90-day windows), all in one run:

1. the cube of the panel cut at several dates equals, bit for bit, the cube computed from scratch on a copy of the cut
   (values, valid, eligible): the claim the cache rests on;
2. one decision, `predict_weights(d, panel.until(d))` with the panel's cube already kept: median seconds at the first
   and at the last weekly decision date, what rebuilding the cube costs there (the path before the cache), and the
   features part alone (cut, cube view, window); later dates have more eligible assets, so the forward pass is
   compared per asset scored;
3. the decision stage of a weekly run: a StockLSTM fitted once (1 epoch, on the data up to 2015) decides at every
   week end of 2016-2018 (the data end in February 2018)
   - cached: decisions on cuts of a fresh panel, so the one computation of the cube is inside the timing;
   - rebuilt: each decision on a standalone copy of the cut (a new panel, its own root: the cube is computed from the
     cut's whole history, as every decision did before the cache);
   medians of `--repeats` runs (alternating the two), their ratio, and an assertion that the weights are equal;
4. training unchanged: StockLSTM (seed 0, 2 epochs) fitted on the panel cut at 2015-12-31 in two fresh processes,
   one with this checkout's package (the cube cut from the whole panel's) and one with the package of commit
   a68146f (before the cache, extracted with `git archive`): every network weight, and the weights decided at the
   first and last decision dates, must be equal.

The machine it was written on has 2 cores and no GPU, and other processes may run beside it: the timings are medians
of repeats and the ratios are measured in the same run. The timings run at `--threads` torch threads (1 by default):
a decision's forward pass is 90 small sequential LSTM steps, and where other processes load the 2 cores, two OpenMP
threads spend most of each step waiting for each other (section 2 prints the same decision at 1 and 2 threads).
The fits of section 4 run at torch's default in both processes.

Run from the repository root: python bench/bench_decisions.py [--repeats 3] [--threads 1] [--before a68146f]
"""
import argparse, dataclasses, os, platform, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd, torch

TRAIN_END, FIRST, LAST = '2015-12-31', '2016-01-01', '2018-12-31'
CHILD = r'''
import sys, torch, pandas as pd
from portfolio_nb.data import load_panel
from portfolio_nb.models.lstm import StockLSTMModel
import portfolio_nb
path, out, train_end, dates = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(',')
panel = load_panel(path, verbose=False)
model = StockLSTMModel(seed=0, train=dict(epochs=2))
model.fit(panel.until(train_end), (panel.dates[0], panel.dates[panel.row(train_end) - model.embargo_days]))
w = {d: model.predict_weights(d, panel.until(d)) for d in dates}
torch.save(dict(state=model.net.state_dict(), weights=w, package=portfolio_nb.__file__), out)
'''

def timed(fn, repeats: int):
    "Median seconds of `repeats` calls of `fn`, and its last result."
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t)
    return statistics.median(times), out

def standalone(cut):
    "The cut as a new panel (its own root, nothing kept but the membership the old `until` carried): the path before."
    p = dataclasses.replace(cut)
    if 'membership' in cut.__dict__: p.__dict__['membership'] = cut.membership
    return p

def same_bits(a: np.ndarray, b: np.ndarray) -> bool: return a.shape == b.shape and (a.view(np.uint32) == b.view(np.uint32)).all()

def check_cuts(panel, cfg, n: int):
    from portfolio_nb.features import compute_features, compute_cube
    rows = np.linspace(0, len(panel.dates) - 1, n).round().astype(int)
    for i in rows:
        cut = panel.until(panel.dates[i])
        copy = dataclasses.replace(cut, returns=cut.returns.copy(), prices=cut.prices.copy(), volume=cut.volume.copy())
        a, b = compute_features(cut, cfg, verbose=False), compute_cube(copy, cfg)
        assert same_bits(a.values, b.values) and (a.valid == b.valid).all() and (a.eligible == b.eligible).all(), panel.dates[i]
        assert np.shares_memory(a.values, compute_features(panel, cfg, verbose=False).values)
    print(f"1. the cube of the cut at {n} dates ({', '.join(str(panel.dates[i].date()) for i in rows[[0, 1, -1]])} ...) "
          f"equals the cube computed from scratch on a copy of the cut, bit for bit (values, valid, eligible)")

def one_decision(model, panel, first, last, repeats: int):
    from portfolio_nb.features import compute_cube
    once = timed(lambda: compute_cube(dataclasses.replace(panel), model.feature_config), 1)[0]
    cached, rebuilt = {first: [], last: []}, {first: [], last: []}
    for r in range(repeats):  # the two dates alternate, so that a change of load hits both
        for d in (first, last):
            t = time.perf_counter(); model.predict_weights(d, panel.until(d)); cached[d].append(time.perf_counter() - t)
            if r < max(3, repeats // 3):
                t = time.perf_counter(); model.predict_weights(d, standalone(panel.until(d))); rebuilt[d].append(time.perf_counter() - t)
    med = lambda v: {d: statistics.median(t) for d, t in v.items()}
    cached, rebuilt = med(cached), med(rebuilt)
    print(f"2. one decision, all {len(panel.tickers)} tickers, {torch.get_num_threads()} torch thread(s) (median of {repeats}, "
          f"the panel's cube kept; computing it once takes {once:.2f} s):")
    for d in (first, last):
        print(f"   {d.date()} ({panel.row(d) + 1} days of history): cached {cached[d] * 1e3:.0f} ms   "
              f"rebuilt {rebuilt[d] * 1e3:.0f} ms")
    from portfolio_nb.features import compute_features, make_windows
    inputs = lambda d: make_windows(compute_features(panel.until(d), model.feature_config, verbose=False), [d])
    part = {d: timed(lambda: inputs(d), 10 * repeats)[0] for d in (first, last)}
    n = {d: len(model.predict_weights(d, panel.until(d))) for d in (first, last)}
    print(f"   last / first (cached): {cached[last] / cached[first]:.2f} for {n[last] / n[first]:.2f} times the assets "
          f"scored; the cut, its cube and its window alone: {part[first] * 1e3:.2f} ms and {part[last] * 1e3:.2f} ms "
          f"(median of {10 * repeats})")
    return cached[first] / n[first], cached[last] / n[last], part[first], part[last], max(cached.values())

def threads_effect(model, panel, d, repeats: int):
    "One cached decision at 1 and 2 torch threads, alternating: on 2 shared cores, 2 threads wait on each other."
    times, was = {1: [], 2: []}, torch.get_num_threads()
    for _ in range(repeats):
        for n in times:
            torch.set_num_threads(n)
            t = time.perf_counter(); model.predict_weights(d, panel.until(d)); times[n].append(time.perf_counter() - t)
    torch.set_num_threads(was)
    print(f"   the same decision ({d.date()}) at 1 and 2 torch threads, alternating (median of {repeats}): "
          + '   '.join(f"{n}: {statistics.median(t) * 1e3:.0f} ms" for n, t in times.items()))

def decision_stage(model, panel, dates, repeats: int):
    def cached():
        fresh = dataclasses.replace(panel)  # nothing kept: the cube is computed once, inside the timing
        return [model.predict_weights(d, fresh.until(d)) for d in dates]
    def rebuilt(): return [model.predict_weights(d, standalone(panel.until(d))) for d in dates]
    tc, tr, wc, wr = [], [], None, None
    for _ in range(repeats):
        t = time.perf_counter(); wc = cached(); tc.append(time.perf_counter() - t)
        t = time.perf_counter(); wr = rebuilt(); tr.append(time.perf_counter() - t)
    for a, b in zip(wc, wr): pd.testing.assert_series_equal(a, b, check_exact=True)
    c, r = statistics.median(tc), statistics.median(tr)
    print(f"3. decision stage, {len(dates)} weekly decisions {dates[0].date()}..{dates[-1].date()} (median of {repeats}): "
          f"cached {c:.2f} s ({c / len(dates) * 1e3:.0f} ms a decision, the cube included)   rebuilt {r:.1f} s "
          f"({r / len(dates) * 1e3:.0f} ms a decision)   speed-up {r / c:.1f}x; weights equal")
    return r / c

def training_unchanged(path, dates, before: str):
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp)/'before'; old.mkdir()
        try: subprocess.run(f"git -C {root} archive {before} portfolio_nb | tar -x -C {old}", shell=True, check=True,
                            capture_output=True)
        except subprocess.CalledProcessError as e: return print(f"4. skipped: cannot extract {before} ({e.stderr.decode().strip()})")
        outs = {}
        for name, pkg in (('now', root), ('before', old)):  # run in `tmp`: `python -c` puts the working directory first
            outs[name] = Path(tmp)/f'{name}.pt'
            env = {**os.environ, 'PYTHONPATH': str(pkg)}
            subprocess.run([sys.executable, '-c', CHILD, str(path), str(outs[name]), TRAIN_END, ','.join(str(d.date()) for d in dates)],
                           env=env, check=True, cwd=tmp)
        now, was = (torch.load(outs[k], weights_only=False) for k in ('now', 'before'))
    assert Path(was['package']).is_relative_to(old) and Path(now['package']).is_relative_to(root), (now['package'], was['package'])
    assert list(now['state']) == list(was['state'])
    for k in now['state']: assert torch.equal(now['state'][k], was['state'][k]), k
    for d in now['weights']: pd.testing.assert_series_equal(now['weights'][d], was['weights'][d], check_exact=True)
    n = sum(v.numel() for v in now['state'].values())
    print(f"4. training unchanged: StockLSTM fitted (seed 0, 2 epochs, to {TRAIN_END}) with this package and with {before}'s: "
          f"all {n} network weights equal, and the weights decided on {', '.join(now['weights'])}")

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=3, help='runs of the decision stage (and 5x this for one decision)')
    ap.add_argument('--cuts', type=int, default=8, help='cut dates checked bit for bit')
    ap.add_argument('--before', default='a68146f', help='the commit before the cache, for the training check')
    ap.add_argument('--threads', type=int, default=1, help='torch threads for the timings (see the docstring)')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from portfolio_nb.data import load_panel, shared_dataset
    from portfolio_nb.backtest import rebalance_schedule
    from portfolio_nb.models.lstm import StockLSTMModel
    path = shared_dataset()
    if path is None: return print("shared dataset absent (see portfolio_nb.data.shared_dataset): nothing measured")
    print(f"machine: {os.cpu_count()} cores, torch {torch.__version__} with {torch.get_num_threads()} threads, "
          f"GPU: {torch.cuda.is_available()}, {platform.platform()}; load average {os.getloadavg()[0]:.1f}")
    panel = load_panel(path, verbose=False)
    model = StockLSTMModel(seed=0, train=dict(epochs=1))
    check_cuts(panel, model.feature_config, a.cuts)
    dates = rebalance_schedule(panel.dates, 'W', FIRST, LAST)
    model.fit(panel.until(TRAIN_END), (panel.dates[0], panel.dates[panel.row(TRAIN_END) - model.embargo_days]))
    a0, a1, f0, f1, slowest = one_decision(model, panel, dates[0], dates[-1], 5 * a.repeats)
    threads_effect(model, panel, dates[-1], 5 * a.repeats)
    ratio = decision_stage(model, panel, dates, a.repeats)
    training_unchanged(path, dates[[0, -1]], a.before)
    print(f"requirements: one decision under 0.15 s: {slowest:.3f} s {'ok' if slowest < 0.15 else 'MISSED'}; "
          f"last no slower than first (within 10%, for noise), per asset scored: {a1 / a0:.2f}, the features alone: "
          f"{f1 / f0:.2f} {'ok' if max(a1 / a0, f1 / f0) <= 1.1 else 'MISSED'}; "
          f"decision stage at least 10x faster: {ratio:.1f}x {'ok' if ratio >= 10 else 'MISSED'}; "
          f"load average now {os.getloadavg()[0]:.1f}")

if __name__ == '__main__':
    main()
