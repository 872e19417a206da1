"""The Korean font shipped with the package: Noto Sans KR, Hangul and Latin subset (OFL 1.1).

PDF packs (WeasyPrint ``@font-face``) and the web UI use these files, so Korean text renders
on a machine with no CJK font installed. ``OFL.txt`` beside them is the licence;
``README.md`` says where the files come from and how the subset was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent
FAMILY = "Noto Sans KR"


@dataclass(frozen=True, slots=True)
class FontFile:
    name: str  # the file name in FONT_DIR
    weight: int  # CSS font-weight

    @property
    def path(self) -> Path:
        return FONT_DIR / self.name


FONT_FILES = (
    FontFile("NotoSansKR-Regular.woff", 400),
    FontFile("NotoSansKR-Bold.woff", 700),
)


def font_face_css(url_of: dict[str, str]) -> str:
    """``@font-face`` rules for every shipped file; ``url_of`` maps a file name to its URL
    (a ``file:`` URL for WeasyPrint, a static path for the web UI)."""
    rules = []
    for font in FONT_FILES:
        rules.append(
            "@font-face { "
            f'font-family: "{FAMILY}"; font-style: normal; font-weight: {font.weight}; '
            f'src: url("{url_of[font.name]}") format("woff"); }}'
        )
    return "\n".join(rules)
