"""Ray as the README sets it up: token authentication on (the head started on one address, here the loopback one).
Ray 2.60's GCS listens on every interface whatever --node-ip-address says (measured: '::'), so the token is what keeps
others out: a driver without it is refused by our executor (and by the cluster itself, which makes it wait for minutes:
not tested here)."""
import os, secrets, shutil, socket, subprocess, sys
import pytest, yaml
from conftest import run_cli

RAY = shutil.which('ray', path=os.path.dirname(sys.executable))
pytestmark = pytest.mark.skipif(RAY is None, reason="ray is not installed (pip install -e '.[ray]')")

@pytest.fixture(scope='module')
def secure_cluster(tmp_path_factory):
    "A head started with RAY_AUTH_MODE=token and its own token file, on 127.0.0.1 only; the environment to reach it."
    home = tmp_path_factory.mktemp('home')
    (home/'token').write_text(secrets.token_hex(32))
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith('RAY_')} | dict(
        HOME=str(home), RAY_AUTH_MODE='token', RAY_AUTH_TOKEN_PATH=str(home/'token'))
    subprocess.run([RAY, 'start', '--head', '--node-ip-address', '127.0.0.1', '--port', str(port), '--num-cpus', '1',
                    '--include-dashboard', 'false', '--disable-usage-stats'], check=True, capture_output=True, env=env)
    yield port, env
    subprocess.run([RAY, 'stop', '--force'], capture_output=True, env=env)

def test_runs_with_the_token_and_is_refused_without(tmp_path, data, secure_cluster):
    port, env = secure_cluster
    cfg = dict(name='secure', data=str(data), start='2019-01-01', end='2020-12-31', models={'equal_weight': {}})
    (tmp_path/'config.yaml').write_text(yaml.safe_dump(cfg))
    args = ('run', str(tmp_path/'config.yaml'), '--address', f'127.0.0.1:{port}', '--out', str(tmp_path/'reports'))
    r = run_cli(*args, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    no_token = {k: v for k, v in env.items() if k not in ('RAY_AUTH_MODE', 'RAY_AUTH_TOKEN_PATH')} | dict(HOME=str(tmp_path))
    r = run_cli(*args[:-2], '--out', str(tmp_path/'refused'), cwd=tmp_path, env=no_token)
    assert r.returncode == 2 and 'without token authentication' in r.stderr and not (tmp_path/'refused').exists()
