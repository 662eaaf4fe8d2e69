"""The report's colours, chosen to stay apart for readers with colour-vision deficiency.

Risk levels run light to dark (lightness alone tells them apart); categories take Okabe and Ito's
colour-blind-safe palette. The tests simulate protanopia, deuteranopia and tritanopia and check
that every pair stays distinguishable. The stylesheet and the figures read the same values.
"""

from __future__ import annotations

# Overall risk, and the cells of the risk map: pale, mid and dark on an orange-brown ramp.
LEVELS = {"low": "#fff2cc", "medium": "#f6b26b", "high": "#b45f06"}
LEVEL_TEXT = {"low": "#1d1d1f", "medium": "#1d1d1f", "high": "#ffffff"}
# Transfer verdicts on the data-flow diagram (Okabe-Ito), with a line style each as a second cue.
VERDICTS = {"ok": "#0072b2", "check": "#e69f00", "gap": "#7f2704", "missing": "#7f2704", "unknown": "#cc79a7",
            "own_staff": "#009e73"}
DOMESTIC = "#8a8f99"
# An element of a notice: not applicable, absent, present.
ELEMENTS = {"n/a": "#e6e6e6", "✗": "#b45f06", "✓": "#0072b2"}
