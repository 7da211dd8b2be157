"""The current-events view: a Glue VIRTUAL_VIEW in Athena's Presto view encoding whose SQL is
checkpoint_analytics' current_events.sql (its leading `--` lines dropped) over the table, with the
columns that SQL selects."""

from __future__ import annotations

import base64
import json
import re

from hcl_module import LOCALS_FILES, MODULE_DIR, Config, Console

SQL_FILE = MODULE_DIR / LOCALS_FILES[1]
PRESTO_TYPES = {"string": "varchar", "bigint": "bigint", "date": "date", "timestamp": "timestamp"}


def _decoded(text: str) -> dict[str, object]:
    match = re.fullmatch(r"/\* Presto View: ([A-Za-z0-9+/=]+) \*/", text)
    assert match, text[:80]
    decoded: dict[str, object] = json.loads(base64.b64decode(match.group(1)))
    return decoded


def _selected_columns(sql: str) -> list[str]:
    """The outer SELECT's column list of the view's SQL."""
    match = re.match(r"\s*SELECT\s+(.*?)\s+FROM\s", sql, re.DOTALL)
    assert match, sql[:80]
    return [column.strip().strip('"') for column in match.group(1).split(",")]


def test_view_is_a_presto_view_in_the_tables_database(tf: Config) -> None:
    view = tf.resource("aws_glue_catalog_table", "current_events")
    assert view["table_type"] == "VIRTUAL_VIEW"
    assert view["view_original_text"] == "${local.presto_view_text}"
    assert view["view_expanded_text"] == "/* Presto View */"
    assert view["parameters"] == {"presto_view": "true", "comment": "Presto View"}
    assert view["database_name"] == "${aws_glue_catalog_database.this.name}"
    assert view["depends_on"] == ["${aws_glue_catalog_table.visit_events}"]
    assert view["storage_descriptor"][0]["dynamic"][0]["columns"]["for_each"] == "${local.checkpoint_columns}"


def test_view_sql_is_the_analytics_sql_over_this_table(console: Console) -> None:
    text, columns = console("local.presto_view_text", "local.checkpoint_columns", environment="staging").values
    definition = _decoded(text)
    sql_text = SQL_FILE.read_text(encoding="utf-8")
    body = "\n".join(line for line in sql_text.splitlines() if not line.startswith("--")).strip()
    assert "{table}" in body
    assert definition["originalSql"] == body.replace("{table}", '"event_log_checkpoint_staging"."visit_events"')
    assert "--" not in str(definition["originalSql"]), "the leading comment lines are dropped"
    assert definition["catalog"] == "awsdatacatalog"
    assert definition["schema"] == "event_log_checkpoint_staging"
    assert definition["columns"] == [{"name": c["name"], "type": PRESTO_TYPES[c["type"]]} for c in columns]
    assert [c["name"] for c in columns] == _selected_columns(body), "the view's columns are what its SQL selects"


def test_view_is_the_same_in_the_single_key_layout(console: Console) -> None:
    per_group, single = (
        console("local.presto_view_text").values[0],
        console("local.presto_view_text", checkpoint_key="a/b/c.parquet", checkpoint_key_template=None).values[0],
    )
    assert _decoded(per_group) == _decoded(single), "the view reads columns by name: partitioning does not show"
