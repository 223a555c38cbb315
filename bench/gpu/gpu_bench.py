"""The GPU measurements of issue 30 that no existing bench makes: one stage per call, results appended as JSON lines.

Stages:
- ident: the GPU, torch, CUDA and bf16 support.
- slstm: the xLSTM spec stack (gpu-12gb: 6 blocks, sLSTM at 0 and 1, embedding 64, 250 days) with the sLSTM "cuda"
  backend against "vanilla": build time (the cuda kernel compiles then), forward+backward sequences/s in fp32 and
  under bf16 autocast, and the largest output difference for the same weights.
- profiles: for the 12, 8 and 24 GB profiles (the card capped with `torch.cuda.set_per_process_memory_fraction` at
  the profile's card size), what `GPUMemoryManager.plan` picks for each network at its gpu-12gb preset on 400 assets
  (batch, accumulation, precision, checkpointing), the measured peak against the budget, the 11 GB bar and the
  analytic estimate (LSTM), and samples/s of training steps at that batch.
- folds: one fold of each neural model (lstm, stock_lstm, xlstm, gat) at gpu-12gb with memory='12gb' on a synthetic
  `planted_panel` of 420 assets: `fit(panel, fit_period)` and one `predict_weights`, timed (epochs capped, samples
  strided: see --epochs and --stride), with the time of each epoch, the memory plan and the peak memory.

--dry-run: tiny sizes on the CPU (20 assets, 1 epoch, 20-30 day windows, the xLSTM at cpu-small's sizes); what needs
CUDA is skipped, saying why.
Run: python bench/gpu/gpu_bench.py STAGE [--dry-run] [--results FILE]
"""
import argparse, dataclasses, gc, json, os, statistics, sys, time, traceback
import torch

RESULTS = None
CUDA = torch.cuda.is_available()
GB = 1e9

def record(stage, **kw):
    "Print one result and append it to the results file as a JSON line."
    row = dict(stage=stage, **kw)
    print('  ' + json.dumps(row, default=str), flush=True)
    if RESULTS:
        with open(RESULTS, 'a') as f: f.write(json.dumps(row, default=str) + '\n')

def sync():
    if CUDA: torch.cuda.synchronize()

def free():
    gc.collect()
    if CUDA: torch.cuda.empty_cache()

def skip(stage, what, why='needs CUDA: torch.cuda.is_available() is False'):
    print(f"  skipped {what}: {why}", flush=True); record(stage, what=what, skipped=why)

# ---------------------------------------------------------------------------------------------------------------- ident
def ident(a):
    info = dict(torch=torch.__version__, cuda_build=torch.version.cuda, cuda_available=CUDA, python=sys.version.split()[0],
                threads=torch.get_num_threads())
    if CUDA:
        p = torch.cuda.get_device_properties(0)
        info |= dict(gpu=torch.cuda.get_device_name(0), capability='.'.join(map(str, torch.cuda.get_device_capability(0))),
                     memory_gb=round(p.total_memory / GB, 1), multiprocessors=p.multi_processor_count,
                     bf16=torch.cuda.is_bf16_supported(), cudnn=torch.backends.cudnn.version())
    import importlib.metadata as md
    for d in ('numpy', 'pandas', 'torch-geometric', 'xlstm', 'cvxpy', 'portfolio_nb'):
        try: info[d] = md.version(d)
        except md.PackageNotFoundError: info[d] = None
    import portfolio_nb
    from portfolio_nb.memory import hardware_profile
    info['portfolio_nb_from'] = os.path.dirname(portfolio_nb.__file__)
    info['auto_profile'] = getattr(hardware_profile('auto'), 'name', None)
    record('ident', **info)

# ---------------------------------------------------------------------------------------------------------------- slstm
def throughput(module, x, repeats, dtype=None):
    "Median forward+backward sequences/s of `module` on `x` (under autocast to `dtype` if given) and the peak bytes."
    dev = 'cuda' if x.is_cuda else 'cpu'
    def once():
        with torch.autocast(dev, dtype=dtype or torch.float32, enabled=dtype is not None): out = module(x)
        out.float().sum().backward()
    once(); times = []
    if CUDA: torch.cuda.reset_peak_memory_stats()
    for _ in range(repeats):
        sync(); t = time.perf_counter(); once(); sync(); times.append(time.perf_counter() - t)
    return x.shape[0] / statistics.median(times), (torch.cuda.max_memory_allocated() if CUDA else None)

