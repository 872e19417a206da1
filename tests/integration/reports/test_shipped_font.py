"""The Korean font shipped in the package draws Hangul in PDFs on a machine with no CJK font.

A missing glyph is drawn as the font's .notdef box, the same box for every character; so
two different syllables that render to different, non-empty pictures were really drawn.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pdf_pages import first_page, font_names, page_text, require_pango

from servicepact.fonts import FONT_DIR, FONT_FILES


def _render(text: str, *, bold: bool = False) -> tuple[bytes, object]:
    require_pango()
    from servicepact.reports.pdf import html_to_pdf

    weight = "bold" if bold else "normal"
    html = (
        '<html lang="ko"><body style="font-family: \'Noto Sans KR\', sans-serif; '
        f'font-size: 60pt; font-weight: {weight}"><p>{text}</p></body></html>'
    )
    data = html_to_pdf(html)
    page = first_page(data)
    return data, page


def _ink(page: object) -> tuple[int, bytes | None]:
    """How many dark pixels, and the drawn part scaled to 64x64 (None: nothing drawn)."""
    image = page.render(scale=1).to_pil().convert("L")  # type: ignore[attr-defined]
    box = image.point(lambda value: 255 if value < 128 else 0).getbbox()
    if box is None:
        return 0, None
    cropped = image.crop(box).resize((64, 64))
    pixels = cropped.tobytes()
    return sum(1 for value in pixels if value < 128), pixels


def test_the_package_ships_the_font_files_and_their_licence():
    for font in FONT_FILES:
        assert font.path.read_bytes()[:4] == b"wOFF"
    licence = (FONT_DIR / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence


@pytest.mark.parametrize("bold", [False, True])
def test_hangul_is_drawn_with_the_shipped_font_not_as_empty_boxes(bold):
    _, han = _render("한", bold=bold)
    _, geul = _render("글", bold=bold)
    assert font_names(han) == {"Noto-Sans-KR-Bold" if bold else "Noto-Sans-KR"}
    assert page_text(han).strip() == "한"
    han_ink, han_picture = _ink(han)
    geul_ink, geul_picture = _ink(geul)
    assert han_ink > 0
    assert geul_ink > 0
    assert han_picture != geul_picture  # .notdef boxes would be identical


def test_characters_outside_the_font_draw_the_same_notdef_glyph():
    # the check above can fail: two characters the font lacks draw the same (empty) .notdef
    _, first = _render("\u4e00")  # CJK ideographs are not in the Hangul subset
    _, second = _render("\u4e8c")
    if font_names(first) != {"Noto-Sans-KR"}:
        pytest.skip("a system font supplies CJK ideographs here")
    assert _ink(first) == _ink(second)


_KO_HTML = (
    '<html lang="ko"><body style="font-family: \'Noto Sans KR\', sans-serif; font-size: 20pt">'
    '<p>서비스 수준 98.50 % (목표 95 %)</p><p style="font-weight: bold">크레딧 1,234,000 KRW</p>'
    "</body></html>"
)


def _picture(data: bytes) -> tuple[str, set[str], bytes]:
    page = first_page(data)
    return page_text(page), font_names(page), page.render(scale=1).to_pil().tobytes()


def test_the_fonts_kept_as_truetype_lay_out_the_same_pdf(tmp_path):
    require_pango()
    from fontTools.ttLib import TTFont

    from servicepact.reports.pdf import html_to_pdf

    from_woff = _picture(html_to_pdf(_KO_HTML))
    cache = tmp_path / "cache" / "fonts"
    first = html_to_pdf(_KO_HTML, font_cache=cache)
    kept = sorted(cache.iterdir())
    assert [path.suffix for path in kept] == [".ttf", ".ttf"]
    written = [path.stat().st_mtime_ns for path in kept]
    second = html_to_pdf(_KO_HTML, font_cache=cache)
    assert [path.stat().st_mtime_ns for path in sorted(cache.iterdir())] == written  # read back
    assert from_woff[1] == {"Noto-Sans-KR", "Noto-Sans-KR-Bold"}
    assert _picture(first) == from_woff  # same text, same fonts, same pixels
    assert _picture(second) == from_woff
    for font in FONT_FILES:
        (truetype,) = cache.glob(f"{font.path.stem}-*.ttf")
        woff, ttf = TTFont(font.path), TTFont(truetype)
        assert woff.flavor == "woff"
        assert ttf.flavor is None
        tags = sorted(woff.reader.keys())
        assert sorted(ttf.reader.keys()) == tags
        for tag in tags:
            if tag != "head":  # its modification time and checksum change with the file
                assert ttf.reader[tag] == woff.reader[tag], tag


def test_the_font_cache_may_be_a_relative_path(tmp_path, monkeypatch):
    # the data directory's default is the relative path "data"
    require_pango()
    from servicepact.reports.pdf import html_to_pdf

    monkeypatch.chdir(tmp_path)
    data = html_to_pdf(_KO_HTML, font_cache=Path("data") / "cache" / "fonts")
    assert len(list((tmp_path / "data" / "cache" / "fonts").glob("*.ttf"))) == 2
    assert _picture(data) == _picture(html_to_pdf(_KO_HTML))


def test_without_a_writable_font_cache_the_woff_files_are_laid_out(tmp_path):
    require_pango()
    from servicepact.reports.pdf import html_to_pdf

    blocked = tmp_path / "a file"
    blocked.write_text("not a directory", encoding="utf-8")
    data = html_to_pdf(_KO_HTML, font_cache=blocked / "fonts")
    assert _picture(data) == _picture(html_to_pdf(_KO_HTML))


_NO_SEARCH = """
import ctypes.util, sys
started = []
def note(event, args):
    if event == "subprocess.Popen":
        started.append(args[1])
sys.addaudithook(note)
search = ctypes.util.find_library
from servicepact.reports.pdf import html_to_pdf
data = html_to_pdf("<p>x</p>")
assert data.startswith(b"%PDF-"), data[:20]
assert ctypes.util.find_library is search, "the library search was not given back"
print(repr(started))
"""


def test_a_fresh_process_makes_a_pdf_without_starting_a_library_search():
    # WeasyPrint tries each library's Windows and macOS names first; each miss would run
    # ldconfig, gcc and ld (ctypes.util.find_library) before the Linux soname opens.
    import subprocess
    import sys

    require_pango()
    if sys.platform != "linux":
        pytest.skip("the library names are searched this way on Linux only")
    done = subprocess.run(
        [sys.executable, "-c", _NO_SEARCH], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
