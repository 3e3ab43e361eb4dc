"""The PWA in Chromium: a fresh login to a usable customer list, and search latency.

Run as ``python -m bench.pwa_bench --work DIR``. A new data folder gets
10,000 customers visible to one sales rep (owned by the rep, one in fifteen
in the public pool), written as server writes, and with ``--follow-ups N``
N follow-ups for each customer (the rep's device gets those of the rep's
own customers, not of the pool's). ``genzong serve`` runs on
127.0.0.1 and Debian's Chromium opens the PWA through Playwright in a new
phone-sized browser context per run, so IndexedDB starts empty.

- Login: from pressing 登录 on ``#/login?next=/customers`` until the first
  customer card is on screen, until the list counts every customer, which
  is when it is complete and usable, and until the initial pull has
  finished (the app's sync state is idle with nothing pending). A first
  pull brings the follow-ups after the customers, so the last two differ
  when customers have follow-ups. One search is timed as soon as the list
  is complete, while the follow-ups may still arrive.
- Search: typing into the customer search box runs the filter, sort and
  render in the input handler; each query is timed from the input event
  to the end of the handler and to the next animation frame after it.
- ``--latency-ms`` and ``--download-mbps`` make Chromium emulate a phone's
  link (CDP ``Network.emulateNetworkConditions``) for every request of the
  page, the login and the sync included.
- With ``--screen today`` the login lands on 今日, where the app goes after
  a login without a next screen, and is timed until the first due item is
  on screen and until the initial pull has finished. 今日 is drawn again as
  the pull brings records, and the generated customers have thousands of
  overdue follow-ups among them. No searches are made.
"""

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from .concurrency import percentile
from .datasette_bench import PASSWORD, ScaleWriter

from genzong.server.paths import DataDir
from genzong.server.state import open_data_dir
from servers import ServerProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 375, "height": 812}
# Queries a rep types: a common surname, a word of company names, a phone
# tail, a district, a name that matches few customers, a word found only
# in follow-ups (橡木色, in 3 of 64 generated follow-ups) and a word found
# nowhere, which reads every customer's follow-ups without a match.
QUERIES = ("王", "地板", "8000", "西湖区", "王建国", "橡木色", "冷库")
TIMEOUT_MS = 600_000
POLL_MS = 50  # how often the page is asked whether the list is whole

TIME_SEARCH = """async (query) => {
  const input = document.getElementById('customer-search');
  const started = performance.now();
  input.value = query;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  const handled = performance.now();
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const painted = performance.now();
  const count = document.querySelector('.result-count')?.textContent ?? '';
  return { handler_ms: handled - started, frame_ms: painted - started, count };
}"""

SYNCED = """() => {
  const root = document.documentElement.dataset;
  return root.syncState === 'idle' && root.pending === '0' && Number(root.lastSync || 0) > 0;
}"""


def generate(data: DataDir, customers: int, follow_ups: int = 0) -> str:
    """Create a rep with ``customers`` visible customers, each with ``follow_ups``
    follow-ups; return the rep's username."""
    state = open_data_dir(data)
    try:
        rep = state.accounts().add("rep", PASSWORD, "sales", "张伟")
        writer = ScaleWriter(state.records.get(), random.Random(11), [rep.id], follow_ups=follow_ups, receivables=0,
                             ticket_share=0)
        for first in range(0, customers, 1000):
            writer.write(first, min(1000, customers - first))
        return rep.username
    finally:
        state.close()


