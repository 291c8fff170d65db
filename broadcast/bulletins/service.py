"""Creating, validating and editing bulletins, and their comments.

Every failure is a ``BroadcastError`` with one Vietnamese sentence and the
offending ``field``; on failure nothing is changed (the caller rolls back and
nothing is flushed before validation passes).
"""

from __future__ import annotations

import math
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import session_settings
from ..dates import parse_day
from ..domain.labels import AIRABLE_STATUSES, PRIORITY_LABELS, status_label
from ..domain.models import (
    Bulletin,
    BulletinComment,
    BulletinStatus,
    Category,
    Department,
    Priority,
    Role,
    Station,
    User,
)
from ..domain.types import utcnow
from ..errors import Conflict, NotFound, PermissionDenied, ValidationError
from ..province import targets as province_targets
from ..province.decisions import sync_deliveries
from ..publishing.visibility import default_public, is_public
from ..security import audit
from ..speech.voices import check_choice
from ..tenancy import is_ward_scoped
from . import permissions as perm
from .targets import parse_clusters, same_clusters
from .workflow import requeue_after_edit, submit

S = BulletinStatus

MAX_TITLE = 300
MAX_BODY = 10_000
MAX_COMMENT = 2_000
MAX_AIRINGS = 500
# A loudspeaker reading of Vietnamese runs at about 14 written characters a second
# (≈ 3.3 syllables/s with spaces and punctuation); web/static/bulletin-form.js uses the same figure.
CHARS_PER_SECOND = 14.0

FIELD_LABELS = {
    "title": "Tiêu đề",
    "body": "Nội dung",
    "spoken_text": "Văn bản đọc",
    "category": "Chuyên mục",
    "department": "Đơn vị",
    "priority": "Mức ưu tiên",
    "valid_from": "Phát từ ngày",
    "valid_until": "Phát đến ngày",
    "airings": "Số lượt phát",
    "stations": "Đài phát",
    "wards": "Phường, xã nhận",
    "clusters": "Cụm loa",
    "voice": "Giọng đọc",
}
EDITABLE_FIELDS = tuple(FIELD_LABELS)
# Changing any of these after approval sends the bulletin back to review.
CONTENT_FIELDS = ("title", "body", "category", "department", "priority")
# Changing any of these changes the audio, so the version (cache key) moves on.
AUDIO_FIELDS = ("title", "body", "spoken_text")


def estimate_seconds(text: str | None) -> int:
    """Estimated spoken duration of ``text`` in whole seconds."""
    n = len((text or "").strip())
    return math.ceil(n / CHARS_PER_SECOND) if n else 0


def format_duration(seconds: int) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m} phút {s:02d} giây" if m else f"{s} giây"


# --- validation ---------------------------------------------------------------------------------


def _text(data: dict, name: str, *, limit: int, required: bool) -> str | None:
    value = data.get(name)
    label = FIELD_LABELS[name]
    if value is None:
        if required:
            raise ValidationError(f"{label} không được để trống.", field=name)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{label} phải là một chuỗi ký tự.", field=name)
    if "\x00" in value:
        raise ValidationError(f"{label} chứa ký tự không hợp lệ.", field=name)
    value = value.replace("\r\n", "\n").strip()
    if required and not value:
        raise ValidationError(f"{label} không được để trống hoặc chỉ có khoảng trắng.", field=name)
    if len(value) > limit:
        raise ValidationError(
            f"{label} dài {len(value):,} ký tự, vượt giới hạn {limit:,} ký tự.".replace(",", "."), field=name
        )
    return value


def _date(data: dict, name: str) -> date:
    value = data.get(name)
    label = FIELD_LABELS[name]
    if isinstance(value, date):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(f"{label} không được để trống.", field=name)
    if not isinstance(value, str):
        raise ValidationError(f"{label} phải là ngày dạng YYYY-MM-DD.", field=name)
    try:
        parsed = parse_day(value, name)
    except ValidationError:
        # The form names the field ("Phát từ ngày ..."), which the shared message cannot.
        raise ValidationError(f"{label} «{value[:40]}» không phải ngày hợp lệ (dạng YYYY-MM-DD).", field=name) from None
    if not 2000 <= parsed.year <= 2099:
        raise ValidationError(f"{label} phải nằm trong khoảng năm 2000–2099.", field=name)
    return parsed


