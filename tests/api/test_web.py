"""The web page's indicators against the golden values (node), then the page
in a real browser (Debian's chromium through chromedriver) against the
running stack: served with its CSP and cache headers; register,
sign in, add a symbol to a watchlist, its chart drawn (pixels of a
screenshot), its analysis; API keys and the password; the odds view; an API
error shown with its message; phone width; sign out; the README's commands
and the demo account. The tests run in order, as one visitor. On every page: no
console error, no CSP violation, and axe-core (web/node_modules, pinned by
web/package-lock.json) finds no serious or critical accessibility issue.
Screenshots of each page go to DIR/log/web/. The browser's requests come
from the loopback address chromium picks for localhost (::1 where there is
one; about 80 API calls in all, within nginx's 60 a minute with a burst of
60 from a fresh bucket); the other requests of this file from 127.40.3.0/24."""

import atexit
import glob
import gzip
import itertools
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import uuid
import zlib

from accounts import sql
from analysis_lib import ensure_gspc, import_rows, random_symbol, sp500_rows
from jobs_lib import cli, expect_rc
from lib import STACK, expect_error, get, request, test

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
AXE = os.path.join(REPO, "web", "node_modules", "axe-core", "axe.min.js")
SHOTS = os.path.join(STACK.get("LOG_DIR", tempfile.gettempdir()), "web")
JS_BUDGET = 200 * 1024            # the page's JavaScript, compressed
_addr = itertools.cycle(f"127.40.3.{i}" for i in range(1, 255))
_state = {}


# ---- the browser -------------------------------------------------------------

def browser():
    if "driver" in _state:
        return _state["driver"]
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000",
                "--ignore-certificate-errors", "--disable-extensions", "--no-first-run",
                "--disable-background-networking", "--disable-dev-shm-usage",
                "--force-prefers-reduced-motion",
                f"--user-data-dir={_state.setdefault('profile', tempfile.mkdtemp(prefix='es-web-chrome-'))}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    d.set_page_load_timeout(60)
    d.set_script_timeout(60)
    os.makedirs(SHOTS, mode=0o750, exist_ok=True)
    _state["driver"] = d
    atexit.register(quit_browser)
    return d


def quit_browser():
    d = _state.pop("driver", None)
    if d is not None:
        d.quit()
    shutil.rmtree(_state.pop("profile", "/nonexistent"), ignore_errors=True)


def wait(selector, timeout=30, visible=True):
    cond = EC.visibility_of_element_located if visible else EC.presence_of_element_located
    try:
        return WebDriverWait(browser(), timeout).until(cond((By.CSS_SELECTOR, selector)))
    except TimeoutException:
        raise AssertionError(f"no {selector} on {browser().current_url}: "
                             f"{browser().find_element(By.TAG_NAME, 'body').text[:500]!r}")


def wait_text(selector, text, timeout=30):
    try:
        WebDriverWait(browser(), timeout).until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text))
    except TimeoutException:
        raise AssertionError(f"no {text!r} in {selector} on {browser().current_url}: "
                             f"{browser().find_element(By.TAG_NAME, 'body').text[:500]!r}")


def go(fragment):
    browser().get(STACK["URL"] + "/" + fragment)


def fill(form, **values):
    for name, value in values.items():
        el = form.find_element(By.NAME, name)
        el.clear()
        el.send_keys(value)


def submit(form):
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def console(allowed=()):
    """The browser's log since the last call: fails on any error (CSP
    violations are errors) other than those matching allowed."""
    bad = []
    for e in browser().get_log("browser"):
        msg = e["message"]
        if e["level"] == "SEVERE" or "Content Security Policy" in msg:
            if not any(re.search(a, msg) for a in allowed):
                bad.append(msg)
    assert not bad, f"browser console: {bad}"


def axe(page):
    """axe-core on the page as it is: no serious or critical violation."""
    d = browser()
    if not d.execute_script("return typeof window.axe === 'object'"):
        with open(AXE) as f:
            d.execute_script(f.read())
    result = d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify(String(e))));")
    violations = json.loads(result)
    assert isinstance(violations, list), f"axe failed on {page}: {violations}"
    bad = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
           for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe on {page}: {bad}"


def shot(name):
    path = os.path.join(SHOTS, f"{name}.png")
    browser().save_screenshot(path)
    os.chmod(path, 0o640)          # as every file of the log folder
    return path


def checked(name, allowed=()):
    """Every page's checks: console, accessibility, a screenshot."""
    console(allowed)
    axe(name)
    return shot(name)


