"""Cluster targeting on the bulletin: codes checked against the bulletin's stations, the per-station rule,
and every bad input refused with a Vietnamese sentence while nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from broadcast.bulletins import service
from broadcast.bulletins.targets import cluster_codes, station_clusters
from broadcast.domain.models import AuditLog, Bulletin, Cluster, Station
from broadcast.errors import ValidationError

from .conftest import bulletin_data


@pytest.fixture
def khac(session, demo):
    """A second station of the ward: it also has a TDP01 (codes are unique per station only) and a THON09."""
    molao = session.scalar(select(Station).where(Station.code == "MOLAO"))
    station = Station(code="KHAC", name="Đài xã bên", ward=molao.ward)
    station.clusters = [Cluster(code="TDP01", name="Thôn 1"), Cluster(code="THON09", name="Thôn 9")]
    session.add(station)
    session.flush()
    return station


def _station(session, code):
    return session.scalar(select(Station).where(Station.code == code))


def _count(session):
    return session.scalar(select(func.count(Bulletin.id)))


def test_a_bulletin_targets_clusters_by_code(session, users):
    b = service.create_bulletin(session, users["vanhoa"], bulletin_data(clusters=[" tdp07", "TDP05", "TDP05"]))
    assert [(c.station.code, c.code) for c in b.clusters] == [("MOLAO", "TDP05"), ("MOLAO", "TDP07")]
    assert cluster_codes(b) == ["TDP05", "TDP07"]
    assert station_clusters(b, _station(session, "MOLAO").id) == ["TDP05", "TDP07"]
    everyone = service.create_bulletin(session, users["vanhoa"], bulletin_data(clusters=[]))
    assert everyone.clusters == [] and station_clusters(everyone, _station(session, "MOLAO").id) is None


@pytest.mark.parametrize(
    ("stations", "clusters", "message"),
    [
        (None, ["TDP99"], "Không có cụm loa mã «TDP99»."),
        (["MOLAO"], ["TDP05", "THON09"], "Cụm loa THON09 thuộc đài KHAC, nhưng tin không phát ở đài đó"),
        (None, "TDP05", 'Cụm loa phải là danh sách mã cụm, ví dụ ["TDP05", "TDP07"].'),
        (None, ["TDP05", 7], "Cụm loa phải là danh sách mã cụm"),
    ],
)
def test_bad_clusters_are_refused_and_nothing_is_saved(session, users, khac, stations, clusters, message):
    before = _count(session)
    with pytest.raises(ValidationError) as err:
        service.create_bulletin(session, users["vanhoa"], bulletin_data(stations=stations, clusters=clusters))
    assert err.value.field == "clusters" and message in err.value.message
    assert _count(session) == before


def test_a_code_names_that_cluster_at_each_of_the_bulletins_stations(session, users, khac):
    molao = _station(session, "MOLAO")
    both = service.create_bulletin(session, users["vanhoa"], bulletin_data(clusters=["TDP01"]))
    assert sorted(c.station.code for c in both.clusters) == ["KHAC", "MOLAO"]
    assert cluster_codes(both) == ["TDP01"]
    one = service.create_bulletin(session, users["vanhoa"], bulletin_data(stations=["KHAC"], clusters=["TDP01"]))
    assert [c.station.code for c in one.clusters] == ["KHAC"]
    # The rule is per station: where the bulletin names none of a station's clusters, the whole station hears it.
    tdp05 = service.create_bulletin(session, users["vanhoa"], bulletin_data(clusters=["TDP05"]))
    assert station_clusters(tdp05, molao.id) == ["TDP05"] and station_clusters(tdp05, khac.id) is None


def test_editing_clusters_is_audited_and_stations_recheck_them(session, users, khac):
    b = service.create_bulletin(session, users["vanhoa"], bulletin_data(clusters=["TDP05"]))
    service.update_bulletin(session, users["vanhoa"], b, {"clusters": ["TDP05", "TDP07"]})
    assert cluster_codes(b) == ["TDP05", "TDP07"]
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "bulletin.update")).all()[-1]
    assert audit.detail["fields"] == ["clusters"]
    # Moving the bulletin to a station that lacks its clusters is refused; the bulletin keeps its targets.
    with pytest.raises(ValidationError, match="Cụm loa TDP05 thuộc đài MOLAO") as err:
        service.update_bulletin(session, users["vanhoa"], b, {"stations": ["KHAC"]})
    assert err.value.field == "clusters"
    session.refresh(b)
    assert b.all_stations and cluster_codes(b) == ["TDP05", "TDP07"]
    # Both at once: the new clusters are checked against the new stations.
    service.update_bulletin(session, users["vanhoa"], b, {"stations": ["KHAC"], "clusters": ["THON09"]})
    assert [(c.station.code, c.code) for c in b.clusters] == [("KHAC", "THON09")]
    service.update_bulletin(session, users["vanhoa"], b, {"clusters": None})
    assert b.clusters == []


def test_an_unchanged_cluster_list_changes_nothing(session, users):
    b = service.create_bulletin(session, users["vanhoa"], bulletin_data(clusters=["TDP05"]))
    version, updated = b.version, b.updated_at
    service.update_bulletin(session, users["vanhoa"], b, {"clusters": ["tdp05"]})
    assert (b.version, b.updated_at) == (version, updated)
    assert session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "bulletin.update")) == 0


def test_the_demo_has_a_bulletin_for_two_clusters(session, demo):
    targeted = {b.title: cluster_codes(b) for b in session.scalars(select(Bulletin)) if b.clusters}
    assert targeted == {"Phổ biến văn bản quy phạm pháp luật mới": ["TDP05", "TDP07"]}
