"""`broadcast poster`: the QR posters of a ward's residential groups written to a PDF, and its errors."""

from __future__ import annotations

import pypdfium2
import pytest
import zxingcpp
from click.testing import CliRunner

from broadcast.cli import main

URL = "https://loa.molao.gov.vn/nghe/MOLAO/"


def run(env, *args):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def read(path) -> list[tuple[tuple[int, int], list[str]]]:
    doc = pypdfium2.PdfDocument(path.read_bytes())
    try:
        return [
            (
                tuple(round(v) for v in page.get_size()),
                [b.text for b in zxingcpp.read_barcodes(page.render(scale=2).to_pil())],
            )
            for page in doc
        ]
    finally:
        doc.close()


def test_one_cluster(cli_env, demo, tmp_path):
    out = tmp_path / "tdp05.pdf"
    args = ["poster", "--ward", "MOLAO", "--station", "MOLAO", "--cluster", "TDP05"]
    result = run(cli_env, *args, "--base-url", "https://loa.molao.gov.vn/", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "1 áp phích" in result.output and URL in result.output
    assert read(out) == [((595, 842), [URL])]


def test_every_cluster_of_the_ward(cli_env, demo, tmp_path):
    out = tmp_path / "all.pdf"
    result = run(cli_env, "poster", "--ward", "molao", "--base-url", "https://loa.molao.gov.vn", "-o", str(out))
    assert result.exit_code == 0, result.output
    pages = read(out)
    assert len(pages) == 17 and all(codes == [URL] for _, codes in pages)


@pytest.mark.parametrize(
    "args,message",
    [
        (["--ward", "NOWHERE"], "Không có phường, xã mã «NOWHERE»"),
        (["--ward", "MOLAO", "--cluster", "TDP99"], "không có cụm loa «TDP99»"),
        (["--ward", "MOLAO", "--station", "DONGLA"], "không có đài «DONGLA»"),
        (["--ward", "MOLAO", "--base-url", "loa.molao.gov.vn"], "Địa chỉ gốc «loa.molao.gov.vn» không hợp lệ"),
    ],
)
def test_errors_are_one_vietnamese_sentence(cli_env, demo, tmp_path, args, message):
    out = tmp_path / "x.pdf"
    if "--base-url" not in args:
        args = [*args, "--base-url", "https://loa.molao.gov.vn"]
    result = run(cli_env, "poster", *args, "-o", str(out))
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_an_unwritable_file_is_one_sentence(cli_env, demo, tmp_path):
    out = tmp_path / "missing-folder" / "x.pdf"
    result = run(cli_env, "poster", "--ward", "MOLAO", "--base-url", "https://loa.molao.gov.vn", "-o", str(out))
    assert result.exit_code == 1 and "Không ghi được tệp" in result.output


def test_base_url_and_output_are_required(cli_env, demo):
    result = run(cli_env, "poster", "--ward", "MOLAO")
    assert result.exit_code == 2 and "--base-url" in result.output
