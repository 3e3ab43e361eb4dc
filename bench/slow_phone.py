"""A rep's big book of business on a slow phone: the PWA's interactions with the CPU throttled.

Run as ``python -m bench.slow_phone --work DIR``. A new data folder gets a
sales rep with 3,000 customers, one in fifteen of them in the public pool.
Each has ten follow-ups (the first customer forty), the first 2,000 have a
receivable each with its payments, and about one in six has a ticket. They
are written as server writes. A manager and a second rep own nothing. ``genzong serve``
runs on 127.0.0.1 and Debian's Chromium opens the PWA at 360×740 through
Playwright. Chromium slows its CPU by each ``--rates`` factor (CDP
``Emulation.setCPUThrottlingRate``) from before the login.

The rep logs in to the customer list, and then each interaction runs
``--repeat`` times. An interaction is timed with ``performance.now()`` in
the page, from the input event (a hash change, a click, an input or change
event) to the next animation frame after its handlers ran. The longest
task is the longest of Chromium's long tasks (``longtask`` entries, over
50 ms) that started within the interaction or the 0.6 s after it, which
catches the redraws that follow a store change. Then the manager logs in
and picks customers for 批量分配.

``--variant NAME=CHECKOUT`` serves the ``pwa/`` of another checkout (via
``GENZONG_ROOT``), so the code before and after a change runs alternately
in one run. Each login of each variant starts from a fresh copy of the
generated data folder. Output: one JSON document on stdout, progress on
stderr.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from .datasette_bench import PASSWORD, ScaleWriter
from .pwa_bench import CHROMIUM, CHROMIUM_ARGS

from genzong.server.paths import DataDir
from genzong.server.state import open_data_dir
from servers import ServerProcess

REPO = Path(__file__).resolve().parent.parent
PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 900_000
CUSTOMERS = 3_000
FOLLOW_UPS = 10
BUSY_CUSTOMER_FOLLOW_UPS = 40
RECEIVABLE_CUSTOMERS = 2_000
TICKET_SHARE = 1 / 6
SORTS = ("", "contact_oldest", "contact_latest", "interest", "name")
# Typed one key at a time, as a rep would: a name and a word in follow-ups.
TYPED = ("王建国", "橡木色")

# Collects Chromium's long tasks from the page's start, for every interaction.
LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => { window.__longTasks.push(...list.getEntries().map((e) => [e.startTime, e.duration])); })
  .observe({ type: 'longtask', buffered: true });
"""

# The page side of one timed interaction: a hash change, a click, or a value
# with its input or change event. It returns the time to the next frame, and
# the longest task within the interaction and the 0.6 s after it.
MEASURE = """async ([kind, target, value]) => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const started = performance.now();
  if (kind === 'hash') {
    const changed = new Promise((resolve) => addEventListener('hashchange', resolve, { once: true }));
    location.hash = target;
    await changed;
  } else if (kind === 'click') {
    document.querySelector(target).click();
  } else if (kind === 'input' || kind === 'change') {
    const element = document.querySelector(target);
    element.value = value;
    element.dispatchEvent(new Event(kind, { bubbles: true }));
  }
  await frame();
  const ms = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 600));
  await frame();
  const tasks = window.__longTasks.filter(([start]) => start >= started - 1);
  return { ms, longest_task_ms: Math.max(0, ...tasks.map(([, duration]) => duration)) };
}"""

SYNCED = """() => {
  const root = document.documentElement.dataset;
  return root.syncState === 'idle' && root.pending === '0' && Number(root.lastSync || 0) > 0;
}"""

# The customer with the most follow-ups on the device, and what the device holds.
DEVICE_FACTS = """async () => {
  const { app } = await import('/js/context.js');
  const counts = new Map();
  for (const row of app.store.list('follow_ups')) counts.set(row.customer_id, (counts.get(row.customer_id) ?? 0) + 1);
  const [busiest, most] = [...counts].reduce((best, entry) => (entry[1] > best[1] ? entry : best), ['', 0]);
  const sizes = {};
  for (const table of ['customers', 'follow_ups', 'receivables', 'payments', 'tickets']) sizes[table] = app.store.list(table).length;
  return { busiest, most, sizes };
}"""