# ---- PNG pixels (a screenshot: 8-bit RGB or RGBA, not interlaced) ------------

def png_pixels(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, head = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    width, height, depth, color, _, _, interlace = head
    assert depth == 8 and color in (2, 6) and interlace == 0, head
    bpp = 4 if color == 6 else 3
    raw, stride, prev, rows = zlib.decompress(idat), width * bpp, bytearray(width * bpp), []
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def colours(png):
    """How many pixels of each colour the image has."""
    width, _, bpp, rows = png_pixels(png)
    counts = {}
    for row in rows:
        for x in range(0, width * bpp, bpp):
            px = row[x:x + 3]
            counts[px] = counts.get(px, 0) + 1
    return counts


def chart_background(el):
    """The most frequent colour of el's screenshot, (r, g, b)."""
    counts = colours(el.screenshot_as_png)
    return tuple(max(counts, key=counts.get))


# ---- the tests ---------------------------------------------------------------

@test
def chart_indicators_match_the_golden_values():
    p = subprocess.run(["node", os.path.join(REPO, "web", "test", "golden.mjs"),
                        os.path.join(REPO, "tests", "fixtures")],
                       capture_output=True, text=True, timeout=120)
    expect_rc(p, 0, "web/test/golden.mjs")
    assert p.stdout.count("\nok ") + p.stdout.startswith("ok ") == 9, p.stdout


@test
def page_is_served_with_its_csp_and_cached_hashed_assets():
    r = get("/", source=next(_addr), validate=False)
    assert r.status == 200, r
    assert r.headers["content-type"] == "text/html; charset=utf-8", r.headers
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp, csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp
    assert r.headers["cache-control"] == "no-cache", r.headers
    assert r.headers["x-frame-options"] == "DENY", r.headers
    page = r.body.decode()
    assert "<script>" not in page and " style=" not in page and "<style" not in page, page
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page)
    assert sorted(a.rsplit(".", 1)[1] for a in assets) == ["css", "js"], assets
    js_bytes = 0
    for a in assets:
        assert re.fullmatch(r"/assets/main-[A-Z0-9]{8}\.(js|css)", a), a
        r = get(a, headers={"Accept-Encoding": "gzip"}, source=next(_addr), validate=False)
        assert r.status == 200, r
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable", r.headers
        assert r.headers["content-encoding"] == "gzip", r.headers
        assert r.headers["content-type"].startswith(
            "text/javascript" if a.endswith(".js") else "text/css"), r.headers
        assert len(gzip.decompress(r.body)) > len(r.body)
        if a.endswith(".js"):
            js_bytes += len(r.body)
    assert 0 < js_bytes < JS_BUDGET, f"{js_bytes} bytes of JavaScript compressed"
    # unknown paths stay the JSON 404; the API keeps its own CSP
    for path in ("/assets/none.js", "/index.html", "/assets/"):
        expect_error(get(path, source=next(_addr), validate=False), 404, "NOT_FOUND")
    r = get("/health", source=next(_addr))
    assert r.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


