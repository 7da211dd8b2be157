"""Medians and spreads per case and condition, ratios against the baselines, the goals, the table."""

from __future__ import annotations

import statistics
from typing import Any

BASELINES = ("seed_serial", "reference_threads")
OURS = ("ours_first", "ours_incremental", "ours_incremental_serial", "ours_add_new")
MILLION = ("million_first", "million_incremental", "million_incremental_serial", "million_add_new")
CASES = (*BASELINES, *OURS)
ALL_CASES = (*CASES, *MILLION)
CONDITIONS = ("direct", "latency")
METRICS = ("wall_s", "files_per_s", "cpu_ms_per_file", "peak_rss_mib")
OPTIONAL = ("server_cpu_ms_per_file", "proxy_cpu_ms_per_file", "load_avg_1m", "listing_only_s")
LABELS = {
    "seed_serial": "seed plan: 1 boto3 client, serial",
    "reference_threads": "reference: 50 threads, client/file",
    "ours_first": "ours, first run",
    "ours_incremental": "ours, incremental, nothing new",
    "ours_incremental_serial": "  same, serial listing",
    "ours_add_new": "ours, +new files onto 1M rows",
    "million_first": "1M files: ours, first run",
    "million_incremental": "1M files: incremental, nothing new",
    "million_incremental_serial": "  same, serial listing",
    "million_add_new": "1M files: +new files",
}
GOALS = {
    "incremental_25k_serial_over_ours": 4.0,
    "incremental_1m_wall_s": 30.0,
    "first_25k_vs_reference": 50.0,
    "first_25k_vs_seed": 5.0,
    "first_cpu_ms_per_file": 0.3,
    "add_onto_1m_rows_peak_rss_mib": 1024.0,
}


def with_rates(run: dict[str, Any]) -> dict[str, Any]:
    """Per-file rates over the files the run listed (every one of them fetched, except incrementally)."""
    files = max(run["files_listed"], 1)
    rated = {**run, "files_per_s": files / run["wall_s"], "cpu_ms_per_file": run["cpu_s"] * 1000 / files}
    for side in ("server", "proxy"):
        if f"{side}_cpu_s" in run:
            rated[f"{side}_cpu_ms_per_file"] = run[f"{side}_cpu_s"] * 1000 / files
    return rated


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for case, case_runs in runs.items():
        if not case_runs:
            continue
        rated = [with_rates(r) for r in case_runs]
        out[case] = {
            "label": LABELS[case],
            "runs": rated,
            **{metric: spread([r[metric] for r in rated]) for metric in (*METRICS, *OPTIONAL) if metric in rated[0]},
            "files_listed": rated[-1]["files_listed"],
            "files_fetched": spread([r["files_fetched"] for r in rated]),
        }
        if "requests" in rated[0]:
            out[case]["requests"] = rated[-1]["requests"]
    return out


def ratios(cases: dict[str, Any]) -> dict[str, float]:
    """Ours against the baselines by files/s, and serial listing against ours by wall time (medians)."""
    out: dict[str, float] = {}

    def median(case: str, metric: str) -> float | None:
        return cases[case][metric]["median"] if case in cases else None

    first = median("ours_first", "files_per_s")
    for base in BASELINES:
        rate = median(base, "files_per_s")
        if first and rate:
            out[f"first_vs_{base}"] = first / rate
            saving = cases[base]["cpu_ms_per_file"]["median"] / cases["ours_first"]["cpu_ms_per_file"]["median"]
            out[f"first_cpu_saving_vs_{base}"] = saving
    for scale in ("ours", "million"):
        ours, serial = median(f"{scale}_incremental", "wall_s"), median(f"{scale}_incremental_serial", "wall_s")
        if ours and serial:
            out[f"{scale}_incremental_serial_over_ours"] = serial / ours
    return out


