"""The profile table every compiled query reads: one row per patient, one column per field.

Column names are the profile keys of :data:`pml_trials.profile.fields.FIELDS`, in their
order; a column that is absent from a source table may be added as NULL (unknown).
Types per field kind (``docs/sql.md`` has the table):

========== ============ ================ ============== ============= ==========================
kind       DuckDB       PostgreSQL       Spark          Trino         BigQuery
========== ============ ================ ============== ============= ==========================
id, enum   VARCHAR      TEXT             STRING         VARCHAR       STRING
date       DATE         DATE             DATE           DATE          DATE
integer    BIGINT       BIGINT           BIGINT         BIGINT        INT64
number     DOUBLE       DOUBLE PRECISION DOUBLE         DOUBLE        FLOAT64
boolean    BOOLEAN      BOOLEAN          BOOLEAN        BOOLEAN       BOOL
enum_list  VARCHAR[]    TEXT[]           ARRAY<STRING>  ARRAY(VARCHAR) STRING (a JSON array)
========== ============ ================ ============== ============= ==========================

NULL is unknown in every column; an empty list is a known "none of these". A list holds
no NULL elements (the loaders refuse them). BigQuery cannot store a NULL array, so there
the list is the JSON text of the array (``'["hiv"]'``), NULL when unknown.
"""

from __future__ import annotations

from pml_trials.profile.fields import FIELDS
from pml_trials.sql.dialects import Dialect, sql_type


def column_types(dialect: Dialect) -> list[tuple[str, str]]:
    """(column, SQL type) of the profile table, in field order."""
    return [(spec.key, sql_type(spec.kind, dialect).sql(dialect.value)) for spec in FIELDS]


def create_table(name: str, dialect: Dialect) -> str:
    """``CREATE TABLE name (...)`` of the profile table, for a site that loads one."""
    from sqlglot import expressions as exp

    schema = exp.Schema(
        this=exp.to_table(name),
        expressions=[
            exp.ColumnDef(
                this=exp.to_identifier(spec.key),
                kind=sql_type(spec.kind, dialect),
                constraints=(
                    [exp.ColumnConstraint(kind=exp.NotNullColumnConstraint())]
                    if spec.kind == "id"
                    else []
                ),
            )
            for spec in FIELDS
        ],
    )
    create = exp.Create(this=schema, kind="TABLE")
    return create.sql(dialect=dialect.value, pretty=True)
