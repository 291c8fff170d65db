"""broadcast.relay.urls: which addresses a station may relay (http(s) stream servers, never a local file, another
protocol or Loa Phường's own address)."""

from __future__ import annotations

import pytest

from broadcast.errors import ValidationError
from broadcast.relay.urls import check_relay_url

OWN = ("127.0.0.1:8080",)


@pytest.mark.parametrize(
    "url,own,expected",
    [
        ("http://vov.vn/vov1", (), "http://vov.vn/vov1"),
        ("https://stream.example.org:8443/live.m3u8", (), "https://stream.example.org:8443/live.m3u8"),
        ("  http://127.0.0.1:8000/vov1 \n", OWN, "http://127.0.0.1:8000/vov1"),  # a local Icecast is an upstream
        ("http://localhost:8081/tinh", OWN, "http://localhost:8081/tinh"),  # another loopback port too
        ("https://127.0.0.1:8080/vov1", (), "https://127.0.0.1:8080/vov1"),  # no own address given
    ],
)
def test_stream_servers_are_accepted(url, own, expected):
    assert check_relay_url(url, own_addresses=own) == expected


@pytest.mark.parametrize(
    "url,words",
    [
        ("file:///etc/passwd", "Chỉ tiếp sóng được luồng http://"),
        ("rtsp://camera.local/stream", "Chỉ tiếp sóng được luồng http://"),
        ("ftp://vov.vn/vov1.mp3", "Chỉ tiếp sóng được luồng http://"),
        ("pipe:0", "Chỉ tiếp sóng được luồng http://"),
        ("concat:a.mp3|b.mp3", "Chỉ tiếp sóng được luồng http://"),
        ("", "Cần địa chỉ luồng tiếp sóng"),
        ("   ", "Cần địa chỉ luồng tiếp sóng"),
        ("http://", "thiếu tên máy chủ"),
        ("http://vov vn/vov1", "thiếu tên máy chủ hoặc có dấu cách"),
        ("http://vov.vn:99999/vov1", "không hợp lệ"),
        ("http://vov.vn/" + "x" * 1000, "dài quá"),
    ],
)
def test_other_protocols_and_bad_addresses_are_refused_in_vietnamese(url, words):
    with pytest.raises(ValidationError) as err:
        check_relay_url(url, field="source_url")
    assert words in err.value.message
    assert err.value.field == "source_url"


@pytest.mark.parametrize(
    "url,own",
    [
        ("http://127.0.0.1:8080/", ("127.0.0.1:8080",)),
        ("http://localhost:8080/dashboard", ("127.0.0.1:8080",)),  # localhost and 127.0.0.1 are one machine
        ("http://127.0.0.1:8080/x", ("localhost:8080",)),
        ("http://[::1]:8080/", ("127.0.0.1:8080",)),
        ("http://127.0.1.1:8080/", ("localhost:8080",)),  # the whole 127/8 is this machine
        ("http://LOA.example/", ("loa.example",)),  # no port on either side: http's 80
        ("https://loa.example/api/v1/sources", ("loa.example:443",)),
        ("http://loa.example:8080/", ("http://loa.example:8080",)),  # an own address given as a URL
    ],
)
def test_loa_phuongs_own_address_is_refused(url, own):
    with pytest.raises(ValidationError) as err:
        check_relay_url(url, own_addresses=own)
    assert "chính Loa Phường" in err.value.message


@pytest.mark.parametrize(
    "url,own",
    [
        ("http://127.0.0.1:8000/vov1", ("127.0.0.1:8080",)),  # a different loopback port: a local Icecast
        ("http://localhost:8000/vov1", ("localhost:8080",)),
        ("http://loa.example:8000/vov1", ("loa.example",)),
        ("http://other.example/", ("loa.example",)),
        ("http://vov.vn/", ("bad host:port:x",)),  # an own address that does not parse is ignored
    ],
)
def test_other_servers_on_the_same_machine_or_name_are_accepted(url, own):
    assert check_relay_url(url, own_addresses=own) == url