@test
def register_sign_in_watchlist_chart_analysis():
    email = f"web-{uuid.uuid4().hex[:10]}@example.com"
    password = f"Amber lantern {uuid.uuid4().hex[:8]} hums softly"
    _state["email"], _state["password"] = email, password
    symbol = random_symbol("W")
    _state["symbol"] = symbol
    import_rows(symbol, sp500_rows()[-400:])
    try:
        go("")
        wait("form[aria-label='Sign in']")
        checked("signin")
        browser().find_element(By.LINK_TEXT, "Register").click()
        f = wait("form[aria-label='Register']")
        checked("register")
        fill(f, email=email, password=password)
        submit(f)
        wait_text(".form-msg", "Registered")
        browser().find_element(By.CSS_SELECTOR, ".form-msg a").click()
        f = wait("form[aria-label='Sign in']")
        fill(f, email=email, password=password)
        submit(f)
        wait_text("#nav", "Sign out")

        # markets: the default watchlist; add the symbol with the keyboard
        f = wait("form[aria-label='Add a symbol']")
        f.find_element(By.NAME, "symbol").send_keys(symbol.lower() + "\n")
        link = wait(f"a[href='#/symbol/{symbol}']")
        row = link.find_element(By.XPATH, "./ancestor::tr").text
        assert symbol in row and "2020-" in row, row
        checked("markets")

        link.click()
        box = wait(".chart[data-drawn='true']")
        wait_text(".hint", "400 daily bars")
        wait(".bar .part")
        wait_text(".facts", "Recommendation")
        facts = browser().find_element(By.CSS_SELECTOR, ".facts").text
        assert re.search(r"Score\s+\d+\.\d\d / 100", facts), facts
        # the model's win probability with its caveat, or (no model trained on
        # this stack yet) the note saying so
        model = browser().find_elements(By.CSS_SELECTOR, ".model")
        if model:
            assert re.match(r"Model v\d+: win probability \d+\.\d %\.\n.*not a forecast",
                            model[0].text, re.S), model[0].text
        else:
            assert "No model yet: the win probability appears once one has been trained." in \
                browser().find_element(By.TAG_NAME, "main").text
        rows = browser().find_elements(By.CSS_SELECTOR, "table tbody tr")
        assert [r.text.split()[0] for r in rows[:2]] == ["trend", "rsi"], [r.text for r in rows]
        browser().execute_script("arguments[0].scrollIntoView()", box)
        # the chart is drawn: the canvas area of a screenshot has many colours
        # (candles of both directions, volume, overlays, panes), not one
        counts = colours(box.screenshot_as_png)
        total = sum(counts.values())
        top = max(counts.values())
        assert len(counts) > 50 and top < 0.95 * total, (len(counts), top, total)
        card = box.find_element(By.XPATH, "./ancestor::section")
        browser().execute_script("arguments[0].scrollIntoView({block: 'start'})", card)
        card.screenshot(os.path.join(SHOTS, "symbol-chart.png"))   # docs/web-symbol.png
        os.chmod(os.path.join(SHOTS, "symbol-chart.png"), 0o640)
        checked("symbol")

        # another strategy: the tabs are links, the chart stays
        browser().find_element(By.LINK_TEXT, "value").click()
        wait_text("caption", "value score")
        wait(".chart[data-drawn='true']")
        console()

        # remove the symbol again
        go("#/markets")
        wait(f"a[href='#/symbol/{symbol}']")
        browser().find_element(By.CSS_SELECTOR, f"button[aria-label='Remove {symbol}']").click()
        wait_text("main", "No symbols yet")
        # a second watchlist: the lists become tabs, the new one open
        f = browser().find_element(By.CSS_SELECTOR, "form[aria-label='New watchlist']")
        fill(f, name="Tech")
        submit(f)
        tab = wait("nav.tabs a[aria-current='page']")
        assert tab.text == "Tech (0)", tab.text
        assert [a.text for a in browser().find_elements(By.CSS_SELECTOR, "nav.tabs a")] == \
            ["Favourites (0)", "Tech (0)"]
        # the README's demo series, a symbol with a caret: ^GSPC
        ensure_gspc()
        f = wait("form[aria-label='Add a symbol']")
        f.find_element(By.NAME, "symbol").send_keys("^gspc\n")
        wait("a[href='#/symbol/%5EGSPC']").click()
        wait(".chart[data-drawn='true']")
        wait(".bar .part")
        assert browser().find_element(By.TAG_NAME, "h1").text == "^GSPC"
        console()
        # the list of one's own is renamed, then deleted: the default stays
        browser().find_element(By.LINK_TEXT, "Markets").click()
        wait_text("nav.tabs", "Tech (1)")
        browser().find_element(By.LINK_TEXT, "Tech (1)").click()
        f = wait("form[aria-label='Rename the watchlist']")
        fill(f, name="Indices")
        submit(f)
        wait_text("nav.tabs", "Indices (1)")
        browser().find_element(By.XPATH, "//button[text()='Delete Indices']").click()
        wait_text("main h2", "Favourites")
        assert not browser().find_elements(By.CSS_SELECTOR, "nav.tabs")
        assert not browser().find_elements(By.XPATH, "//button[starts-with(text(), 'Delete')]")
        console()
    finally:
        sql("DELETE FROM watchlist_symbols WHERE symbol_id IN "
            "(SELECT id FROM symbols WHERE symbol = :'p1')", symbol)


@test
def api_errors_are_shown_with_their_message():
    go("#/symbol/NOSUCH1")
    err = wait(".error")
    # both calls (the prices and the analysis) failed, each said where it belongs
    WebDriverWait(browser(), 30).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".error")) == 2)
    assert re.search(r"\([A-Z_]+\)$", err.text), err.text
    main = browser().find_element(By.TAG_NAME, "main").text
    assert "NOSUCH1" in main, main
    # the failed requests (no provider knows the symbol) are the only console entries
    checked("error", allowed=(r"NOSUCH1.*Failed to load resource: the server responded with a status",))
    # a bad form value: the API's 422 message in the form
    go("#/account")
    f = wait("form[aria-label='Change the password']")
    fill(f, current_password="not the password at all", new_password="short")
    browser().execute_script("arguments[0].noValidate = true", f)
    submit(f)
    wait(".form-msg .error")
    console(allowed=(r"Failed to load resource: the server responded with a status of 4\d\d",))


