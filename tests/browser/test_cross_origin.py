"""The PWA's Content-Security-Policy, and pages of another origin, in Chromium.

The other origin is a second server on another loopback port. Ports do not
make sites, so 127.0.0.1 on two ports is one site to the browser and the
``SameSite=Lax`` cookie goes along with its requests: what stops them is
the server alone.
"""

import html
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from forgery import DATASETTE_POSTS, dump_all, forged_requests
from genzong.server.timeutil import now_stamp
from .pwa_helpers import PASSWORD, TIMEOUT_MS, log_in, wait_for_service_worker, wait_until

pytestmark = pytest.mark.browser

# Runs in the PWA's page: adds an inline script, an inline event handler, a
# javascript: link and an eval, then returns which of them ran and which CSP
# directives the browser reported as violated.
TRY_INLINE_CODE = """() => new Promise((resolve) => {
    const violated = [];
    document.addEventListener('securitypolicyviolation', (event) => violated.push(event.effectiveDirective));
    const script = document.createElement('script');
    script.textContent = 'window.ranInline = true';
    document.body.append(script);
    const image = document.createElement('img');
    image.setAttribute('onerror', 'window.ranHandler = true');
    image.src = 'data:,not-an-image';
    document.body.append(image);
    const link = document.createElement('a');
    link.href = 'javascript:window.ranLink = true';
    document.body.append(link);
    link.click();
    // Later, outside the evaluation: DevTools lets code it evaluates call eval.
    setTimeout(() => {
        try { window.ranEval = eval('true'); } catch (error) { window.ranEval = false; }
    }, 100);
    setTimeout(() => resolve({
        ran: {inline: window.ranInline, handler: window.ranHandler, link: window.ranLink, eval: window.ranEval},
        violated: [...new Set(violated)].sort(),
        image: image.outerHTML,
    }), 500);
})"""


def check_inline_code_blocked(page) -> None:
    outcome = page.evaluate(TRY_INLINE_CODE)
    assert not any(outcome["ran"].values()), outcome
    assert "script-src" in outcome["violated"], outcome
    assert "script-src-elem" in outcome["violated"], outcome
    assert "script-src-attr" in outcome["violated"], outcome


def test_inline_code_blocked_online(new_context, site):
    page = new_context().new_page()
    response = page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector("#username")
    check_inline_code_blocked(page)


def test_inline_code_blocked_offline(new_context, site):
    """Opened offline, the page comes from the service worker's cache, with the header it was cached with."""
    context = new_context()
    page = context.new_page()
    page.goto("/")
    page.wait_for_selector("#username")
    wait_for_service_worker(page)
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#username")
    check_inline_code_blocked(page)


class OtherOrigin:
    """A second HTTP server on 127.0.0.1 that serves pages set by the test."""

    def __init__(self):
        pages = self.pages = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = pages.get(self.path, "").encode()
                self.send_response(200 if body else 404)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def other_origin():
    server = OtherOrigin()
    yield server
    server.stop()


def form(index: int, action: str, method: str, enctype: str, fields: dict[str, str]) -> str:
    inputs = "".join(f'<input name="{html.escape(name)}" value="{html.escape(value)}">'
                     for name, value in fields.items())
    return (f'<iframe name="frame{index}"></iframe>'
            f'<form class="forged" target="frame{index}" method="{method}" action="{html.escape(action)}" '
            f'enctype="{enctype}">{inputs}</form>')


def text_plain_json(value: dict) -> dict[str, str]:
    """Return the one field whose text/plain encoding, ``name=value``, is the JSON text of ``value``.

    The name ends inside a string that the ``=`` and the value close:
    ``{"username": "x", "padding": "`` + ``=`` + ``"}``.
    """
    text = json.dumps({**value, "padding": ""}, ensure_ascii=False)
    return {text[:-2]: '"}'}


ENCTYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")