def _airings(value) -> int:
    if isinstance(value, bool) or value is None:
        raise ValidationError("Số lượt phát phải là số nguyên từ 1 trở lên.", field="airings")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ValidationError("Số lượt phát phải là số nguyên từ 1 trở lên.", field="airings") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise ValidationError("Số lượt phát phải là số nguyên từ 1 trở lên.", field="airings")
    if value < 1:
        raise ValidationError("Số lượt phát phải từ 1 trở lên.", field="airings")
    if value > MAX_AIRINGS:
        raise ValidationError(f"Số lượt phát tối đa là {MAX_AIRINGS}.", field="airings")
    return value


def _lookup(session: Session, model, value, field: str, what: str):
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"Cần chọn {what}.", field=field)
    row = session.scalar(select(model).where(model.code == value.strip()))
    if row is None:
        raise ValidationError(f"Không có {what} mã «{value.strip()[:40]}».", code=f"unknown_{field}", field=field)
    return row


def _stations(session: Session, value) -> list[Station] | None:
    """None (or an empty list) means every station."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError('Đài phát phải là danh sách mã đài, ví dụ ["MOLAO"].', field="stations")
    codes = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    if not codes:
        return None
    rows = {s.code: s for s in session.scalars(select(Station).where(Station.code.in_(codes)))}
    unknown = [c for c in codes if c not in rows]
    if unknown:
        raise ValidationError(f"Không có đài mã «{unknown[0][:40]}».", code="unknown_station", field="stations")
    return [rows[c] for c in codes]


def _department(session: Session, code) -> Department:
    """A department by code; a ward user never writes for the province's departments (nor sees another
    ward's), and is told so as for a code that does not exist."""
    department = _lookup(session, Department, code, "department", "đơn vị")
    if is_ward_scoped(session) and province_targets.is_province_department(department):
        raise ValidationError(
            f"Không có đơn vị mã «{code.strip()[:40]}».", code="unknown_department", field="department"
        )
    return department


def _clusters(session: Session, data: dict, out: dict, current: Bulletin | None, department) -> list:
    """The clusters asked for, checked against the stations the bulletin will go to (the new ones when
    they change too). A change of stations alone re-checks the clusters already chosen, so a bulletin
    never keeps clusters of a station it no longer goes to."""
    before = None if current is None or current.all_stations else current.stations
    stations = out.get("stations", before)
    if stations is None and department is not None and department.ward_id is not None:
        # a ward's bulletin for all stations reaches its own ward's stations only
        stations = session.scalars(select(Station).where(Station.ward_id == department.ward_id)).all()
    codes = data["clusters"] if "clusters" in data else [c.code for c in current.clusters]
    return parse_clusters(session, codes, stations)


def validate(
    session: Session, data: dict, *, current: Bulletin | None = None, department: Department | None = None
) -> dict:
    """Check ``data`` (API/form field names) and return model values for the keys present.

    With ``current`` only the given keys are checked (a partial update), and
    dates are checked against the bulletin's other date.  ``department``: the one a new bulletin gets when
    ``data`` names none (its writer's), whose ward bounds the clusters of a bulletin for all stations.
    """
    if not isinstance(data, dict):
        raise ValidationError("Dữ liệu gửi lên phải là một đối tượng JSON.")
    unknown = [k for k in data if k not in EDITABLE_FIELDS and k != "submit"]
    if unknown:
        raise ValidationError(
            f"Trường «{unknown[0][:40]}» không được hỗ trợ.", code="unknown_field", field=str(unknown[0])[:40]
        )
    full = current is None
    out: dict = {}
    if full or "title" in data:
        out["title"] = _text(data, "title", limit=MAX_TITLE, required=True)
    if full or "body" in data:
        out["body"] = _text(data, "body", limit=MAX_BODY, required=True)
    if "spoken_text" in data:
        out["spoken_text"] = _text(data, "spoken_text", limit=MAX_BODY, required=False) or None
    if full or "category" in data:
        out["category"] = _lookup(session, Category, data.get("category"), "category", "chuyên mục")
    if "department" in data and data["department"] not in (None, ""):
        out["department"] = _department(session, data["department"])
    if full or "priority" in data:
        value = data.get("priority", Priority.normal.value) if full else data.get("priority")
        if value in (None, ""):
            value = Priority.normal.value
        if value not in PRIORITY_LABELS:
            raise ValidationError("Mức ưu tiên phải là normal, priority hoặc emergency.", field="priority")
        out["priority"] = value
    if full or "valid_from" in data:
        out["valid_from"] = _date(data, "valid_from")
    if full or "valid_until" in data:
        out["valid_until"] = _date(data, "valid_until")
    if full or "airings" in data:
        out["airings"] = _airings(data.get("airings", 1) if full else data.get("airings"))
    if "stations" in data:
        out["stations"] = _stations(session, data["stations"])
    if "wards" in data:  # a province bulletin's wards: every one, or their stations beside those named
        out["wards"] = province_targets.parse_wards(session, data["wards"])
        if out["wards"] == province_targets.ALL:
            out["stations"] = None
        else:
            named = out.get("stations") or []
            out["stations"] = province_targets.merge_stations(
                named, province_targets.ward_stations(session, out["wards"])
            )
    if "clusters" in data or (current is not None and "stations" in out and current.clusters):
        dept = out.get("department") or (current.department if current is not None else department)
        out["clusters"] = _clusters(session, data, out, current, dept)
    if "voice" in data:  # this bulletin's own voice over its stations' (None: theirs)
        out["voice"] = check_choice(data["voice"], session_settings(session))
    start = out.get("valid_from", current.valid_from if current is not None else None)
    end = out.get("valid_until", current.valid_until if current is not None else None)
    if start and end and end < start:
        raise ValidationError("Ngày kết thúc phát không được trước ngày bắt đầu phát.", field="valid_until")
    return out


