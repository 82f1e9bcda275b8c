"""Parquet parts joined page for page (``pml_trials.sql.parquet_concat``): the footer's
compact Thrift survives decoding and encoding byte for byte, and a joined file reads as
the one file DuckDB writes from the same rows: columns, types, values, order, filters."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pml_trials.sql.parquet_concat import (
    BINARY,
    BOOL_TRUE,
    DOUBLE,
    I16,
    I32,
    I64,
    LIST,
    MAP,
    STRUCT,
    Items,
    Map,
    PartsError,
    Struct,
    decode,
    encode,
    join,
)
from tests.sql_driver import require_engine

require_engine("duckdb", "duckdb")

if TYPE_CHECKING:
    import duckdb

ROWS = (
    "SELECT i AS n, 'p-' || i AS patient_id, DATE '2026-01-01' + (i % 400)::INTEGER AS day, "
    "CASE WHEN i % 7 = 0 THEN NULL ELSE i * 0.5 END AS value, "
    "['a', 'b', 'c'][1 + i % 3] AS kind, "
    "CASE WHEN i % 5 = 0 THEN NULL ELSE list_transform(range(i % 4), lambda x: x % 2 = 0) END "
    "AS flags, "
    "list_transform(range(i % 3), lambda x: 'r' || x) AS reasons "
    "FROM range({low}, {high}) t(i)"
)
OPTIONS = "(FORMAT parquet, ROW_GROUP_SIZE 2048, KV_METADATA {'tool': 'test'})"


def _connect() -> duckdb.DuckDBPyConnection:
    from pml_trials.sql.duck import connect

    return connect(threads=1)


def _footer(path: Path) -> bytes:
    data = path.read_bytes()
    length = struct.unpack("<I", data[-8:-4])[0]
    return data[-8 - length : -8]


def _write(path: Path, low: int, high: int) -> Path:
    _connect().execute(f"COPY ({ROWS.format(low=low, high=high)}) TO '{path}' {OPTIONS}")
    return path


def test_a_duckdb_footer_is_encoded_again_byte_for_byte(tmp_path: Path) -> None:
    footer = _footer(_write(tmp_path / "one.parquet", 0, 10_000))
    assert encode(decode(footer)) == footer


def test_every_kind_of_value_survives_encoding() -> None:
    inner = Struct({1: (I32, -5), 2: (BINARY, b"x" * 300)})
    value = Struct(
        {
            1: (I16, -1),
            2: (BOOL_TRUE, True),
            3: (BOOL_TRUE, False),
            4: (I64, 2**62),
            20: (DOUBLE, 0.25),  # a jump of more than 15 in the field id
            21: (LIST, Items(LIST, I32, list(range(-20, 20)))),  # 15 or more items
            22: (LIST, Items(LIST, BOOL_TRUE, [True, False, True])),
            23: (MAP, Map(BINARY, I64, [(b"k", 1), (b"l", -2)])),
            24: (MAP, Map(0, 0, [])),
            25: (STRUCT, inner),
            26: (LIST, Items(LIST, STRUCT, [inner, inner])),
        }
    )
    data = encode(value)
    assert decode(data) == value
    assert encode(decode(data)) == data


def test_joined_parts_read_as_the_one_file(tmp_path: Path) -> None:
    one = _write(tmp_path / "one.parquet", 0, 10_000)
    parts = [
        _write(tmp_path / f"part{i}.parquet", low, high)
        for i, (low, high) in enumerate([(0, 4096), (4096, 4100), (4100, 10_000)])
    ]
    join(parts)
    joined = parts[0]
    con = _connect()
    read = "SELECT * FROM read_parquet('{}')"
    assert con.execute(read.format(joined)).fetchall() == con.execute(read.format(one)).fetchall()
    describe = "DESCRIBE " + read
    assert con.execute(describe.format(joined)).fetchall() == (
        con.execute(describe.format(one)).fetchall()
    )
    # statistics and bloom filters are found at their moved offsets
    for where in (
        "patient_id = 'p-5000'",
        "kind = 'b'",
        "n BETWEEN 4090 AND 4200",
        "day = '2026-02-01'",
    ):
        counts = [
            con.execute(f"SELECT count(*), sum(n) FROM '{path}' WHERE {where}").fetchall()
            for path in (joined, one)
        ]
        assert counts[0] == counts[1], where
    (rows, groups) = con.execute(
        f"SELECT any_value(num_rows), count(DISTINCT row_group_id) FROM parquet_file_metadata('{joined}') "
        f"JOIN parquet_metadata('{joined}') USING (file_name)"
    ).fetchone() or (0, 0)
    assert rows == 10_000
    assert groups == 2 + 1 + 3  # 4096 = 2 x 2048, 4, 5900 = 3 groups
    metadata = "SELECT key, value FROM parquet_kv_metadata('{}')"
    assert con.execute(metadata.format(joined)).fetchall() == [(b"tool", b"test")]
    assert parts[1].exists() and parts[2].exists()  # the caller removes them


def test_parts_of_different_schemas_are_refused_before_writing(tmp_path: Path) -> None:
    first = _write(tmp_path / "a.parquet", 0, 3000)
    before = first.read_bytes()
    other = tmp_path / "b.parquet"
    _connect().execute(f"COPY (SELECT 1 AS n) TO '{other}' (FORMAT parquet)")
    with pytest.raises(PartsError, match="differ"):
        join([first, other])
    assert first.read_bytes() == before
    text = tmp_path / "c.parquet"
    text.write_bytes(b"not parquet at all")
    with pytest.raises(PartsError, match="not a"):
        join([first, text])
    assert first.read_bytes() == before


def test_a_damaged_footer_is_refused() -> None:
    with pytest.raises(PartsError):
        decode(b"\x15")  # a field header and no value
    with pytest.raises(PartsError):
        decode(b"\x1d\x00")  # unknown type 13
