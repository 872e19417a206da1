"""The Korean font shipped with the package: Noto Sans KR, Hangul and Latin subset (OFL 1.1).

PDF packs (WeasyPrint ``@font-face``) and the web UI use these files, so Korean text renders
on a machine with no CJK font installed. ``OFL.txt`` beside them is the licence;
``README.md`` says where the files come from and how the subset was made.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from servicepact.files import write_atomically

FONT_DIR = Path(__file__).resolve().parent
FAMILY = "Noto Sans KR"
_FORMATS = {".woff": "woff", ".ttf": "truetype"}  # a file's suffix → its @font-face format


@dataclass(frozen=True, slots=True)
class FontFile:
    name: str  # the file name in FONT_DIR
    weight: int  # CSS font-weight

    @property
    def path(self) -> Path:
        return FONT_DIR / self.name

    def truetype(self, cache_dir: Path) -> Path:
        """This font as a TrueType file under ``cache_dir`` (its absolute path), converted from
        the shipped WOFF file the first time and kept. WeasyPrint reads TrueType as it is, but
        converts a WOFF file (with fontTools, as here) for every PDF: 0.05 s of CPU each. The
        file's name holds a hash of the WOFF file, so another release's font is another file."""
        woff = self.path.read_bytes()
        digest = hashlib.sha256(woff).hexdigest()[:16]
        target = cache_dir.resolve() / f"{self.path.stem}-{digest}.ttf"
        if not target.exists():
            write_atomically(target, _woff_to_truetype(woff))
        return target


def _woff_to_truetype(woff: bytes) -> bytes:
    """The same tables, uncompressed: what WeasyPrint makes of a WOFF file."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(woff))
    font.flavor = font.flavorData = None
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


FONT_FILES = (
    FontFile("NotoSansKR-Regular.woff", 400),
    FontFile("NotoSansKR-Bold.woff", 700),
)


def font_face_css(url_of: dict[str, str]) -> str:
    """``@font-face`` rules for every shipped file; ``url_of`` maps a file name to its URL
    (a ``file:`` URL for WeasyPrint, a static path for the web UI), a ``.woff`` or ``.ttf``
    file."""
    rules = []
    for font in FONT_FILES:
        url = url_of[font.name]
        file_format = _FORMATS[Path(url).suffix]
        rules.append(
            "@font-face { "
            f'font-family: "{FAMILY}"; font-style: normal; font-weight: {font.weight}; '
            f'src: url("{url}") format("{file_format}"); }}'
        )
    return "\n".join(rules)
