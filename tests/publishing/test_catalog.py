"""What the public catalogue lists and refuses, table-driven over the publishing states."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from broadcast.domain.models import Bulletin, Station
from broadcast.errors import NotFound
from broadcast.publishing import catalog
from tests.published import OTHER_WARD, WARD, add_airing


def test_lists_only_published_bulletins_of_the_ward_latest_airing_first(runtime, published):
    with runtime.unit() as s:
        listing = catalog.list_published(s, catalog.find_ward(s, WARD))
    ids = [item.id for item in listing.items]
    assert sorted(ids) == sorted(published["public"] + published["chosen_public"])
    assert listing.total == len(ids)
    aired = [item.last_aired for item in listing.items]
    assert aired == sorted(aired, reverse=True)
    assert all(item.audio_bytes > 0 and item.duration_ms == 1000 for item in listing.items)


@pytest.mark.parametrize("key", ["private_default", "turned_off", "not_aired", "withdrawn", "other_ward"])
def test_a_bulletin_not_published_here_is_gone_whatever_the_reason(runtime, published, key):
    with runtime.unit() as s:
        ward = catalog.find_ward(s, WARD)
        with pytest.raises(NotFound) as caught:
            catalog.get_published(s, ward, published[key][0])
    assert caught.value.message == catalog.GONE


def test_each_ward_sees_its_own(runtime, published):
    with runtime.unit() as s:
        other = catalog.list_published(s, catalog.find_ward(s, OTHER_WARD.lower()))
    assert [i.id for i in other.items] == published["other_ward"]


@pytest.mark.parametrize(
    "category, q, expected",
    [
        ("cchc", None, ["Thủ tục cấp căn cước trực tuyến"]),
        ("phap-luat", None, ["Luật Đất đai sửa đổi có hiệu lực"]),
        (None, "tiêm chủng", ["Tiêm chủng mở rộng tháng 12"]),
        (None, "TIÊM CHỦNG", ["Tiêm chủng mở rộng tháng 12"]),  # Vietnamese capitals fold on SQLite too
        (None, "ĐẤT ĐAI", ["Luật Đất đai sửa đổi có hiệu lực"]),
        (None, "100%_", []),
    ],
)
def test_filter_by_category_and_search(runtime, published, category, q, expected):
    with runtime.unit() as s:
        listing = catalog.list_published(s, catalog.find_ward(s, WARD), category=category, q=q)
    assert [i.title for i in listing.items] == expected


@pytest.mark.parametrize(
    "check, value",
    [
        (catalog.check_page, "0"),
        (catalog.check_page, "abc"),
        (catalog.check_page, "99999999"),
        (catalog.check_query, "x" * 101),
        (catalog.find_ward, "KHONGCO"),
    ],
)
def test_absurd_parameters_are_a_plain_not_found(runtime, check, value):
    with runtime.unit() as s, pytest.raises(NotFound):
        check(s, value) if check is catalog.find_ward else check(value)


def test_unknown_category_is_not_found(runtime, published):
    with runtime.unit() as s, pytest.raises(NotFound):
        catalog.check_category(s, "khong-co")


def test_a_bulletin_aired_again_tops_the_page_while_the_feed_order_keeps_its_first_airing(runtime, published):
    oldest = published["public"][0]  # first aired on the 20th, before the others
    with runtime.unit() as s:
        station = s.scalar(select(Station).where(Station.code == WARD))
        add_airing(s, s.get(Bulletin, oldest), station, datetime(2026, 11, 27, 23, 0, tzinfo=UTC))
    with runtime.unit() as s:
        ward = catalog.find_ward(s, WARD)
        page = catalog.list_published(s, ward).items
        feed = catalog.list_published(s, ward, newest="first").items
    assert page[0].id == oldest and page[0].last_aired > page[0].first_aired
    assert feed[-1].id == oldest
    assert [i.first_aired for i in feed] == sorted((i.first_aired for i in feed), reverse=True)
