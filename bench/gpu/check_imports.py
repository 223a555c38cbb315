"""Import what the GPU bench needs and print the versions that matter; with --simulate, as the GPU machine would.

On the GPU machine it is a plain import check (run.sh runs it after installing the carried wheels). Here, with
--simulate, a blocker refuses every import whose distribution is neither on the GPU machine (the package list of
/work/.library/device/KINDS.md, copied below) nor among the wheels in bench/gpu/.whl: a wheel that prepare.sh
forgot shows up as a ModuleNotFoundError here instead of on the GPU. Versions can still differ there (say pandas).

Run: python bench/gpu/check_imports.py [--simulate]
"""
import argparse, importlib, importlib.metadata as md, re, sys
from pathlib import Path

# the 'cuda' image's Python packages, as KINDS.md lists them (2026-11-17)
MACHINE = """absl-py accelerate aiofiles aiohappyeyeballs aiohttp aiosignal annotated-doc anyio attrs botorch build certifi
charset-normalizer chex click cloudpickle cmake colorama contourpy coverage cuda-bindings cuda-core cuda-pathfinder
cuda-toolkit cupy-cuda13x cycler cython diffrax e3nn einops equinox etils execnet filelock flatbuffers flax fonttools
formulaic frozenlist fsspec gpytorch grpcio h11 h5py hf-xet httpcore httpx huggingface-hub humanize hypothesis idna
imageio iniconfig interface-meta jax jax-cuda13-pjrt jax-cuda13-plugin jaxlib jaxtyping jinja2 joblib kiwisolver
lazy-loader lightning lightning-utilities linear-operator lineax llvmlite lxml markdown markdown-it-py markupsafe
matplotlib mdurl meson ml-dtypes mpi4py mpmath msgpack multidict multipledispatch mypy-extensions nanobind narwhals
networkx ninja numba numba-cuda numpy numpyro nvidia-cublas nvidia-cuda-cupti nvidia-cuda-nvrtc nvidia-cuda-runtime
nvidia-cudnn-cu13 nvidia-cufft nvidia-cufile nvidia-curand nvidia-cusolver nvidia-cusparse nvidia-cusparselt-cu13
nvidia-ml-py nvidia-nccl-cu13 nvidia-nvjitlink nvidia-nvshmem-cu13 nvidia-nvtx onnx onnx-ir onnxruntime onnxscript
opencv-python-headless optax opt-einsum opt-einsum-fx optimistix orbax-checkpoint packaging pandas pathspec patsy peft
pillow pip pluggy portalocker prometheus-client propcache protobuf psutil pyarrow pybind11 py-cpuinfo pygments
pyparsing pyproject-hooks pyre-extensions pytest pytest-benchmark pytest-cov pytest-mock pytest-timeout pytest-xdist
python-dateutil pytorch-lightning pyyaml regex requests rich sacrebleu safetensors scikit-build-core scikit-image
scikit-learn scipy seaborn sentencepiece sentence-transformers setuptools shellingham simplejson six sortedcontainers
statsmodels sympy tabulate tensorboard tensorboard-data-server tensorstore threadpoolctl tifffile tiktoken timm
tokenizers toolz torch torchaudio torchdiffeq torch-geometric torchmetrics torchvision tqdm transformers treescope
triton typer typing-extensions typing-inspect urllib3 uvloop wadler-lindig werkzeug wheel wrapt xarray xxhash yarl
zipp""".split()

# what the bench imports: the package's modules, and the optional imports done inside its functions
MODULES = ['portfolio_nb', 'portfolio_nb.data', 'portfolio_nb.testing', 'portfolio_nb.features', 'portfolio_nb.constraints',
           'portfolio_nb.metrics', 'portfolio_nb.backtest', 'portfolio_nb.models.base', 'portfolio_nb.losses',
           'portfolio_nb.memory', 'portfolio_nb.training', 'portfolio_nb.layers', 'portfolio_nb.models.neural',
           'portfolio_nb.models.lstm', 'portfolio_nb.models.xlstm', 'portfolio_nb.models.gat',
           'portfolio_nb.walkforward', 'portfolio_nb.sweeps', 'cvxpy', 'cvxpylayers.torch', 'diffcp', 'xlstm',
           'mlstm_kernels', 'skfolio.optimization', 'skfolio.prior', 'skfolio.moments', 'skfolio.distance',
           'skfolio.cluster', 'skfolio.seriation', 'fastcore.test', 'optuna', 'torch_geometric.nn']
