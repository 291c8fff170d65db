"""PDF with reportlab, laid out as a Vietnamese administrative report (báo cáo).

National motto header, the ward's name, number and date placeholders, title,
a generated narrative of the results, the tables, the charts (matplotlib PNGs)
and the signature block.  DejaVu fonts (Debian fonts-dejavu-core) carry every
Vietnamese glyph.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm, mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Image, KeepTogether, LongTable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ...fonts import register_fonts
from .charts import category_chart, daily_chart
from .html import cell
from .tables import issuer, recipients, report_tables, scope_line, signer

FONTS = {
    "LP-Serif": "DejaVuSerif.ttf",
    "LP-Serif-Bold": "DejaVuSerif-Bold.ttf",
    "LP-Serif-Italic": "DejaVuSerif-Italic.ttf",
    "LP-Serif-BoldItalic": "DejaVuSerif-BoldItalic.ttf",
    "LP-Sans": "DejaVuSans.ttf",
    "LP-Sans-Bold": "DejaVuSans-Bold.ttf",
}


def _register_fonts() -> None:
    register_fonts(FONTS, "xuất PDF")
    pdfmetrics.registerFontFamily(
        "LP-Serif", normal="LP-Serif", bold="LP-Serif-Bold", italic="LP-Serif-Italic", boldItalic="LP-Serif-BoldItalic"
    )


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName="LP-Serif", fontSize=11.5, leading=15)
    return {
        "base": base,
        "center": ParagraphStyle("center", base, alignment=TA_CENTER),
        "center_b": ParagraphStyle("center_b", base, alignment=TA_CENTER, fontName="LP-Serif-Bold"),
        "title": ParagraphStyle(
            "title", base, alignment=TA_CENTER, fontName="LP-Serif-Bold", fontSize=15, leading=20, spaceBefore=14
        ),
        "sub": ParagraphStyle("sub", base, alignment=TA_CENTER, fontName="LP-Serif-Bold", spaceAfter=8),
        "h2": ParagraphStyle("h2", base, fontName="LP-Serif-Bold", spaceBefore=10, spaceAfter=4),
        "h3": ParagraphStyle("h3", base, fontName="LP-Serif-Bold", fontSize=11, spaceBefore=8, spaceAfter=3),
        "body": ParagraphStyle("body", base, alignment=TA_JUSTIFY, firstLineIndent=1 * cm, spaceAfter=4),
        "cell": ParagraphStyle("cell", base, fontName="LP-Sans", fontSize=7.8, leading=9.5, alignment=TA_LEFT),
        "cell_b": ParagraphStyle("cell_b", base, fontName="LP-Sans-Bold", fontSize=7.8, leading=9.5),
        "cell_r": ParagraphStyle("cell_r", base, fontName="LP-Sans", fontSize=7.8, leading=9.5, alignment=TA_RIGHT),
        "cell_br": ParagraphStyle(
            "cell_br", base, fontName="LP-Sans-Bold", fontSize=7.8, leading=9.5, alignment=TA_RIGHT
        ),
        "small": ParagraphStyle("small", base, fontSize=9.5, leading=12),
    }


def _issuer_lines(r: dict, st) -> tuple[list, str]:
    """The left head (who issues the report) and the place in the date line: the ward's People's Committee,
    or for a province report the province's issuer (its People's Committee or the department in charge)."""
    head = issuer(r)
    if head:
        return [
            Paragraph(escape(head.upper()), st["center_b"]),
            Paragraph("―――――", st["center"]),
            Paragraph("Số: ……/BC", st["center"]),
        ], r["province"]["name"]
    ward = r["ward"]["name"] if r.get("ward") else "Phường ……"
    return [
        Paragraph("ỦY BAN NHÂN DÂN", st["center_b"]),
        Paragraph(escape(ward.upper()), st["center_b"]),
        Paragraph("―――――", st["center"]),
        Paragraph("Số: ……/BC-UBND", st["center"]),
    ], ward.replace("Phường ", "").replace("Xã ", "")


def _header(r: dict, st) -> Table:
    left, place = _issuer_lines(r, st)
    year = r["period"]["end"][:4]
    right = [
        Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", st["center_b"]),
        Paragraph("Độc lập - Tự do - Hạnh phúc", st["center_b"]),
        Paragraph("――――――――――", st["center"]),
        Paragraph(f"<i>{escape(place)}, ngày …… tháng …… năm {year}</i>", st["center"]),
    ]
    t = Table([[left, right]], colWidths=[6.6 * cm, 10.4 * cm])
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return t


def _table(t, st, width: float) -> LongTable:
    total = sum(c.width for c in t.cols)
    widths = [width * c.width / total for c in t.cols]
    head = [Paragraph(escape(c.title), st["cell_b"]) for c in t.cols]
    body = []
    for n, row in enumerate(t.rows):
        bold = bool(t.emphasis and n in t.emphasis)
        styles = {
            ("text", False): st["cell"],
            ("text", True): st["cell_b"],
            ("num", False): st["cell_r"],
            ("num", True): st["cell_br"],
        }
        body.append(
            [
                Paragraph(escape(cell(v, c.kind)), styles[("text" if c.kind == "text" else "num", bold)])
                for v, c in zip(row, t.cols)
            ]
        )
    if not body:
        body = [[Paragraph("Không có số liệu.", st["cell"])] + [""] * (len(t.cols) - 1)]
    table = LongTable([head] + body, colWidths=widths, repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#444444")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6edf5")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    for i, c in enumerate(t.cols):
        if c.kind != "text":
            style.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
    for n in t.emphasis or ():
        style.append(("BACKGROUND", (0, n + 1), (-1, n + 1), colors.HexColor("#f3f5f8")))
    table.setStyle(TableStyle(style))
    return table


def _image(png: bytes, width: float) -> Image:
    img = Image(io.BytesIO(png))
    ratio = img.imageHeight / img.imageWidth
    img.drawWidth, img.drawHeight = width, width * ratio
    return img


def _footer(canvas, doc):
    canvas.saveState()
    canvas.setFont("LP-Sans", 7.5)
    canvas.setFillColor(colors.HexColor("#666666"))
    canvas.drawRightString(A4[0] - 1.5 * cm, 1 * cm, f"Trang {doc.page}")
    canvas.restoreState()


def _part_three(r: dict, tables: dict, st, width: float) -> list:
    """III: by department, by station, by device (a station network's report only) and the daily chart."""
    parts = [(tables["by_department"].title, _table(tables["by_department"], st, width))]
    parts.append((tables["by_station"].title, _table(tables["by_station"], st, width)))
    for key in ("by_ward", "by_ward_category"):
        if key in tables:
            parts.append((tables[key].title, _table(tables[key], st, width)))
    if "devices" in tables:
        parts.append((tables["devices"].title, _table(tables["devices"], st, width)))
    if "relays" in tables:
        parts.append((tables["relays"].title, _table(tables["relays"], st, width)))
    parts.append(("Thời lượng theo ngày", KeepTogether([_image(daily_chart(r, dpi=150), width * 0.92)])))
    title = "III. KẾT QUẢ THEO ĐƠN VỊ, ĐÀI" + (", THIẾT BỊ" if "devices" in tables else "") + " VÀ THEO NGÀY"
    story = [Paragraph(title, st["h2"])]
    for n, (heading, flowable) in enumerate(parts, start=1):
        story += [Paragraph(f"{n}. {heading}", st["h3"]), flowable]
    return story


def _part_listens(tables: dict, st, width: float) -> list:
    """IV: plays on the public listening page, the embedded player and the podcasts, beside the airtime above."""
    listens, top = tables["listens"], tables["listens_top"]
    return [
        Paragraph("IV. KẾT QUẢ NGHE QUA TRANG NGHE CÔNG KHAI VÀ PODCAST", st["h2"]),
        Paragraph(escape(listens.note or ""), st["body"]),
        Paragraph("1. Lượt nghe theo chuyên mục và kênh nghe", st["h3"]),
        _table(listens, st, width),
        Paragraph("2. Tin, bài được nghe nhiều nhất", st["h3"]),
        _table(top, st, width),
    ]


def _period_words(r: dict) -> str:
    label = r["period"]["label"]
    return label if label.startswith("Quý") else label.lower()


def _basis(r: dict) -> str:
    """ "Thực hiện <plan> (Kế hoạch số … ngày …), " when the report has a plan."""
    p = r.get("plan")
    if not p:
        return ""
    basis = "Thực hiện " + escape(p["title"])
    if p.get("number"):
        basis += f" (Kế hoạch số {escape(p['number'])}"
        if p.get("issued_on"):
            y, m, d = p["issued_on"].split("-")
            basis += f" ngày {d}/{m}/{y}"
        basis += ")"
    return basis + ", "


def _opening(r: dict, st) -> list:
    """The national motto header, the title and the opening sentence."""
    ward = r["ward"]["name"] if r.get("ward") else "phường"
    who = escape(issuer(r) or "Ủy ban nhân dân " + ward[:1].lower() + ward[1:])
    return [
        _header(r, st),
        Paragraph("BÁO CÁO", st["title"]),
        Paragraph(
            "Kết quả phát thanh tuyên truyền cải cách hành chính<br/>trên hệ thống loa truyền thanh "
            + escape(_period_words(r)),
            st["sub"],
        ),
        Paragraph(
            _basis(r) + f"{who} báo cáo kết quả phát thanh "
            f"tuyên truyền trên hệ thống loa truyền thanh ({escape(scope_line(r))}) như sau:",
            st["body"],
        ),
    ]


def _parts_one_two(r: dict, tables: dict, st, width: float) -> list:
    """I: the narrative and the totals; II: by category (with its chart), the plan's targets, the change."""
    story = [
        Paragraph("I. KẾT QUẢ CHUNG", st["h2"]),
        Paragraph(escape(r["narrative"]), st["body"]),
        Paragraph("1. Tổng hợp", st["h3"]),
        _table(tables["totals"], st, width * 0.8),
        Paragraph("II. KẾT QUẢ THEO LĨNH VỰC VÀ CHỈ TIÊU KẾ HOẠCH", st["h2"]),
        Paragraph("1. " + tables["by_category"].title, st["h3"]),
        _table(tables["by_category"], st, width),
        KeepTogether([_image(category_chart(r, dpi=150), width * 0.92)]),
        Paragraph("2. " + tables["targets"].title, st["h3"]),
        _table(tables["targets"], st, width),
    ]
    n = 3
    if "compliance" in tables:
        story += [Paragraph(f"{n}. " + tables["compliance"].title, st["h3"]), _table(tables["compliance"], st, width)]
        n += 1
    if "change" in tables:
        story += [Paragraph(f"{n}. " + tables["change"].title, st["h3"]), _table(tables["change"], st, width * 0.85)]
    return story


def _closing(r: dict, st, width: float) -> list:
    """The recipients, the signature block and where the figures come from."""
    sign = Table(
        [
            [
                [Paragraph("<b><i>Nơi nhận:</i></b>", st["small"])]
                + [Paragraph(escape(line), st["small"]) for line in recipients(r)],
                [Paragraph(escape(line), st["center_b"]) for line in signer(r)]
                + [
                    Spacer(1, 22 * mm),
                    Paragraph("<i>(Ký, ghi rõ họ tên, đóng dấu)</i>", st["center"]),
                ],
            ]
        ],
        colWidths=[width * 0.5, width * 0.5],
    )
    sign.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [
        Spacer(1, 8 * mm),
        KeepTogether([sign]),
        Spacer(1, 4 * mm),
        Paragraph(
            f"<font size=8 color='#666666'>Số liệu lập tự động từ nhật ký phát sóng lúc "
            f"{escape(r['generated_at'][:16].replace('T', ' '))} ({escape(r['timezone'])}).</font>",
            st["small"],
        ),
    ]


def to_pdf(report: dict) -> bytes:
    _register_fonts()
    st = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=2.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.8 * cm,
        bottomMargin=1.8 * cm,
        title="Báo cáo thời lượng phát thanh " + report["period"]["label"],
        author="Loa Phường",
    )
    width = A4[0] - doc.leftMargin - doc.rightMargin
    tables = {t.key: t for t in report_tables(report)}
    story = _opening(report, st) + _parts_one_two(report, tables, st, width)
    story += _part_three(report, tables, st, width)
    if "listens" in tables:
        story += _part_listens(tables, st, width)
    story.append(Paragraph(("V" if "listens" in tables else "IV") + ". DANH MỤC TIN, BÀI ĐÃ PHÁT", st["h2"]))
    story.append(_table(tables["by_bulletin"], st, width))
    story += _closing(report, st, width)
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buf.getvalue()
