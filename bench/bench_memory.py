"""GPU memory and throughput at the 12 GB profile: fp32 vs bf16 autocast, with and without gradient checkpointing.

For the LSTM (spec sizes, 400 assets x 60 days x 5 features), xLSTM-TS (spec sizes, 250 days) and the GAT (spec
sizes, 400 assets), one run: samples/s and peak memory of training steps at the batch the GPUMemoryManager picks, and
the analytic estimate of the LSTM against its measured peak (ratio). Needs a CUDA GPU; on a CPU it says so and exits.

Run: python bench/bench_memory.py
"""
import time, torch

def main():
    if not torch.cuda.is_available(): return print("no GPU: nothing to measure (run this where a GPU is lent)")
    from portfolio_nb.losses import SharpeRatioLoss
    from portfolio_nb.memory import GPUMemoryManager, enable_checkpointing, checkpointable_types, estimate_sample_bytes, measure_step, hardware_profile
    from portfolio_nb.models.lstm import LSTMModelConfig, LSTMPortfolioNetwork
    from portfolio_nb.models.xlstm import XLSTMConfig, XLSTMPortfolioNetwork
    from portfolio_nb.models.gat import GATConfig, GATPortfolioNetwork
    prof = hardware_profile('12gb')
    loss = lambda net, x, m, y: SharpeRatioLoss()(net(x, m)[0].float(), y, m)
    def batch(L, extra=False):
        def make(b):
            x = torch.randn(b, 400, L, 5, device='cuda'); m = torch.ones(b, 400, dtype=torch.bool, device='cuda')
            y = 0.01 * torch.randn(b, 400, 21, device='cuda')
            return ((x, 0.01 * torch.randn(b, 400, 60, device='cuda')) if extra else x), m, y
        return make
    nets = {'lstm': (lambda: LSTMPortfolioNetwork(LSTMModelConfig()), batch(60)),
            'xlstm': (lambda: XLSTMPortfolioNetwork(XLSTMConfig(context_length=250)), batch(250)),
            'gat': (lambda: GATPortfolioNetwork(GATConfig()), batch(60, extra=True))}
    print(f"{torch.cuda.get_device_name()} profile {prof.name}: budget {prof.max_memory_gb} GB")
    for name, (make_net, make_batch) in nets.items():
        for dtype in (None, torch.bfloat16):
            for ck in (False, True):
                net = make_net().cuda()
                if ck: enable_checkpointing(net, checkpointable_types())
                plan = GPUMemoryManager(prof.max_memory_gb, mixed_precision=dtype is not None).plan(net, loss, make_batch, prof.batch_size * prof.gradient_accumulation_steps)
                step = measure_step(net, loss, make_batch, dtype)
                step(plan.batch_size); torch.cuda.synchronize(); t = time.perf_counter()
                peak = max(step(plan.batch_size) for _ in range(3)); torch.cuda.synchronize()
                rate = 3 * plan.batch_size / (time.perf_counter() - t)
                print(f"  {name:6s} {'bf16' if dtype else 'fp32':5s} checkpointing {ck!s:5s}: batch {plan.batch_size:4d}, {rate:8.1f} samples/s, peak {peak / 1e9:6.2f} GB")
                if name == 'lstm' and not ck:
                    est = estimate_sample_bytes(400, 60, 5, 128, 3, True, 8, dtype is not None) * plan.batch_size
                    print(f"         analytic estimate {est / 1e9:.2f} GB, measured/estimate {peak / est:.2f}")
                del net; torch.cuda.empty_cache()

if __name__ == '__main__': main()
