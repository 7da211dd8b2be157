"""Medians and spreads per case, ours ÷ each baseline, the issue's goals, and the printed table."""

from __future__ import annotations

import statistics
from typing import Any

BASELINES = ("seed_serial", "reference_threads")
OURS = ("ours_first", "ours_incremental", "ours_add_new")
CASES = (*BASELINES, *OURS)
METRICS = ("wall_s", "files_per_s", "cpu_ms_per_file", "peak_rss_mib")
OPTIONAL = ("server_cpu_ms_per_file", "load_avg_1m")
LABELS = {
    "seed_serial": "seed plan: 1 boto3 client, serial",
    "reference_threads": "reference: 50 threads, client/file",
    "ours_first": "ours, first run",
    "ours_incremental": "ours, incremental, nothing new",
    "ours_add_new": "ours, +new files onto big checkpoint",
}
GOAL_CPU_MS_PER_FILE = 0.4
GOAL_FILES_PER_S = 2_500
GOAL_PEAK_RSS_MIB = 1024


def with_rates(run: dict[str, Any]) -> dict[str, Any]:
    """Per-file rates over the files the run listed (every one of them fetched, except incrementally)."""
    files = max(run["files_listed"], 1)
    rated = {**run, "files_per_s": files / run["wall_s"], "cpu_ms_per_file": run["cpu_s"] * 1000 / files}
    if "server_cpu_s" in run:
        rated["server_cpu_ms_per_file"] = run["server_cpu_s"] * 1000 / files
    return rated


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for case, case_runs in runs.items():
        rated = [with_rates(r) for r in case_runs]
        out[case] = {
            "label": LABELS[case],
            "runs": rated,
            **{metric: spread([r[metric] for r in rated]) for metric in (*METRICS, *OPTIONAL) if metric in rated[0]},
            "files_listed": rated[-1]["files_listed"],
            "files_fetched": spread([r["files_fetched"] for r in rated]),
        }
    return out


def ratios(cases: dict[str, Any]) -> dict[str, Any]:
    """Speed-up (ours files/s ÷ baseline files/s) and CPU saving (baseline CPU/file ÷ ours), by medians."""
    out: dict[str, Any] = {}
    for ours in ("ours_first", "ours_incremental"):
        for base in BASELINES:
            if ours in cases and base in cases:
                o, b = cases[ours], cases[base]
                out[f"{ours}_vs_{base}"] = {
                    "speedup_files_per_s": o["files_per_s"]["median"] / b["files_per_s"]["median"],
                    "cpu_per_file_saving": b["cpu_ms_per_file"]["median"] / max(o["cpu_ms_per_file"]["median"], 1e-9),
                }
    return out


def goals(cases: dict[str, Any], imports: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "ours_first" in cases:
        first = cases["ours_first"]
        cpu, rate = first["cpu_ms_per_file"]["median"], first["files_per_s"]["median"]
        out["1_first_run"] = {
            "cpu_ms_per_file": cpu,
            "files_per_s": rate,
            "met": cpu <= GOAL_CPU_MS_PER_FILE and rate >= GOAL_FILES_PER_S,
        }
    if "ours_incremental" in cases:
        inc = cases["ours_incremental"]
        listing = statistics.median(r["listing_only_s"] for r in inc["runs"])
        zero = all(r["files_fetched"] == 0 for r in inc["runs"])
        out["2_incremental"] = {
            "event_gets": 0 if zero else max(r["files_fetched"] for r in inc["runs"]),
            "wall_s": inc["wall_s"]["median"],
            "listing_only_s": listing,
            "wall_over_listing": inc["wall_s"]["median"] / listing,
            "met": zero,
        }
    if "ours_add_new" in cases:
        add = cases["ours_add_new"]
        out["3_add_onto_big_checkpoint"] = {
            "peak_rss_mib_max": add["peak_rss_mib"]["max"],
            "wall_s": add["wall_s"]["median"],
            "met": add["peak_rss_mib"]["max"] < GOAL_PEAK_RSS_MIB,
        }
    if imports is not None:
        out["4_cold_import"] = {"with_pyc_s": imports["with_pyc_s"]["median"], "met": True}
    return out


def table(report: dict[str, Any]) -> str:
    cases = report["cases"]
    lines = [
        f"{'case':<40} {'listed':>7} {'fetched':>7} {'wall s (min-max)':>20} {'files/s':>8} "
        f"{'CPU ms/file':>11} {'peak RSS MiB':>12} {'server CPU ms/file':>18} {'load':>5}",
    ]
    for case in CASES:
        if case not in cases:
            continue
        c = cases[case]
        wall = c["wall_s"]
        lines.append(
            f"{c['label']:<40} {c['files_listed']:>7} {c['files_fetched']['median']:>7.0f} "
            f"{wall['median']:>7.2f} ({wall['min']:.2f}-{wall['max']:.2f}) {c['files_per_s']['median']:>8.0f} "
            f"{c['cpu_ms_per_file']['median']:>11.3f} {c['peak_rss_mib']['median']:>12.0f} "
            f"{_median(c, 'server_cpu_ms_per_file', '18.3f')} {_median(c, 'load_avg_1m', '5.1f')}"
        )
    lines.append("")
    for name, r in report["ratios"].items():
        lines.append(
            f"{name:<44} speed-up {r['speedup_files_per_s']:>7.1f}x   CPU/file {r['cpu_per_file_saving']:>6.1f}x less"
        )
    imports = report.get("cold_import")
    if imports:
        line = f"\ncold import of {imports['module']}: {imports['with_pyc_s']['median'] * 1000:.0f} ms with .pyc"
        if "without_pyc_s" in imports:
            line += f", {imports['without_pyc_s']['median'] * 1000:.0f} ms without"
        heavy = ", ".join(f"{p['package']} {p['self_ms']:.0f}" for p in imports["top_packages"])
        lines.append(f"{line} (median of {imports['with_pyc_s']['n']}); heaviest, ms: {heavy}")
    lines.append("")
    for name, goal in report["goals"].items():
        detail = ", ".join(f"{k}={_fmt(v)}" for k, v in goal.items() if k != "met")
        lines.append(f"goal {name:<28} {'MET' if goal['met'] else 'NOT MET':<8} {detail}")
    return "\n".join(lines)


def _median(case: dict[str, Any], metric: str, spec: str) -> str:
    width = int(spec.split(".", maxsplit=1)[0])
    return format(case[metric]["median"], spec) if metric in case else "-".rjust(width)


def _fmt(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)