def generate(data: DataDir) -> None:
    """Fill a new data folder with the rep's book of business, a manager and a second rep."""
    state = open_data_dir(data)
    try:
        accounts = state.accounts()
        rep = accounts.add("rep", PASSWORD, "sales", "张伟")
        accounts.add("rep2", PASSWORD, "sales", "李娜")
        accounts.add("manager", PASSWORD, "manager", "王经理")
        writer = ScaleWriter(state.records.get(), random.Random(5), [rep.id], follow_ups=BUSY_CUSTOMER_FOLLOW_UPS,
                             receivables=1, ticket_share=TICKET_SHARE)
        writer.write(0, 1)
        writer.follow_ups = FOLLOW_UPS
        for start, end, receivables in ((1, RECEIVABLE_CUSTOMERS, 1), (RECEIVABLE_CUSTOMERS, CUSTOMERS, 0)):
            writer.receivables = receivables
            for first in range(start, end, 1000):
                writer.write(first, min(1000, end - first))
    finally:
        state.close()


def summarize(samples: list[dict]) -> dict:
    return {"median_ms": round(statistics.median(s["ms"] for s in samples), 1),
            "max_ms": round(max(s["ms"] for s in samples), 1),
            "longest_task_ms": round(max(s["longest_task_ms"] for s in samples), 1)}


class Phone:
    """One browser context at phone size with a throttled CPU."""

    def __init__(self, browser, url: str, rate: float):
        self.context = browser.new_context(base_url=url, viewport=PHONE, locale="zh-CN",
                                           timezone_id="Asia/Shanghai", service_workers="allow")
        self.context.add_init_script(LONG_TASKS)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: dialog.accept())
        session = self.context.new_cdp_session(self.page)
        session.send("Emulation.setCPUThrottlingRate", {"rate": rate})

    def close(self) -> None:
        self.context.close()

    def log_in(self, username: str) -> dict:
        page = self.page
        page.goto("/#/login?next=/customers")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        started = time.perf_counter()
        page.click("form.login-form button[type=submit]")
        page.wait_for_selector(".view-customers .cards li", timeout=TIMEOUT_MS)
        first_card = time.perf_counter() - started
        page.wait_for_function(SYNCED, timeout=TIMEOUT_MS, polling=200)
        pulled = time.perf_counter() - started
        return {"first_card_s": round(first_card, 2), "pull_finished_s": round(pulled, 2)}

    def measure(self, kind: str, target: str, value: str = "") -> dict:
        return self.page.evaluate(MEASURE, [kind, target, value])

    def go(self, hash_: str) -> None:
        """Show a screen without timing it."""
        self.page.evaluate("(hash) => { location.hash = hash; }", hash_)
        self.page.wait_for_timeout(300)


def rep_session(phone: Phone, repeat: int, log) -> dict:
    page = phone.page
    results = {"login": phone.log_in("rep")}
    facts = page.evaluate(DEVICE_FACTS)
    results["device"] = facts
    busy = facts["busiest"]
    log(f"    rep: pull finished {results['login']['pull_finished_s']} s, device holds {facts['sizes']}")
    timed = {}

    def add(name, sample):
        timed.setdefault(name, []).append(sample)

    for _ in range(repeat):
        phone.go("#/customers")
        add("tab 今日 (from 客户)", phone.measure("click", '#tabs a[data-tab="today"]'))
        add("tab 客户 (from 今日)", phone.measure("click", '#tabs a[data-tab="customers"]'))
        add("tab 工单", phone.measure("click", '#tabs a[data-tab="tickets"]'))
        add("tab 同步", phone.measure("click", '#tabs a[data-tab="sync"]'))
        add("tab 设置", phone.measure("click", '#tabs a[data-tab="settings"]'))
        phone.go("#/customers")
        add("customer with 40 follow-ups", phone.measure("hash", f"#/customer/{busy}"))
        add("form 新建客户", phone.measure("hash", "#/customer/new"))
        add("form 编辑客户", phone.measure("hash", f"#/customer/{busy}/edit"))
        add("form 写跟进", phone.measure("hash", f"#/customer/{busy}/follow-up/new"))
        add("form 新应收", phone.measure("hash", f"#/customer/{busy}/receivable/new"))
        add("form 新工单", phone.measure("hash", f"#/ticket/new?customer={busy}"))
        # Save a follow-up: from 保存 to the customer page, then back to the list.
        phone.go(f"#/customer/{busy}/follow-up/new")
        page.fill("#field-content", "电话沟通，客户想看样板")
        add("save follow-up", phone.measure("click", "form.form button[type=submit]"))
        add("back to 客户 after saving", phone.measure("hash", "#/customers"))
        page.wait_for_function(SYNCED, timeout=TIMEOUT_MS, polling=200)
        for word in TYPED:
            for end in range(1, len(word) + 1):
                add("search keystroke", phone.measure("input", "#customer-search", word[:end]))
            add("search cleared", phone.measure("input", "#customer-search", ""))
        add("filter panel", phone.measure("click", 'button[aria-controls="filter-panel"]'))
        for sort in SORTS[1:] + SORTS[:1]:
            add(f"sort {sort or 'default'}", phone.measure("change", "#filter-sort", sort))
        phone.measure("click", 'button[aria-controls="filter-panel"]')
    return {**results, "interactions": {name: summarize(samples) for name, samples in timed.items()}}


