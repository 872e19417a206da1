"""Which text encoding a file is in, and where exactly it stops being that encoding.

Korean spreadsheets save CSV in CP949 (a superset of EUC-KR); everything else
should be UTF-8. A sample from the start of the file decides: if it is valid
UTF-8 the file is read as UTF-8 (a byte-order mark is allowed and skipped);
otherwise charset-normalizer is asked, and only a Korean legacy encoding is
accepted. Anything else is refused with the encoding it looks like and the byte
offset and line of the first byte that does not decode, so the user knows what
to re-save.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from servicepact.domain.errors import InvalidInput, Problem

UTF8 = "utf-8"
KOREAN = "cp949"  # CP949 (Unified Hangul Code) reads every EUC-KR file too
_KOREAN_FAMILY = {"cp949", "euc_kr", "euc-kr", "uhc", "ks_c_5601_1987", "johab"}
SAMPLE_BYTES = 256 * 1024
_BLOCK = 1 << 20


@dataclass(frozen=True)
class DecodeFailure:
    offset: int  # byte offset of the first byte that does not decode, from 0
    line: int  # 1-based line it sits on
    reason: str


def normalise(name: str) -> str:
    """A codec name in its canonical spelling; unknown names are a user error."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        raise InvalidInput(
            problems=[Problem(where="--encoding", message=f"unknown encoding {name!r}", value=name)]
        ) from None
    if canonical in _KOREAN_FAMILY:
        return KOREAN
    if canonical in ("utf-8", "utf-8-sig"):
        return UTF8
    return canonical


def _decodes(sample: bytes, encoding: str, *, truncated: bool) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        decoder.decode(sample, final=not truncated)
    except UnicodeDecodeError:
        return False
    return True


def detect(path: Path, declared: str | None = None) -> str:
    """The encoding to read ``path`` with: the declared one, UTF-8, or CP949."""
    if declared:
        return normalise(declared)
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    truncated = len(sample) == SAMPLE_BYTES
    if _decodes(sample, UTF8, truncated=truncated):
        return UTF8
    import charset_normalizer  # only for a file that is not UTF-8: most commands never guess

    best = charset_normalizer.from_bytes(sample).best()
    guessed = best.encoding if best is not None else None
    if guessed is not None and guessed.lower() in _KOREAN_FAMILY:
        return KOREAN
    failure = locate_failure(path, UTF8)
    looks = f"it looks like {guessed}" if guessed else "its encoding could not be recognised"
    where = f"byte {failure.offset}, line {failure.line}" if failure else "the start"
    raise InvalidInput(
        problems=[
            Problem(
                where=f"{path.name}: encoding",
                message=(
                    f"the file is neither UTF-8 nor CP949/EUC-KR ({looks}); the first byte that "
                    f"is not UTF-8 is at {where}. Save it as UTF-8 CSV, or pass --encoding "
                    "with the right encoding"
                ),
                line=failure.line if failure else None,
            )
        ]
    )


def locate_failure(path: Path, encoding: str) -> DecodeFailure | None:
    """Scan the file and return where it first fails to decode (None if it decodes)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    consumed = 0
    with path.open("rb") as handle:
        while True:
            block = handle.read(_BLOCK)
            state = decoder.getstate()
            pending = len(state[0]) if isinstance(state[0], bytes) else 0
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as error:
                offset = max(consumed - pending + error.start, 0)
                return DecodeFailure(offset, _line_at(path, offset), error.reason)
            if not block:
                return None
            consumed += len(block)


def _line_at(path: Path, offset: int) -> int:
    lines = 1
    remaining = offset
    with path.open("rb") as handle:
        while remaining > 0:
            block = handle.read(min(_BLOCK, remaining))
            if not block:
                break
            lines += block.count(b"\n")
            remaining -= len(block)
    return lines


def decode_error(path: Path, encoding: str) -> InvalidInput:
    """The user-facing error for a file that stops decoding part-way through."""
    failure = locate_failure(path, encoding)
    if failure is None:  # the reader failed for another reason; say what we know
        message = f"the file could not be read as {encoding}"
        line = None
    else:
        message = (
            f"byte {failure.offset} is not valid {encoding} ({failure.reason}); the file mixes "
            "encodings or is damaged there. Re-save it as UTF-8, or pass --encoding"
        )
        line = failure.line
    return InvalidInput(
        problems=[Problem(where=f"{path.name}: encoding", message=message, line=line)]
    )
