"""Datasette at scale: every canned query, the report views and a table page.

Run as ``python -m bench.datasette_bench --work DIR``. It fills a new data
folder with 100,000 customers, 1,000,000 follow-ups, 200,000 receivables
(with their payments) and 10,000 tickets spread over the last three years,
written as server writes through the same storage code as a sync (search
triggers included), then starts ``genzong serve`` on 127.0.0.1, logs in as
a manager and requests each page as a manager's browser would: the HTML
page of every canned query with its default parameters (the search with
关键词=地板, and once more with 类型=跟进记录 for its 1,000-row page), of every
report view and of the customers table. Each page is
requested once to warm up, then up to ``--repeat`` times (less when a page
has used its time budget); p50 and p99 are of those requests. The JSON
form of each page is requested once more for the SQL time Datasette
reports and the row count. At the end it reads the server's resident
memory: now, at its peak, and now split into anonymous memory and pages of
mapped files (the database, when SQLite maps it).

``--data DIR`` reuses a data folder made by an earlier run (generation
takes several minutes).
"""

import argparse
import json
import random
import sqlite3
import statistics
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
import yaml

from .concurrency import percentile

from genzong.server.datasette_app import REPORT_VIEWS
from genzong.server.db import transaction
from genzong.server.demo import (CHANNEL_NOTES, CITIES, COMPANY_HEADS, COMPANY_TAILS, GIVEN, RESULTS, SOURCES,
                                 STREETS, SURNAMES, TICKETS, TITLES)
from genzong.server import store
from genzong.server.numbers import NumberCounter
from genzong.server.paths import DataDir, project_root
from genzong.server.records import server_counter
from genzong.server.schema import TABLES
from genzong.server.state import open_data_dir
from genzong.server.timeutil import DEFAULT_TIME_ZONE, now_stamp, today, zone
from genzong.sync import Version, format_stamp
from servers import ServerProcess

PASSWORD = "bench-pw-123"
REPS = 30
DAYS = 3 * 365  # how far back the history goes
CHUNK = 1000  # customers per write transaction while generating
SEARCH_WORD = "地板"