def manager_session(phone: Phone, repeat: int, log) -> dict:
    results = {"login": phone.log_in("manager")}
    log(f"    manager: pull finished {results['login']['pull_finished_s']} s")
    timed = {}
    for _ in range(repeat):
        phone.go("#/customers")
        timed.setdefault("批量分配 start", []).append(phone.measure("click", "#bulk-start"))
        timed.setdefault("批量分配 tick one", []).append(phone.measure("click", ".card-check"))
        timed.setdefault("批量分配 全选", []).append(phone.measure("click", "#bulk-all"))
        timed.setdefault("批量分配 cancel", []).append(phone.measure("click", "#bulk-cancel"))
    return {**results, "interactions": {name: summarize(samples) for name, samples in timed.items()}}


def run_variant(browser, pristine: Path, work: Path, checkout: Path, rate: float, repeat: int, log) -> dict:
    copy = work / "run-data"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(pristine, copy)
    server = ServerProcess(copy, log_dir=work, env={"GENZONG_ROOT": str(checkout)}).start(timeout=120)
    try:
        result = {"load_average": [round(os.getloadavg()[0], 1)]}
        for role, session in (("rep", rep_session), ("manager", manager_session)):
            phone = Phone(browser, server.url, rate)
            try:
                result[role] = session(phone, repeat, log)
                result[role]["page_errors"] = phone.errors
            finally:
                phone.close()
        result["load_average"].append(round(os.getloadavg()[0], 1))
        return result
    finally:
        server.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="folder for the data folders and server logs")
    parser.add_argument("--data", type=Path, help="a data folder made by an earlier run, to reuse")
    parser.add_argument("--rates", default="4,6", help="CPU slow-down factors, comma-separated (default 4,6)")
    parser.add_argument("--repeat", type=int, default=3, help="times each interaction runs per login (default 3)")
    parser.add_argument("--rounds", type=int, default=1, help="logins of each variant at each rate (default 1)")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=CHECKOUT",
                        help="serve pwa/ of CHECKOUT under NAME; repeat it to compare (default: this checkout)")
    args = parser.parse_args(argv)

    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    args.work.mkdir(parents=True, exist_ok=True)
    variants = [tuple(v.split("=", 1)) for v in args.variant] or [("current", str(REPO))]
    data = DataDir(args.data or args.work / "data-slow-phone")
    if not data.database.exists():
        started = time.perf_counter()
        generate(data)
        log(f"data folder written in {time.perf_counter() - started:.0f} s")

    runs = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for rate in (float(r) for r in args.rates.split(",")):
                for number in range(1, args.rounds + 1):
                    for name, checkout in variants:
                        log(f"rate {rate:g}, round {number}, {name}")
                        result = run_variant(browser, data.root, args.work, Path(checkout).resolve(), rate,
                                             args.repeat, log)
                        runs.append({"rate": rate, "round": number, "variant": name, **result})
            version = browser.version
        finally:
            browser.close()
    print(json.dumps({"chromium": version, "viewport": PHONE, "runs": runs}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