def slstm(a):
    from portfolio_nb.models.xlstm import XLSTMConfig, xlstm_stack
    dev = 'cuda' if CUDA else 'cpu'
    L = 30 if a.dry_run else 250
    batch = 8 if a.dry_run else a.slstm_batch
    repeats = 1 if a.dry_run else 3
    backends = ['vanilla', 'cuda'] if CUDA else ['vanilla']
    if not CUDA: skip('slstm', 'sLSTM backend cuda')
    c = XLSTMConfig(embedding_dim=64, num_blocks=6, slstm_at=(0, 1), num_heads=4, context_length=L)
    torch.manual_seed(0)
    x = torch.randn(batch, L, c.embedding_dim, device=dev)
    stacks, same = {}, False
    for b in backends:
        try:
            torch.manual_seed(0); t = time.perf_counter()
            if b == 'cuda':  # left behind if the compile outlasts the stage's timeout: the stages after use vanilla
                open(a.slstm_marker, 'w').write('the cuda kernel did not build within the slstm stage\n')
            stacks[b] = xlstm_stack(dataclasses.replace(c, slstm_backend=b)).to(dev); sync()
            build = time.perf_counter() - t
            if b != 'vanilla':
                try: stacks[b].load_state_dict(stacks['vanilla'].state_dict())
                except Exception as e: record('slstm', backend=b, same_weights=f"not loadable: {type(e).__name__}: {e}")
                else: same = True
            t = time.perf_counter(); stacks[b](x[:2]); sync(); first = time.perf_counter() - t
            if b == 'cuda': os.remove(a.slstm_marker)  # it built and ran
            for dtype in (None, torch.bfloat16):
                if dtype is not None and not CUDA: continue
                rate, peak = throughput(stacks[b], x, repeats, dtype)
                record('slstm', backend=b, precision='bf16' if dtype else 'fp32', batch=batch, context=L,
                       seq_per_s=round(rate, 1), peak_gb=peak and round(peak / GB, 3), build_s=round(build, 1),
                       first_call_s=round(first, 2))
        except Exception as e:
            record('slstm', backend=b, error=f"{type(e).__name__}: {e}"); traceback.print_exc()
            if b == 'cuda': open(a.slstm_marker, 'w').write(f"{type(e).__name__}: {e}\n")
            stacks.pop(b, None)
    if len(stacks) == 2 and same:  # the same weights through both backends
        with torch.no_grad():
            for s in stacks.values(): s.eval()
            out = {b: s(x[:64]).float() for b, s in stacks.items()}
        diff = (out['vanilla'] - out['cuda']).abs().max().item()
        record('slstm', compare='cuda vs vanilla, same weights, eval', max_abs_diff=diff,
               max_abs_out=out['vanilla'].abs().max().item())

def slstm_backend(a):
    "'vanilla' where the slstm stage found the cuda backend broken, else the config's default."
    if os.path.exists(a.slstm_marker):
        print(f"  sLSTM cuda backend failed in the slstm stage ({open(a.slstm_marker).read().strip()}): using vanilla")
        return 'vanilla'
    return 'auto'

# ------------------------------------------------------------------------------------------------------------- networks
def make_models(a, **kw):
    "The four neural models at gpu-12gb (short windows in a dry run)."
    from portfolio_nb.models.lstm import LSTMModel, StockLSTMModel
    from portfolio_nb.models.xlstm import XLSTMPortfolioModel
    from portfolio_nb.models.gat import GATPortfolioModel
    short = lambda L: dict(features=dict(sequence_length=L)) if a.dry_run else {}
    back = slstm_backend(a)
    xnet = dict(embedding_dim=16, num_blocks=2, slstm_at=(0,), num_heads=2) if a.dry_run else {}  # cpu-small's sizes
    if back != 'auto': xnet['slstm_backend'] = back
    return {'lstm': lambda: LSTMModel('gpu-12gb', **short(20), **kw),
            'stock_lstm': lambda: StockLSTMModel('gpu-12gb', **short(20), **kw),
            'xlstm': lambda: XLSTMPortfolioModel('gpu-12gb', **short(30), **kw, **({'net': xnet} if xnet else {})),
            'gat': lambda: GATPortfolioModel('gpu-12gb', **short(20), **kw, **({'graph_lookback': 20} if a.dry_run else {}))}

