"""Great-circle distance: within 1 % of an ellipsoidal reference for known city pairs.

The reference is Vincenty's inverse formula on the WGS 84 ellipsoid, written out here
(an independent method, not the code under test); city coordinates as GeoNames has them.
"""

from __future__ import annotations

import math

import pytest

from pml_trials.geo.distance import great_circle_km
from pml_trials.geo.gazetteer import resolve

A, F = 6378.137, 1 / 298.257223563  # WGS 84, km


def vincenty_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    b = A * (1 - F)
    u1, u2 = (
        math.atan((1 - F) * math.tan(math.radians(lat1))),
        math.atan((1 - F) * math.tan(math.radians(lat2))),
    )
    big_l = math.radians(lon2 - lon1)
    lam = big_l
    sin_s = cos_s = sigma = cos2_a = cos_2sm = 0.0
    for _ in range(200):
        sin_l, cos_l = math.sin(lam), math.cos(lam)
        sin_s = math.hypot(
            math.cos(u2) * sin_l, math.cos(u1) * math.sin(u2) - math.sin(u1) * math.cos(u2) * cos_l
        )
        cos_s = math.sin(u1) * math.sin(u2) + math.cos(u1) * math.cos(u2) * cos_l
        sigma = math.atan2(sin_s, cos_s)
        sin_a = math.cos(u1) * math.cos(u2) * sin_l / sin_s
        cos2_a = 1 - sin_a**2
        cos_2sm = cos_s - 2 * math.sin(u1) * math.sin(u2) / cos2_a if cos2_a else 0.0
        c = F / 16 * cos2_a * (4 + F * (4 - 3 * cos2_a))
        previous = lam
        lam = big_l + (1 - c) * F * sin_a * (
            sigma + c * sin_s * (cos_2sm + c * cos_s * (-1 + 2 * cos_2sm**2))
        )
        if abs(lam - previous) < 1e-12:
            break
    u_sq = cos2_a * (A**2 - b**2) / b**2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta = (
        big_b
        * sin_s
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_s * (-1 + 2 * cos_2sm**2)
                - big_b / 6 * cos_2sm * (-3 + 4 * sin_s**2) * (-3 + 4 * cos_2sm**2)
            )
        )
    )
    return b * big_a * (sigma - delta)


# (from, to, a figure published elsewhere, or None). The three figures are the
# prototype's runs quoted in ../shared/reference/interop.md (section 3.3).
PAIRS = [
    (("DE", "Hannover"), ("US", "Bethesda"), None),
    (("FR", "Paris"), ("FR", "Lyon"), None),
    (("DE", "Hamburg"), ("DE", "Hannover"), 132),
    (("IT", "Milan"), ("IT", "Pavia"), 30),
    (("US", "Baltimore"), ("US", "Bethesda"), 54),
    (("GB", "London"), ("US", "New York City"), None),
    (("AU", "Sydney"), ("FR", "Paris"), None),
]


@pytest.mark.parametrize(("one", "two", "quoted"), PAIRS, ids=lambda p: str(p))
def test_known_city_pairs_within_one_percent(
    one: tuple[str, str], two: tuple[str, str], quoted: int | None
) -> None:
    a, b = resolve(*one), resolve(*two)
    ours = great_circle_km(a.lat, a.lon, b.lat, b.lon)
    reference = vincenty_km(a.lat, a.lon, b.lat, b.lon)
    assert abs(ours - reference) / reference < 0.01
    if quoted is not None:
        assert abs(ours - quoted) / quoted < 0.02  # quoted to the km


def test_the_reference_itself_is_right() -> None:
    # Vincenty's own test line (Flinders Peak to Buninyong, Survey Review 1975):
    # 54,972.271 m on the WGS 84-like ellipsoid; a check on the reference, not the code.
    flinders = (-(37 + 57 / 60 + 3.72030 / 3600), 144 + 25 / 60 + 29.52440 / 3600)
    buninyong = (-(37 + 39 / 60 + 10.15610 / 3600), 143 + 55 / 60 + 35.38390 / 3600)
    assert vincenty_km(*flinders, *buninyong) == pytest.approx(54.972271, abs=0.001)


def test_distance_is_symmetric_zero_at_a_point_and_bounded() -> None:
    assert great_circle_km(52.4, 9.7, 52.4, 9.7) == 0.0
    assert great_circle_km(52.4, 9.7, 39.0, -77.1) == pytest.approx(
        great_circle_km(39.0, -77.1, 52.4, 9.7)
    )
    antipodes = great_circle_km(0, 0, 0, 180)
    assert antipodes == pytest.approx(math.pi * 6371.0088)
    assert great_circle_km(90, 0, -90, 0) == pytest.approx(antipodes)
