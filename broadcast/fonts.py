"""DejaVu fonts for reportlab: they carry every Vietnamese glyph (Debian's fonts-dejavu-core).

The PDF report and the QR posters register their fonts here, once per process.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .errors import ConfigError

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def register_fonts(fonts: dict[str, str], what: str) -> None:
    """Register each ``{reportlab name: DejaVu file}`` not yet known; ``what`` names the document for the error."""
    known = set(pdfmetrics.getRegisteredFontNames())
    for name, file in fonts.items():
        if name in known:
            continue
        path = next((d / file for d in FONT_DIRS if (d / file).exists()), None)
        if path is None:
            raise ConfigError(
                f"Thiếu phông chữ DejaVu để {what} tiếng Việt: cài bằng `sudo apt-get install fonts-dejavu-core`."
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))
