"""A small, realistic checkpoint made from a seed: visits that are submitted, fail and pass QC, and get rewritten."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA, ORDER_COLUMNS

CENTRES = {1: "alpha", 2: "beta", 3: "gamma", 4: "delta"}


def sample_checkpoint(seed: int = 7, visits: int = 120, first_visit: date = date(2024, 1, 20)) -> pl.DataFrame:
    """Rows for `visits` form visits spread over ~10 weeks from `first_visit`, sorted like the checkpoint."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for number in range(visits):
        adcid = rng.choice(list(CENTRES))
        visit_date = first_visit + timedelta(days=rng.randrange(70))
        visit: dict[str, Any] = {
            "pipeline_adcid": adcid,
            "center_label": CENTRES[adcid],
            "ptid": f"{adcid}{number:05d}",
            "visit_date": visit_date,
            "visit_number": rng.choice(["01", "02", None]),
            "module": rng.choice(["UDS", "UDS", "FTLD", "LBD"]),
        }
        at = datetime.combine(visit_date, datetime.min.time(), UTC) + timedelta(hours=rng.randrange(1, 24 * 20))
        outcomes = ["submit", *rng.choice([["pass-qc"], ["not-pass-qc"], ["not-pass-qc", "pass-qc"], []])]
        for action in outcomes:
            rows.append(_row(rng, visit, action, at, len(rows)))
            if rng.random() < 0.2:  # rewritten later with the packet filled in
                rows.append({**rows[-1], "packet": "I", **_source(rng, at + timedelta(days=3), len(rows))})
            at += timedelta(hours=rng.randrange(1, 24 * 15))
    return pl.DataFrame(rows, schema=CHECKPOINT_SCHEMA).sort(ORDER_COLUMNS)


def _row(rng: random.Random, visit: dict[str, Any], action: str, at: datetime, number: int) -> dict[str, Any]:
    return {
        **visit,
        "action": action,
        "study": "adrc",
        "project_label": "ingest-form",
        "gear_name": "form-scheduler",
        "datatype": "form",
        "packet": rng.choice([None, "I", "F"]),
        "timestamp": at,
        **_source(rng, at + timedelta(minutes=rng.randrange(1, 600)), number),
    }


def _source(rng: random.Random, written: datetime, number: int) -> dict[str, Any]:
    return {
        "source_key": f"prod/log-{number:06d}.json",
        "source_etag": f"{rng.getrandbits(64):016x}",
        "source_last_modified": written,
    }


def mixed_sample_checkpoint() -> pl.DataFrame:
    """The sample checkpoint with a second study (centre beta's visits) and dicom data (centre gamma's)."""
    frame = sample_checkpoint()
    study = pl.when(pl.col("pipeline_adcid") == 2).then(pl.lit("dvcid")).otherwise(pl.lit("adrc"))
    datatype = pl.when(pl.col("pipeline_adcid") == 3).then(pl.lit("dicom")).otherwise(pl.col("datatype"))
    module = pl.when(datatype == "form").then(pl.col("module")).otherwise(None)
    return frame.with_columns(study=study, datatype=datatype, module=module)
