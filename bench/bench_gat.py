"""GAT scale: forward+backward time and peak memory against the number of assets, sparse top-k vs fully connected.

The spec-sized network (GATConfig defaults: LSTM encoder, 3 GATv2 layers, hidden 64, 8 heads, edge_dim 3), one date,
20-day feature windows (F=5) and 60-day return windows, at n = 100, 400, 1,000, 3,000 assets; the graph is the top-10
correlation graph (the project's default) or fully connected (Qlib GATs' choice). Each case runs in a fresh process
on this CPU; the memory is the process's peak RSS above its state before the step, a proxy for GPU memory in fp32.
Cases whose linear extrapolation (memory grows with the number of edges) exceeds `--max-gb` are estimated, not run.

Run: python bench/bench_gat.py [--max-gb 12]
"""
import argparse, multiprocessing as mp, threading, time
import numpy as np, torch

def rss_gib():
    with open('/proc/self/status') as f: return next(int(l.split()[1]) / 2**20 for l in f if l.startswith('VmRSS'))

def step(n, top_k, q):
    torch.manual_seed(0); torch.set_num_threads(2)
    from portfolio_nb.models.gat import GATConfig, GATPortfolioNetwork, correlation_graph
    net = GATPortfolioNetwork(GATConfig(input_size=5, top_k=top_k, threshold=None if top_k else 0.0, max_weight=max(0.1, 2 / n)))
    x, r, m = torch.randn(1, n, 20, 5), 0.01 * torch.randn(1, n, 60), torch.ones(1, n, dtype=torch.bool)
    edges = correlation_graph(r, m, top_k, None if top_k else 0.0)[0].shape[1]
    base, peak, done = rss_gib(), [0.0], threading.Event()
    def sample():
        while not done.is_set(): peak[0] = max(peak[0], rss_gib()); time.sleep(0.002)
    threading.Thread(target=sample, daemon=True).start()
    t = time.perf_counter()
    w, _ = net((x, r), m)
    (w * torch.randn_like(w)).sum().backward()
    secs = time.perf_counter() - t
    done.set()
    q.put((edges, secs, peak[0] - base))

def run(n, top_k):
    ctx = mp.get_context('spawn'); q = ctx.Queue()
    p = ctx.Process(target=step, args=(n, top_k, q)); p.start(); out = q.get(); p.join()
    return out

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--max-gb', type=float, default=12.0)
    a = ap.parse_args()
    print(f"{'graph':8s} {'assets':>6s} {'edges':>10s} {'fwd+bwd s':>10s} {'peak GiB':>9s}")
    for top_k, label in ((10, 'top-10'), (None, 'full')):
        per_edge = None
        for n in (100, 400, 1000, 3000):
            edges = n * n if top_k is None else None
            if per_edge is not None and edges is not None and edges * per_edge > a.max_gb:
                print(f"{label:8s} {n:6d} {edges:10d} {'-':>10s} {edges * per_edge:9.1f}  (estimated: over {a.max_gb:.0f} GiB, not run)")
                continue
            e, secs, gib = run(n, top_k)
            per_edge = gib / e
            print(f"{label:8s} {n:6d} {e:10d} {secs:10.2f} {gib:9.2f}")
