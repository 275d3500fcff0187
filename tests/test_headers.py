"""Security headers on every answer, and absolute links from the configured base URL, never
from the Host header."""
import base64
import hashlib
import re

import pytest

from publish.clock import Clock
from publish.errors import PublishError
from publish.plugins.headers import KNOWN_SCRIPT_VALUES, content_security_policy, inline_script_bodies
from publish.serve import configured_base_url, make_datasette, parse_base_url
from publish.settings import DEFAULT_BASE_URL, read_environment
from tests.conftest import AS_OF
from tests.site_data import CHANGNAN, build_site

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.S | re.I)
PAGES = ["/", "/search?q=昌南", f"/entity/{CHANGNAN}", "/public", "/public/penalties", "/public/entities",
         "/public/penalties_records/1", "/public?sql=select+1", "/-/index", "/no-such-page",
         "/public/penalties?_sort=nope"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("headers"))


@pytest.fixture(scope="module")
def datasette(built):
    return make_datasette(built, Clock.on(AS_OF))


def sha256(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"


@pytest.mark.parametrize("path", PAGES)
async def test_every_inline_script_a_page_runs_is_allowed_by_its_hash(datasette, path):
    response = await datasette.client.get(path)
    policy = response.headers["content-security-policy"]
    scripts = INLINE_SCRIPT.findall(response.text)
    for body in scripts:
        assert sha256(body) in policy, (path, body[:60])
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]


async def test_the_pages_with_scripts_were_checked(datasette):
    # The test above would pass on pages without scripts: these have them.
    for path in ("/search?q=昌南", "/public/penalties", "/public?sql=select+1"):
        assert INLINE_SCRIPT.findall((await datasette.client.get(path)).text), path


def test_an_injected_script_is_not_allowed():
    policy = content_security_policy([sha256("known()")])
    assert sha256("alert(1)") not in policy
    assert "script-src 'self' " + sha256("known()") in policy


@pytest.mark.parametrize("source, bodies", [
    ("<script>a()</script>", ["a()"]),
    ('<script src="/x.js"></script><script type="module">b()</script>', ["b()"]),
    ("<script>X = {{ datasette_allow_facet }};</script>", ["X = true;", "X = false;"]),
    ("<script>{{ body_script.script }}</script>", []),
    ("<script>Y = {{ unknown }};</script>", []),
])
def test_inline_script_bodies_of_a_template(source, bodies):
    assert inline_script_bodies(source) == bodies
    assert "datasette_allow_facet" in KNOWN_SCRIPT_VALUES


@pytest.mark.parametrize("path, status", [
    ("/", 200), ("/.json", 200), ("/search.json?q=昌南", 200), (f"/entity/{CHANGNAN}.json", 200),
    ("/public/penalties.json", 200), ("/public/penalties.csv", 200), ("/public.db", 302),
    ("/downloads", 200), ("/downloads/latest/public.db", 404),
    ("/static/site.css", 200), ("/-/static/app.css", 200), ("/authorized", 401), ("/~61uthorized.json", 401),
    ("/no-such-page.json", 404), ("/public/penalties.json?_sort=nope", 400),
    ("/public.json?sql=select+nope", 400), ("/-/versions.json", 200),
])
async def test_every_answer_carries_the_security_headers(datasette, path, status):
    response = await datasette.client.get(path)
    assert response.status_code == status
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "object-src 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert len(headers.get_list("referrer-policy")) == 1


async def test_an_unsupported_method_gets_them_too(datasette):
    response = await datasette.client.request("TRACE", "/public")
    assert response.status_code == 405 and response.headers["x-content-type-options"] == "nosniff"


# --- Absolute links ----------------------------------------------------------------------------------

async def test_absolute_links_come_from_the_base_url_not_the_host_header(datasette):
    evil = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    response = await datasette.client.get("/public/penalties.json?_size=2&_facet=category", headers=evil)
    data = response.json()
    assert data["next_url"].startswith(f"{DEFAULT_BASE_URL}/public/penalties.json?")
    toggles = [r["toggle_url"] for r in data["facet_results"]["category"]["results"]]
    assert toggles and all(t.startswith(f"{DEFAULT_BASE_URL}/") for t in toggles)
    assert "evil.example" not in response.text and "evil.example" not in response.headers.get("link", "")
    for path in ("/public/penalties", "/public", f"/entity/{CHANGNAN}", "/search?q=昌南",
                 "/public/penalties_records/1"):
        page = await datasette.client.get(path, headers=evil)
        assert "evil.example" not in page.text, path
        assert "evil.example" not in page.headers.get("link", ""), path


async def test_a_configured_base_url_is_used(built):
    datasette = make_datasette(built, Clock.on(AS_OF), base_url="https://credit.example.gov.cn/")
    response = await datasette.client.get("/public/penalties.json?_size=2")
    assert response.json()["next_url"].startswith("https://credit.example.gov.cn/public/penalties.json?")
    page = await datasette.client.get("/public/penalties")
    assert '<link rel="alternate" type="application/json+datasette" href="https://credit.example.gov.cn/' in page.text


def test_the_base_url_comes_from_the_environment_then_metadata_then_the_default():
    metadata = {"plugins": {"site": {"base_url": "https://meta.example"}}}
    assert configured_base_url({}, read_environment({})) == DEFAULT_BASE_URL == "http://127.0.0.1:8001"
    assert configured_base_url(metadata, read_environment({})) == "https://meta.example"
    env = read_environment({"PUBLISH_BASE_URL": "https://env.example:8443"})
    assert configured_base_url(metadata, env) == "https://env.example:8443"


@pytest.mark.parametrize("text", ["credit.example", "ftp://credit.example", "https://credit.example/sub/",
                                  "https://credit.example/?a=1", "https://"])
def test_a_base_url_that_is_not_an_origin_is_refused(text):
    with pytest.raises(PublishError) as exc:
        parse_base_url(text)
    assert exc.value.code == "bad_base_url"


# --- In a real browser ---------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.browser
def test_a_real_browser_runs_the_pages_scripts_under_the_policy_without_a_violation(built):
    """Chromium enforces the header: every script of these pages runs (the SQL editor, the
    facet flag, the search page's facets) and none is refused."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.parse
    import urllib.request

    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "publish", "serve", "--build", str(built), "--port", str(port)],
                              env={**os.environ, "PUBLISH_TODAY": AS_OF.isoformat()},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    checks = {"/public?sql=select+1": "() => !!document.querySelector('.CodeMirror')",
              "/public/penalties": "() => typeof DATASETTE_ALLOW_FACET === 'boolean'",
              "/search?q=" + urllib.parse.quote("昌南"): "() => document.querySelectorAll('details.facet').length > 0",
              f"/entity/{CHANGNAN}": "() => true", "/public/penalties_records/1": "() => true"}
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless=new"])
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            for path, ran in checks.items():
                page.goto(base + path)
                page.wait_for_load_state("load")
                assert page.evaluate(ran), path
            browser.close()
        assert problems == []
    finally:
        server.terminate()
        server.communicate(timeout=60)