# --- create / update -----------------------------------------------------------------------------


def _differs(bulletin: Bulletin, name: str, value) -> bool:
    if name == "stations":
        old = None if bulletin.all_stations else sorted(s.code for s in bulletin.stations)
        return old != (None if value is None else sorted(s.code for s in value))
    if name == "airings":
        return value != bulletin.airings_wanted
    if name == "clusters":
        return not same_clusters(bulletin, value)
    if name in ("category", "department"):
        return getattr(bulletin, name) is not value
    return getattr(bulletin, name) != value


def _apply(bulletin: Bulletin, values: dict) -> list[str]:
    """Set ``values`` on the bulletin; return the API names of the fields that changed."""
    changed = []
    for name, value in values.items():
        if name == "stations":
            old = None if bulletin.all_stations else sorted(s.code for s in bulletin.stations)
            new = None if value is None else sorted(s.code for s in value)
            if old != new:
                bulletin.all_stations = value is None
                bulletin.stations = list(value or [])
                changed.append(name)
        elif name == "clusters":
            if not same_clusters(bulletin, value):
                bulletin.clusters = list(value)
                changed.append(name)
        elif name == "airings":
            if value != bulletin.airings_wanted:
                done = (bulletin.airings_wanted or 0) - (bulletin.airings_left or 0)
                bulletin.airings_wanted = value
                bulletin.airings_left = max(0, value - max(0, done))
                changed.append(name)
        elif name in ("category", "department"):
            if getattr(bulletin, name) is not value:
                setattr(bulletin, name, value)
                changed.append(name)
        else:
            if getattr(bulletin, name) != value:
                setattr(bulletin, name, value)
                changed.append(name)
    return changed


def create_bulletin(session: Session, actor: User, data: dict, *, submit_now: bool | None = None) -> Bulletin:
    if actor.role == Role.viewer.value:
        raise PermissionDenied("Người xem không được tạo tin.")
    if submit_now is None:
        flag = data.get("submit", False) if isinstance(data, dict) else False
        if not isinstance(flag, bool):
            raise ValidationError("Trường «submit» phải là true hoặc false.", field="submit")
        submit_now = flag
    values = validate(session, data, department=actor.department)
    if "department" not in values:
        if actor.department is None:
            raise ValidationError("Cần chọn đơn vị gửi tin.", field="department")
        values["department"] = actor.department
    if not perm.can_create_for(actor, values["department"].id):
        raise PermissionDenied("Bạn chỉ được viết tin cho đơn vị của mình.", field="department")
    wards = values.pop("wards", None)
    province_targets.check_targets(values["department"], values, wards, creating=True)
    if "spoken_text" in values and not perm.can_edit_spoken(actor, Bulletin(status=S.draft.value)):
        raise PermissionDenied("Chỉ cán bộ đài mới được sửa văn bản đọc.", field="spoken_text")
    bulletin = Bulletin(
        status=S.draft.value,
        author=actor,
        version=1,
        all_stations=True,
        airings_wanted=values["airings"],
        airings_left=values["airings"],
    )
    _apply(bulletin, {k: v for k, v in values.items() if k != "airings"})
    session.add(bulletin)
    session.flush()
    audit(session, "bulletin.create", user=actor, obj=bulletin, detail={"to": S.draft.value, "version": 1})
    if submit_now:
        submit(session, bulletin, actor)
    session.flush()
    return bulletin