def login_run(browser, url: str, username: str, customers: int, screen: str = "customers",
              link: dict | None = None) -> dict:
    context = browser.new_context(base_url=url, viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  service_workers="allow")
    errors = []
    try:
        page = context.new_page()
        if link:
            session = context.new_cdp_session(page)
            session.send("Network.enable")
            session.send("Network.emulateNetworkConditions", {"offline": False, **link})
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"/#/login?next=/{screen}")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        started = time.perf_counter()
        page.click("form.login-form button[type=submit]")
        page.wait_for_selector(f".view-{screen} .cards li", timeout=TIMEOUT_MS)
        first_card = time.perf_counter() - started
        if screen == "today":
            page.wait_for_function(SYNCED, timeout=TIMEOUT_MS)
            usable = time.perf_counter() - started
            return {"first_card_s": round(first_card, 2), "usable_s": round(usable, 2), "searches": {},
                    "page_errors": errors}
        page.wait_for_function(
            "(count) => (document.querySelector('.result-count')?.textContent ?? '').replace(/\\D/g, '') === String(count)",
            arg=customers, timeout=TIMEOUT_MS, polling=POLL_MS)
        usable = time.perf_counter() - started
        # One search at once, while the rest of a first pull may still be on its way.
        early_search = page.evaluate(TIME_SEARCH, QUERIES[0])
        page.evaluate(TIME_SEARCH, "")
        page.wait_for_function(SYNCED, timeout=TIMEOUT_MS)
        pulled = time.perf_counter() - started
        stored = page.evaluate("() => document.querySelectorAll('.view-customers .cards li').length")
        searches = {}
        for query in QUERIES:
            timings = []
            for _ in range(10):
                timings.append(page.evaluate(TIME_SEARCH, query))
                page.evaluate(TIME_SEARCH, "")  # back to the whole list, as clearing the box does
            searches[query] = {
                "matches": timings[-1]["count"],
                "handler_p50_ms": round(percentile([t["handler_ms"] for t in timings], 0.5), 1),
                "handler_max_ms": round(max(t["handler_ms"] for t in timings), 1),
                "frame_p50_ms": round(percentile([t["frame_ms"] for t in timings], 0.5), 1),
                "frame_max_ms": round(max(t["frame_ms"] for t in timings), 1),
            }
        return {"first_card_s": round(first_card, 2), "usable_s": round(usable, 2), "pulled_s": round(pulled, 2),
                "early_search_frame_ms": round(early_search["frame_ms"], 1), "cards_on_screen": stored,
                "searches": searches, "page_errors": errors}
    finally:
        context.close()


def run(work: Path, customers: int, runs: int, data_folder: Path | None = None, log=print,
        screen: str = "customers", follow_ups: int = 0, link: dict | None = None) -> dict:
    default_folder = f"data-pwa-{customers}" + (f"-followups{follow_ups}" if follow_ups else "")
    data = DataDir(data_folder or work / default_folder)
    username = "rep"
    if not data.database.exists():
        started = time.perf_counter()
        username = generate(data, customers, follow_ups)
        log(f"  {customers:,} customers written in {time.perf_counter() - started:.0f} s")
    server = ServerProcess(data.root, log_dir=work).start(timeout=120)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                results = []
                for number in range(1, runs + 1):
                    result = login_run(browser, server.url, username, customers, screen, link)
                    pulled = f", pull finished {result['pulled_s']} s" if "pulled_s" in result else ""
                    log(f"  run {number}: first card {result['first_card_s']} s, usable {result['usable_s']} s{pulled}")
                    results.append(result)
                version = browser.version
            finally:
                browser.close()
    finally:
        server.stop()
    searches = {}
    for query in QUERIES if screen == "customers" else ():
        per_run = [r["searches"][query] for r in results]
        searches[query] = {
            "matches": per_run[0]["matches"],
            "handler_p50_ms": statistics.median(s["handler_p50_ms"] for s in per_run),
            "frame_p50_ms": statistics.median(s["frame_p50_ms"] for s in per_run),
            "frame_max_ms": max(s["frame_max_ms"] for s in per_run),
        }
    return {"customers": customers, "follow_ups_per_customer": follow_ups, "screen": screen, "link": link,
            "runs": results,
            "chromium": version,
            "usable_s": statistics.median(r["usable_s"] for r in results),
            "first_card_s": statistics.median(r["first_card_s"] for r in results), "searches": searches,
            **({"pulled_s": statistics.median(r["pulled_s"] for r in results)} if screen == "customers" else {})}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="folder for the data folder and server log")
    parser.add_argument("--customers", type=int, default=10_000, help="customers the rep sees (default 10000)")
    parser.add_argument("--follow-ups", type=int, default=0,
                        help="follow-ups per customer in a new data folder (default 0)")
    parser.add_argument("--runs", type=int, default=3, help="fresh logins; medians are reported (default 3)")
    parser.add_argument("--data", type=Path, help="a data folder made by an earlier run, to reuse")
    parser.add_argument("--screen", choices=("customers", "today"), default="customers",
                        help="the screen the login lands on: the customer list (default) or 今日")
    parser.add_argument("--latency-ms", type=int, default=0,
                        help="round-trip latency Chromium adds to each request, as on a phone's link (default 0)")
    parser.add_argument("--download-mbps", type=float, default=0,
                        help="download rate Chromium allows, in Mbit/s (default 0: no limit)")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    link = None
    if args.latency_ms or args.download_mbps:
        # Chromium's emulation takes bytes per second, and -1 for no limit.
        download = int(args.download_mbps * 1_000_000 / 8) if args.download_mbps else -1
        link = {"latency": args.latency_ms, "downloadThroughput": download, "uploadThroughput": -1}
    result = run(args.work, args.customers, args.runs, args.data,
                 log=lambda text: print(text, file=sys.stderr, flush=True), screen=args.screen,
                 follow_ups=args.follow_ups, link=link)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
