"""The rule language as SQL: checked rule trees compiled to one query per study.

Layers: :mod:`.dialects` (what differs between engines), :mod:`.table` (the shape of the
profile table), :mod:`.compile` (rule trees to a sqlglot syntax tree and query text),
:mod:`.duck` (screening through DuckDB) and :mod:`.spark` (through a Spark session).
``sqlglot``, ``duckdb`` and ``pyspark`` are optional extras, imported only by the modules
that need them, never at start-up of a command that does not.
"""
