"""`broadcast poster`: the QR posters of a ward's residential groups as an A4 PDF (broadcast.publishing.posters)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import NotFound, ValidationError


@click.command("poster")
@click.option("--ward", "ward_code", required=True, help="Mã phường, xã (ví dụ MOLAO).")
@click.option("--station", default=None, help="Chỉ các cụm loa của đài này (mã đài).")
@click.option("--cluster", default=None, help="Chỉ một cụm loa (mã cụm, ví dụ TDP05).")
@click.option(
    "--base-url",
    required=True,
    help="Địa chỉ gốc của Loa Phường mà người dân mở được, ví dụ https://loa.molao.gov.vn.",
)
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tệp PDF ghi ra (mỗi tổ dân phố một trang A4).",
)
def poster(ward_code, station, cluster, base_url, out):
    """In áp phích mã QR trang nghe công khai cho các tổ dân phố của một phường, xã."""
    from ..publishing import catalog, posters
    from ..runtime import open_runtime

    with open_runtime().unit() as session:
        try:
            ward = catalog.find_ward(session, ward_code)
        except NotFound:
            raise NotFound(f"Không có phường, xã mã «{ward_code[:40]}».", code="unknown_ward", field="ward") from None
        url = posters.ward_page_url(base_url, ward.code)
        clusters = posters.ward_clusters(session, ward, station=station, cluster=cluster)
        content = posters.all_posters(ward.name, posters.posters_of(clusters, url))
        name = ward.name
    try:
        out.write_bytes(content)
    except OSError as exc:
        raise ValidationError(f"Không ghi được tệp {out} ({exc.strerror or exc}).", field="out") from None
    click.echo(f"Đã ghi {out}: {len(clusters)} áp phích của {name}, mã QR mở {url}")


COMMANDS = [poster]
