"Ray end to end: a local cluster started with `ray start --head` (2 CPUs), runs through --address, a worker killed mid-run."
import os, shutil, socket, subprocess, sys
import pandas as pd, pytest, yaml
from portfolio_nb.data import load_panel
from portfolio_nb.models.base import MODELS, register_model
from portfolio_nb.parallel import RayExecutor
from portfolio_nb.testing import DiesOnce
from portfolio_nb.walkforward import RunConfig, run_walkforward

RAY = shutil.which('ray', path=os.path.dirname(sys.executable))
pytestmark = pytest.mark.skipif(RAY is None, reason="ray is not installed (pip install -e '.[ray]')")

def free_port() -> int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

@pytest.fixture(scope='module')
def cluster():
    "A local Ray cluster of 2 CPUs, started as a user would (`ray start --head`), and its address in RAY_ADDRESS."
    address = f'127.0.0.1:{free_port()}'
    os.environ['RAY_AUTH_MODE'] = 'disabled'  # a throwaway local test cluster; a real one keeps token authentication
    subprocess.run([RAY, 'start', '--head', '--node-ip-address', '127.0.0.1', '--port', address.split(':')[1], '--num-cpus', '2',
                    '--include-dashboard', 'false', '--disable-usage-stats'], check=True, capture_output=True)
    os.environ['RAY_ADDRESS'] = address
    yield address
    import ray
    ray.shutdown()
    subprocess.run([RAY, 'stop', '--force'], capture_output=True)
    del os.environ['RAY_ADDRESS'], os.environ['RAY_AUTH_MODE']


def test_cli_on_a_ray_cluster_gives_the_serial_weights(tmp_path, data, cluster, cli):
    models = dict(equal_weight={}, min_variance={'lookback': 252}, stock_lstm=dict(preset='cpu-small', top_k=5, train=dict(epochs=1)))
    cfg = dict(name='ray', data=str(data), start='2019-01-01', end='2020-12-31', models=models,
               constraints=dict(max_position_weight=0.2, transaction_cost_bps=10))
    (tmp_path/'config.yaml').write_text(yaml.safe_dump(cfg))
    for flags, out in ((['--address', 'auto', '--local-cluster'], 'ray'), ([], 'serial')):
        r = cli('run', str(tmp_path/'config.yaml'), *flags, '--out', str(tmp_path/out), cwd=tmp_path)
        assert r.returncode == 0, r.stderr[-3000:]
    for m in models:
        ray_w, serial_w = (pd.read_parquet(tmp_path/out/'ray'/m/'weights.parquet') for out in ('ray', 'serial'))
        assert ray_w.equals(serial_w), m

def test_a_killed_ray_worker_does_not_lose_the_run(tmp_path, data, cluster):
    register_model(DiesOnce)
    try:
        cfg = RunConfig.from_dict(dict(name='t', data=str(data), start='2019-01-01', end='2020-12-31', retrain='Q',
                                       models={'dies_once': {'marker': str(tmp_path/'died')}}))
        panel = load_panel(data, verbose=False)
        survived = run_walkforward(cfg, 'dies_once', panel, progress=False, executor=RayExecutor('auto', local=True))
        assert (tmp_path/'died').exists()  # a worker did die
        calm = run_walkforward(cfg, 'dies_once', panel, progress=False)
        assert survived.backtest.weights.equals(calm.backtest.weights)
    finally: del MODELS['dies_once']

def test_an_unauthenticated_cluster_is_refused_unless_local(tmp_path, data, cluster, cli):
    cfg = dict(name='ray', data=str(data), start='2019-01-01', end='2020-12-31', models={'equal_weight': {}})
    (tmp_path/'config.yaml').write_text(yaml.safe_dump(cfg))
    r = cli('run', str(tmp_path/'config.yaml'), '--address', 'auto', '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 2 and 'without token authentication' in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path/'reports').exists()

def test_own_model_on_a_ray_cluster_gives_the_serial_weights(tmp_path, data, cluster, cli):
    "A model from a file next to the config travels to the Ray workers with its tasks (by value)."
    from test_custom_model import write_run
    config = write_run(tmp_path/'research', data)
    for flags, out in ((['--address', 'auto', '--local-cluster'], 'ray'), ([], 'serial')):
        r = cli('run', str(config), *flags, '--out', str(tmp_path/out), cwd=tmp_path)
        assert r.returncode == 0, r.stderr[-3000:]
    ray_w, serial_w = (pd.read_parquet(tmp_path/out/'own'/'my_ranker'/'weights.parquet') for out in ('ray', 'serial'))
    assert ray_w.equals(serial_w)

def test_own_feature_and_loss_on_a_ray_cluster(tmp_path, data, cluster, cli):
    "Features and losses named by import path import on the Ray workers (the config's folder is on their path)."
    from test_custom_model import write_neural
    config = write_neural(tmp_path/'research', data)
    for flags, out in ((['--address', 'auto', '--local-cluster'], 'ray'), ([], 'serial')):
        r = cli('run', str(config), *flags, '--out', str(tmp_path/out), cwd=tmp_path)
        assert r.returncode == 0, r.stderr[-3000:]
    ray_w, serial_w = (pd.read_parquet(tmp_path/out/'own_lstm'/'lstm'/'weights.parquet') for out in ('ray', 'serial'))
    assert ray_w.equals(serial_w)
