"""Which addresses a station may relay: http(s) streams only, never a local file nor Loa Phường itself.

ffmpeg reads many protocols (``file:``, ``pipe:``, ``concat:``...); a relay URL typed by an operator or a
station file must only reach a stream server.  Loa Phường's own web address is refused too (relaying its
own pages makes no sound and would loop requests); other loopback servers, such as a local Icecast, are
legitimate upstreams.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..errors import ValidationError

SCHEMES = ("http", "https")
#: The protocols ffmpeg may open while relaying (an HLS playlist may not point at a local file).
FFMPEG_PROTOCOLS = "http,https,tcp,tls,crypto,httpproxy"
MAX_URL = 1000
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "[::1]"}


def _host_port(netloc_host: str | None, port: int | None, scheme: str) -> tuple[str, int]:
    host = (netloc_host or "").lower().strip("[]")
    return ("127.0.0.1" if host in _LOOPBACK_NAMES or host.startswith("127.") else host), (
        port or (443 if scheme == "https" else 80)
    )


def check_relay_url(url, *, own_addresses: tuple[str, ...] | list[str] = (), field: str = "url") -> str:
    """The URL, stripped, when a station may relay it; otherwise a ``ValidationError`` saying why.

    ``own_addresses`` are Loa Phường's own ``host:port`` (as a browser reached it, ``request.host``).
    """
    text = str(url or "").strip()
    if not text:
        raise ValidationError("Cần địa chỉ luồng tiếp sóng (http:// hoặc https://).", field=field)
    if len(text) > MAX_URL:
        raise ValidationError(f"Địa chỉ luồng dài quá {MAX_URL} ký tự.", field=field)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValidationError(f"Địa chỉ luồng {text!r} không hợp lệ.", field=field) from None
    if parts.scheme.lower() not in SCHEMES:
        raise ValidationError(
            "Chỉ tiếp sóng được luồng http:// hoặc https:// (Icecast, HLS); "
            "không dùng tệp trên máy hay giao thức khác.",
            field=field,
        )
    if not parts.hostname or any(c.isspace() for c in text):
        raise ValidationError(f"Địa chỉ luồng {text!r} thiếu tên máy chủ hoặc có dấu cách.", field=field)
    target = _host_port(parts.hostname, port, parts.scheme.lower())
    for own in own_addresses:
        own_parts = urlsplit(own if "//" in own else f"{parts.scheme}://{own}")
        try:
            mine = _host_port(own_parts.hostname, own_parts.port, own_parts.scheme.lower())
        except ValueError:
            continue
        if target == mine:
            raise ValidationError(
                "Đây là địa chỉ của chính Loa Phường, không phải một đài nguồn: hãy dùng địa chỉ luồng VOV, "
                "đài tỉnh hoặc máy chủ Icecast.",
                field=field,
            )
    return text
