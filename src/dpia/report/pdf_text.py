"""Figure labels in the PDF laid out a line at a time rather than a letter at a time.

WeasyPrint draws SVG ``<text>`` one character at a time: a Pango layout per letter, so that it can honour
per-letter ``x``, ``y``, ``dx``, ``dy`` and ``rotate`` lists. Matplotlib's labels use none of these (one x, one
y, no letter spacing), and in a report with a data-flow diagram and a risk map those per-letter layouts were a
third of all the Pango layouts of the PDF and a quarter of WeasyPrint's Python calls. For such a label this draws
the line with the one layout WeasyPrint has already made of it (which also keeps the font's kerning); any other
``<text>`` goes to WeasyPrint's own code. Only for the WeasyPrint versions whose text drawing this follows.
"""

from __future__ import annotations

from math import inf

VERSIONS = ("66.", "67.", "68.", "69.", "70.")  # weasyprint/svg/text.py as this module follows it
_PER_LETTER = ("dx", "dy", "rotate", "letter-spacing", "textLength")
_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    import weasyprint

    if not weasyprint.__version__.startswith(VERSIONS):
        return
    import importlib

    svg_module = importlib.import_module("weasyprint.svg")
    text_module = importlib.import_module("weasyprint.svg.text")  # the package's name `text` is the function

    original = text_module.text

    def text(svg, node, font_size):
        if not node.text or any(node.get(name) for name in _PER_LETTER) or _many(node.get("x")) or _many(node.get("y")):
            return original(svg, node, font_size)
        return _line(svg, node, font_size, text_module)

    # draw_node looks text up in TAGS and compares tags' functions with the module's name `text`: replace all as one.
    for tag, function in list(svg_module.TAGS.items()):
        if function is original:
            svg_module.TAGS[tag] = text
    svg_module.text = text
    _installed = True


def _many(value: str | None) -> bool:
    return value is not None and len(value.replace(",", " ").split()) > 1


def _line(svg, node, font_size, text_module) -> None:
    """weasyprint.svg.text.text for a label with one x and one y, drawn as one run."""
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.utils import normalize, size
    from weasyprint.text.line_break import split_first_line

    style = text_module.Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
    style["font_style"] = node.get("font-style", "normal")
    style["font_weight"] = node.get("font-weight", 400)
    style["font_size"] = font_size
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")
    if style["font_weight"] == "normal":
        style["font_weight"] = 400
    elif style["font_weight"] == "bold":
        style["font_weight"] = 700
    else:
        try:
            style["font_weight"] = int(style["font_weight"])
        except ValueError:
            style["font_weight"] = 400
    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)

    x = size(normalize(node.attrib["x"]).strip(), font_size, svg.inner_width) if "x" in node.attrib else None
    y = size(normalize(node.attrib["y"]).strip(), font_size, svg.inner_height) if "y" in node.attrib else None
    ascent, descent = font_size * .8, font_size * .2
    y_align = 0
    display_anchor = node.get("display-anchor")
    alignment_baseline = node.get("dominant-baseline", node.get("alignment-baseline"))
    if display_anchor == "middle":
        y_align = -height / 2
    elif display_anchor == "top":
        pass
    elif display_anchor == "bottom":
        y_align = -height
    elif alignment_baseline in ("central", "middle"):
        y_align = (ascent + descent) / 2 - descent
    elif alignment_baseline in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
        y_align = ascent
    elif alignment_baseline in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        y_align = -descent

    if x:
        svg.cursor_d_position[0] = 0
    if y:
        svg.cursor_d_position[1] = 0
    x = svg.cursor_position[0] if x is None else x
    y = svg.cursor_position[1] if y is None else y
    svg.cursor_position = x + width, y
    x_position = x + svg.cursor_d_position[0]
    y_position = y + svg.cursor_d_position[1] + y_align
    points = ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height))
    node.text_bounding_box = extend_bounding_box(node.text_bounding_box, points)

    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    text_box = text_module.TextBox(layout, style)
    text_box.baseline = baseline
    emojis = draw_first_line(svg.stream, text_box, "none", "none", Matrix(a=1, d=-1, e=x_position, f=y_position))
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)
