"""`broadcast report airtime`: the airtime report in any format, to a file or standard output."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import ValidationError


@click.group()
def report():
    """Báo cáo thời lượng phát thanh theo kế hoạch tuyên truyền CCHC."""


@report.command("airtime")
@click.option("--period", default=None, help="Kỳ báo cáo: 2025-10, 2025-Q3, 2025-H1, 2025-9M hoặc 2025.")
@click.option("--from", "date_from", default=None, help="Từ ngày (2025-10-01), thay cho --period.")
@click.option("--to", "date_to", default=None, help="Đến ngày (2025-10-31), thay cho --period.")
@click.option("--station", default=None, help="Mã đài (mặc định: tất cả các đài của phường).")
@click.option("--cluster", default=None, help="Mã cụm loa (TDP01): chỉ tính các lượt phát nghe được ở cụm này.")
@click.option(
    "--ward",
    "wards",
    multiple=True,
    help="Mã phường, xã (lặp lại hoặc cách nhau bởi dấu phẩy); mặc định: cả tỉnh, có thêm mục theo phường, xã.",
)
@click.option("--format", "fmt", default="json", show_default=True, help="json, csv, xlsx, html hoặc pdf.")
@click.option(
    "--out",
    "out",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ghi ra tệp (mặc định: in ra màn hình; xlsx/pdf bắt buộc có --out).",
)
def airtime(period, date_from, date_to, station, cluster, wards, fmt, out):
    """Báo cáo thời lượng phát thanh của một kỳ (theo ngày địa phương của đài)."""
    from ..reports.airtime import airtime_report
    from ..reports.formats import check_format, render
    from ..reports.periods import parse_period
    from ..runtime import open_runtime

    fmt = check_format(fmt)
    parsed = parse_period(period, date_from=date_from, date_to=date_to)
    if out is None and fmt in ("xlsx", "pdf"):
        raise ValidationError(f"Định dạng {fmt} là tệp nhị phân: hãy chỉ định --out TỆP.", field="out")
    runtime = open_runtime()
    with runtime.unit() as session:
        data = airtime_report(
            session, parsed, station=station, cluster=cluster, wards=list(wards), tz=runtime.settings.tz
        )
    rendered = render(data, fmt)
    if out is None:
        sys.stdout.write(rendered.content.decode("utf-8-sig"))
        if not rendered.content.endswith(b"\n"):
            sys.stdout.write("\n")
        return
    _write(out, rendered.content)
    click.echo(
        f"Đã ghi {out} ({len(rendered.content):,} byte): {data['period']['label']}, "
        f"{data['totals']['airings']} lượt, {data['totals']['minutes']} phút.",
        err=True,
    )


def _write(out: Path, content: bytes) -> None:
    try:
        out.write_bytes(content)
    except OSError as exc:
        raise ValidationError(f"Không ghi được tệp {out} ({exc.strerror or exc}).", field="out") from None


@click.group()
def export():
    """Xuất dữ liệu lên cấp trên."""


@export.command("province")
@click.option("--period", required=True, help="Kỳ báo cáo: 2026-Q3, 2026-10, 2026-H1, 2026-9M hoặc 2026.")
@click.option("--format", "fmt", default="json", show_default=True, help="Bộ xuất dữ liệu (json).")
@click.option("--ward", "wards", multiple=True, help="Mã phường, xã (lặp lại được); mặc định: cả tỉnh.")
@click.option(
    "-o",
    "--out",
    "out",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ghi ra tệp (mặc định: in ra màn hình).",
)
def export_province(period, fmt, wards, out):
    """Dữ liệu báo cáo lên hệ thống thông tin nguồn cấp tỉnh (lược đồ JSON phiên bản 1.0)."""
    from ..reports.periods import parse_period
    from ..runtime import open_runtime
    from ..upward import build_payload, get_adapter

    adapter = get_adapter(fmt)
    parsed = parse_period(period)
    runtime = open_runtime()
    with runtime.unit() as session:
        payload = build_payload(session, parsed, tz=runtime.settings.tz, wards=list(wards))
    content = adapter.export(payload)
    if out is None:
        sys.stdout.write(content.decode("utf-8"))
        return
    _write(out, content)
    t = payload["totals"]
    click.echo(
        f"Đã ghi {out} ({len(content):,} byte): {payload['period']['label']}, {len(payload['wards'])} phường, xã, "
        f"{t['airings']} lượt, {t['minutes']} phút, {len(payload['deliveries'])} tin cấp tỉnh gửi xuống.",
        err=True,
    )


COMMANDS = [report, export]
