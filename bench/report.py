"""Render the results of ``python -m bench`` as Markdown tables."""

import statistics

from .peer import peer_phase

PHASE_TITLES = {"push": "push", "pull": "fresh pull", "noop": "no-op sync", "conflict": "conflicting edits"}


def median(values):
    return statistics.median(values) if values else None


def moved(size: int, phase: str) -> int:
    """Return the records a phase moves: N, or both devices' N/10 edits for the conflict phase."""
    return 2 * (size // 10) if phase == "conflict" else size


def fmt_s(seconds) -> str:
    if seconds is None:
        return "–"
    return f"{seconds * 1000:.1f} ms" if seconds < 0.1 else f"{seconds:.2f} s"


def fmt_ratio(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def spread(values) -> str:
    """Return the run-to-run spread as (max − min) ÷ median, in percent."""
    middle = median(values)
    return f"±{50 * (max(values) - min(values)) / middle:.0f}%" if middle else "–"


def phase_stats(runs: list[dict], phase: str) -> dict:
    seconds = [run[phase]["seconds"] for run in runs]
    return {
        "seconds": median(seconds), "runs": seconds,
        "server_cpu_s": median([run[phase]["server_cpu_s"] for run in runs]),
        "client_cpu_s": median([run[phase]["client_cpu_s"] for run in runs]),
        "client_peak_mb": max(run[phase]["client_peak_rss_mb"] for run in runs),
        "server_peak_mb": max(run[phase]["server_peak_rss_mb"] for run in runs),
    }


def sync_table(results: dict) -> list[str]:
    lines = ["| N | phase | client | time (median) | records/s | server CPU | client CPU | "
             "peak RSS client / server | run spread | PouchDB time | Genzong ÷ PouchDB |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    peer = results.get("peer", {})
    for client, by_size in results["sync"].items():
        for size_text, runs in by_size.items():
            size = int(size_text)
            for phase, title in PHASE_TITLES.items():
                stats = phase_stats(runs, phase)
                pouch = peer_phase(peer, size, phase) if peer.get("status") == "ran" else None
                pouch_s = pouch["median_s"] if pouch else None
                rate = "–" if phase == "noop" else f"{moved(size, phase) / stats['seconds']:,.0f}"
                lines.append(
                    f"| {size:,} | {title} | {client} | {fmt_s(stats['seconds'])} | {rate} | "
                    f"{stats['server_cpu_s']:.2f} s | {stats['client_cpu_s']:.2f} s | "
                    f"{stats['client_peak_mb']:.0f} / {stats['server_peak_mb']:.0f} MB | {spread(stats['runs'])} | "
                    f"{fmt_s(pouch_s)} | {fmt_ratio(stats['seconds'] / pouch_s if pouch_s else None)} |")
    return lines


def peer_table(results: dict) -> list[str]:
    peer = results.get("peer", {})
    if peer.get("status") != "ran":
        return [f"PouchDB peer: {peer.get('status', 'not run')}. {peer.get('error', '')}".strip()]
    lines = ["| N | phase | time (median) | docs/s | server CPU | peak RSS client / server | run spread |",
             "|---|---|---|---|---|---|---|"]
    for size_text in peer["summary"]:
        for phase, title in PHASE_TITLES.items():
            stats = peer_phase(peer, int(size_text), phase)
            rate = "–" if phase == "noop" else f"{stats['docs_per_s']:,}"
            lines.append(f"| {int(size_text):,} | {title} | {fmt_s(stats['median_s'])} | {rate} | "
                         f"{stats['median_serverCpuS']} s | {stats['max_clientPeakRssMB']:.0f} / "
                         f"{stats['max_serverPeakRssMB']:.0f} MB | {spread(stats['runs_s'])} |")
    return lines


def baseline_table(results: dict) -> list[str]:
    runs_by_size = results["sync"].get("lean", {})
    if not runs_by_size:
        return ["Baseline: not run (it uses the lean client's push bodies)."]
    lines = ["| N | push (median) | baseline (median) | push ÷ baseline, median of runs | per run "
             "| baseline, staged insert | push ÷ that | baseline without search triggers | push ÷ that |",
             "|---|---|---|---|---|---|---|---|---|"]
    for size_text, runs in runs_by_size.items():
        ratios = [run["push"]["seconds"] / median(run["baseline_s"]) for run in runs]
        baseline = median([median(run["baseline_s"]) for run in runs])
        push = median([run["push"]["seconds"] for run in runs])
        extra = []
        for key in ("baseline_staged_s", "baseline_without_search_s"):
            measured = [run for run in runs if key in run]
            if not measured:
                extra += ["–", "–"]
                continue
            extra += [fmt_s(median([median(run[key]) for run in measured])),
                      fmt_ratio(median([run["push"]["seconds"] / median(run[key]) for run in measured]))]
        lines.append(f"| {int(size_text):,} | {fmt_s(push)} | {fmt_s(baseline)} | {median(ratios):.2f} | "
                     f"{', '.join(f'{r:.2f}' for r in ratios)} | {' | '.join(extra)} |")
    return lines


def conflict_table(results: dict) -> list[str]:
    lines = ["| N | client | edited per device | kept both edits | conflict rows | records differing (A, B, server) "
             "| PouchDB conflicted | PouchDB kept both |", "|---|---|---|---|---|---|---|---|"]
    peer = results.get("peer", {})
    for client, by_size in results["sync"].items():
        for size_text, runs in by_size.items():
            pouch = peer_phase(peer, int(size_text), "conflict") if peer.get("status") == "ran" else None
            conflict = [run["conflict"] for run in runs]
            lines.append(
                f"| {int(size_text):,} | {client} | {conflict[0]['edited_per_device']:,} | "
                f"{', '.join(str(c['kept_both_edits']) for c in conflict)} | "
                f"{', '.join(str(c['conflict_rows']) for c in conflict)} | "
                f"{', '.join(str(c['records_differing']) for c in conflict)} | "
                f"{', '.join(map(str, pouch['conflicted'])) if pouch else '–'} | "
                f"{', '.join(map(str, pouch['winnerHasBothEdits'])) if pouch else '–'} |")
    return lines


def memory_table(results: dict) -> list[str]:
    lines = ["| N | client | server peak RSS over the whole run (VmHWM) | client peak RSS (VmHWM) |", "|---|---|---|---|"]
    for client, by_size in results["sync"].items():
        for size_text, runs in by_size.items():
            lines.append(f"| {int(size_text):,} | {client} | "
                         f"{max(r['server_lifetime_peak_rss_mb'] for r in runs):.0f} MB | "
                         f"{max(r['client_lifetime_peak_rss_mb'] for r in runs):.0f} MB |")
    return lines


def concurrency_table(results: dict) -> list[str]:
    lines = ["| devices | stage | requests | requests/s | p50 | p99 | max | server time p50 / p99 / max "
             "| errors | server CPU |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for devices, result in results.get("concurrency", {}).items():
        for stage in ("initial_sync", "steady_sync"):
            s = result[stage]
            lines.append(f"| {devices} | {stage.replace('_', ' ')} | {s['requests']} | {s['requests_per_s']} | "
                         f"{s['p50_ms']} ms | {s['p99_ms']} ms | {s['max_ms']} ms | "
                         f"{s.get('server_p50_ms', '–')} / {s.get('server_p99_ms', '–')} / "
                         f"{s.get('server_max_ms', '–')} ms | {s['errors']} | "
                         f"{s['server_cpu_s']} s |")
    return lines


def datasette_table(results: dict) -> list[str]:
    figures = results.get("datasette")
    if not figures:
        return ["Not run."]
    counts = figures["counts"]
    lines = [f"{counts['customers']:,} customers, {counts['follow_ups']:,} follow-ups, "
             f"{counts['receivables']:,} receivables, {counts['payments']:,} payments, {counts['tickets']:,} tickets; "
             f"database {figures['database_mb']:,} MB.", "",
             "| page | kind | rows | HTML p50 | HTML p99 | JSON p50 | JSON p99 | SQL | requests | errors |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for page in figures["pages"]:
        lines.append(f"| {page['title']} `{page['name']}` | {page['kind']} | {page['rows']} | {page['html_p50_ms']} ms | "
                     f"{page['html_p99_ms']} ms | {page['json_p50_ms']} ms | {page['json_p99_ms']} ms | "
                     f"{page['sql_ms']} ms | {page['requests']} | {page['errors']} |")
    return lines


def pwa_table(results: dict) -> list[str]:
    figures = results.get("pwa")
    if not figures:
        return ["Not run."]
    lines = [f"Chromium {figures['chromium']}, {figures['customers']:,} customers, "
             f"{len(figures['runs'])} fresh logins (median): first card on screen {figures['first_card_s']} s, "
             f"list complete and usable {figures['usable_s']} s (runs: "
             f"{', '.join(str(r['usable_s']) for r in figures['runs'])} s).", "",
             "| search | matches | input handler p50 | to next frame p50 | to next frame max |", "|---|---|---|---|---|"]
    for query, search in figures["searches"].items():
        lines.append(f"| {query} | {search['matches']} | {search['handler_p50_ms']} ms | {search['frame_p50_ms']} ms | "
                     f"{search['frame_max_ms']} ms |")
    return lines


def scripts_table(results: dict) -> list[str]:
    scripts = results.get("scripts") or {}
    if not scripts:
        return ["Not run."]
    lines = ["| command | exit status | seconds | output |", "|---|---|---|---|"]
    for outcome in scripts.values():
        lines.append(f"| `{outcome['command']}` | {outcome['returncode']} | {outcome['seconds']} | {outcome['output']} |")
    return lines


def render(results: dict) -> str:
    m = results["machine"]
    parts = [
        f"# Benchmark run {results['started']}",
        "",
        f"Command: `{results['command']}`. Machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, "
        f"Python {m['python']}, SQLite {m['sqlite']}, Node {m['node']}. Load average at start "
        f"{', '.join(f'{x:.1f}' for x in m['load_average_at_start'])}"
        + (f", at end {', '.join(f'{x:.1f}' for x in m['load_average_at_end'])}" if "load_average_at_end" in m else "")
        + f". Took {results.get('seconds', 0):.0f} s.",
        "", "## Sync", "", *sync_table(results),
        "", "## PouchDB peer", "", *peer_table(results),
        "", "## Push ÷ baseline", "", *baseline_table(results),
        "", "## Conflicting edits", "", *conflict_table(results),
        "", "## Memory", "", *memory_table(results),
        "", "## Concurrency", "", *concurrency_table(results),
        "", "## Datasette", "", *datasette_table(results),
        "", "## PWA in Chromium", "", *pwa_table(results),
        "", "## Other benchmark scripts", "", *scripts_table(results), "",
    ]
    return "\n".join(parts)
