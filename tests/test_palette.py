"""The report's colours stay apart for readers with colour-vision deficiency (Machado, Oliveira and Fernandes 2009,
full severity), measured as the CIE 1976 colour difference of every pair after simulation."""

import itertools

import pytest

from dpia.report import palette

MACHADO = {
    "normal": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}
DISTINCT = 15  # ΔE*ab: 2 is a just-noticeable difference; 15 tells categories apart at a glance


def _linear(hex_colour: str) -> list[float]:
    srgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in srgb]


def _lab(hex_colour: str, matrix) -> tuple[float, float, float]:
    rgb = _linear(hex_colour)
    r, g, b = (max(0.0, min(1.0, sum(row[j] * rgb[j] for j in range(3)))) for row in matrix)
    x, y, z = 0.4124 * r + 0.3576 * g + 0.1805 * b, 0.2126 * r + 0.7152 * g + 0.0722 * b, 0.0193 * r + 0.1192 * g + 0.9505 * b

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x / 0.95047), f(y), f(z / 1.08883)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


@pytest.mark.parametrize("vision", MACHADO)
@pytest.mark.parametrize("name,colours", [("levels", palette.LEVELS), ("elements", palette.ELEMENTS),
                                          ("verdicts", {k: v for k, v in palette.VERDICTS.items() if k != "missing"})])
def test_every_pair_of_report_colours_stays_apart(vision, name, colours):
    for a, b in itertools.combinations(colours, 2):
        la, lb = _lab(colours[a], MACHADO[vision]), _lab(colours[b], MACHADO[vision])
        difference = sum((p - q) ** 2 for p, q in zip(la, lb)) ** 0.5
        assert difference >= DISTINCT, f"{name}: {a} and {b} are {difference:.1f} apart under {vision}"


def test_risk_levels_darken_from_low_to_high():
    lightness = [_lab(palette.LEVELS[lv], MACHADO["normal"])[0] for lv in ("low", "medium", "high")]
    assert lightness == sorted(lightness, reverse=True)