class ScaleWriter:
    """Writes customers with their follow-ups, receivables, payments and tickets, as server writes.

    Rows go straight to ``store.upsert_records`` (the function a sync's
    batch ends in, so the search triggers run) with one server dot per
    record, which is what ``Batch.server_write`` stores for a new record,
    without a batch's per-record bookkeeping.
    """

    def __init__(self, conn, rng: random.Random, reps: list[str], follow_ups: int, receivables: int,
                 ticket_share: float):
        self.conn = conn
        self.rng = rng
        self.reps = reps
        self.follow_ups = follow_ups
        self.receivables = receivables
        self.ticket_share = ticket_share
        self.today = today(DEFAULT_TIME_ZONE)
        self.counts = {"customers": 0, "follow_ups": 0, "receivables": 0, "payments": 0, "tickets": 0}

    def write(self, first: int, count: int) -> None:
        """Write customers ``first`` … ``first + count - 1`` in one transaction."""
        with transaction(self.conn):
            self.staged = {table: [] for table in self.counts}
            self.stamp = now_stamp()
            self.counter = server_counter(None)
            self.numbers = NumberCounter(self.conn)
            for index in range(first, first + count):
                self._customer(index)
            self.numbers.save()
            seq = store.allocate_seqs(self.conn, sum(len(rows) for rows in self.staged.values()))
            for table in sorted(self.staged, key=lambda name: TABLES[name].rank):  # parents first
                rows = [(record_id, version, seq + offset, self.stamp, scope)
                        for offset, (record_id, version, scope) in enumerate(self.staged[table])]
                store.upsert_records(self.conn, TABLES[table], rows)
                seq += len(rows)

    def _put(self, table: str, scope: str | None, fields: dict) -> str:
        """Stage a new record written by the server; ``scope`` is the owner whose devices see it."""
        record_id = str(uuid.uuid4())
        dot = ("server", self.counter, self.stamp)
        version = Version({"server": self.counter}, {name: dot for name in fields}, dict(fields))
        self.staged[table].append((record_id, version, scope))
        self.counts[table] += 1
        return record_id

    def _customer(self, index: int) -> None:
        rng = self.rng
        city, districts, area_code = rng.choice(CITIES)
        stage = rng.choices(["线索", "跟进中", "已成交", "已流失"], [3, 5, 3, 1])[0]
        owner = None if index % 15 == 14 else self.reps[index % len(self.reps)]
        has_company = rng.random() < 0.7
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        phone = "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
        customer_id = self._put("customers", owner, {
            "code": self.numbers.next("customers"),
            "name": name,
            "company": city[:-1] + rng.choice(COMPANY_HEADS) + rng.choice(COMPANY_TAILS) if has_company else None,
            "title": rng.choice(TITLES) if has_company else "业主",
            "phone": phone,
            "email": f"kh{index + 1:06d}@example.cn" if rng.random() < 0.4 else None,
            "address": f"{city}{rng.choice(districts)}{rng.choice(STREETS)}{rng.randint(1, 999)}号",
            "kind": rng.choices(["直接", "间接", "潜在"], [5, 2, 3])[0], "source": rng.choice(SOURCES),
            "interest": rng.randint(1, 10), "stage": stage, "owner_id": owner,
            "expected_amount_fen": rng.randrange(5_000, 300_000, 100) * 100 if stage != "已流失" else None,
            "next_follow_up": self._day(rng.randint(-30, 30)) if stage in ("线索", "跟进中") else None,
            "notes": rng.choice([None, "对价格比较敏感", "重视环保等级", "装修工期紧", "老客户，信誉好"]),
        })
        for _ in range(self.follow_ups):
            channel = rng.choices(list(CHANNEL_NOTES), [5, 3, 2, 4, 1, 1])[0]
            self._put("follow_ups", owner, {
                "customer_id": customer_id, "happened_at": self._moment(-rng.randint(0, DAYS), rng.randint(9, 18)),
                "channel": channel, "content": rng.choice(CHANNEL_NOTES[channel]), "result": rng.choice(RESULTS),
            })
        for number in range(self.receivables):
            self._receivable(customer_id, owner, index, number)
        if rng.random() < self.ticket_share:
            self._ticket(customer_id, owner, name, phone)

    def _receivable(self, customer_id: str, owner: str | None, index: int, number: int) -> None:
        rng = self.rng
        amount = rng.randrange(3_000, 80_000, 100) * 100
        sale = -rng.randint(5, DAYS)
        receivable_id = self._put("receivables", owner, {
            "customer_id": customer_id, "order_no": f"DD{index:06d}{number}", "sale_date": self._day(sale),
            "amount_fen": amount, "due_date": self._day(sale + rng.choice([15, 30, 45, 60])),
        })
        # Most receivables due two months ago or more have been paid, as in a
        # working business; the newer ones are a mix.
        overdue_long = sale + 60 < -60
        paid_share = rng.choices([0, 0.5, 1], [2, 2, 96])[0] if overdue_long else rng.choice([0, 0.3, 0.5, 1, 1, 1])
        if paid_share:
            parts = 1 if paid_share == 1 and rng.random() < 0.5 else 2
            total = int(amount * paid_share) // 100 * 100
            for part in range(parts):
                share = total // parts if part < parts - 1 else total - (total // parts) * (parts - 1)
                self._put("payments", owner, {
                    "receivable_id": receivable_id, "paid_on": self._day(min(0, sale + 3 + part * 10)),
                    "amount_fen": share, "method": rng.choice(["转账", "微信", "支付宝", "现金"]),
                })

    def _ticket(self, customer_id: str, owner: str | None, name: str, phone: str) -> None:
        rng = self.rng
        kind, subject, content, category = rng.choice(TICKETS)
        received = -rng.randint(0, DAYS)
        status = rng.choice(["待处理", "处理中", "已解决", "已回访"]) if received > -30 else "已回访"
        resolved = status in ("已解决", "已回访")
        self._put("tickets", owner, {
            "number": self.numbers.next("tickets"), "kind": kind,
            "received_at": self._moment(received, rng.randint(9, 17)), "subject": subject, "content": content,
            "complainant": name, "contact": phone, "customer_id": customer_id, "owner_id": owner,
            "severity": rng.choice(["一般", "一般", "重要", "紧急"]), "category": category, "status": status,
            "reply_due_at": self._moment(received + 1, 18),
            "first_reply_at": self._moment(received, 17) if status != "待处理" else None,
            "resolution": "重新铺装并补偿保养蜡" if resolved else None,
            "resolved_at": self._moment(received + 3, 15) if resolved else None,
            "visit_on": self._day(received + 7) if status == "已回访" else None,
            "satisfaction": rng.randint(3, 5) if status == "已回访" else None,
        })

    def _day(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()

    def _moment(self, day_offset: int, hour: int) -> str:
        local = datetime.combine(self.today + timedelta(days=day_offset), datetime.min.time(),
                                 tzinfo=zone(DEFAULT_TIME_ZONE)) + timedelta(hours=hour, minutes=self.rng.randint(0, 59))
        return format_stamp(local.astimezone(timezone.utc))


def generate(data: DataDir, customers: int, follow_ups: int, receivables: int, ticket_share: float,
             log=print) -> dict:
    """Fill a new data folder; return the record counts."""
    state = open_data_dir(data)
    try:
        accounts = state.accounts()
        accounts.add("manager", PASSWORD, "manager", "王经理")
        reps = [accounts.add(f"rep{k:02d}", PASSWORD, "sales", f"业务员{k:02d}").id for k in range(REPS)]
        writer = ScaleWriter(state.records.get(), random.Random(7), reps, follow_ups, receivables, ticket_share)
        started = time.perf_counter()
        for first in range(0, customers, CHUNK):
            writer.write(first, min(CHUNK, customers - first))
            if (first // CHUNK) % 10 == 9:
                log(f"    {first + CHUNK:,} customers written in {time.perf_counter() - started:.0f} s")
        state.records.get().execute("PRAGMA optimize")
        return dict(writer.counts, seconds=round(time.perf_counter() - started, 1))
    finally:
        state.close()


def pages() -> list[tuple[str, str, str, dict]]:
    """Return (kind, name, title, parameters) for every page measured."""
    with open(project_root() / "datasette-metadata.yml", encoding="utf-8") as handle:
        metadata = yaml.safe_load(handle)["databases"]["genzong"]
    found = [("canned query", name, query.get("title", name), {"关键词": SEARCH_WORD} if name == "search" else {})
             for name, query in metadata["queries"].items()]
    found.append(("canned query", "search", f"{metadata['queries']['search']['title']}（类型=跟进记录）",
                  {"关键词": SEARCH_WORD, "类型": "跟进记录"}))
    found += [("view", name, metadata.get("tables", {}).get(name, {}).get("title", name), {})
              for name in REPORT_VIEWS]
    found.append(("table", "customers", "客户 (table page)", {}))
    return found


def timed_requests(client: httpx.Client, path: str, params: dict, repeat: int, budget_s: float):
    """Request ``path`` once to warm up, then up to ``repeat`` times; return (milliseconds, statuses, last response)."""
    response = client.get(path, params=params)
    times, statuses = [], []
    spent = 0.0
    while len(times) < repeat and (spent < budget_s or len(times) < 5):
        started = time.perf_counter()
        response = client.get(path, params=params)
        elapsed = time.perf_counter() - started
        spent += elapsed
        times.append(elapsed * 1000)
        statuses.append(response.status_code)
    return times, statuses, response


def measure(client: httpx.Client, path: str, params: dict, repeat: int, budget_s: float) -> dict:
    """Time the HTML page a manager opens and its JSON form; return p50/p99 of each and the SQL time."""
    html, html_statuses, _ = timed_requests(client, path, params, repeat, budget_s / 2)
    data, json_statuses, last = timed_requests(client, path + ".json", params, repeat, budget_s / 2)
    body = last.json() if last.status_code == 200 else {}
    statuses = html_statuses + json_statuses
    return {
        "requests": len(html),
        "html_p50_ms": round(percentile(html, 0.5), 1), "html_p99_ms": round(percentile(html, 0.99), 1),
        "json_p50_ms": round(percentile(data, 0.5), 1), "json_p99_ms": round(percentile(data, 0.99), 1),
        "sql_ms": round(body["query_ms"], 1) if "query_ms" in body else None,
        "rows": len(body["rows"]) if "rows" in body else None,
        "errors": sum(1 for status in statuses if status != 200), "statuses": sorted(set(statuses)),
    }


def resident_memory_mb(pid: int) -> dict:
    """Return the resident memory of process ``pid`` in MB: total, peak, anonymous and file-backed."""
    fields = {"VmRSS": "rss_mb", "VmHWM": "peak_rss_mb", "RssAnon": "anonymous_mb", "RssFile": "file_mb"}
    found = {}
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            name, _, rest = line.partition(":")
            if name in fields:
                found[fields[name]] = round(int(rest.split()[0]) / 1024, 1)
    return found


def run(work: Path, data_folder: Path | None, customers: int, follow_ups: int, receivables: int,
        ticket_share: float, repeat: int, budget_s: float, log=print) -> dict:
    result = {"customers": customers, "follow_ups_per_customer": follow_ups,
              "receivables_per_customer": receivables, "ticket_share": ticket_share}
    if data_folder is None:
        data_folder = work / "data-datasette"
    data = DataDir(data_folder)
    if not data.database.exists():
        log(f"  generating {customers:,} customers with {follow_ups} follow-ups and {receivables} receivables each")
        result["generated"] = generate(data, customers, follow_ups, receivables, ticket_share, log)
    conn = sqlite3.connect(f"file:{data.database}?mode=ro", uri=True)
    try:
        result["counts"] = {table: conn.execute(f"SELECT count(*) FROM {table} WHERE deleted = 0").fetchone()[0]
                            for table in ("customers", "follow_ups", "receivables", "payments", "tickets")}
    finally:
        conn.close()
    result["database_mb"] = round(data.database.stat().st_size / 1e6, 1)
    server = ServerProcess(data.root, log_dir=work).start(timeout=120)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            response = client.post("/api/login", json={"username": "manager", "password": PASSWORD})
            response.raise_for_status()
            result["pages"] = []
            for kind, name, title, params in pages():
                path = f"/data/genzong/{name}"
                figures = measure(client, path, params, repeat, budget_s)
                log(f"    {kind} {name}: HTML p50 {figures['html_p50_ms']} ms, p99 {figures['html_p99_ms']} ms; "
                    f"JSON p50 {figures['json_p50_ms']} ms, p99 {figures['json_p99_ms']} ms; "
                    f"SQL {figures['sql_ms']} ms, {figures['rows']} rows, errors {figures['errors']}")
                result["pages"].append({"kind": kind, "name": name, "title": title, "params": params, **figures})
        result["server_memory"] = resident_memory_mb(server.process.pid)
        log(f"    server memory (MB): {result['server_memory']}")
    finally:
        server.stop()
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="folder for the data folder and server log")
    parser.add_argument("--data", type=Path, help="an existing data folder made by this benchmark, to reuse")
    parser.add_argument("--customers", type=int, default=100_000, help="customers (default 100000)")
    parser.add_argument("--follow-ups", type=int, default=10, help="follow-ups per customer (default 10)")
    parser.add_argument("--receivables", type=int, default=2, help="receivables per customer (default 2)")
    parser.add_argument("--ticket-share", type=float, default=0.1, help="tickets per customer (default 0.1)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--budget", type=float, default=30, help="seconds per page before fewer requests (default 30)")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    result = run(args.work, args.data, args.customers, args.follow_ups, args.receivables, args.ticket_share,
                 args.repeat, args.budget, log=lambda text: print(text, file=sys.stderr, flush=True))
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
