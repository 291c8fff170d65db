"""Printable A4 posters, one per residential group (cluster): the ward's name, the group's name, a large
QR code of the ward's public listening page, a short Vietnamese line and the address in text.

Every group gets its own sheet for its noticeboard, but all point at the ward's page (the page is
the same for everyone, and it rejects query parameters it does not know). DejaVu fonts carry every
Vietnamese glyph, as in the PDF report (broadcast/reports/formats/pdf.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.models import Cluster, Station, Ward
from ..errors import NotFound, ValidationError
from ..fonts import register_fonts

FONTS = {"LP-Poster": "DejaVuSans.ttf", "LP-Poster-Bold": "DejaVuSans-Bold.ttf", "LP-Poster-Mono": "DejaVuSansMono.ttf"}
MAX_URL = 1000
QR_SIZE = 13 * cm  # scans from a couple of metres on a noticeboard
HEADLINE = "Nghe lại tin phát thanh trên điện thoại"
INVITATION = (
    "Nghe lại tin phát thanh của {ward} trên điện thoại: quét mã để mở trang nghe, miễn phí, không cần đăng nhập."
)
PUBLIC_PREFIX = "/nghe"  # where the web app mounts the public pages (web/public)


@dataclass(frozen=True)
class Poster:
    cluster_name: str
    url: str
    station_name: str | None = None


def register_poster_fonts() -> None:
    register_fonts(FONTS, "in áp phích")


def check_url(url: str) -> str:
    """The page address the QR code carries: an absolute http(s) URL."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL or any(c.isspace() for c in url):
        raise ValidationError(
            f"Địa chỉ trang nghe «{url[:80]}» không hợp lệ: cần địa chỉ đầy đủ bắt đầu bằng http:// hoặc https://.",
            field="url",
        )
    return url


def ward_page_url(base_url: str, ward_code: str) -> str:
    """The ward's public page under ``base_url`` (the CLI has no request to build it from)."""
    parts = urlsplit((base_url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValidationError(
            f"Địa chỉ gốc «{(base_url or '')[:80]}» không hợp lệ: cần dạng https://loa.phuong.gov.vn.",
            field="base_url",
        )
    return check_url(f"{base_url.strip().rstrip('/')}{PUBLIC_PREFIX}/{quote(ward_code, safe='')}/")


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("poster", fontName="LP-Poster", fontSize=16, leading=21, alignment=TA_CENTER)
    return {
        "station": ParagraphStyle("station", base, fontSize=14, leading=18, textColor="#444444"),
        "ward": ParagraphStyle("ward", base, fontName="LP-Poster-Bold", fontSize=34, leading=40),
        "cluster": ParagraphStyle("cluster", base, fontName="LP-Poster-Bold", fontSize=24, leading=30),
        "headline": ParagraphStyle("headline", base, fontSize=19, leading=24),
        "text": base,
        "url": ParagraphStyle("url", base, fontName="LP-Poster-Mono", fontSize=12, leading=15, wordWrap="CJK"),
    }


def _paragraph(c: Canvas, text: str, style: ParagraphStyle, top: float, width: float, margin: float) -> float:
    """Draw ``text`` centred below ``top``; return the new top."""
    p = Paragraph(escape(text), style)
    _, height = p.wrapOn(c, width, 10_000)
    p.drawOn(c, margin, top - height)
    return top - height


def _qr(c: Canvas, url: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(url, barLevel="M")  # M: survives some wear and a bit of tape
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, c, x, y)


def _page(c: Canvas, ward_name: str, poster: Poster, st: dict) -> None:
    page_w, page_h = A4
    margin = 2 * cm
    width = page_w - 2 * margin
    top = page_h - 2.2 * cm
    if poster.station_name:
        top = _paragraph(c, poster.station_name, st["station"], top, width, margin) - 0.3 * cm
    top = _paragraph(c, ward_name, st["ward"], top, width, margin) - 0.3 * cm
    top = _paragraph(c, poster.cluster_name, st["cluster"], top, width, margin) - 0.6 * cm
    top = _paragraph(c, HEADLINE, st["headline"], top, width, margin) - 0.4 * cm
    _qr(c, poster.url, (page_w - QR_SIZE) / 2, top - QR_SIZE, QR_SIZE)
    top -= QR_SIZE + 0.4 * cm
    top = _paragraph(c, INVITATION.format(ward=ward_name), st["text"], top, width, margin) - 0.4 * cm
    _paragraph(c, poster.url, st["url"], top, width, margin)
    c.showPage()


def all_posters(ward_name: str, posters: list[Poster]) -> bytes:
    """One A4 page per poster, in one PDF."""
    ward_name = (ward_name or "").strip()
    if not ward_name:
        raise ValidationError("Thiếu tên phường, xã để in áp phích.", field="ward")
    if not posters:
        raise ValidationError(f"{ward_name} chưa có cụm loa (tổ dân phố) nào để in áp phích.", field="cluster")
    checked = [Poster(p.cluster_name.strip(), check_url(p.url), p.station_name) for p in posters]
    register_poster_fonts()
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, invariant=1)  # invariant: the same input gives the same bytes
    c.setTitle(f"Mã QR trang nghe – {ward_name}")
    c.setAuthor("Loa Phường")
    st = _styles()
    for poster in checked:
        _page(c, ward_name, poster, st)
    c.save()
    return buffer.getvalue()


def cluster_poster(ward_name: str, cluster_name: str, url: str, station_name: str | None = None) -> bytes:
    """An A4 PDF poster for one residential group."""
    return all_posters(ward_name, [Poster(cluster_name, url, station_name)])


def ward_clusters(session: Session, ward: Ward, *, station: str | None = None, cluster: str | None = None):
    """The ward's clusters (by station code, then cluster code), optionally one station's or one cluster;
    an unknown or another ward's station or cluster is ``NotFound``."""
    query = (
        select(Cluster)
        .join(Station, Cluster.station_id == Station.id)
        .where(Station.ward_id == ward.id)
        .order_by(Station.code, Cluster.code)
    )
    if station:
        query = query.where(func.upper(Station.code) == station.strip().upper())
    if cluster:
        query = query.where(func.upper(Cluster.code) == cluster.strip().upper())
    rows = list(session.scalars(query))
    if (station or cluster) and not rows:
        what = f"cụm loa «{cluster[:40]}»" if cluster else f"đài «{station[:40]}»"
        where = f" của đài «{station[:40]}»" if cluster and station else ""
        raise NotFound(f"{ward.name} không có {what}{where}.", code="unknown_cluster", field="cluster")
    return rows


def posters_of(clusters: list[Cluster], url: str) -> list[Poster]:
    return [Poster(c.name, url, c.station.name) for c in clusters]


def ward_posters(session: Session, ward: Ward, url: str, *, station: str | None = None, cluster: str | None = None):
    """The posters of the ward's clusters (or of one station's, or of one cluster) as one PDF."""
    return all_posters(ward.name, posters_of(ward_clusters(session, ward, station=station, cluster=cluster), url))
