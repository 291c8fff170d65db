"""Units and symbols written right after a number ("35°C", "100 m²", "2 ha").

Units are only expanded after a figure: "m" on its own is a letter, "ha" on
its own could be a word.  The table is ordered longest first so "km²" wins
over "km" and "m".
"""

from __future__ import annotations

import re

UNITS = {
    "%": "phần trăm",
    "‰": "phần nghìn",
    "°C": "độ xê",
    "độ C": "độ xê",
    "°F": "độ ép",
    "°": "độ",
    "km²": "ki-lô-mét vuông",
    "km2": "ki-lô-mét vuông",
    "m²": "mét vuông",
    "m2": "mét vuông",
    "m³": "mét khối",
    "m3": "mét khối",
    "cm²": "xen-ti-mét vuông",
    "cm2": "xen-ti-mét vuông",
    "km/h": "ki-lô-mét trên giờ",
    "m/s": "mét trên giây",
    "km": "ki-lô-mét",
    "cm": "xen-ti-mét",
    "mm": "mi-li-mét",
    "m": "mét",
    "ha": "héc-ta",
    "kg": "ki-lô-gam",
    "mg": "mi-li-gam",
    "g": "gam",
    "ml": "mi-li-lít",
    "l": "lít",
    "kWh": "ki-lô-oát giờ",
    "kW": "ki-lô-oát",
    "MW": "mê-ga-oát",
    "W": "oát",
    "kV": "ki-lô-vôn",
    "V": "vôn",
    "dB": "đề-xi-ben",
    "VNĐ": "đồng",
    "VND": "đồng",
    "vnđ": "đồng",
    "đ": "đồng",
    "USD": "đô la mỹ",
    "$": "đô la",
}

_ALTERNATION = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
#: A unit directly after a figure (optional space); the look-ahead stops
#: "m" from matching the start of "mẫu" or "mét".
UNIT_AFTER_NUMBER = rf"\s?(?P<unit>{_ALTERNATION})(?![^\W\d_])"


def unit_words(unit: str) -> str:
    return UNITS[unit]
