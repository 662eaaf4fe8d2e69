"""Reading notices: decoding, HTML, offsets and segmentation."""

import pytest

from dpia.errors import InputError
from dpia.notice import analyse, prepare
from dpia.notice.segment import Segments
from dpia.notice.text import normalise


def test_utf8_with_bom_is_read_and_recorded():
    notice = prepare("\ufeffWe keep records for 6 years.".encode("utf-8-sig"))
    assert notice.encoding == "utf-8-sig" and notice.text.startswith("We keep")


def test_cp1252_is_read_and_recorded():
    notice = prepare("Your \u2018rights\u2019 \u2013 we keep data for 2 years.".encode("cp1252"))
    assert notice.encoding == "cp1252" and "\u2018rights\u2019" in notice.text


def test_plain_utf8():
    assert prepare("Privacy – café".encode()).encoding == "utf-8"


def test_empty_notice_is_refused_with_a_message():
    with pytest.raises(InputError, match="empty"):
        prepare(b"   \n\t ")


def test_binary_file_is_refused_with_a_message():
    with pytest.raises(InputError, match="binary file"):
        prepare(bytes(range(256)) * 20, "scan.pdf")


def test_oversized_input_is_refused_with_a_message():
    with pytest.raises(InputError, match="too large"):
        prepare(b"We keep data. " * 800_000, "huge.txt")


def test_html_scripts_and_styles_are_dropped():
    html = (b"<html><head><style>p{color:red}</style><script>var x='Article 6(1)(a)';</script></head>"
            b"<body><h1>Privacy</h1><p>We rely on contract, Article 6(1)(b).</p><script>alert(1)</script></body></html>")
    notice = prepare(html, "n.html")
    assert notice.was_html
    assert "alert" not in notice.text and "color" not in notice.text and "6(1)(a)" not in notice.text
    assert analyse(notice).art6 == ["b"]


def test_html_entities_and_list_items_become_text():
    notice = prepare(b"<html><body><p>Fish &amp; chips</p><ul><li>one</li><li>two</li></ul></body></html>", html=True)
    assert "Fish & chips" in notice.text and "\u2022 one" in notice.text


def test_whitespace_is_normalised():
    notice = prepare("A  \t b\r\n\r\n\r\n\r\nC\u00a0 d  ".encode())
    assert notice.text == "A b\n\nC d"


def test_every_evidence_span_is_exact():
    notice = prepare(open("data/samples/case-management-cymru/notice.txt", "rb").read())
    profile = analyse(notice)
    spans = [e for el in profile.elements.values() for e in el.evidence] + [e for f in profile.findings for e in f.evidence]
    assert spans
    for ev in spans:
        assert notice.text[ev.start:ev.end] == ev.text


def test_evidence_offsets_hold_for_html_input():
    notice = prepare(b"<p>We are Acme Care Ltd.</p><p>Email <b>us</b> at a@acme.example.com.</p>", html=True)
    profile = analyse(notice)
    for el in profile.elements.values():
        for ev in el.evidence:
            assert notice.text[ev.start:ev.end] == ev.text


def test_segments_know_bullets_headings_and_lead_ins():
    text = "Your rights\nYou have these rights:\n• access\n- rectification\n1. erasure\n2) restriction\nOther text."
    segs = Segments(text)
    kinds = [(s.kind, segs.span(i)) for i, s in enumerate(segs.items)]
    assert kinds[0] == ("heading", "Your rights")
    assert [k for k, _ in kinds[2:6]] == ["bullet"] * 4
    assert [t for _, t in kinds[2:6]] == ["access", "rectification", "erasure", "restriction"]
    # a short line ending in a colon introduces the list: it is the bullets' heading, under "Your rights"
    assert all(segs.items[i].heading == 1 for i in range(2, 6)) and segs.items[1].heading == 0


def test_sentences_split_but_not_at_abbreviations():
    segs = Segments("We may share data, e.g. with your GP. We keep it for 8 years. See Art. 9 for more.")
    assert [segs.span(i) for i in range(len(segs))] == [
        "We may share data, e.g. with your GP.", "We keep it for 8 years.", "See Art. 9 for more."]


def test_bullets_under_a_lead_in_heading_see_the_section_heading_too():
    from dpia.notice.document import Document

    doc = Document("Your rights\nYou have these:\n• access to records")
    assert "Your rights" in doc.framing(2)


def test_markdown_headings():
    segs = Segments("## How long we keep data\nWe keep it.")
    assert segs.items[0].kind == "heading" and segs.span(0) == "How long we keep data"


def test_every_invisible_character_is_removed_alone_or_in_a_run_and_nothing_else():
    invisible = [*map(chr, [*range(0x00, 0x09), *range(0x0e, 0x1c), *range(0x7f, 0x85), *range(0x86, 0xa0), 0xad,
                            *range(0x200b, 0x2010), *range(0x202a, 0x202f), *range(0x2060, 0x2065), *range(0x2066, 0x206a),
                            0xfeff])]
    visible = "Keep 8 years, Art 6(1)(e) \u2019quoted\u2019 caf\u00e9 \u2013 \u00a0"
    text = "".join(c + visible[i % len(visible)] + c * (i % 3) for i, c in enumerate(invisible))
    expected = "".join(visible[i % len(visible)] for i in range(len(invisible)))
    assert normalise(text) == normalise(expected)
    assert normalise("a\u200b\u200c\u200db \u2060c") == "ab c"
