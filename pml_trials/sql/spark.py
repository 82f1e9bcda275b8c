"""Spark, the distributed engine: the compiled query on a Spark session.

``pyspark`` is an optional extra (``pip install 'pml-trials[spark]'``, Java 17) imported
here only. The session runs Spark SQL with ANSI mode on (Spark 4's default: an
overflow or a division by zero is an error, never a silent wrong value) and the UTC
time zone; dates are DATEs throughout, so the zone cannot move a day.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pml_trials.errors import MissingComponentError
from pml_trials.profile.fields import FIELDS
from pml_trials.sql.dialects import neutral_type

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructType

APP = "pml-trials"


def _pyspark() -> Any:
    try:
        import pyspark
    except ModuleNotFoundError:
        raise MissingComponentError(
            "the Spark engine needs the spark extra: pip install 'pml-trials[spark]' (and Java 17)"
        ) from None
    return pyspark


def session(master: str | None = None, conf: Mapping[str, str] | None = None) -> SparkSession:
    """A Spark session: ``master`` (e.g. ``local[2]``, ``spark://host:7077``, ``yarn``) or
    what ``spark-submit``/``SPARK_*`` configure, with ``conf`` on top."""
    _pyspark()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(APP)
    if master:
        builder = builder.master(master)
    settings = {
        "spark.sql.ansi.enabled": "true",
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        **(conf or {}),
    }
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def schema() -> StructType:
    """The profile table as a Spark schema (``pml_trials.sql.table``'s Spark column)."""
    from pyspark.sql import types as t

    kinds: dict[str, t.DataType] = {
        "TEXT": t.StringType(),
        "DATE": t.DateType(),
        "BIGINT": t.LongType(),
        "DOUBLE": t.DoubleType(),
        "BOOLEAN": t.BooleanType(),
        "ARRAY<TEXT>": t.ArrayType(t.StringType(), containsNull=False),
    }
    return t.StructType(
        [t.StructField(s.key, kinds[neutral_type(s.kind)], nullable=s.kind != "id") for s in FIELDS]
    )