@test
def api_keys_shown_once_and_revoked_and_password_changed():
    go("#/account")
    f = wait("form[aria-label='New API key']")
    fill(f, name="web test key")
    f.find_element(By.NAME, "scope_export").click()
    submit(f)
    secret = wait(".key-secret").text
    assert secret.startswith("es_"), secret
    r = request("GET", "/api/auth/me", headers={"X-API-Key": secret}, source=next(_addr))
    assert r.status == 200 and r.json()["email"] == _state["email"], r
    row = wait("table tbody tr").text
    assert "web test key" in row and "read, export" in row, row
    checked("account")
    browser().find_element(By.LINK_TEXT, "Markets").click()
    wait("form[aria-label='Add a symbol']")
    browser().find_element(By.LINK_TEXT, "Account").click()
    wait("table tbody tr")      # the secret is gone once the page is left
    assert secret not in browser().page_source
    browser().find_element(By.CSS_SELECTOR, "button[aria-label='Revoke web test key']").click()
    wait_text("#keys", "No API keys")
    r = request("GET", "/api/auth/me", headers={"X-API-Key": secret}, source=next(_addr))
    assert r.status == 401, r

    new = _state["password"] + " again"
    f = browser().find_element(By.CSS_SELECTOR, "form[aria-label='Change the password']")
    fill(f, current_password=_state["password"], new_password=new)
    submit(f)
    wait_text(".form-msg", "Password changed")
    _state["password"] = new
    console()


def remove_odds_demo():
    sql("DELETE FROM hits WHERE domain = 'odds' AND key IN (SELECT 'ev:' || id FROM ev_hits "
        "WHERE event_id LIKE 'demo-%')")
    sql("DELETE FROM odds_events WHERE id LIKE 'demo-%'")


@test
def odds_view_lists_hits_with_filters_and_arbs():
    remove_odds_demo()
    try:
        expect_rc(cli("odds", "demo", ODDS_API_KEY=""), 0, "odds demo")
        browser().find_element(By.LINK_TEXT, "Odds").click()
        wait_text("section", "+EV hits")
        wait("table tbody tr")
        assert "Lakers" in browser().find_element(By.TAG_NAME, "main").text
        wait(".arb")
        wait_text("main", "Settled hits, overall and by EV band")
        perf = browser().find_element(By.XPATH, "//section[h2='Keeping score']//tbody/tr[1]").text
        assert perf.startswith("all ") and "–" in perf, perf
        checked("odds")
        f = browser().find_element(By.CSS_SELECTOR, "form.filters")
        fill(f, sport="basketball_nba", min_ev="0.05")
        f.find_element(By.CSS_SELECTOR, "select[name=method] option[value=multiplicative]").click()
        submit(f)
        wait_text("caption", "by the multiplicative method")
        url = browser().current_url
        assert "method=multiplicative" in url and "min_ev=0.05" in url, url
        rows = browser().find_elements(By.CSS_SELECTOR, "section:first-of-type tbody tr")
        evs = [float(r.find_element(By.CSS_SELECTOR, "td:nth-child(8)").text.split()[0])
               for r in rows]
        assert evs and min(evs) >= 5 and evs == sorted(evs, reverse=True), evs
        # the demo's hits are all multiplicative: none by the Shin method
        f = browser().find_element(By.CSS_SELECTOR, "form.filters")
        f.find_element(By.CSS_SELECTOR, "select[name=method] option[value=shin]").click()
        submit(f)
        wait_text("main", "No hits match these filters")
        console()
    finally:
        remove_odds_demo()


