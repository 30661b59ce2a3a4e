"""Danish postal codes: one table, one fallback rule, straight-line distances.

Data: see README.md beside this file."""

import csv
import math
from functools import lru_cache
from pathlib import Path

import numpy as np

POSTAL_CODES_TSV = Path(__file__).resolve().parent / "dk_postal_codes.tsv"
EARTH_RADIUS_KM = 6371.0088


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[float, float]]:
    with POSTAL_CODES_TSV.open(encoding="utf-8", newline="") as f:
        return {
            row["postal_code"]: (float(row["lat"]), float(row["lon"]))
            for row in csv.DictReader(f, delimiter="\t")
        }


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    with POSTAL_CODES_TSV.open(encoding="utf-8", newline="") as f:
        return {row["postal_code"]: row["name"] for row in csv.DictReader(f, delimiter="\t")}


@lru_cache(maxsize=1)
def _municipalities() -> dict[str, str]:
    with POSTAL_CODES_TSV.open(encoding="utf-8", newline="") as f:
        return {
            row["postal_code"]: row["municipality_code"]
            for row in csv.DictReader(f, delimiter="\t")
        }


def postal_name(code: str) -> str | None:
    point = resolve(code)
    return _names().get(point[0]) if point else None


def resolve(code: str | None) -> tuple[str, tuple[float, float]] | None:
    """The code's point, falling back to the district's main code (7007 → 7000)."""
    if not code or not code.isdigit() or len(code) != 4:
        return None
    table = _table()
    n = int(code)
    for candidate in (n, n // 10 * 10, n // 100 * 100):
        key = f"{candidate:04d}"
        if key in table:
            return key, table[key]
    return None


def municipality_of(code: str | None) -> str | None:
    """The municipality code of a postal code, with the same fallback as `resolve`."""
    point = resolve(code)
    return _municipalities().get(point[0]) if point else None


def coordinates(code: str | None) -> tuple[float, float] | None:
    found = resolve(code)
    return found[1] if found else None


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def haversine_many(point: tuple[float, float], lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Distances in km from `point` to each (lat, lon); NaN where a coordinate is NaN."""
    lat1, lon1 = np.radians(point[0]), np.radians(point[1])
    lat2, lon2 = np.radians(lats), np.radians(lons)
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h)), dtype=np.float64)
