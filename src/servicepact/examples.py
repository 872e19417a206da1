"""Where the example files are: the contracts, portfolio, invoices and selections users copy.

An installed package carries them under ``servicepact/demo/examples`` (pyproject's wheel
force-include); a source checkout has them at the repository's ``examples/``. Every reader
asks here, so the two layouts are told apart in one place.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGED = Path(__file__).resolve().parent / "demo" / "examples"
_CHECKOUT = Path(__file__).resolve().parents[2] / "examples"


def examples_dir() -> Path:
    """The example files: shipped inside the package, or the repository's examples/."""
    if (_PACKAGED / "portfolio.yaml").exists():
        return _PACKAGED
    return _CHECKOUT
