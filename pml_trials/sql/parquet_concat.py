"""Parquet files written in parts, joined into one file without decoding a page.

DuckDB writes a Parquet file in input order on one thread only: with more, it keeps the
order by holding each thread's finished batches, which grew with the input (1.3 GiB for
1M patients, 2.0 GiB for 2M, measured). So the results are written as parts, one per
thread, each streamed by one thread from its own range of the input's row groups, and
the parts are joined here: the pages of every part are copied as they are, one after the
other, and one footer lists every part's row groups, in order, with their byte offsets
moved by where the part now starts. Readers see the same columns, types, values and row
order as in a file written in one piece; only the row groups' boundaries differ (each
part ends with a shorter row group).

The footer (``FileMetaData``) is Thrift's compact protocol. It is decoded into a generic
tree that keeps every field as it was (so fields this module does not know pass through
unchanged) and encoded again; only these fields change: ``num_rows``, each row group's
``file_offset`` and ``ordinal``, and in each column chunk ``file_offset`` and the column
metadata's page and bloom filter offsets. Parts whose schema, key-value metadata or
writer differ, page indexes (their page locations would need moving too) and encrypted
footers are refused: :class:`PartsError`, before anything is written.

References: the Parquet format's ``parquet.thrift`` and Thrift's compact protocol
specification (``doc/specs/thrift-compact-protocol.md``).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MAGIC = b"PAR1"

# compact protocol types
BOOL_TRUE, BOOL_FALSE, BYTE, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT = range(1, 13)
_INTEGERS = (I16, I32, I64)

# the fields this module reads or changes (parquet.thrift)
FILE_NUM_ROWS, FILE_ROW_GROUPS = 3, 4
FILE_ENCRYPTION = (8, 9)  # encryption_algorithm, footer_signing_key_metadata
GROUP_COLUMNS, GROUP_FILE_OFFSET, GROUP_ORDINAL = 1, 5, 7
CHUNK_FILE_OFFSET, CHUNK_META = 2, 3
CHUNK_PAGE_INDEXES = (4, 6)  # offset_index_offset, column_index_offset
CHUNK_ENCRYPTED = (8, 9)  # crypto_metadata, encrypted_column_metadata
META_OFFSETS = (9, 10, 11, 14)  # data, index and dictionary page, bloom filter


class PartsError(ValueError):
    """The parts cannot be joined (their footers differ, or hold what is not moved)."""


@dataclass
class Struct:
    """A Thrift struct: its fields by id, in the order they were read."""

    fields: dict[int, tuple[int, object]]

    def get(self, field: int) -> object:
        return self.fields[field][1] if field in self.fields else None

    def set(self, field: int, value: object) -> None:
        self.fields[field] = (self.fields[field][0], value)


@dataclass
class Items:
    """A Thrift list or set: the type of its elements and the elements."""

    kind: int
    element: int
    items: list[object]


@dataclass
class Map:
    key: int
    value: int
    items: list[tuple[object, object]]


# -- decoding ---------------------------------------------------------------------------------


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def byte(self) -> int:
        if self.at >= len(self.data):
            raise PartsError("the footer ends early")
        value = self.data[self.at]
        self.at += 1
        return value

    def varint(self) -> int:
        shift = result = 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7
            if shift > 70:
                raise PartsError("a number in the footer is too long")

    def zigzag(self) -> int:
        value = self.varint()
        return (value >> 1) ^ -(value & 1)

    def take(self, count: int) -> bytes:
        if count < 0 or self.at + count > len(self.data):
            raise PartsError("the footer ends early")
        value = self.data[self.at : self.at + count]
        self.at += count
        return value

    def value(self, kind: int, depth: int) -> object:
        if depth > 64:
            raise PartsError("the footer nests too deep")
        match kind:
            case 1 | 2:  # a boolean in a list or set: one byte
                return self.byte() == BOOL_TRUE
            case 3:
                byte = self.byte()
                return byte - 256 if byte > 127 else byte
            case 4 | 5 | 6:
                return self.zigzag()
            case 7:
                return struct.unpack("<d", self.take(8))[0]
            case 8:
                return self.take(self.varint())
            case 9 | 10:
                header = self.byte()
                size = header >> 4
                if size == 15:
                    size = self.varint()
                element = header & 0x0F
                return Items(kind, element, [self.value(element, depth + 1) for _ in range(size)])
            case 11:
                size = self.varint()
                if size == 0:
                    return Map(0, 0, [])
                types = self.byte()
                key, value = types >> 4, types & 0x0F
                return Map(
                    key,
                    value,
                    [
                        (self.value(key, depth + 1), self.value(value, depth + 1))
                        for _ in range(size)
                    ],
                )
            case 12:
                return self.struct(depth + 1)
            case _:
                raise PartsError(f"unknown type {kind} in the footer")

    def struct(self, depth: int = 0) -> Struct:
        fields: dict[int, tuple[int, object]] = {}
        last = 0
        while True:
            header = self.byte()
            if header == 0:
                return Struct(fields)
            kind = header & 0x0F
            delta = header >> 4
            field = last + delta if delta else self.zigzag()
            last = field
            if kind in (BOOL_TRUE, BOOL_FALSE):
                fields[field] = (BOOL_TRUE, kind == BOOL_TRUE)
            else:
                fields[field] = (kind, self.value(kind, depth))


# -- encoding ---------------------------------------------------------------------------------


def _varint(value: int, out: bytearray) -> None:
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _zigzag(value: int, out: bytearray) -> None:
    _varint((value << 1) ^ (value >> 63), out)


def _encode_value(kind: int, value: object, out: bytearray) -> None:
    if kind in (BOOL_TRUE, BOOL_FALSE):
        out.append(BOOL_TRUE if value else BOOL_FALSE)
    elif kind == BYTE:
        assert isinstance(value, int)
        out.append(value & 0xFF)
    elif kind in _INTEGERS:
        assert isinstance(value, int)
        _zigzag(value, out)
    elif kind == DOUBLE:
        assert isinstance(value, float)
        out += struct.pack("<d", value)
    elif kind == BINARY:
        assert isinstance(value, bytes)
        _varint(len(value), out)
        out += value
    elif kind in (LIST, SET):
        assert isinstance(value, Items)
        size = len(value.items)
        if size < 15:
            out.append(size << 4 | value.element)
        else:
            out.append(0xF0 | value.element)
            _varint(size, out)
        for item in value.items:
            _encode_value(value.element, item, out)
    elif kind == MAP:
        assert isinstance(value, Map)
        _varint(len(value.items), out)
        if value.items:
            out.append(value.key << 4 | value.value)
        for key, item in value.items:
            _encode_value(value.key, key, out)
            _encode_value(value.value, item, out)
    elif kind == STRUCT:
        assert isinstance(value, Struct)
        _encode_struct(value, out)
    else:  # pragma: no cover - the reader refuses unknown types
        raise PartsError(f"unknown type {kind}")


def _encode_struct(value: Struct, out: bytearray) -> None:
    last = 0
    for field, (kind, item) in value.fields.items():
        wire = (BOOL_TRUE if item else BOOL_FALSE) if kind == BOOL_TRUE else kind
        delta = field - last
        if 0 < delta <= 15:
            out.append(delta << 4 | wire)
        else:
            out.append(wire)
            _zigzag(field, out)
        last = field
        if kind != BOOL_TRUE:
            _encode_value(kind, item, out)
    out.append(0)


def decode(data: bytes) -> Struct:
    """A struct in Thrift's compact protocol (the whole of ``data``)."""
    reader = _Reader(data)
    found = reader.struct()
    if reader.at != len(data):
        raise PartsError("bytes after the footer's end")
    return found


