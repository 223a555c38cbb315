"""Every neural model that reads features fits and decides on the Alpha158 set of a small panel with bars."""
import warnings
import pytest
from portfolio_nb.alpha158 import ALPHA158_FEATURES
from portfolio_nb.testing import synthetic_panel, fit_and_decide
from portfolio_nb.models.lstm import LSTMModel, StockLSTMModel
from portfolio_nb.models.xlstm import XLSTMPortfolioModel
from portfolio_nb.models.gat import GATPortfolioModel

@pytest.fixture(scope='module')
def panel():
    return synthetic_panel(n_dates=360, n_tickers=12, seed=2, bars=True, calendar=False)

CASES = {'lstm': (LSTMModel, 'alpha158'), 'stock_lstm': (StockLSTMModel, 'alpha158'),
         'xlstm': (XLSTMPortfolioModel, {'preset': 'alpha158', 'sequence_length': 20}),
         'gat': (GATPortfolioModel, 'alpha158')}

@pytest.mark.parametrize('name', list(CASES))
def test_fits_and_decides_on_alpha158(panel, name):
    cls, features = CASES[name]
    model = cls(features=features, train=dict(epochs=1), min_history_days=80)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        weights = fit_and_decide(lambda: model, panel, panel.dates[280], panel.dates[[300, 340]])
    assert model.fit_info['features'] == list(ALPHA158_FEATURES)
    assert ((weights.sum(axis=1) - 1).abs() < 1e-6).all() and (weights.fillna(0) >= -1e-9).all().all()
