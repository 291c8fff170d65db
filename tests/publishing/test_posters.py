"""QR posters: an A4 PDF per residential group whose QR code, read back from the rendered page, is the
ward's listening page; the Vietnamese text is there (as text, in a font that has its glyphs)."""

from __future__ import annotations

import pypdfium2
import pytest
import zxingcpp
from sqlalchemy import select

from broadcast.domain.models import Ward
from broadcast.errors import NotFound, ValidationError
from broadcast.publishing import posters

URL = "https://loa.molao.gov.vn/nghe/MOLAO/"
A4 = (595, 842)


def pages(pdf: bytes) -> list[dict]:
    """Each page's size (points), text and decoded QR codes."""
    doc = pypdfium2.PdfDocument(pdf)
    try:
        out = []
        for page in doc:
            width, height = page.get_size()
            image = page.render(scale=2).to_pil()
            out.append(
                {
                    "size": (round(width), round(height)),
                    "text": " ".join(page.get_textpage().get_text_range().split()),
                    "codes": [b.text for b in zxingcpp.read_barcodes(image)],
                }
            )
        return out
    finally:
        doc.close()


def test_cluster_poster_is_a4_with_a_qr_code_of_the_page():
    pdf = posters.cluster_poster("Phường Mộ Lao", "Tổ dân phố số 5", URL, "Đài truyền thanh phường Mộ Lao")
    assert pdf.startswith(b"%PDF")
    [page] = pages(pdf)
    assert page["size"] == A4
    assert page["codes"] == [URL]
    for text in ("Phường Mộ Lao", "Tổ dân phố số 5", "Đài truyền thanh phường Mộ Lao", "quét mã", URL):
        assert text in page["text"], text
    assert "không cần đăng nhập" in page["text"]


def test_a_long_address_still_scans():
    url = "https://loa-phuong.ubnd-quan-ha-dong.hanoi.gov.vn/nghe/PHUONG-MO-LAO-HA-DONG/?chuyen-muc=cchc"
    [page] = pages(posters.cluster_poster("Phường Mộ Lao", "Tổ dân phố số 17", url))
    assert page["codes"] == [url]


def test_all_posters_one_page_per_cluster():
    items = [posters.Poster(f"Tổ dân phố số {n}", URL) for n in (1, 2, 3)]
    result = pages(posters.all_posters("Phường Mộ Lao", items))
    assert [p["size"] for p in result] == [A4] * 3
    assert [p["codes"] for p in result] == [[URL]] * 3
    assert ["Tổ dân phố số 2" in p["text"] for p in result] == [False, True, False]


@pytest.mark.parametrize("url", ["", "loa.molao.gov.vn/nghe/MOLAO/", "ftp://x.vn/", "https://a.vn/ x", "https://"])
def test_a_bad_address_is_refused(url):
    with pytest.raises(ValidationError):
        posters.cluster_poster("Phường Mộ Lao", "Tổ dân phố số 1", url)


def test_ward_page_url_from_a_base_address():
    assert posters.ward_page_url("https://loa.molao.gov.vn/", "MOLAO") == URL
    assert posters.ward_page_url("http://10.0.0.5:8000/loa", "MO LAO") == "http://10.0.0.5:8000/loa/nghe/MO%20LAO/"
    for bad in ("loa.molao.gov.vn", "https://x.vn/?a=1", ""):
        with pytest.raises(ValidationError):
            posters.ward_page_url(bad, "MOLAO")


def test_ward_posters_cover_the_wards_clusters(session, demo):
    ward = session.scalar(select(Ward).where(Ward.code == "MOLAO"))
    clusters = posters.ward_clusters(session, ward)
    assert len(clusters) == 17 and clusters[0].code == "TDP01"
    result = pages(posters.ward_posters(session, ward, URL, station="molao", cluster="tdp05"))
    assert len(result) == 1 and "Tổ dân phố số 5" in result[0]["text"] and result[0]["codes"] == [URL]
    with pytest.raises(NotFound):
        posters.ward_clusters(session, ward, station="MOLAO", cluster="TDP99")
    with pytest.raises(NotFound):
        posters.ward_clusters(session, ward, station="DONGLA")


def test_a_ward_without_clusters_says_so(session, demo):
    ward = Ward(code="TRONG", name="Xã Trống")
    session.add(ward)
    session.flush()
    with pytest.raises(ValidationError) as caught:
        posters.ward_posters(session, ward, URL)
    assert "Xã Trống" in caught.value.message