def update_bulletin(session: Session, actor: User, bulletin: Bulletin, data: dict) -> Bulletin:
    """Partial update. Content changes after approval send the bulletin back to review;
    changes to what is spoken bump ``version`` (the audio cache key). ``public_choice`` goes
    through ``set_public`` (its own rule of who decides)."""
    if not perm.can_view(actor, bulletin):
        raise NotFound(f"Không có tin số {bulletin.id}.", code="bulletin_not_found")
    if isinstance(data, dict) and "submit" in data:
        raise ValidationError("Dùng thao tác gửi duyệt (/submit) để gửi tin.", field="submit")
    if isinstance(data, dict) and "public" in data:
        raise ValidationError(PUBLIC_READ_ONLY, field="public")
    choice = ...
    if isinstance(data, dict) and "public_choice" in data:
        data = dict(data)
        choice = data.pop("public_choice")
        check_public_choice(session, actor, bulletin, choice)
    checked = validate(session, data, current=bulletin)
    wards = checked.pop("wards", None)
    if "stations" in checked or "department" in checked or wards is not None:
        targets = {k: checked[k] for k in ("stations",) if k in checked}
        province_targets.check_targets(checked.get("department", bulletin.department), targets, wards, creating=False)
    values = {k: v for k, v in checked.items() if _differs(bulletin, k, v)}
    spoken = values.pop("spoken_text", ...) if "spoken_text" in values else ...
    if (values or spoken is not ...) and perm.sent_down_to(actor, bulletin):
        raise PermissionDenied(
            "Tin của tỉnh gửi xuống: phường không sửa được, chỉ nhận phát hoặc từ chối trong hàng chờ «Tin của tỉnh»."
        )
    if values:
        if not perm.can_edit_text(actor, bulletin):
            if actor.role in perm.STAFF_ROLES or (
                actor.role == Role.submitter.value and perm.same_department(actor, bulletin)
            ):
                raise Conflict(
                    f"Tin đang ở trạng thái «{status_label(bulletin.status)}», không sửa được.", code="invalid_state"
                )
            raise PermissionDenied("Bạn không được sửa tin này.")
        if "department" in values and not perm.can_create_for(actor, values["department"].id):
            raise PermissionDenied("Bạn chỉ được chuyển tin cho đơn vị của mình.", field="department")
    if spoken is not ...:
        if not perm.can_edit_spoken(actor, bulletin):
            if actor.role in (Role.admin.value, Role.operator.value):
                raise Conflict(
                    f"Tin đang ở trạng thái «{status_label(bulletin.status)}», không sửa được.", code="invalid_state"
                )
            raise PermissionDenied("Chỉ cán bộ đài mới được sửa văn bản đọc.", field="spoken_text")
        values["spoken_text"] = spoken
    changed = _apply(bulletin, values)
    if choice is not ...:
        set_public(session, actor, bulletin, choice)
    if not changed:
        return bulletin
    if any(f in changed for f in AUDIO_FIELDS):
        bulletin.version = (bulletin.version or 1) + 1
    bulletin.updated_at = utcnow()
    audit(session, "bulletin.update", user=actor, obj=bulletin, detail={"fields": changed, "version": bulletin.version})
    if bulletin.status in (S.approved.value, S.scheduled.value) and any(f in changed for f in CONTENT_FIELDS):
        requeue_after_edit(session, bulletin, actor, changed)
    elif (
        "stations" in changed
        and bulletin.status in AIRABLE_STATUSES
        and province_targets.is_province_bulletin(bulletin)
    ):
        sync_deliveries(session, bulletin, actor)  # targets changed after approval: deliveries follow
    session.flush()
    return bulletin