def encode(value: Struct) -> bytes:
    out = bytearray()
    _encode_struct(value, out)
    return bytes(out)


# -- joining ----------------------------------------------------------------------------------


@dataclass
class _Part:
    path: Path
    body_end: int  # where the footer starts
    footer: Struct


def _read_part(path: Path) -> _Part:
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size < 12:
            raise PartsError(f"{path.name}: not a Parquet file")
        handle.seek(0)
        head = handle.read(4)
        handle.seek(size - 8)
        tail = handle.read(8)
        length = struct.unpack("<I", tail[:4])[0]
        if head != MAGIC or tail[4:] != MAGIC or length > size - 12:
            raise PartsError(f"{path.name}: not a plain Parquet file")
        handle.seek(size - 8 - length)
        footer = decode(handle.read(length))
    return _Part(path, size - 8 - length, footer)


def _same(parts: Sequence[_Part]) -> None:
    """Every part's footer equals the first's but for its row groups and row count."""

    def rest(part: _Part) -> bytes:
        fields = {
            k: v for k, v in part.footer.fields.items() if k not in (FILE_NUM_ROWS, FILE_ROW_GROUPS)
        }
        return encode(Struct(fields))

    first = rest(parts[0])
    for part in parts:
        if any(f in part.footer.fields for f in FILE_ENCRYPTION):
            raise PartsError(f"{part.path.name}: an encrypted footer")
        if rest(part) != first:
            raise PartsError(
                f"{part.path.name}: its schema or metadata differ from the first part's"
            )