VERSIONS = ['torch', 'torch-geometric', 'numpy', 'pandas', 'pyarrow', 'scipy', 'scikit-learn', 'cvxpy', 'cvxpylayers',
            'diffcp', 'skfolio', 'xlstm', 'mlstm_kernels', 'fastcore', 'optuna', 'portfolio_nb']

norm = lambda name: re.sub(r'[-_.]+', '-', name).lower()

def wheel_names(folder: Path) -> set:
    "The distribution names of the wheels in `folder`."
    return {norm(p.name.split('-')[0]) for p in folder.glob('*.whl')}

class Blocker:
    "A meta path finder refusing top-level modules of distributions not in `allowed`."
    def __init__(self, allowed):
        self.allowed, self.owners, self.refused = allowed, md.packages_distributions(), set()
    def find_spec(self, fullname, path=None, target=None):
        if '.' in fullname or fullname in sys.stdlib_module_names: return None
        dists = self.owners.get(fullname)
        if dists and not any(norm(d) in self.allowed for d in dists):
            self.refused.add(f"{fullname} ({', '.join(dists)})")
            raise ModuleNotFoundError(f"simulated GPU machine: no module named {fullname!r} ({dists} not there)")
        return None

def smoke():
    "Solve with the solvers the package uses: HiGHS and Clarabel through cvxpy, SCS through cvxpylayers and diffcp."
    import cvxpy as cp, numpy as np, torch
    from portfolio_nb.layers import MaxSharpeLayer
    x = cp.Variable(3)
    lp = cp.Problem(cp.Maximize(np.array([1., 2., 3.]) @ x), [cp.sum(x) == 1, x >= 0, x <= 0.5])
    lp.solve(solver=cp.HIGHS); assert abs(lp.value - 2.5) < 1e-6, lp.value
    qp = cp.Problem(cp.Minimize(cp.sum_squares(x)), [cp.sum(x) == 1]); qp.solve(solver=cp.CLARABEL)
    assert np.allclose(x.value, 1 / 3, atol=1e-6), x.value
    torch.manual_seed(0)
    mu, F, d = (0.01 + 0.01 * torch.rand(2, 6)).double().requires_grad_(), 0.1 * torch.randn(2, 6, 2).double(), 0.01 + 0.01 * torch.rand(2, 6).double()
    w = {b: MaxSharpeLayer(6, max_weight=0.4, backend=b)(mu, F, d) for b in ('fast', 'cvxpylayers')}
    w['cvxpylayers'].sum().backward()
    gap = (w['fast'] - w['cvxpylayers']).abs().max().item()
    assert gap < 1e-4 and mu.grad is not None, gap
    print(f"solvers: HiGHS, Clarabel, SCS via cvxpylayers (max |fast - cvxpylayers| {gap:.1e}) ok")

def main(simulate: bool, wheels: Path) -> int:
    if simulate:
        allowed = {norm(n) for n in MACHINE} | wheel_names(wheels) | {'portfolio-nb'}
        sys.meta_path.insert(0, blocker := Blocker(allowed))
    failed = []
    for m in MODULES:
        try: importlib.import_module(m)
        except Exception as e: failed.append(m); print(f"import {m}: FAILED {type(e).__name__}: {e}")
    from portfolio_nb.models.xlstm import XLSTMConfig, xlstm_stack
    try: xlstm_stack(XLSTMConfig(slstm_backend='vanilla'))  # builds the official stack (imports its submodules)
    except Exception as e: failed.append('xlstm_stack'); print(f"xlstm_stack: FAILED {type(e).__name__}: {e}")
    try: smoke()
    except Exception as e: failed.append('solvers'); print(f"solvers: FAILED {type(e).__name__}: {e}")
    vs = {}
    for d in VERSIONS:
        try: vs[d] = md.version(d)
        except md.PackageNotFoundError: vs[d] = None
    print('versions:', ' '.join(f'{k}={v}' for k, v in vs.items()))
    if simulate and blocker.refused: print('refused (optional imports, or missing wheels):', sorted(blocker.refused))
    print(f"imports: {len(MODULES) + 1 - len(failed)} ok, {len(failed)} failed {failed or ''}")
    return 1 if failed else 0

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--simulate', action='store_true', help='refuse what the GPU machine lacks and no wheel brings')
    ap.add_argument('--wheels', type=Path, default=Path(__file__).parent/'.whl')
    a = ap.parse_args(); sys.exit(main(a.simulate, a.wheels))
