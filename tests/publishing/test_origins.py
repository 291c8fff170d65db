"""Embed origins: what a ward admin may list as allowed to frame the player, normalised; bad entries named."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from broadcast.domain.models import AuditLog, Ward
from broadcast.errors import ValidationError
from broadcast.publishing.origins import MAX_ORIGINS, check_origins, set_embed_origins

GOOD = [
    ("https://molao.hadong.hanoi.gov.vn", ["https://molao.hadong.hanoi.gov.vn"]),
    ("HTTPS://MoLao.Gov.VN/", ["https://molao.gov.vn"]),
    ("http://cong.local:8080", ["http://cong.local:8080"]),
    ("https://a.vn:443\nhttp://a.vn:80", ["https://a.vn", "http://a.vn"]),
    ("https://a.vn, https://A.vn ; https://b.vn", ["https://a.vn", "https://b.vn"]),
    ("  \n https://a.vn \n\n", ["https://a.vn"]),
    ("https://phường.vn", ["https://xn--phng-rib8295b.vn"]),
    ("https://192.168.1.10:8443", ["https://192.168.1.10:8443"]),
    ("https://[::1]:8443", ["https://[::1]:8443"]),
    (["https://a.vn", " https://b.vn "], ["https://a.vn", "https://b.vn"]),
    ("", []),
    (None, []),
    ([], []),
]

BAD = [
    ("molao.gov.vn", "molao.gov.vn"),
    ("ftp://molao.gov.vn", "ftp://molao.gov.vn"),
    ("javascript:alert(1)", "javascript:alert(1)"),
    ("https://molao.gov.vn/nghe", "https://molao.gov.vn/nghe"),
    ("https://molao.gov.vn?x=1", "https://molao.gov.vn?x=1"),
    ("https://molao.gov.vn#top", "https://molao.gov.vn#top"),
    ("https://*.gov.vn", "https://*.gov.vn"),
    ("*", "*"),
    ("https://user:pw@molao.gov.vn", "https://user:pw@molao.gov.vn"),
    ("https://molao.gov.vn:", "https://molao.gov.vn:"),
    ("https://molao.gov.vn:0", "https://molao.gov.vn:0"),
    ("https://molao.gov.vn:70000", "https://molao.gov.vn:70000"),
    ("https://mo_lao.gov.vn", "https://mo_lao.gov.vn"),
    ("https://a..vn", "https://a..vn"),
    ("https://-a.vn", "https://-a.vn"),
    ("https://", "https://"),
    ("https://a.vn\nhttps://a.vn/x", "https://a.vn/x"),  # the bad one is named, not the first
    ("https://a.vn 'unsafe-inline'", "'unsafe-inline'"),  # nothing can smuggle a CSP source in
]


@pytest.mark.parametrize("value,expected", GOOD, ids=[repr(v)[:40] for v, _ in GOOD])
def test_good_origins_are_normalised(value, expected):
    assert check_origins(value) == expected


@pytest.mark.parametrize("value,named", BAD, ids=[repr(v)[:40] for v, _ in BAD])
def test_bad_origins_are_refused_naming_the_entry(value, named):
    with pytest.raises(ValidationError) as caught:
        check_origins(value)
    assert f"«{named}»" in caught.value.message and caught.value.field == "embed_origins"


@pytest.mark.parametrize("value", [42, [1], {"a": 1}, ["https://a.vn", None]])
def test_a_value_that_is_neither_text_nor_a_list_of_text_is_refused(value):
    with pytest.raises(ValidationError):
        check_origins(value)


def test_at_most_twenty():
    many = [f"https://p{i}.gov.vn" for i in range(MAX_ORIGINS)]
    assert len(check_origins(many + many)) == MAX_ORIGINS  # duplicates do not count
    with pytest.raises(ValidationError) as caught:
        check_origins(many + ["https://one-more.gov.vn"])
    assert str(MAX_ORIGINS) in caught.value.message


def test_saving_is_audited_and_a_bad_list_changes_nothing(session, demo):
    ward = session.scalar(select(Ward).where(Ward.code == "MOLAO"))
    assert set_embed_origins(session, ward, "https://molao.gov.vn\nhttps://hadong.hanoi.gov.vn", user=None)
    assert ward.embed_origins == ["https://molao.gov.vn", "https://hadong.hanoi.gov.vn"]
    assert not set_embed_origins(session, ward, "https://MOLAO.gov.vn/ https://hadong.hanoi.gov.vn", user=None)
    with pytest.raises(ValidationError):
        set_embed_origins(session, ward, "https://ok.gov.vn\nhttps://bad.gov.vn/path", user=None)
    assert ward.embed_origins == ["https://molao.gov.vn", "https://hadong.hanoi.gov.vn"]
    assert set_embed_origins(session, ward, "", user=None) and ward.embed_origins is None
    rows = session.scalars(select(AuditLog).where(AuditLog.action == "ward.embed_origins").order_by(AuditLog.id))
    assert [r.detail["to"] for r in rows] == [["https://molao.gov.vn", "https://hadong.hanoi.gov.vn"], []]