def batch_maker(m, n_assets, device):
    "make_batch(b) -> (inputs, mask, y) of random samples shaped as model `m` takes them."
    fc = m.feature_config
    L, F, H = fc.sequence_length, len(fc.feature_set), fc.forecast_horizon
    def make(b):
        x = torch.randn(b, n_assets, L, F, device=device)
        if 'graph_lookback' in m.params: x = (x, 0.01 * torch.randn(b, n_assets, m.params['graph_lookback'], device=device))
        return x, torch.ones(b, n_assets, dtype=torch.bool, device=device), 0.01 * torch.randn(b, n_assets, H, device=device)
    return make, F

def estimate(m, net, n, F, mixed):
    "The analytic memory of one sample (`estimate_sample_bytes`) for the LSTM networks at this precision, else None."
    from portfolio_nb.memory import estimate_sample_bytes
    c, L = net.c, m.feature_config.sequence_length
    if m.name == 'lstm': return estimate_sample_bytes(n, L, F, c.hidden_size, c.num_layers, c.bidirectional,
                                                      c.attention_heads, mixed)
    if m.name == 'stock_lstm': return estimate_sample_bytes(n, L, F, c.hidden_size, c.num_layers, False, 0, mixed)
    return None

def profiles(a):
    from portfolio_nb.memory import GPUMemoryManager, hardware_profile, measure_step
    n = a.profile_assets if not a.dry_run else 20
    models = make_models(a)
    if not CUDA:
        skip('profiles', 'memory plans under 8/12/24 GB caps')
        for name, make_model in models.items():  # the CPU parts: networks, batches and losses of the presets
            try:
                m = make_model(); make, F = batch_maker(m, n, 'cpu'); net = m.build_network(F); m.net = net
                x, mask, y = make(2); t = time.perf_counter(); m.loss(net, x, mask, y).backward()
                sb = m.sample_bytes(torch.empty(1, n, m.feature_config.sequence_length, F), mask)
                record('profiles', model=name, device='cpu', assets=n, step_s=round(time.perf_counter() - t, 2),
                       params=sum(p.numel() for p in net.parameters()), sample_bytes=sb,
                       estimate_bytes=estimate(m, net, n, F, True))
            except Exception as e:
                record('profiles', model=name, error=f"{type(e).__name__}: {e}"); traceback.print_exc()
        return
    total = torch.cuda.get_device_properties(0).total_memory
    for pname in a.profiles:
        prof = hardware_profile(pname)
        frac = min(1.0, prof.card_gb * GB / total)
        free(); torch.cuda.set_per_process_memory_fraction(frac)
        print(f"  profile {pname}: budget {prof.max_memory_gb} GB, card capped at {prof.card_gb} GB ({frac:.3f} of "
              f"{total / GB:.0f} GB), target batch {prof.batch_size} x {prof.gradient_accumulation_steps}", flush=True)
        for name, make_model in models.items():
            try:
                m = make_model(); make, F = batch_maker(m, n, 'cuda')
                torch.manual_seed(0); net = m.build_network(F).cuda(); m.net = net
                sb = m.sample_bytes(torch.empty(1, n, m.feature_config.sequence_length, F), None)
                manager = GPUMemoryManager(prof.max_memory_gb, mixed_precision=prof.mixed_precision)
                t = time.perf_counter()
                plan = manager.plan(net, m.loss, make, prof.batch_size * prof.gradient_accumulation_steps, sb)
                plan_s = time.perf_counter() - t
                dtype = {'off': None, 'bf16': torch.bfloat16, 'fp16': torch.float16}[plan.mixed_precision]
                step = measure_step(net, m.loss, make, dtype)
                step(plan.batch_size); sync(); t = time.perf_counter()
                peak = max(step(plan.batch_size) for _ in range(3)); sync()
                rate = 3 * plan.batch_size / (time.perf_counter() - t)
                est = estimate(m, net, n, F, plan.mixed_precision != 'off')
                record('profiles', profile=pname, model=name, assets=n, card_fraction=round(frac, 4),
                       plan=dataclasses.asdict(plan), plan_s=round(plan_s, 1), steps_peak_gb=round(peak / GB, 3),
                       samples_per_s=round(rate, 1), within_budget=peak <= prof.max_memory_gb * GB,
                       under_11gb=peak <= 11 * GB, estimate_gb=round(est * plan.batch_size / GB, 3) if est else None,
                       measured_over_estimate=round(peak / (est * plan.batch_size), 3) if est else None)
            except Exception as e:
                record('profiles', profile=pname, model=name, error=f"{type(e).__name__}: {e}"); traceback.print_exc()
            finally:
                m = net = make = step = None; free()  # the model holds the network: let both go
    torch.cuda.set_per_process_memory_fraction(1.0)

