"""The benchmark's data: a generated event log on S3, and a million-row checkpoint built directly.

Files come from `checkpoint_devtools.sample_log` (production-like sizes and fields, all three
name shapes). Sandbox visits are left out so that every listed file is fetched by every case:
the baselines and ours then do the same work per file.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterable

import obstore
import polars as pl
from obstore.store import S3Store

from checkpoint_devtools.local_s3 import upload
from checkpoint_devtools.sample_log import FORM_MODULES, PACKETS, LogFile, SampleLog
from checkpoint_lambda.adapters.checkpoint_store import PARQUET_COMPRESSION
from checkpoint_lambda.domain.checkpoint import Checkpoint
from checkpoint_lambda.domain.event_parsing import parse_event
from checkpoint_lambda.domain.events import SourcedEvent
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA, ORDER_COLUMNS

FILES_PER_VISIT = 2.1  # a submit and one or two QC outcomes


def event_files(prefix: str, count: int, seed: int, avoid: Iterable[str] = ()) -> list[LogFile]:
    """`count` event files with keys not in `avoid` (a later batch must not rewrite an earlier one)."""
    taken = set(avoid)
    log = SampleLog(seed=seed)
    log._ptids = seed * 1_000_000  # ptids (part of the key) distinct from other seeds' batches
    out: list[LogFile] = []
    while len(out) < count:
        visits = max(1, round((count - len(out)) / FILES_PER_VISIT) + 1)
        for file in log.files(prefix, visits, sandbox_share=0.0):
            if file.key not in taken:
                taken.add(file.key)
                out.append(file)
    return out[:count]


def put_files(store: S3Store, files: list[LogFile]) -> None:
    upload(store, files, concurrency=64)


def checkpoint_of_listed(store: S3Store, prefix: str, bodies: dict[str, bytes]) -> pl.DataFrame:
    """The checkpoint rows a run over `prefix` would hold (keys, ETags and times as listed)."""
    events = [
        SourcedEvent(parse_event(bodies[meta["path"]]), meta["path"], meta["e_tag"] or "", meta["last_modified"])
        for page in obstore.list(store, prefix=prefix)
        for meta in page
        if meta["path"] in bodies
    ]
    return Checkpoint.from_events(events).dataframe


def synthetic_rows(count: int, prefix: str, seed: int) -> pl.DataFrame:
    """`count` plausible checkpoint rows of files no longer listed (the log's long history)."""
    rnd = random.Random(seed)
    h = pl.int_range(count, dtype=pl.UInt64).hash(seed)
    pick = (h % 1000).cast(pl.Int64)
    form = pick < 850
    centre = (h // 1000 % 6).cast(pl.Int64)
    days = (h // 6000 % 2500).cast(pl.Int64)
    seconds = (h // 15_000_000 % (45 * 86_400)).cast(pl.Int64)
    action = pl.when(pick % 100 < 48).then(pl.lit("submit")).when(pick % 100 < 88).then(pl.lit("pass-qc"))
    frame = pl.select(
        action=action.otherwise(pl.lit("not-pass-qc")),
        study=pl.when(pick < 950).then(pl.lit("adrc")).otherwise(pl.lit("dvcid")),
        pipeline_adcid=(centre + 42).cast(pl.Int64),
        project_label=pl.when(form).then(pl.lit("ingest-form")).otherwise(pl.lit("ingest-dicom-leads")),
        center_label=centre.replace_strict(dict(enumerate(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]))),
        gear_name=pl.lit("form-scheduler"),
        ptid=(pl.int_range(count) // 2 + 200_000).cast(pl.String),
        visit_date=pl.date(2019, 1, 1) + pl.duration(days=days),
        visit_number=((h // 7 % 9) + 1).cast(pl.String).str.zfill(2),
        datatype=pl.when(form).then(pl.lit("form")).otherwise(pl.lit("dicom")),
        module=pl.when(form).then(_choice(h // 11, FORM_MODULES)),
        packet=pl.when(form).then(_choice(h // 13, PACKETS)),
        timestamp=(
            pl.datetime(2019, 1, 1, time_zone="UTC") + pl.duration(days=days, seconds=seconds)
        ).dt.cast_time_unit("us"),
    )
    frame = frame.with_columns(
        source_key=pl.format(
            "{}archive/log-{}-{}-{}-{}-{}-{}.json",
            pl.lit(prefix),
            "action",
            pl.col("timestamp").dt.strftime("%Y%m%d-%H%M%S"),
            "pipeline_adcid",
            "project_label",
            "ptid",
            "visit_date",
        ),
        source_etag=pl.Series([f'"{rnd.getrandbits(128):032x}"' for _ in range(count)]),
        source_last_modified=pl.col("timestamp") + pl.duration(minutes=(h // 17 % 600).cast(pl.Int64)),
    )
    return frame.select(CHECKPOINT_SCHEMA.names()).cast(CHECKPOINT_SCHEMA)


def _choice(index: pl.Expr, values: list[str]) -> pl.Expr:
    return (index % len(values)).cast(pl.Int64).replace_strict(dict(enumerate(values)), return_dtype=pl.String)


def put_checkpoint(store: S3Store, key: str, frame: pl.DataFrame) -> int:
    """Write `frame` (sorted as the Lambda keeps it) where the Lambda reads its checkpoint; returns bytes."""
    checkpoint = Checkpoint(frame.sort(ORDER_COLUMNS))
    buffer = io.BytesIO()
    checkpoint.dataframe.write_parquet(buffer, compression=PARQUET_COMPRESSION, statistics=True)
    obstore.put(store, key, buffer.getvalue())
    return buffer.tell()
