"""Benchmark: import a generated 50,000-row Chinese ledger into a fresh data folder.

Run from the checkout:

    .venv/bin/python bench/import_bench.py [--rows 50000] [--kind customers|receivables]

It writes the ledger as .xlsx (the slowest format to read) and imports it
with the same code as ``genzong import``. It prints the wall time per
stage, how long the write lock was held, the longest wait of a small write
transaction run beside the import (standing in for a sync), and the peak
resident memory of the process (``resource.getrusage``).
"""

import argparse
import platform
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import openpyxl

from genzong.server.db import connect, transaction
from genzong.server.importer.service import ImportRequest, run_import
from genzong.server.paths import DataDir
from genzong.server.state import open_data_dir

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀兰", "霞", "平", "刚", "桂英", "建国", "建华", "志强", "海燕", "晓东", "红梅", "玉兰", "文博", "子涵"]
CITIES = [("杭州市", ["西湖区", "拱墅区", "滨江区"], "0571"), ("上海市", ["浦东新区", "闵行区"], "021"),
          ("苏州市", ["工业园区", "吴中区"], "0512"), ("南京市", ["鼓楼区", "江宁区"], "025")]
STREETS = ["文三路", "建设路", "人民路", "解放路", "中山路", "长江路", "湖滨路", "学院路"]
COMPANY_HEADS = ["绿源", "华信", "东方", "金桥", "明德", "恒通", "鑫达", "宏图", "博远", "天成", "瑞丰", "嘉禾"]
COMPANY_TAILS = ["地板有限公司", "装饰工程有限公司", "家居建材商行", "房地产开发有限公司", "物业管理有限公司"]
KINDS = ["直接型", "间接型(关键人)", "潜在型", "直接", "潜在客户"]
NOTES = [None, "对价格比较敏感", "重视环保等级", "装修工期紧", "老客户，信誉好", "新房装修，决策人"]
CHANNELS = ["电话", "拜访", "到店", "微信"]
CONTENTS = ["介绍实木地板", "上门量房", "发送报价单", "确认安装日期", "客户到店看样", "回访安装效果"]


def phone_text(rng: random.Random, index: int) -> str:
    number = f"1{rng.choice('3578')}{index:09d}"
    style = index % 5
    if style == 1:
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    if style == 2:
        return f"+86 {number[:3]}-{number[3:7]}-{number[7:]}"
    if style == 3:
        return f"电话:{number}"
    return number


def amount_text(rng: random.Random) -> object:
    yuan = rng.randrange(3_000, 300_000, 100)
    style = rng.randrange(5)
    if style == 0:
        return f"{yuan / 10000:g}万"
    if style == 1:
        return f"{yuan}元"
    if style == 2:
        return f"¥{yuan:,}.00"
    if style == 3:
        return yuan
    return str(yuan)


def date_text(rng: random.Random, day: date) -> object:
    style = rng.randrange(4)
    if style == 0:
        return day.isoformat()
    if style == 1:
        return f"{day.year}/{day.month}/{day.day}"
    if style == 2:
        return f"{day.year}年{day.month}月{day.day}日"
    return day


def customer_rows(count: int, seed: int = 11):
    rng = random.Random(seed)
    start = date(2023, 1, 1)
    yield ["客户跟踪表（生成的测试数据）"]
    yield ["序号", "客户姓名", "联系电话", "公司名称", "地址", "客户类型", "意向度", "意向购买时间", "意向购买金额",
           "沟通记录", "下次跟进", "备注"]
    for index in range(count):
        city, districts, _ = rng.choice(CITIES)
        day = start + timedelta(days=rng.randrange(365))
        log = "；".join(f"{(day - timedelta(days=d)).month}月{(day - timedelta(days=d)).day}日 "
                       f"{rng.choice(CHANNELS)} {rng.choice(CONTENTS)}" for d in (20, 10))
        yield [index + 1, rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN[:12]), phone_text(rng, index),
               city[:-1] + rng.choice(COMPANY_HEADS) + rng.choice(COMPANY_TAILS) if rng.random() < 0.6 else None,
               f"{city}{rng.choice(districts)}{rng.choice(STREETS)}{rng.randint(1, 999)}号",
               rng.choice(KINDS), rng.randint(1, 10), date_text(rng, day + timedelta(days=30)), amount_text(rng),
               log, date_text(rng, day), rng.choice(NOTES)]


