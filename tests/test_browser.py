"A rendered run as a reader sees it: summary.html and a model report open in headless Chromium without errors."
import os, shutil
from pathlib import Path
from urllib.parse import unquote, urlparse
import numpy as np, pytest
from test_cli import write_config

def chromium() -> str | None:
    "The system's Chromium (or Chrome), or None."
    return next((p for p in map(shutil.which, ('chromium', 'chromium-browser', 'google-chrome')) if p), None)

pytestmark = pytest.mark.skipif(chromium() is None, reason='no chromium on this machine (.ci/run installs it with apt)')
playwright = pytest.importorskip('playwright.sync_api', reason='playwright is not installed (a dev requirement)')

CHECKS = """() => ({
  images: [...document.images].map(i => ({src: i.src.slice(0, 60), ok: i.complete && i.naturalWidth > 0})),
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
  anchors: [...document.querySelectorAll('[id], a[name]')].map(e => e.id || e.name),
  text: document.body.innerText.length})"""

def look(page, path: Path, shot: Path) -> dict:
    "Open `path`, collect its images, links and errors, and save a screenshot of the first screen to `shot`."
    errors = []
    page.on('pageerror', lambda e: errors.append(f'page error: {e}'))
    page.on('console', lambda m: errors.append(f'console {m.type}: {m.text}') if m.type == 'error' else None)
    page.on('requestfailed', lambda r: errors.append(f'request failed: {r.url[:80]}'))
    page.goto(path.as_uri(), wait_until='load')
    page.screenshot(path=str(shot))
    page.screenshot(path=str(shot.with_name(shot.stem + '_full.png')), full_page=True)
    return page.evaluate(CHECKS) | {'errors': errors}

def broken_links(seen: dict, page_path: Path) -> list:
    "The links of a page that resolve to neither a file next to it nor an anchor in it."
    bad = []
    for href in seen['links']:
        url = urlparse(href)
        if url.scheme in ('http', 'https', 'mailto'): continue  # nothing external is followed offline
        if not url.path: ok = url.fragment in seen['anchors']
        else: ok = (page_path.parent/unquote(url.path)).exists()
        if not ok: bad.append(href)
    return bad

def not_blank(png: Path) -> bool:
    "Whether the screenshot has more than one color's worth of pixel variance."
    from PIL import Image
    return float(np.asarray(Image.open(png).convert('L'), float).std()) > 5

def test_reports_open_in_a_browser(tmp_path, data, cli):
    models = dict(equal_weight={}, min_variance={'lookback': 252},
                  stock_lstm=dict(preset='cpu-small', top_k=5, train=dict(epochs=1)))
    r = cli('run', str(write_config(tmp_path, data, models=models)), '--out', str(tmp_path/'reports'), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    run = tmp_path/'reports'/'e2e'
    shots = Path(os.environ.get('PORTFOLIO_NB_SHOTS', tmp_path/'shots')); shots.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=['--no-sandbox'])
        page = browser.new_page(viewport=dict(width=1280, height=900))
        for path, name in ((run/'summary.html', 'summary'), (run/'stock_lstm'/'report.html', 'stock_lstm')):
            seen = look(page, path, shots/f'{name}.png')
            assert not seen['errors'], f'{name}: {seen["errors"]}'
            assert seen['images'] and all(i['ok'] for i in seen['images']), f'{name}: an image does not decode'
            assert not broken_links(seen, path), f'{name}: broken links {broken_links(seen, path)}'
            assert not_blank(shots/f'{name}.png') and seen['text'] > 500, f'{name}: blank page'
        page.goto((run/'summary.html').as_uri())
        page.click('th:has-text("max_drawdown")')  # sorting in the browser reorders the rows
        drawdowns = [float(v) for v in page.eval_on_selector_all('tbody tr', "rs => rs.map(r => r.cells[10].dataset.v)")]
        assert drawdowns == sorted(drawdowns, reverse=True)
        browser.close()
