"""Upstream sources (nguồn tiếp sóng): add, list, check now, enable or disable (broadcast.relay.sources)."""

from __future__ import annotations

import sys

import click

from ..runtime import open_runtime


@click.group("source")
def source():
    """Nguồn tiếp sóng (VOV, đài tỉnh...): thêm, liệt kê, kiểm tra, bật/tắt."""


@source.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Tên hiển thị, ví dụ 'VOV1 – Thời sự'.")
@click.option("--url", required=True, help="Địa chỉ luồng http:// hoặc https:// (Icecast, HLS).")
@click.option(
    "--category",
    default="other",
    show_default=True,
    help="national (VOV), province (đài tỉnh) hoặc other: cách báo cáo nhóm thời lượng tiếp sóng.",
)
@click.option("--ward", default=None, help="Mã phường, xã có nguồn này; bỏ trống: nguồn của tỉnh, mọi phường, xã dùng.")
def source_add(code, name, url, category, ward):
    """Thêm một nguồn tiếp sóng (của một phường, xã, hoặc dùng chung cả tỉnh)."""
    from ..relay.sources import CATEGORY_LABELS, add_source

    with open_runtime().unit() as session:
        owner = _ward(session, ward) if ward else None
        new = add_source(session, code=code, name=name, url=url, category=category, ward_id=owner.id if owner else None)
        whose = f"của {owner.name}" if owner else "dùng chung cả tỉnh"
        label = f"{new.code} ({new.name}, {CATEGORY_LABELS[new.category]}), {whose}"
    click.echo(f"Đã thêm nguồn tiếp sóng {label}. Kiểm tra bằng: broadcast source check {code.strip().upper()}")


def _ward(session, code: str):
    from sqlalchemy import select

    from ..domain.models import Ward
    from ..errors import NotFound

    ward = session.scalar(select(Ward).where(Ward.code == code.strip().upper()))
    if ward is None:
        raise NotFound(f"Không có phường, xã mã {code!r}.", field="ward")
    return ward


@source.command("list")
def source_list():
    """Liệt kê nguồn tiếp sóng và lần kiểm tra gần nhất."""
    from ..relay.sources import STATE_LABELS, list_sources, source_json

    with open_runtime().unit() as session:
        rows = [source_json(s) for s in list_sources(session)]
    if not rows:
        click.echo("Chưa có nguồn tiếp sóng nào. Thêm bằng: broadcast source add MÃ --name TÊN --url ĐỊA_CHỈ")
        return
    for s in rows:
        state = STATE_LABELS[s["state"]] + ("" if s["enabled"] else " (đã tắt)")
        click.echo(f"{s['code']:<12} {s['category']:<9} {state:<22} {s['last_check_at'] or '-':<33} {s['url']}")


@source.command("check")
@click.argument("code")
@click.option("--timeout", default=8.0, show_default=True, type=float, help="Chờ nguồn tối đa bấy nhiêu giây.")
def source_check(code, timeout):
    """Kiểm tra ngay một nguồn (kết nối, định dạng, có tiếng hay im lặng); mã thoát 1 khi không tiếp sóng được."""
    from ..relay.sources import check_source, check_summary, source_by_code

    with open_runtime().unit() as session:
        src = source_by_code(session, code)
        result = check_source(session, src, timeout_s=timeout)
        name = f"{src.code} ({src.name})"
    click.echo(f"{name}: {check_summary(result)}")
    if not result["ok"]:
        sys.exit(1)


@source.command("disable")
@click.argument("code")
def source_disable(code):
    """Tắt một nguồn (không xoá: nhật ký phát và báo cáo vẫn nêu tên nó)."""
    _set_enabled(code, False)


@source.command("enable")
@click.argument("code")
def source_enable(code):
    """Bật lại một nguồn đã tắt."""
    _set_enabled(code, True)


def _set_enabled(code: str, enabled: bool) -> None:
    from ..relay.sources import set_enabled, source_by_code

    with open_runtime().unit() as session:
        src = source_by_code(session, code)
        changed = set_enabled(session, src, enabled)
        name = src.code
    state = "bật" if enabled else "tắt"
    click.echo(f"Đã {state} nguồn {name}." if changed else f"Nguồn {name} vốn đã {state}.")


COMMANDS = [source]