def goals(conditions: dict[str, Any], breakdown: dict[str, Any] | None) -> dict[str, Any]:
    """Each figure against its target in GOALS, on the latency model where it ran (else on the direct condition)."""
    where = "latency" if "latency" in conditions else "direct"
    adds = ("ours_add_new", "million_add_new")
    cases, rates = conditions[where]["cases"], conditions[where]["ratios"]
    figures: dict[str, float | None] = {
        "incremental_25k_serial_over_ours": rates.get("ours_incremental_serial_over_ours"),
        "incremental_1m_wall_s": cases.get("million_incremental", {}).get("wall_s", {}).get("median"),
        "first_25k_vs_reference": rates.get("first_vs_reference_threads"),
        "first_25k_vs_seed": rates.get("first_vs_seed_serial"),
        "first_cpu_ms_per_file": breakdown["total_ms_per_file"] if breakdown else None,
        "add_onto_1m_rows_peak_rss_mib": max(
            (c["cases"][add]["peak_rss_mib"]["max"] for c in conditions.values() for add in adds if add in c["cases"]),
            default=None,
        ),
    }
    out: dict[str, Any] = {}
    for name, value in figures.items():
        if value is None:
            continue
        target = GOALS[name]
        at_most = name.endswith(("_s", "_mib", "_per_file"))
        met = value <= target if at_most else value >= target
        condition = "direct" if name == "first_cpu_ms_per_file" else where
        goal = f"{'<=' if at_most else '>='} {target:g}"
        out[name] = {"value": value, "goal": goal, "met": met, "condition": condition}
    return out


def table(report: dict[str, Any]) -> str:
    lines: list[str] = []
    for condition, block in report["conditions"].items():
        lines += _condition_table(condition, block, report["meta"])
    breakdown = report.get("cpu_breakdown")
    if breakdown:
        stages = ", ".join(f"{k} {v:.3f}" for k, v in breakdown["ms_per_file"].items())
        lines += [
            f"client CPU per file, first run, ms (direct, {breakdown['files']} files): {stages}; "
            f"total {breakdown['total_ms_per_file']:.3f} (the fetch stage as run: "
            f"{breakdown['fetch_stage_as_run_ms_per_file']:.3f})",
            "",
        ]
    for name, value in report.get("generation", {}).items():
        lines.append(f"generation: {name} = {_fmt(value)}")
    imports = report.get("cold_import")
    if imports:
        heavy = ", ".join(f"{p['package']} {p['self_ms']:.0f}" for p in imports["top_packages"])
        lines.append(
            f"cold import of {imports['module']}: {imports['with_pyc_s']['median'] * 1000:.0f} ms with .pyc "
            f"(median of {imports['with_pyc_s']['n']}); heaviest, ms: {heavy}"
        )
    lines.append("")
    for name, goal in report["goals"].items():
        lines.append(
            f"goal {name:<36} {'MET' if goal['met'] else 'NOT MET':<8} {_fmt(goal['value']):>8} "
            f"(goal {goal['goal']}, {goal['condition']})"
        )
    return "\n".join(lines)


def _condition_table(condition: str, block: dict[str, Any], meta: dict[str, Any]) -> list[str]:
    delays = meta.get("delays_ms") if condition == "latency" else None
    title = f"== {condition}" + (
        f": LIST {delays['list']:g} ms, GET {delays['get']:g} ms, PUT {delays['put']:g} ms per request"
        if delays
        else ": SeaweedFS on loopback"
    )
    lines = [
        title,
        f"{'case':<36} {'listed':>7} {'fetched':>7} {'wall s (min-max)':>21} {'files/s':>8} "
        f"{'CPU ms/file':>11} {'peak RSS MiB':>12} {'server ms/f':>11} {'proxy ms/f':>10} {'LIST':>5} {'GET':>7}",
    ]
    for c in block["cases"].values():
        wall, requests = c["wall_s"], c.get("requests", {})
        lines.append(
            f"{c['label']:<36} {c['files_listed']:>7} {c['files_fetched']['median']:>7.0f} "
            f"{wall['median']:>8.2f} ({wall['min']:.2f}-{wall['max']:.2f}) {c['files_per_s']['median']:>8.0f} "
            f"{c['cpu_ms_per_file']['median']:>11.3f} {c['peak_rss_mib']['median']:>12.0f} "
            f"{_median(c, 'server_cpu_ms_per_file', 11)} {_median(c, 'proxy_cpu_ms_per_file', 10)} "
            f"{requests.get('list', '-'):>5} {requests.get('get', '-'):>7}"
        )
    lines.append("")
    for name, value in block["ratios"].items():
        lines.append(f"  {name:<44} {value:>8.1f}x")
    lines.append("")
    return lines


def _median(case: dict[str, Any], metric: str, width: int) -> str:
    return format(case[metric]["median"], f"{width}.3f") if metric in case else "-".rjust(width)


def _fmt(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)
