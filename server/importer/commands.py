"""The ``genzong import`` and ``genzong export`` commands, and the text form of a report."""

import argparse
import json
import sys
from pathlib import Path

from ..schema import title_pair
from .layout import KINDS
from .problems import ERROR, INFO, REJECT, SKIP, UPDATE, WARNING, ImportFailure, ImportReport

ACTION_NAMES = {"zh": {"create": "新建", "update": "更新", "unchanged": "无变化", "skip": "跳过", "reject": "拒绝"},
                "en": {"create": "create", "update": "update", "unchanged": "unchanged", "skip": "skip",
                       "reject": "reject"}}
LEVEL_NAMES = {"zh": {ERROR: "错误", WARNING: "注意", INFO: "说明"},
               "en": {ERROR: "error", WARNING: "warning", INFO: "note"}}
STAGE_NAMES = {"read": "reading", "check": "checking rows", "plan": "matching", "write": "writing",
               "done": "done"}


def add_ledger_commands(commands, common: argparse.ArgumentParser) -> None:
    """Add ``import`` and ``export`` to the ``genzong`` command line."""
    importer = commands.add_parser(
        "import", parents=[common], help="import a customer, receivables or complaint ledger (.xlsx or .csv)",
        description="Import an Excel or CSV ledger. Nothing is written when any row is rejected; "
                    "--dry-run shows what each row would do.")
    importer.add_argument("file", help="the ledger: .xlsx, or .csv in UTF-8 or GBK")
    importer.add_argument("--kind", choices=KINDS, help="the kind of ledger (default: guessed from the headers)")
    importer.add_argument("--owner", help="username that owns new customers and tickets "
                                          "(default: the 负责人 column, else new customers go to the public pool)")
    importer.add_argument("--dry-run", action="store_true", help="check and report, but write nothing")
    importer.add_argument("--all-rows", action="store_true", help="list every row, not only rows with remarks")
    importer.add_argument("--json", action="store_true", help="print the report as JSON")
    importer.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the report (default zh)")
    importer.set_defaults(handler=run_import_command)

    exporter = commands.add_parser("export", parents=[common], help="export a ledger as .xlsx")
    exporter.add_argument("--kind", choices=KINDS, required=True, help="which ledger to export")
    exporter.add_argument("file", help="the .xlsx file to write")
    exporter.set_defaults(handler=run_export_command)


def run_import_command(args) -> int:
    from ..paths import resolve_data_dir
    from ..state import open_existing_data_dir
    from .service import ImportRequest, run_import

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as error:
        print(f"error: cannot read {path}: {error.strerror}", file=sys.stderr)
        return 1
    state = open_existing_data_dir(resolve_data_dir(args.data_dir))
    request = ImportRequest(data, path.name, kind=args.kind, owner=args.owner, dry_run=args.dry_run)
    progress = _progress_printer() if sys.stderr.isatty() and not args.json else None
    try:
        report = run_import(state.records.get(), request, progress=progress)
    except ImportFailure as failure:
        if failure.report is not None:
            _print_report(failure.report, args)
        if args.json and failure.report is None:
            print(json.dumps(failure.to_json(), ensure_ascii=False, indent=1))
        print(("错误：" if args.lang == "zh" else "error: ") + failure.to_json()["message" if args.lang == "zh"
                                                                               else "message_en"], file=sys.stderr)
        return 1
    finally:
        state.close()
    _print_report(report, args)
    return 1 if report.rejected else 0


def run_export_command(args) -> int:
    from ..paths import resolve_data_dir
    from ..state import open_existing_data_dir
    from .export import export_ledger

    state = open_existing_data_dir(resolve_data_dir(args.data_dir))
    try:
        data = export_ledger(state.records.get(), args.kind)
    finally:
        state.close()
    try:
        Path(args.file).write_bytes(data)
    except OSError as error:
        print(f"error: cannot write {args.file}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"exported the {args.kind} ledger to {args.file} ({len(data):,} bytes)")
    return 0


def _progress_printer():
    def show(stage: str, done: int, total: int | None) -> None:
        text = STAGE_NAMES.get(stage, stage)
        if total:
            text += f" {done:,}/{total:,}"
        print(f"\r{text:<40}", end="" if stage != "done" else "\n", file=sys.stderr, flush=True)
    return show


def _print_report(report: ImportReport, args) -> None:
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
        return
    print(render_report(report, args.lang, args.all_rows))


def render_report(report: ImportReport, lang: str = "zh", all_rows: bool = False) -> str:
    """Return the report as text: summary, notes about the file, then the rows with remarks."""
    actions, levels = ACTION_NAMES[lang], LEVEL_NAMES[lang]
    counts = report.counts()
    key = "message" if lang == "zh" else "message_en"
    lines = []
    if lang == "zh":
        mode = "试导入（没有写入）" if report.dry_run else ("已导入" if report.imported else "未导入")
        lines.append(f"{report.file_name}：{mode}")
        lines.append("行：" + "，".join(f"{actions[a]} {n}" for a, n in counts.items()))
        if report.records:
            lines.append("记录：" + "；".join(f"{title_pair(t).zh} 新建 {c['create']}、更新 {c['update']}"
                                           for t, c in report.records.items()))
    else:
        mode = "dry run (nothing written)" if report.dry_run else ("imported" if report.imported else "not imported")
        lines.append(f"{report.file_name}: {mode}")
        lines.append("rows: " + ", ".join(f"{actions[a]} {n}" for a, n in counts.items()))
        if report.records:
            lines.append("records: " + "; ".join(f"{t.replace('_', '-')} {c['create']} created, {c['update']} updated"
                                               for t, c in report.records.items()))
    for note in report.notes:
        lines.append(f"  [{levels[note.level]}] {note.to_json()[key]}")
    hidden = 0
    for outcome in report.rows:
        remarkable = outcome.action in (UPDATE, REJECT, SKIP) or any(p.level != INFO for p in outcome.problems)
        if not all_rows and not remarkable:
            hidden += 1
            continue
        where = f"{outcome.sheet} " if outcome.sheet else ""
        row_word = f"{where}第 {outcome.row} 行" if lang == "zh" else f"{where}row {outcome.row}"
        lines.append(f"{row_word} {actions[outcome.action]} {outcome.label}".rstrip())
        for problem in outcome.problems:
            column = f"「{problem.column}」" if problem.column else ""
            lines.append(f"    [{levels[problem.level]}]{column} {problem.message(lang)}")
    if hidden:
        lines.append(f"（另有 {hidden} 行没有需要注意的内容，加 --all-rows 显示）" if lang == "zh"
                     else f"({hidden} more rows without remarks; --all-rows lists them)")
    return "\n".join(lines)
