"""Benchmark of the monthly report and of each query on a generated checkpoint (not a test).

    bin/bench-report [--events 1000000] [--month 2025-06] [--seed 1] [--reuse]

Generates a checkpoint parquet with realistic shapes (40 centres of unequal size, four
actions in the usual visit patterns, modules, packets, five years of visits, late and
rewritten files), then runs every measurement in a fresh Python process and reads that
process's peak RSS from `os.wait4`. Prints a table and writes bench/results/report_bench.json.
Needs `lambda/event_log_checkpoint/src/python` on PYTHONPATH (bin/bench-report sets it).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

from checkpoint_analytics.aggregates import count_by
from checkpoint_analytics.filters import EventFilter, filter_events
from checkpoint_analytics.load import load_checkpoint
from checkpoint_analytics.months import Month
from checkpoint_analytics.qc import pass_rate, visit_pass_rate, visits_failing_qc, visits_with_errors
from checkpoint_analytics.report import run_report
from checkpoint_analytics.sql import CURRENT_EVENTS_VIEW, report_sql, view_sql
from checkpoint_analytics.tables import TABLE_NAMES, MonthlyTables, month_tables
from checkpoint_analytics.timing import timing_summary, visit_timing
from checkpoint_analytics.versions import current_events
from checkpoint_analytics.visits import VisitKey, latest_per_visit, visit_history
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA, ORDER_COLUMNS

RESULTS = Path(__file__).resolve().parent / "results"
WORKDIR = RESULTS / "report_bench"  # generated checkpoint, report and DuckDB outputs
FIRST_VISIT = date(2021, 1, 1)
VISIT_DAYS = 5 * 365
MICROS_PER_DAY = 86_400_000_000
#: Actions of a visit, in order, and how often each pattern occurs.
PATTERNS: tuple[tuple[tuple[str, ...], float], ...] = (
    (("submit", "pass-qc"), 0.58),
    (("submit", "not-pass-qc", "pass-qc"), 0.20),
    (("submit", "not-pass-qc"), 0.07),
    (("submit",), 0.04),
    (("pass-qc",), 0.05),
    (("not-pass-qc",), 0.02),
    (("submit", "not-pass-qc", "not-pass-qc", "pass-qc"), 0.03),
    (("submit", "delete"), 0.01),
)
FORM_MODULES = (("UDS", 0.62), ("FTLD", 0.12), ("LBD", 0.12), ("MDS", 0.06), ("FTLD-NP", 0.05), ("FTLD-B", 0.03))
OTHER_DATATYPES = ("dicom", "apoe", "biomarker", "genetic-availability", "scan-analysis")
PACKETS = (("F", 0.52), ("I", 0.2), ("FT", 0.1), ("IT", 0.06), (None, 0.12))
REWRITE_SHARE = 0.05
STARTUP = "startup (imports only)"


def generate(events: int, seed: int) -> pl.DataFrame:
    """`events` rows shaped like production's checkpoint, sorted as the Lambda writes it."""
    rng = np.random.default_rng(seed)
    mean_events = sum(len(actions) * share for actions, share in PATTERNS) * (1 + REWRITE_SHARE)
    visits = _visits(rng, int(events / mean_events * 1.02) + 100)
    rows = _expand(rng, visits)
    rows = pl.concat([rows, _rewrites(rng, rows)], how="diagonal").head(events)
    return _with_sources(rng, rows).select(CHECKPOINT_SCHEMA.names()).sort(ORDER_COLUMNS)


def _visits(rng: np.random.Generator, count: int) -> pl.DataFrame:
    weights = 1 / np.arange(1, 41) ** 0.8  # a few large centres, many small ones
    adcid = rng.choice(np.arange(1, 41), size=count, p=weights / weights.sum())
    is_form = rng.random(count) < 0.88
    modules = [m for m, _ in FORM_MODULES]
    module = pl.Series(rng.choice(modules, size=count, p=[w for _, w in FORM_MODULES])).zip_with(
        pl.Series(is_form), pl.Series([None] * count, dtype=pl.String)
    )
    packet_values = np.array([p for p, _ in PACKETS], dtype=object)
    growth = rng.power(1.6, size=count)  # more visits in later years
    return pl.DataFrame(
        {
            "pipeline_adcid": adcid.astype(np.int64),
            "center_label": [f"centre-{a:02d}" for a in adcid],
            "ptid": [f"{a:02d}{p:05d}" for a, p in zip(adcid, rng.integers(0, 40_000, size=count), strict=True)],
            "visit_date": np.datetime64(FIRST_VISIT) + (growth * VISIT_DAYS).astype("timedelta64[D]"),
            "visit_number": rng.choice(np.array(["01", "02", "03", "04", None], dtype=object), size=count),
            "datatype": np.where(is_form, "form", rng.choice(OTHER_DATATYPES, size=count)),
            "module": module,
            "packet": rng.choice(packet_values, size=count, p=[w for _, w in PACKETS]),
            "pattern": rng.choice(len(PATTERNS), size=count, p=[s for _, s in PATTERNS]),
            "study": rng.choice(np.array(["adrc", "adrc", "adrc", "dvcid", "leads"]), size=count),
        },
        schema_overrides={"visit_date": pl.Date},
    )