def recording_changed(session: Session, actor: User, bulletin: Bulletin, path: str | None) -> None:
    """A new recorded reading replaces the audio: new version, and re-review if it was approved."""
    bulletin.recording_path = path
    bulletin.version = (bulletin.version or 1) + 1
    bulletin.updated_at = utcnow()
    audit(
        session,
        "bulletin.recording",
        user=actor,
        obj=bulletin,
        detail={"fields": ["recording"], "version": bulletin.version},
    )
    if bulletin.status in (S.approved.value, S.scheduled.value):
        requeue_after_edit(session, bulletin, actor, ["recording"])
    session.flush()


# --- the public listening page ------------------------------------------------------------------

PUBLIC_READ_ONLY = (
    "Trường «public» chỉ để đọc (tin có lên trang nghe công khai hay không); để chọn, gửi «public_choice»: "
    "true, false hoặc null (theo mặc định của chuyên mục)."
)


def may_set_public(session: Session, actor: User, bulletin: Bulletin) -> bool:
    """Who puts a bulletin on the public page: whoever may review it (the approver; never its
    author), and the admin."""
    return actor.role == Role.admin.value or perm.can_review(session, actor, bulletin)


def check_public_choice(session: Session, actor: User, bulletin: Bulletin, value) -> bool | None:
    """The choice ``value`` (True, False, or None for the category's default) if ``actor`` may make it."""
    if not may_set_public(session, actor, bulletin):
        raise PermissionDenied(
            "Chỉ lãnh đạo duyệt tin hoặc quản trị mới được chọn đăng tin lên trang nghe công khai.",
            field="public_choice",
        )
    if value is not None and not isinstance(value, bool):
        raise ValidationError(
            "«public_choice» phải là true (đăng công khai), false (không đăng) hoặc null (theo mặc định "
            "của chuyên mục).",
            field="public_choice",
        )
    return value


def public_state(bulletin: Bulletin) -> dict:
    """What the page and the API show: the effective value, the choice, and the category's default."""
    return {
        "public": is_public(bulletin),
        "choice": bulletin.public,
        "default": default_public(bulletin.category.code if bulletin.category else None),
    }


def set_public(session: Session, actor: User, bulletin: Bulletin, value) -> bool:
    """Record the approver's choice (None: back to the category's default), audited with from/to;
    whether it changed. The web layer then clears the public pages' cache."""
    if not perm.can_view(actor, bulletin):
        raise NotFound(f"Không có tin số {bulletin.id}.", code="bulletin_not_found")
    choice = check_public_choice(session, actor, bulletin, value)
    if bulletin.public is choice:
        return False
    before = bulletin.public
    bulletin.public = choice
    audit(
        session,
        "bulletin.public",
        user=actor,
        obj=bulletin,
        detail={"from": before, "to": choice, "public": is_public(bulletin)},
    )
    session.flush()
    return True


# --- comments ------------------------------------------------------------------------------------


def add_comment(session: Session, actor: User, bulletin: Bulletin, body) -> BulletinComment:
    if not perm.can_view(actor, bulletin):
        raise NotFound(f"Không có tin số {bulletin.id}.", code="bulletin_not_found")
    if actor.role == Role.viewer.value:
        raise PermissionDenied("Người xem không được bình luận.")
    if not isinstance(body, str) or not body.strip():
        raise ValidationError("Bình luận không được để trống.", field="comment")
    if "\x00" in body:
        raise ValidationError("Bình luận chứa ký tự không hợp lệ.", field="comment")
    body = body.strip()
    if len(body) > MAX_COMMENT:
        raise ValidationError(f"Bình luận dài quá {MAX_COMMENT} ký tự.", field="comment")
    comment = BulletinComment(bulletin=bulletin, user=actor, body=body)
    session.add(comment)
    session.flush()
    audit(session, "bulletin.comment", user=actor, obj=bulletin, detail={"comment_id": comment.id})
    return comment


def get_visible(session: Session, actor: User, bulletin_id) -> Bulletin:
    """The bulletin, or NotFound if it does not exist or the actor may not see it."""
    try:
        bid = int(bulletin_id)
    except (TypeError, ValueError):
        raise NotFound(f"Không có tin số {str(bulletin_id)[:20]}.", code="bulletin_not_found") from None
    bulletin = session.get(Bulletin, bid) if 0 < bid < 2**31 else None
    if bulletin is None or not perm.can_view(actor, bulletin):
        raise NotFound(f"Không có tin số {bid}.", code="bulletin_not_found")
    return bulletin