def attack_page(site_url: str, forged, attacker) -> str:
    """A page that forges every state-changing request at the site, by form and by fetch."""
    forms = []
    targets = [(f"{site_url}/api/login", {"username": attacker.username, "password": PASSWORD}),
               (f"{site_url}/api/logout", {})]
    targets += [(site_url + request.path, json.loads(request.body) if request.body.startswith(b"{") else {})
                for request in forged if request.method == "POST"]
    for url, value in targets:
        for enctype in ENCTYPES:
            fields = text_plain_json(value) if enctype == "text/plain" else {k: str(v) for k, v in value.items()}
            forms.append(form(len(forms), url, "POST", enctype, fields or {"x": "1"}))
    for path in DATASETTE_POSTS:
        forms.append(form(len(forms), site_url + path, "POST", ENCTYPES[0],
                          {"sql": "delete from customers", "message": "伪造"}))
    fetches = [{"url": site_url + request.path, "method": request.method, "body": request.body.decode()}
               for request in forged]
    fetches.append({"url": f"{site_url}/api/logout", "method": "POST", "body": "{}"})
    return f"""<!doctype html><meta charset="utf-8"><title>other origin</title>
<body>{''.join(forms)}
<iframe id="app" src="{site_url}/"></iframe><iframe id="data" src="{site_url}/data/genzong/customers"></iframe>
<script>
const fetches = {json.dumps(fetches, ensure_ascii=False)};
const site = {json.dumps(site_url)};
document.querySelectorAll('form.forged').forEach((form) => form.submit());
const attempts = [];
for (const request of fetches) {{
  // A simple request (text/plain, no token) goes out without a preflight; its response stays opaque.
  // no-cors allows only GET, HEAD and POST, so a PUT, PATCH or DELETE is tried as a POST.
  attempts.push(fetch(request.url, {{method: 'POST',
    mode: 'no-cors', credentials: 'include', headers: {{'Content-Type': 'text/plain'}}, body: request.body}}));
  // The real method as JSON needs a preflight, which the server does not grant.
  attempts.push(fetch(request.url, {{method: request.method, credentials: 'include',
    headers: {{'Content-Type': 'application/json'}}, body: request.body}}));
}}
// Reading with the visitor's cookie: Datasette's data and the API.
const reads = ['/data/genzong/customers.json', '/data/genzong/customers.csv', '/api/me', '/api/export?kind=customers']
  .map((path) => fetch(site + path, {{credentials: 'include'}}).then((response) => response.text()));
// Both settle at once: a read refused before the sends finish must already
// have a handler, or the page reports an unhandled rejection.
Promise.all([Promise.allSettled(attempts), Promise.allSettled(reads)]).then(([sent, read]) => {{
  window.outcome = {{
    sent: sent.map((result) => result.status === 'fulfilled' ? result.value.type + ' ' + result.value.status : 'failed'),
    read: read.map((result) => result.status === 'fulfilled' ? result.value.slice(0, 200) : 'failed'),
  }};
}});
</script>"""


def test_other_origin_changes_nothing(new_context, site, other_origin, tmp_path):
    manager = site.add_user("manager", name="经理")
    attacker = site.add_user("manager", name="另一位经理")
    departing, receiving = site.add_user("sales"), site.add_user("sales")
    forged = forged_requests(departing.id, receiving.id, now_stamp())
    other_origin.pages["/attack.html"] = attack_page(site.url, forged, attacker)

    context = new_context()
    page = context.new_page()
    log_in(page, manager)
    cookie = [c for c in context.cookies() if c["name"] == "ds_actor"]
    assert len(cookie) == 1
    assert cookie[0]["httpOnly"] is True
    assert cookie[0]["sameSite"] == "Lax"
    # The server's own first daily pass (pool return) writes to the database
    # a few seconds after start-up; let it finish before comparing.
    wait_until(page, lambda: site.query("SELECT 1 FROM meta WHERE key = 'pool_return_day'"), timeout=30)
    before = dump_all(site.data)

    # A form's POST counts as failed when the response may not show in a frame.
    form_posts = []
    for event in ("requestfinished", "requestfailed"):
        context.on(event, lambda request: form_posts.append(request.url)
                   if request.method == "POST" and request.resource_type == "document" else None)
    attack = context.new_page()
    attack.goto(other_origin.url + "/attack.html")
    attack.wait_for_function("() => window.outcome !== undefined", timeout=TIMEOUT_MS)
    form_count = attack.locator("form.forged").count()
    wait_until(attack, lambda: len(form_posts) >= form_count)
    outcome = attack.evaluate("() => window.outcome")

    # Nothing the page sent changed a database or the visitor's cookie.
    assert all(url.startswith(site.url) for url in form_posts)
    assert dump_all(site.data) == before
    after = [c for c in context.cookies() if c["name"] == "ds_actor"]
    assert after == cookie, "a forged login or logout replaced the Datasette cookie"
    # Preflighted requests never went out. Simple ones did, and their responses stay opaque.
    assert outcome["sent"][1::2] == ["failed"] * (len(outcome["sent"]) // 2)
    assert set(outcome["sent"][0::2]) == {"opaque 0"}
    # Nothing could be read with the visitor's cookie.
    assert outcome["read"] == ["failed"] * 4
    # Neither the app nor Datasette shows inside the other origin's page.
    for frame in attack.main_frame.child_frames:
        element_id = frame.frame_element().get_attribute("id")
        if element_id in ("app", "data"):
            assert not frame.url.startswith(site.url), f"{element_id} was framed: {frame.url}"

    # The visitor's own session still works.
    page.goto("/#/sync")
    expect(page.locator("main")).to_contain_text("同步", timeout=TIMEOUT_MS)
    assert page.context.request.get(site.url + "/data/genzong/customers.json").status == 200
