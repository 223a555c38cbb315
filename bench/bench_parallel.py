"""Parallel walk-forward: the default report with --workers 2 against --workers 1, and on a two-node Ray cluster.

Each run renders `reports/configs/default.yaml` (every model, 2010-2022) from scratch into its own folder, fitting
every fold: serially (`--workers 1`), on 2 local processes (`--workers 2`), and, with `--ray`, on a Ray cluster of two
nodes simulated on this machine (two `ray start` processes of 1 CPU each, `--address`). It prints the wall time of
each, the ratio to the serial run, and checks that every model's weights are identical to the serial run's.

Run from the repository root: python bench/bench_parallel.py [--ray] [--config reports/configs/default.yaml]
"""
import argparse, os, shutil, socket, subprocess, sys, tempfile, time
from pathlib import Path
import pandas as pd, yaml

def render(config: Path, out: Path, *flags, env=None) -> float:
    "Seconds to render `config` into `out` with the CLI and `flags` (from scratch)."
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    cli = shutil.which('portfolio-nb', path=os.path.dirname(sys.executable))
    subprocess.run([cli, 'run', str(config), '--out', str(out), *flags], check=True, capture_output=True, env=env)
    return time.perf_counter() - t

def same_weights(a: Path, b: Path, models) -> bool:
    "Whether every model's weights are identical in the two rendered runs."
    return all(pd.read_parquet(a/m/'weights.parquet').equals(pd.read_parquet(b/m/'weights.parquet')) for m in models)

def two_node_cluster(ray: str) -> tuple[str, dict]:
    "Start a head and a second node of 1 CPU each on this machine; the address and the environment to reach them."
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    env = os.environ | {'RAY_AUTH_MODE': 'disabled'}  # a throwaway local cluster
    common = ['--num-cpus', '1', '--disable-usage-stats', '--node-ip-address', '127.0.0.1']
    subprocess.run([ray, 'start', '--head', '--port', str(port), '--include-dashboard', 'false', *common], check=True,
                   capture_output=True, env=env)
    subprocess.run([ray, 'start', '--address', f'127.0.0.1:{port}', *common], check=True, capture_output=True, env=env)
    return f'127.0.0.1:{port}', env

def main(config: Path, with_ray: bool):
    spec = yaml.safe_load(config.read_text())
    models, name = list(spec['models']), spec['name']
    out = Path(tempfile.mkdtemp(prefix='bench_parallel.'))
    print(f"{os.cpu_count()} CPUs; {config} ({len(models)} models), every fold fitted from scratch in each run")
    serial = render(config, out/'serial')
    print(f"--workers 1: {serial:6.0f} s")
    local = render(config, out/'local', '--workers', '2')
    print(f"--workers 2: {local:6.0f} s   {serial / local:.2f}x faster, identical weights: {same_weights(out/'serial'/name, out/'local'/name, models)}")
    if with_ray:
        ray = shutil.which('ray', path=os.path.dirname(sys.executable))
        address, env = two_node_cluster(ray)
        try:
            secs = render(config, out/'ray', '--address', address, env=env)
            print(f"Ray, 2 nodes x 1 CPU: {secs:6.0f} s   {serial / secs:.2f}x faster, identical weights: "
                  f"{same_weights(out/'serial'/name, out/'ray'/name, models)}")
        finally: subprocess.run([ray, 'stop', '--force'], capture_output=True, env=env)
    shutil.rmtree(out, ignore_errors=True)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--config', type=Path, default=Path('reports/configs/default.yaml'))
    ap.add_argument('--ray', action='store_true', help='also on a two-node Ray cluster simulated on this machine')
    a = ap.parse_args()
    main(a.config, a.ray)