# ---------------------------------------------------------------------------------------------------------------- folds
def folds(a):
    from portfolio_nb.testing import planted_panel
    from portfolio_nb.training import Trainer
    n, years = (20, 2.0) if a.dry_run else (a.fold_assets, a.fold_years)
    epochs, stride = (1, 20) if a.dry_run else (a.epochs, a.stride)
    panel, _ = planted_panel(n_assets=n, years=years, seed=0)
    print(f"  panel: planted_panel(n_assets={n}, years={years}), {len(panel.dates)} days; gpu-12gb with "
          f"epochs={epochs}, sample_stride={stride}, memory='12gb'", flush=True)
    epoch_s = []
    def timed(f):
        def g(*args, **kw):
            sync(); t = time.perf_counter(); out = f(*args, **kw); sync(); epoch_s.append(round(time.perf_counter() - t, 2))
            return out
        return g
    Trainer.train_epoch = timed(Trainer.train_epoch)  # this process only: the time of each epoch
    models = make_models(a, train=dict(epochs=epochs), sample_stride=stride, memory='12gb')  # on a CPU: a no-op plan
    fit_end, day = panel.dates[-6], panel.dates[-5]
    for name in a.models:
        m = w = None; epoch_s.clear(); free()
        try:
            m = models[name]()
            period = (panel.dates[0], panel.dates[panel.row(fit_end) - m.embargo_days])
            if CUDA: torch.cuda.reset_peak_memory_stats()
            t = time.perf_counter(); m.fit(panel.until(fit_end), period); fit_s = time.perf_counter() - t
            t = time.perf_counter(); w = m.predict_weights(day, panel.until(day)); predict_s = time.perf_counter() - t
            info = m.get_model_info()
            record('folds', model=name, device=m.trainer.device.type, assets=n, days=len(panel.dates),
                   fit_s=round(fit_s, 1), predict_s=round(predict_s, 2), epoch_s=list(epoch_s),
                   n_train=info.get('n_train'), n_val=info.get('n_val'), memory=info.get('memory'),
                   batch_size=m.trainer.config.batch_size, accumulation=m.trainer.config.accumulation_steps,
                   peak_gb_probe_included=round(torch.cuda.max_memory_allocated() / GB, 3) if CUDA else None,
                   weights_sum=round(float(w.sum()), 6), holdings=int((w > 0).sum()))
        except Exception as e:
            record('folds', model=name, error=f"{type(e).__name__}: {e}"); traceback.print_exc()

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('stage', choices=['ident', 'slstm', 'profiles', 'folds'])
    ap.add_argument('--dry-run', action='store_true', help='tiny sizes on the CPU; what needs CUDA is skipped')
    ap.add_argument('--results', help='append the results as JSON lines here')
    ap.add_argument('--slstm-batch', type=int, default=1600, help='sequences (4 dates x 400 assets)')
    ap.add_argument('--slstm-marker', default='/tmp/slstm_cuda_failed', help='written when the cuda backend fails')
    ap.add_argument('--profiles', nargs='+', default=['12gb', '8gb', '24gb'])
    ap.add_argument('--profile-assets', type=int, default=400)
    ap.add_argument('--models', nargs='+', default=['lstm', 'stock_lstm', 'gat', 'xlstm'])
    ap.add_argument('--fold-assets', type=int, default=420)
    ap.add_argument('--fold-years', type=float, default=4.0)
    ap.add_argument('--epochs', type=int, default=2)
    ap.add_argument('--stride', type=int, default=5)
    a = ap.parse_args()
    RESULTS = a.results
    print(f"== gpu_bench {a.stage}{' (dry run)' if a.dry_run else ''}", flush=True)
    dict(ident=ident, slstm=slstm, profiles=profiles, folds=folds)[a.stage](a)
