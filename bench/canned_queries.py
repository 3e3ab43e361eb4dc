"""Time each canned query and report view through Datasette on demo data.

Fills a fresh data folder with the demo (``--customers``, default 300),
serves the real app in-process and signs in as the demo manager. Then it
requests every canned query (all rows) and the first page of every view as
JSON. It reports the median of ``--repeat`` requests and the time Datasette
measured for its SQL (for a view: the page, the row count and the facets).

    .venv/bin/python bench/canned_queries.py [--customers 300] [--repeat 5]
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import yaml
from starlette.testclient import TestClient

from genzong.server.app import create_app
from genzong.server.demo import DEMO_PASSWORD, fill_demo
from genzong.server.paths import DataDir, project_root
from genzong.server.state import open_data_dir

VIEWS = ("customer_list", "follow_up_log", "receivable_tracking", "ticket_log")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=300, help="demo customers (default 300)")
    parser.add_argument("--repeat", type=int, default=5, help="requests per query (default 5)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    with open(project_root() / "datasette-metadata.yml", encoding="utf-8") as handle:
        queries = yaml.safe_load(handle)["databases"]["genzong"]["queries"]
    targets = [(name, query["title"], {"_size": "max", **({"关键词": "地板"} if name == "search" else {})})
               for name, query in queries.items()]
    targets += [(name, f"{name} (first page)", {}) for name in VIEWS]

    results = []
    with tempfile.TemporaryDirectory() as folder:
        data = DataDir(Path(folder) / "data")
        state = open_data_dir(data)
        fill_demo(state, customers=args.customers)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            client = TestClient(create_app(data, state, daily_backups=False))
        with client:
            client.post("/api/login", json={"username": "jingli", "password": DEMO_PASSWORD})
            for name, title, params in targets:
                url = f"/data/genzong/{name}.json"
                query = params
                client.get(url, params=query)  # warm up connections and caches
                wall, sql = [], []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    response = client.get(url, params=query)
                    wall.append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
                    body = response.json()
                    sql.append(body["query_ms"])
                results.append({"name": name, "title": title, "rows": len(body["rows"]),
                                "request_ms": statistics.median(wall), "query_ms": statistics.median(sql)})

    print(f"demo data with {args.customers} customers; median of {args.repeat} requests")
    print(f"{'query':<26}{'rows':>6}{'request ms':>12}{'SQL ms':>9}  title")
    for result in results:
        print(f"{result['name']:<26}{result['rows']:>6}{result['request_ms']:>12.1f}"
              f"{result['query_ms']:>9.1f}  {result['title']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"customers": args.customers, "results": results},
                                        ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