def _expand(rng: np.random.Generator, visits: pl.DataFrame) -> pl.DataFrame:
    """One row per action of each visit's pattern, timestamps days to weeks after the visit."""
    parts = []
    for index, (actions, _) in enumerate(PATTERNS):
        chosen = visits.filter(pl.col("pattern") == index)
        micros = chosen["visit_date"].cast(pl.Int64).to_numpy() * MICROS_PER_DAY
        micros = micros + (rng.lognormal(np.log(9), 0.9, size=chosen.height) * MICROS_PER_DAY).astype(np.int64)
        for action in actions:
            parts.append(chosen.with_columns(action=pl.lit(action), timestamp=pl.Series(micros)))
            micros = micros + (rng.lognormal(np.log(2), 1.0, size=chosen.height) * MICROS_PER_DAY).astype(np.int64)
    rows = pl.concat(parts).drop("pattern")
    seconds = (pl.col("timestamp") // 1_000_000 * 1_000_000).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    return rows.with_columns(seconds.alias("timestamp"))


def _rewrites(rng: np.random.Generator, rows: pl.DataFrame) -> pl.DataFrame:
    """Later versions of some events: the packet filled in, written hours to days later."""
    picked = rows.sample(fraction=REWRITE_SHARE, seed=int(rng.integers(1 << 31)))
    return picked.with_columns(packet=pl.lit("F"), rewritten=pl.lit(value=True))


def _with_sources(rng: np.random.Generator, rows: pl.DataFrame) -> pl.DataFrame:
    if "rewritten" not in rows.columns:
        rows = rows.with_columns(rewritten=pl.lit(value=False))
    delay_us = (rng.lognormal(np.log(600), 1.5, size=rows.height) * 1_000_000).astype(np.int64)
    later = np.where(rows["rewritten"].fill_null(value=False).to_numpy(), 3 * MICROS_PER_DAY, 0)
    etags = rng.integers(0, np.iinfo(np.int64).max, size=rows.height)
    return rows.with_columns(
        project_label=pl.when(pl.col("datatype") == "form")
        .then(pl.lit("ingest-form"))
        .otherwise(pl.lit("ingest-dicom")),
        gear_name=pl.when(pl.col("datatype") == "form")
        .then(pl.lit("form-scheduler"))
        .otherwise(pl.lit("identifier-lookup")),
        source_key=pl.format(
            "prod/log-{}-{}-{}-ingest-form-{}-{}.json",
            "action",
            pl.col("timestamp").dt.strftime("%Y%m%d-%H%M%S"),
            "pipeline_adcid",
            "ptid",
            pl.col("visit_date").dt.strftime("%Y-%m-%d"),
        ),
        source_etag=pl.Series(etags).cast(pl.String),
        source_last_modified=pl.col("timestamp") + pl.lit(pl.Series(delay_us + later)).cast(pl.Duration("us")),
    )


def _queries(month: Month) -> dict[str, Callable[[pl.LazyFrame], object]]:
    """What each measurement runs on the loaded checkpoint (lazy; collected inside)."""
    year = EventFilter(visit_date_from=date(2024, 1, 1), visit_date_to=date(2024, 12, 31))
    centre = EventFilter(center_label="centre-01", timestamp_from=month.start, timestamp_to=month.last_instant)

    def history(rows: pl.LazyFrame) -> object:
        first = rows.head(1).collect().row(0, named=True)
        key = VisitKey(first["pipeline_adcid"], first["ptid"], first["visit_date"], first["visit_number"])
        return visit_history(rows, key).collect()

    return {
        "load (all columns)": lambda rows: rows.collect(),
        "current_events": lambda rows: current_events(rows).collect(),
        "filter visit_date year (raw rows)": lambda rows: filter_events(rows, year).collect(),
        "filter centre + month (current)": lambda rows: filter_events(current_events(rows), centre).collect(),
        "count_by module,packet,action,centre": lambda rows: count_by(
            current_events(rows), ["module", "packet", "action", "center_label"]
        ).collect(),
        "pass_rate by centre (events)": lambda rows: pass_rate(current_events(rows), ["center_label"]).collect(),
        "visit_pass_rate by centre": lambda rows: visit_pass_rate(current_events(rows), ["center_label"]).collect(),
        "visits_with_errors": lambda rows: visits_with_errors(current_events(rows)).collect(),
        "visits_failing_qc": lambda rows: visits_failing_qc(current_events(rows)).collect(),
        "visit_timing + summary by centre": lambda rows: timing_summary(visit_timing(current_events(rows))).collect(),
        "latest_per_visit": lambda rows: latest_per_visit(current_events(rows)).collect(),
        "visit_history (one visit)": history,
        "month_tables (5 tables + 4 trend)": lambda rows: month_tables(rows, month),
    }


def measure(name: str, checkpoint: Path, month: Month) -> dict[str, Any]:
    """Runs one measurement in this process (the child); returns its own timing."""
    started = time.perf_counter()
    if name == STARTUP:
        rows = 0
    elif name == "report (whole, incl. load)":
        result = run_report(str(checkpoint), str(month), WORKDIR / "report", out=io.StringIO())
        rows = sum(frame.height for frame in result.tables.every_table().values())
    elif name == "SQL in DuckDB (4 queries)":
        rows = _duckdb(checkpoint, month)
    else:
        answer = _queries(month)[name](load_checkpoint(str(checkpoint)))
        rows = _row_count(answer)
    return {"seconds": time.perf_counter() - started, "rows": rows}


def _row_count(answer: object) -> int:
    if isinstance(answer, MonthlyTables):
        return sum(frame.height for frame in answer.every_table().values())
    return answer.height if isinstance(answer, pl.DataFrame) else -1


def _duckdb(checkpoint: Path, month: Month) -> int:
    """The four report queries over the current-events view, each result written out in full (COPY counts rows)."""
    rows = 0
    with duckdb.connect() as connection:
        connection.execute(f"CREATE VIEW {CURRENT_EVENTS_VIEW} AS {view_sql(f'read_parquet({str(checkpoint)!r})')}")
        for name in TABLE_NAMES:
            sql = report_sql(name, CURRENT_EVENTS_VIEW, month)
            written = connection.execute(f"COPY ({sql}) TO '{WORKDIR / name}.parquet' (FORMAT parquet)").fetchone()
            rows += int(written[0]) if written else 0
    return rows


def run_child(name: str, checkpoint: Path, month: Month) -> dict[str, Any]:
    """One measurement in a fresh interpreter: its time, wall time with start-up, and peak RSS."""
    command = [sys.executable, __file__, "--child", name, "--checkpoint", str(checkpoint), "--month", str(month)]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"measurement {name!r} failed with exit code {child.returncode}")
    reported = json.loads(output.strip().splitlines()[-1])
    return {
        "name": name,
        **reported,
        "wall_seconds": time.perf_counter() - started,  # with interpreter start-up and imports
        "cpu_seconds": usage.ru_utime + usage.ru_stime,  # of the whole child, all threads
        "peak_rss_mb": usage.ru_maxrss / 1024,  # Linux reports kilobytes
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--month", default="2025-06")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="reuse the generated checkpoint if present")
    parser.add_argument("--checkpoint", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    month = Month.parse(args.month)
    if args.child:
        print(json.dumps(measure(args.child, args.checkpoint, month)))
        return
    WORKDIR.mkdir(parents=True, exist_ok=True)
    checkpoint = WORKDIR / f"checkpoint_{args.events}.parquet"
    generated_s = None
    if not (args.reuse and checkpoint.is_file()):
        started = time.perf_counter()
        generate(args.events, args.seed).write_parquet(checkpoint)
        generated_s = time.perf_counter() - started
    names = [STARTUP, *_queries(month), "report (whole, incl. load)", "SQL in DuckDB (4 queries)"]
    results = [run_child(name, checkpoint, month) for name in names]
    summary = _summary(args, checkpoint, month, generated_s, results)
    (RESULTS / "report_bench.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    _print_table(summary)


def _summary(
    args: argparse.Namespace, checkpoint: Path, month: Month, generated_s: float | None, results: list[dict[str, Any]]
) -> dict[str, Any]:
    frame = pl.scan_parquet(checkpoint)
    stats = frame.select(pl.len(), pl.col("timestamp").min().alias("first"), pl.col("timestamp").max().alias("last"))
    height, first, last = stats.collect().row(0)
    return {
        "events": height,
        "event_identities": current_events(frame).select(pl.len()).collect().item(),
        "timestamps": [first.isoformat(), last.isoformat()],
        "centres": frame.select(pl.col("center_label").n_unique()).collect().item(),
        "checkpoint_mb": round(checkpoint.stat().st_size / 1e6, 1),
        "generated_seconds": None if generated_s is None else round(generated_s, 2),
        "month": str(month),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "polars": pl.__version__},
        "measurements": [
            {**r, **{k: round(r[k], 3) for k in ("seconds", "wall_seconds", "cpu_seconds", "peak_rss_mb")}}
            for r in results
        ],
    }


def _print_table(summary: dict[str, Any]) -> None:
    print(
        f"{summary['events']:,} rows ({summary['event_identities']:,} events), {summary['centres']} centres, "
        f"{summary['timestamps'][0][:10]} … {summary['timestamps'][1][:10]}, {summary['checkpoint_mb']} MB parquet; "
        f"report month {summary['month']}"
    )
    print(f"{'measurement':<38} {'seconds':>8} {'wall s':>7} {'CPU s':>7} {'peak RSS MB':>12} {'rows':>9}")
    for r in summary["measurements"]:
        print(
            f"{r['name']:<38} {r['seconds']:>8.2f} {r['wall_seconds']:>7.2f} {r['cpu_seconds']:>7.2f} "
            f"{r['peak_rss_mb']:>12.0f} {r['rows']:>9}"
        )
    print("seconds: the measured work in a fresh process; wall s and CPU s: that whole process, start-up included")
    print(f"written: {RESULTS / 'report_bench.json'}")


if __name__ == "__main__":
    main()
