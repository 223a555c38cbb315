"""xLSTM encoder throughput on this machine: forward + backward sequences/s of the official xLSTMBlockStack.

Sizes: the `cpu-small` preset (2 blocks, sLSTM at 0, embedding 16, 60 steps) and the spec's stack (6 blocks, sLSTM at
0 and 1, embedding 64, 250 steps), against a plain 2-layer torch LSTM of the same width in the same run. On a GPU
(where one is lent) it also times the sLSTM "cuda" backend against "vanilla". Last, the `cpu-research` stack (embedding
32, 4 heads) at its 30-day window against the 60-day window it had before, the cost that set the window.

Run: python bench/bench_xlstm.py [--batch 320] [--research-batch 2020] [--repeats 3]
"""
import argparse, statistics, time
import torch
from portfolio_nb.models.xlstm import XLSTMConfig, xlstm_stack

def throughput(module, x, repeats):
    "Median forward+backward sequences per second."
    module(x).sum().backward()
    times = []
    for _ in range(repeats):
        if x.is_cuda: torch.cuda.synchronize()
        t = time.perf_counter(); module(x).sum().backward()
        if x.is_cuda: torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    return x.shape[0] / statistics.median(times)

class LSTMEncoder(torch.nn.Module):
    "A plain torch LSTM of the same width, the reference."
    def __init__(self, dim): super().__init__(); self.lstm = torch.nn.LSTM(dim, dim, 2, batch_first=True)
    def forward(self, x): return self.lstm(x)[0]

def main(batch, research_batch, repeats):
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    sizes = {'cpu-small': XLSTMConfig(embedding_dim=16, num_blocks=2, slstm_at=(0,), num_heads=2, context_length=60),
             'spec (gpu-12gb)': XLSTMConfig(embedding_dim=64, num_blocks=6, slstm_at=(0, 1), num_heads=4, context_length=250)}
    backends = ['vanilla', 'cuda'] if device == 'cuda' else ['vanilla']
    print(f"device {device}, {torch.get_num_threads()} threads, batch {batch} sequences, median of {repeats}")
    for name, c in sizes.items():
        x = torch.randn(batch, c.context_length, c.embedding_dim, device=device)
        ref = throughput(LSTMEncoder(c.embedding_dim).to(device), x, repeats)
        for b in backends:
            c.slstm_backend = b
            xs = throughput(xlstm_stack(c).to(device), x, repeats)
            print(f"  {name:16s} sLSTM {b:8s}: {xs:8.0f} seq/s   plain 2-layer LSTM {ref:8.0f} seq/s   ratio {xs / ref:.2f}")
    research = {w: XLSTMConfig(embedding_dim=32, num_blocks=2, slstm_at=(0,), num_heads=4, context_length=w)
                for w in (60, 30)}
    xs = {w: throughput(xlstm_stack(c).to(device), torch.randn(research_batch, w, 32, device=device), repeats)
          for w, c in research.items()}
    print(f"  cpu-research: 60-day window {xs[60]:.0f} seq/s, 30-day window {xs[30]:.0f} seq/s, ratio {xs[30] / xs[60]:.2f}")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--batch', type=int, default=320); ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--research-batch', type=int, default=2020, help='sequences of the cpu-research case (4 dates x 505)')
    a = ap.parse_args(); main(a.batch, a.research_batch, a.repeats)
