"""The web origins allowed to frame a ward's embeddable player (its portal, the district's site).

An origin is what a browser compares in CSP ``frame-ancestors``: scheme, host
and port, nothing else. A path, a query or a wildcard would either never
match or allow far more than the ward meant, so they are refused rather than
trimmed silently; a trailing ``/`` (as pasted from the address bar) is fine.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from ..domain.models import User, Ward
from ..errors import ValidationError
from ..security import audit

MAX_ORIGINS = 20
MAX_LENGTH = 300
FIELD = "embed_origins"
DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_SEPARATORS = re.compile(r"[\s,;]+")
EXAMPLE = "https://molao.hadong.hanoi.gov.vn"


def _bad(entry: str, why: str) -> ValidationError:
    shown = entry if len(entry) <= 80 else entry[:77] + "…"
    return ValidationError(f"Địa chỉ «{shown}» {why}", code="invalid_origin", field=FIELD)


def _host(entry: str, hostname: str) -> str:
    if ":" in hostname:  # an IPv6 literal, which keeps its brackets in an origin
        try:
            return f"[{ipaddress.IPv6Address(hostname).compressed}]"
        except ValueError:
            raise _bad(entry, "có địa chỉ IPv6 không hợp lệ.") from None
    try:  # a Vietnamese domain name (IDN) becomes the xn-- form browsers send
        ascii_host = hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise _bad(entry, "có tên miền không hợp lệ.") from None
    if not all(_LABEL.match(label) for label in ascii_host.split(".")):
        raise _bad(entry, "có tên miền không hợp lệ.")
    return ascii_host


def check_origin(entry: str) -> str:
    """One origin as ``scheme://host[:port]``, lowercased, default port dropped."""
    if len(entry) > MAX_LENGTH:
        raise _bad(entry, f"dài quá {MAX_LENGTH} ký tự.")
    if "*" in entry:
        raise _bad(entry, "có dấu *: hãy ghi đủ từng địa chỉ, không dùng ký tự đại diện.")
    try:
        parts = urlsplit(entry)
        port = parts.port
    except ValueError:
        raise _bad(entry, "có cổng hoặc địa chỉ không hợp lệ.") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.netloc:
        raise _bad(entry, f"không phải địa chỉ web bắt đầu bằng http:// hoặc https:// (ví dụ {EXAMPLE}).")
    if parts.username is not None or parts.password is not None:
        raise _bad(entry, "không được chứa tên đăng nhập hay mật khẩu.")
    if parts.path not in ("", "/") or parts.query or parts.fragment or entry.endswith(("?", "#")):
        raise _bad(entry, f"chỉ được gồm giao thức và tên miền (ví dụ {EXAMPLE}), không có đường dẫn hay tham số.")
    if not parts.hostname:
        raise _bad(entry, "thiếu tên miền.")
    host = _host(entry, parts.hostname)
    if parts.netloc.endswith(":") or (port is not None and not 0 < port < 65536):
        raise _bad(entry, "có cổng không hợp lệ.")
    suffix = "" if port is None or port == DEFAULT_PORTS[scheme] else f":{port}"
    return f"{scheme}://{host}{suffix}"


def check_origins(value) -> list[str]:
    """The origins in ``value`` (text, one per line or separated by commas/spaces, or a list of strings),
    normalised, in order, without duplicates. Raises ``ValidationError`` naming the first bad entry."""
    if value is None:
        return []
    if isinstance(value, str):
        entries = [e for e in _SEPARATORS.split(value) if e]
    elif isinstance(value, list | tuple) and all(isinstance(e, str) for e in value):
        entries = [e.strip() for e in value if e.strip()]
    else:
        raise ValidationError("Danh sách địa chỉ được nhúng phải là văn bản hoặc danh sách chuỗi.", field=FIELD)
    origins = list(dict.fromkeys(check_origin(e) for e in entries))
    if len(origins) > MAX_ORIGINS:
        raise ValidationError(
            f"Chỉ được khai báo tối đa {MAX_ORIGINS} địa chỉ được nhúng (đang có {len(origins)}).",
            code="too_many_origins",
            field=FIELD,
        )
    return origins


def set_embed_origins(session: Session, ward: Ward, value, *, user: User | None, ip: str | None = None) -> bool:
    """Check and store the ward's embed origins (none stored as NULL), audited; whether they changed.
    On a bad entry nothing changes."""
    origins = check_origins(value)
    before = list(ward.embed_origins or [])
    if origins == before:
        return False
    ward.embed_origins = origins or None
    audit(session, "ward.embed_origins", user=user, obj=ward, ip=ip, detail={"from": before, "to": origins})
    session.flush()
    return True