@test
def readable_at_phone_width_and_in_dark_then_signed_out():
    d = browser()
    d.set_window_size(390, 844)
    try:
        for page, ready in (("#/markets", "form[aria-label='Add a symbol']"),
                            ("#/odds", "section:last-of-type div > *:not(.loading)"), ("#/account", "form[aria-label='New API key']")):
            d.execute_script("location.hash = arguments[0]", page)
            wait(ready)
            wide = d.execute_script("return document.documentElement.scrollWidth")
            assert wide <= 390, f"{page}: {wide} px wide at 390"
            checked(f"{page[2:]}-phone")
    finally:
        d.set_window_size(1280, 1000)
    # dark after the system setting, readable there too (axe checks contrast)
    dark = {"features": [{"name": "prefers-color-scheme", "value": "dark"}]}
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", dark)
    try:
        for page, ready in (("#/account", "form[aria-label='New API key']"),
                            ("#/markets", "form[aria-label='Add a symbol']")):
            d.execute_script("location.hash = arguments[0]", page)
            wait(ready)
            bg = d.execute_script("return getComputedStyle(document.body).backgroundColor")
            rgb = [int(x) for x in re.findall(r"\d+", bg)[:3]]
            assert max(rgb) < 64, f"{page} in dark: background {bg}"
            checked(f"{page[2:]}-dark")
        # the chart follows a change of the setting: drawn again in dark
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        d.execute_script("location.hash = arguments[0]", f"#/symbol/{_state['symbol']}")
        box = wait(".chart[data-drawn='true']")
        assert sum(chart_background(box)) > 600, chart_background(box)
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", dark)
        WebDriverWait(d, 30).until(lambda _: sum(chart_background(box)) < 150)
        checked("symbol-dark")
    finally:
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    browser().find_element(By.XPATH, "//button[text()='Sign out']").click()
    wait("form[aria-label='Sign in']")
    wait_text("#nav", "Register")
    # the session is over on the server too: its cookie is gone
    cookies = [c["name"] for c in d.get_cookies()]
    assert not any(c.startswith("__Host-") for c in cookies), cookies
    # and the changed password signs in again
    f = wait("form[aria-label='Sign in']")
    fill(f, email=_state["email"], password=_state["password"])
    submit(f)
    wait_text("#nav", "Sign out")
    browser().find_element(By.XPATH, "//button[text()='Sign out']").click()
    wait("form[aria-label='Sign in']")
    console()
    quit_browser()
    assert glob.glob(os.path.join(SHOTS, "*.png"))


@test
def readme_commands_and_the_demo_account():
    # make run's demo user (seed-demo, idempotent) and its login file
    expect_rc(cli("seed-demo", "--url", STACK["URL"]), 0, "seed-demo")
    with open(os.path.join(REPO, "README.md")) as f:
        text = f.read()
    section = text[text.index("## Web page"):]
    section = section[:section.index("\n## ")]
    first = section.index("```sh\n") + len("```sh\n")
    commands = [c for c in section[first:section.index("```", first)].splitlines()
                if not c.startswith("#")]
    assert len(commands) == 2, commands
    env = {"PATH": "/usr/bin:/bin", "URL": STACK["URL"], "CA": STACK["CA"]}
    run = lambda c: subprocess.run(["bash", "-c", c], env=env, cwd=REPO, capture_output=True,
                                   text=True, timeout=60)
    p = run(commands[0].replace("var/", STACK["DIR"] + "/"))
    expect_rc(p, 0, commands[0])
    password = p.stdout.strip()
    assert len(password) >= 20, "no password printed"
    p = run(commands[1])
    expect_rc(p, 0, commands[1])
    lines = sorted(line.strip() for line in p.stdout.lower().splitlines())
    assert lines[0] == "cache-control: no-cache", lines
    assert lines[1].startswith("content-security-policy: default-src 'none'; script-src 'self';")
    # the README's picture is a PNG of the page
    with open(os.path.join(REPO, "docs", "web-symbol.png"), "rb") as f:
        width, height, _, _ = png_pixels(f.read())
    assert width >= 600 and height >= 300, (width, height)
    # and the demo user signs in to the page with that password, by keyboard
    # alone: after a page change the focus is on its content, so the first Tab
    # reaches the form; before it come the navigation and the skip link
    go("")
    wait("form[aria-label='Sign in']")
    d = browser()

    def tab(shift=False):
        a = ActionChains(d)
        (a.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT) if shift
         else a.send_keys(Keys.TAB)).perform()
        el = d.switch_to.active_element
        return f"{el.tag_name} {el.get_attribute('name') or el.text}"

    assert tab() == "input email"
    back = [tab(shift=True) for _ in range(4)]
    assert back == ["a Register", "a Sign in", "a edgescout", "a Skip to content"], back
    forward = [tab() for _ in range(4)]
    assert forward == ["a edgescout", "a Sign in", "a Register", "input email"], forward
    ActionChains(d).send_keys("demo@edgescout.local", Keys.TAB, password, Keys.ENTER).perform()
    wait_text("#nav", "Sign out")
    wait("form[aria-label='Add a symbol']")
    browser().find_element(By.XPATH, "//button[text()='Sign out']").click()
    wait("form[aria-label='Sign in']")
    console()
    quit_browser()