def receivable_rows(count: int, seed: int = 12):
    rng = random.Random(seed)
    start = date(2023, 1, 1)
    yield ["客户回款跟踪表（生成的测试数据）"]
    yield ["序号", "客户名称", "联系方式", "订单号", "应收金额", "已收金额", "未收金额", "付款期限", "付款状态", "备注"]
    for index in range(count):
        city, _, _ = rng.choice(CITIES)
        amount = rng.randrange(3_000, 80_000, 100)
        paid = rng.choice([0, amount // 2, amount])
        if paid == amount:
            status = "已付款"
        elif paid:
            status = "部分付款"
        else:
            status = "待付款"
        yield [index + 1, city[:-1] + rng.choice(COMPANY_HEADS) + rng.choice(COMPANY_TAILS) + f"{index:05d}",
               phone_text(rng, index), f"DD{index:07d}", f"{amount}元", paid, f"{amount - paid}元",
               date_text(rng, start + timedelta(days=rng.randrange(365))), status, rng.choice(NOTES)]


def write_ledger(path: Path, kind: str, count: int) -> None:
    # A regular (not write-only) workbook stores text as shared strings, as Excel does.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "台账"
    for row in (customer_rows if kind == "customers" else receivable_rows)(count):
        sheet.append(row)
    sheet.append([])
    sheet.append(["合计"])
    book.save(path)


class BesideWriter(threading.Thread):
    """Runs a small write transaction every 50 ms, as syncs do, and records the longest wait."""

    def __init__(self, database: Path, lock: threading.Lock):
        super().__init__(daemon=True)
        self.conn = connect(database)
        self.lock = lock
        self.longest = 0.0
        self.count = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            started = time.perf_counter()
            with self.lock, transaction(self.conn):
                self.conn.execute("INSERT INTO sync_log (at, received) VALUES ('bench', 0)")
            self.longest = max(self.longest, time.perf_counter() - started)
            self.count += 1
            time.sleep(0.05)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000, help="ledger rows to generate (default 50000)")
    parser.add_argument("--kind", choices=("customers", "receivables"), default="customers",
                        help="which ledger to generate (default customers)")
    parser.add_argument("--write-ledger", metavar="PATH", help="only write the generated ledger to PATH")
    args = parser.parse_args(argv)
    if args.write_ledger:
        write_ledger(Path(args.write_ledger), args.kind, args.rows)
        return 0

    with tempfile.TemporaryDirectory() as folder:
        ledger = Path(folder) / f"{args.kind}.xlsx"
        started = time.perf_counter()
        # A child process writes the ledger, so the peak memory below is the import's alone.
        subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--kind", args.kind,
                        "--write-ledger", str(ledger)], check=True)
        print(f"generated {args.rows} rows, {ledger.stat().st_size / 1e6:.1f} MB in "
              f"{time.perf_counter() - started:.1f} s")
        baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        state = open_data_dir(DataDir(Path(folder) / "data"))
        stages: dict[str, float] = {}
        last = [time.perf_counter()]

        def progress(stage, done, total):
            now = time.perf_counter()
            if stage not in stages:
                stages[stage] = now
            last[0] = now

        beside = BesideWriter(state.data.database, state.write_lock)
        beside.start()
        data = ledger.read_bytes()
        started = time.perf_counter()
        report = run_import(state.records.get(), ImportRequest(data, ledger.name, kind=args.kind),
                            write_lock=state.write_lock, progress=progress)
        total = time.perf_counter() - started
        beside.stopping.set()
        beside.join()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        conn = sqlite3.connect(state.data.database)
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("customers", "follow_ups", "receivables", "payments")}
        order = ["read", "check", "plan", "write", "done"]
        marks = [(name, stages[name]) for name in order if name in stages]
        print(f"import of {args.rows} {args.kind} rows: {total:.1f} s wall time")
        for (name, at), (_, following) in zip(marks, marks[1:] + [("end", started + total)]):
            print(f"  {name:<6} {following - at:6.2f} s")
        print(f"  write transaction (write lock held): {report.transaction_seconds:.2f} s")
        print(f"  longest wait of a write beside the import: {beside.longest:.2f} s ({beside.count} writes)")
        print(f"  peak resident memory: {peak_mb:.0f} MB (before the import: {baseline_mb:.0f} MB)")
        print(f"  records: {counts}; report counts {report.counts()}")
        print(f"  machine: {platform.machine()}, {platform.processor() or platform.platform()}, "
              f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
        state.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