def _move(value: object, field: int, shift: int) -> None:
    assert isinstance(value, Struct)
    offset = value.get(field)
    if isinstance(offset, int) and offset > 0:  # 0: not given (DuckDB's column file_offset)
        value.set(field, offset + shift)


def _moved_groups(part: _Part, shift: int, ordinal: int) -> list[object]:
    groups = part.footer.get(FILE_ROW_GROUPS)
    if groups is None:
        return []
    assert isinstance(groups, Items)
    for group in groups.items:
        assert isinstance(group, Struct)
        _move(group, GROUP_FILE_OFFSET, shift)
        if GROUP_ORDINAL in group.fields:
            group.set(GROUP_ORDINAL, ordinal)
        ordinal += 1
        columns = group.get(GROUP_COLUMNS)
        assert isinstance(columns, Items)
        for chunk in columns.items:
            assert isinstance(chunk, Struct)
            if any(f in chunk.fields for f in (*CHUNK_PAGE_INDEXES, *CHUNK_ENCRYPTED)):
                raise PartsError(f"{part.path.name}: page indexes or encrypted columns")
            _move(chunk, CHUNK_FILE_OFFSET, shift)
            meta = chunk.get(CHUNK_META)
            for field in META_OFFSETS:
                _move(meta, field, shift)
    return groups.items


def join(parts: Sequence[Path]) -> None:
    """Append the pages of ``parts[1:]`` to the Parquet file ``parts[0]`` and end it with
    one footer for all of them (the other parts are left as they were).

    Every part is read (and checked) before the first byte is written."""
    if not parts:
        raise PartsError("no parts")
    found = [_read_part(path) for path in parts]
    _same(found)
    first = found[0]
    groups: list[object] = []
    rows = 0
    end = first.body_end
    for part in found:
        groups += _moved_groups(part, end - 4 if part is not first else 0, len(groups))
        count = part.footer.get(FILE_NUM_ROWS)
        assert isinstance(count, int)
        rows += count
        if part is not first:
            end += part.body_end - 4
    footer = Struct(dict(first.footer.fields))
    footer.set(FILE_NUM_ROWS, rows)
    if FILE_ROW_GROUPS in footer.fields:
        old = footer.get(FILE_ROW_GROUPS)
        assert isinstance(old, Items)
        footer.set(FILE_ROW_GROUPS, Items(old.kind, old.element, groups))
    data = encode(footer)
    with first.path.open("r+b") as out:
        out.truncate(first.body_end)
        out.seek(first.body_end)
        for part in found[1:]:
            with part.path.open("rb") as handle:
                handle.seek(4)
                _copy_exactly(handle, out, part.body_end - 4)
        out.write(data)
        out.write(struct.pack("<I", len(data)) + MAGIC)


def _copy_exactly(source: BinaryIO, out: BinaryIO, count: int) -> None:
    remaining = count
    while remaining:
        block = source.read(min(remaining, 1 << 20))
        if not block:
            raise PartsError("a part ended early")
        out.write(block)
        remaining -= len(block)
