"A researcher's own model, from a file next to the config (`class: module:Class`): serial, --workers, a sweep, its report."
import pandas as pd, pytest, yaml

MODEL = '''
import numpy as np, pandas as pd
from portfolio_nb.models.base import PortfolioModel

class MomentumRanker(PortfolioModel):
    "Scores names by their trailing return over `lookback` days and holds the better half equally."
    name = 'momentum_ranker'
    def __init__(self, lookback: int = 120, min_history_days: int = 100):
        super().__init__(min_history_days)
        self.lookback = lookback
    def fit(self, panel, fit_period): return self
    def predict_weights(self, date, panel):
        names = self.universe(date, panel)
        score = np.expm1(np.log1p(panel.returns[names].iloc[-self.lookback:]).sum())
        self.scores[pd.Timestamp(date)] = score
        top = score.nlargest(max(1, len(names) // 2)).index
        return pd.Series(1 / len(top), top)

def helper(): pass
'''

def write_run(folder, data, **model) -> 'Path':
    "`my_models.py` and a config using it in `folder`; the config's path."
    folder.mkdir(parents=True, exist_ok=True)
    (folder/'my_models.py').write_text(MODEL)
    cfg = dict(name='own', data=str(data), start='2019-01-01', end='2020-12-31',
               constraints=dict(max_position_weight=0.2, transaction_cost_bps=10),
               models=dict(equal_weight={}, my_ranker={'class': 'my_models:MomentumRanker', 'lookback': 60} | model))
    (folder/'config.yaml').write_text(yaml.safe_dump(cfg))
    return folder/'config.yaml'

def test_own_model_runs_serially_and_on_workers_alike(tmp_path, data, cli):
    config = write_run(tmp_path/'research', data)
    (tmp_path/'elsewhere').mkdir()
    for flags, out in (([], 'serial'), (['--workers', '2'], 'parallel')):
        r = cli('run', str(config), *flags, '--out', str(tmp_path/out), cwd=tmp_path/'elsewhere')
        assert r.returncode == 0, r.stderr[-3000:]
    weights = [pd.read_parquet(tmp_path/out/'own'/'my_ranker'/'weights.parquet') for out in ('serial', 'parallel')]
    assert weights[0].equals(weights[1]) and (weights[0] > 0).sum(axis=1).max() == 10  # the better half of 20
    report = tmp_path/'serial'/'own'/'my_ranker'
    assert (report/'report.html').stat().st_size > 10_000 and (report/'scores.parquet').exists()
    assert 'my_ranker' in pd.read_csv(tmp_path/'serial'/'own'/'summary.csv', index_col='model').index

@pytest.mark.parametrize('model, message', [
    (dict({'class': 'no_such_module:Ranker'}), "models.my_ranker: class 'no_such_module:Ranker': module no_such_module does not import"),
    (dict({'class': 'my_models:helper'}), "class 'my_models:helper' is not a PortfolioModel"),
    (dict({'class': 'my_models:Missing'}), 'module my_models has no Missing'),
    (dict(lookback_days=3), "model 'my_ranker': bad parameters"),
])
def test_a_bad_model_path_fails_in_one_line(tmp_path, data, cli, model, message):
    r = cli('run', str(write_run(tmp_path/'research', data, **model)), '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path/'reports').exists()

def test_own_model_in_a_sweep(tmp_path, data, cli):
    config = write_run(tmp_path/'research', data)
    (tmp_path/'research'/'sweep.yaml').write_text(yaml.safe_dump(dict(
        name='own_sweep', base='config.yaml', model='my_ranker', space={'lookback': [20, 120]},
        selection=dict(start='2019-01-01', end='2019-12-31'), out_of_sample=dict(start='2020-01-03', end='2020-12-31'))))
    r = cli('sweep', str(tmp_path/'research'/'sweep.yaml'), '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    trials = pd.read_csv(tmp_path/'reports'/'own_sweep'/'report'/'trials.csv', index_col='trial')
    assert sorted(trials.lookback) == [20, 120] and 'rank_ic_hold' in trials

FEATURE_AND_LOSS = '''
from portfolio_nb.losses import TargetVolatilityLoss

def range_5d(x):
    "The 5-day range of the price index over its last value"
    return (x.price.rolling(5).max() - x.price.rolling(5).min()) / x.price

def calm(target: float = 0.08):
    "Volatility targeting at a calm `target`."
    return TargetVolatilityLoss(target_volatility=target)
'''

def write_neural(folder, data) -> 'Path':
    "An LSTM on a feature and a loss of the researcher's own files next to its config."
    folder.mkdir(parents=True, exist_ok=True)
    (folder/'my_research.py').write_text(FEATURE_AND_LOSS)
    lstm = dict(preset='cpu-small', features=['returns', 'volatility_20d', 'my_research:range_5d'],
                loss={'my_research:calm': {'target': 0.08}}, train=dict(epochs=1))
    cfg = dict(name='own_lstm', data=str(data), start='2019-01-01', end='2020-12-31',
               constraints=dict(max_position_weight=0.2), models=dict(lstm=lstm))
    (folder/'config.yaml').write_text(yaml.safe_dump(cfg))
    return folder/'config.yaml'

def test_own_feature_and_loss_need_no_edit_in_the_package(tmp_path, data, cli):
    config = write_neural(tmp_path/'research', data)
    r = cli('config', str(config), cwd=tmp_path)
    assert r.returncode == 0 and 'my_research:range_5d' in r.stdout and 'my_research:calm' in r.stdout, r.stderr
    r = cli('run', str(config), '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (tmp_path/'reports'/'own_lstm'/'lstm'/'report.html').exists()
