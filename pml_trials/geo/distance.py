"""Great-circle distance, by the haversine formula on a sphere of the Earth's mean radius.

Against the WGS 84 ellipsoid the error is below 0.6 % (tests compare it with Vincenty's
ellipsoidal formula for known city pairs). The road or rail journey is longer: outputs
say "great-circle".
"""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius R1


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The distance in km between two points given in decimal degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
