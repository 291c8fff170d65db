"""The data model (SQLAlchemy 2 typed mappings).

Timestamps are stored in UTC (``UTCDateTime``); dates that a person means
("the programme of 1 October", "airtime of October") are local dates in the
station's timezone and stored as plain ``Date``.

As-run rows and audit rows are never deleted: the migrations add database
triggers that refuse DELETE on both and UPDATE on the audit log.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .types import JSONText, UTCDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Role(str, enum.Enum):
    admin = "admin"
    operator = "operator"
    approver = "approver"
    submitter = "submitter"
    viewer = "viewer"


class Priority(str, enum.Enum):
    normal = "normal"
    priority = "priority"
    emergency = "emergency"


class BulletinStatus(str, enum.Enum):
    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    rejected = "rejected"
    scheduled = "scheduled"
    airing = "airing"
    completed = "completed"
    expired = "expired"
    withdrawn = "withdrawn"


class AsRunStatus(str, enum.Enum):
    airing = "airing"
    aired = "aired"
    interrupted = "interrupted"
    failed = "failed"
    skipped = "skipped"
    missed = "missed"


def _enum_column(enum_cls, **kw):
    # Stored as plain strings (no native ENUM): adding a value later is a
    # code change, not a migration on every engine.
    return mapped_column(String(20), **kw)


class Province(Base):
    """The province (tỉnh, thành phố) an installation serves: its wards report to it (migration 0014).

    An installation holds one; a ward saved without one joins it (``broadcast.tenancy``)."""

    __tablename__ = "provinces"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The issuer printed at the head of province reports: the People's Committee or the department in charge.
    issuer: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    wards: Mapped[list[Ward]] = relationship(back_populates="province_ref", order_by="Ward.code")


class Ward(Base):
    __tablename__ = "wards"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Set on save when left empty (broadcast.tenancy): an installation holds one province.
    province_id: Mapped[int | None] = mapped_column(ForeignKey("provinces.id"))
    province: Mapped[str | None] = mapped_column(String(200))
    district: Mapped[str | None] = mapped_column(String(200))
    # Origins (https://portal.example.vn) allowed to frame the public player (migration 0013).
    embed_origins: Mapped[list | None] = mapped_column(JSONText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    province_ref: Mapped[Province] = relationship(back_populates="wards")
    stations: Mapped[list[Station]] = relationship(back_populates="ward")
    departments: Mapped[list[Department]] = relationship(back_populates="ward")


class WardSetting(Base):
    """A ward's own value of a run-time setting, over the installation's ``settings`` row (migration 0014)."""

    __tablename__ = "ward_settings"
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[object] = mapped_column(JSONText)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class UpstreamSource(Base):
    """A named upstream programme a station relays (VOV1, the provincial station), managed by operators."""

    __tablename__ = "upstream_sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000))
    # The ward that added it; NULL = the province's, offered to every ward (migration 0014).
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"))
    # national (VOV) | province | other: how reports group relayed time beside the station's own content
    category: Mapped[str] = mapped_column(String(20), default="other")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # The last "check now" or pre-slot probe: {"ok", "codec", "bitrate", "sample_rate", "channels",
    # "audible", "rms_dbfs", "error"} and when it ran.
    last_check: Mapped[dict | None] = mapped_column(JSONText)
    last_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LiveSession(Base):
    """A live broadcast from a phone or a computer: who spoke, on which stations, and its recording.

    ``status``: ``ready`` (created, no audio yet), ``starting`` (audio arriving: the playout puts it on
    air), ``on_air``, ``ended`` (stopped, or the browser's connection dropped), ``refused`` (the first
    upload was not audio: nothing aired).  The audio arrives as chunks appended to ``media_path``.
    """

    __tablename__ = "live_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The speaker's ward; NULL = a province user (migration 0014).
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"))
    station_ids: Mapped[list] = mapped_column(JSONText)
    # The loudspeaker clusters chosen (None = every cluster): honoured by the stations' agents, which serve
    # clusters; a station the server airs has one output for all of them.
    clusters: Mapped[list | None] = mapped_column(JSONText)
    status: Mapped[str] = mapped_column(String(20), default="ready", index=True)
    media_path: Mapped[str] = mapped_column(String(500))
    mime: Mapped[str | None] = mapped_column(String(100))
    bytes_received: Mapped[int] = mapped_column(BigInteger, default=0)
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_chunk_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(300))
    # The recording, as MP3, once the session has ended (scheduled again as a bulletin's recording).
    recording_path: Mapped[str | None] = mapped_column(String(500))
    recording_ms: Mapped[int | None] = mapped_column(Integer)
    bulletin_id: Mapped[int | None] = mapped_column(ForeignKey("bulletins.id"))

    user: Mapped[User] = relationship()


class Station(Base):
    """A loudspeaker station (đài truyền thanh) and its output."""

    __tablename__ = "stations"
    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # "device", "icecast://source:PW@HOST:PORT/MOUNT", "file:PATH", "null",
    # or "export" for stations fed by USB stick (no live sink).
    sink: Mapped[str] = mapped_column(String(500), default="null")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # {"engine", "voice", "speed"} its bulletins and announcements are read with; NULL = the installation's.
    voice: Mapped[dict | None] = mapped_column(JSONText)

    ward: Mapped[Ward] = relationship(back_populates="stations")
    clusters: Mapped[list[Cluster]] = relationship(
        back_populates="station", order_by="Cluster.code", cascade="all, delete-orphan"
    )
    sessions: Mapped[list[SessionTemplate]] = relationship(
        back_populates="station", order_by="SessionTemplate.start_time"
    )


class Cluster(Base):
    """A loudspeaker cluster, usually one per residential group (tổ dân phố)."""

    __tablename__ = "clusters"
    __table_args__ = (UniqueConstraint("station_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    speakers: Mapped[int] = mapped_column(Integer, default=1)

    station: Mapped[Station] = relationship(back_populates="clusters")


class Department(Base):
    """A submitting unit: a ward office, the Fatherland Front, a mass organisation; with no ward, a province
    unit (the department of culture, the provincial station) whose bulletins go down to the wards."""

    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    ward: Mapped[Ward] = relationship(back_populates="departments")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = _enum_column(Role)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # The ward the user works in; NULL = a province user, with their role over every ward (migration 0014).
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship()


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, so a leaked database leaks no token."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Category(Base):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_cchc: Mapped[bool] = mapped_column(Boolean, default=False)
    colour: Mapped[str] = mapped_column(String(9), default="#6e7781")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


bulletin_stations = Table(
    "bulletin_stations",
    Base.metadata,
    Column("bulletin_id", ForeignKey("bulletins.id", ondelete="CASCADE"), primary_key=True),
    Column("station_id", ForeignKey("stations.id"), primary_key=True),
)

# The clusters (residential groups) a bulletin is meant for; none = everyone its stations reach.
bulletin_clusters = Table(
    "bulletin_clusters",
    Base.metadata,
    Column("bulletin_id", ForeignKey("bulletins.id", ondelete="CASCADE"), primary_key=True),
    Column("cluster_id", ForeignKey("clusters.id"), primary_key=True),
)


class Bulletin(Base):
    """A piece of text (or a recording) to air, with its review workflow."""

    __tablename__ = "bulletins"
    __table_args__ = (
        Index("ix_bulletins_status_window", "status", "valid_from", "valid_until"),
        Index("ix_bulletins_department_status", "department_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # What TTS reads; the operator may edit it without touching the submitted body.
    spoken_text: Mapped[str | None] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    priority: Mapped[str] = _enum_column(Priority, default=Priority.normal.value)
    status: Mapped[str] = _enum_column(BulletinStatus, default=BulletinStatus.draft.value)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    airings_wanted: Mapped[int] = mapped_column(Integer, default=1)
    airings_left: Mapped[int] = mapped_column(Integer, default=1)
    all_stations: Mapped[bool] = mapped_column(Boolean, default=True)
    recording_path: Mapped[str | None] = mapped_column(String(500))
    review_comment: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A voice for this bulletin only ({"engine", "voice", "speed"}), over its stations' (migration 0010).
    voice: Mapped[dict | None] = mapped_column(JSONText)
    # On the ward's public page and feeds once aired; None = the category's default (migration 0013).
    public: Mapped[bool | None] = mapped_column(Boolean)

    category: Mapped[Category] = relationship()
    department: Mapped[Department] = relationship()
    deliveries: Mapped[list[Delivery]] = relationship(back_populates="bulletin", order_by="Delivery.station_id")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    stations: Mapped[list[Station]] = relationship(secondary=bulletin_stations)
    clusters: Mapped[list[Cluster]] = relationship(secondary=bulletin_clusters, order_by="Cluster.code")
    comments: Mapped[list[BulletinComment]] = relationship(
        back_populates="bulletin", order_by="BulletinComment.created_at"
    )

    @property
    def text_to_speak(self) -> str:
        return self.spoken_text or self.body


class BulletinComment(Base):
    __tablename__ = "bulletin_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bulletin: Mapped[Bulletin] = relationship(back_populates="comments")
    user: Mapped[User] = relationship()


class LexiconEntry(Base):
    """An operator's pronunciation entry: written form -> spoken form."""

    __tablename__ = "lexicon_entries"
    # A term once per ward and once province-wide (NULL ward): a ward's entry overrides the province's.
    __table_args__ = (
        Index("uq_lexicon_ward_term", "ward_id", "term", unique=True),
        Index(
            "uq_lexicon_province_term",
            "term",
            unique=True,
            sqlite_where=sql_text("ward_id IS NULL"),
            postgresql_where=sql_text("ward_id IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"))
    term: Mapped[str] = mapped_column(String(100))
    spoken: Mapped[str] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Setting(Base):
    """Ward-wide settings changeable at run time (JSON values)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[object] = mapped_column(JSONText)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AudioRendition(Base):
    """A rendered, loudness-normalised audio file, cached by content hash."""

    __tablename__ = "audio_renditions"
    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    bulletin_id: Mapped[int | None] = mapped_column(ForeignKey("bulletins.id"), index=True)
    bulletin_version: Mapped[int | None] = mapped_column(Integer)
    engine: Mapped[str] = mapped_column(String(40))
    voice: Mapped[str | None] = mapped_column(String(80))
    lexicon_version: Mapped[int] = mapped_column(Integer, default=0)
    spoken_text: Mapped[str | None] = mapped_column(Text)
    path: Mapped[str] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(Integer)
    loudness_lufs: Mapped[float | None] = mapped_column()
    true_peak_db: Mapped[float | None] = mapped_column()
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TtsUsage(Base):
    """Characters a paid voice provider read for us on one local day (migration 0009)."""

    __tablename__ = "tts_usage"
    __table_args__ = (UniqueConstraint("engine", "day", name="uq_tts_usage_engine_day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    engine: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date)
    chars: Mapped[int] = mapped_column(BigInteger, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)


class SessionTemplate(Base):
    """A station's recurring session (e.g. "sang" at 06:00), loaded from schedules/*.toml."""

    __tablename__ = "session_templates"
    __table_args__ = (UniqueConstraint("station_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    start_time: Mapped[time] = mapped_column(Time)
    # ISO weekdays, 1 = Monday, as a compact string "12345".
    days: Mapped[str] = mapped_column(String(7), default="12345")
    max_duration_s: Mapped[int] = mapped_column(Integer)
    slots: Mapped[list] = mapped_column(JSONText, default=list)
    source_file: Mapped[str | None] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    station: Mapped[Station] = relationship(back_populates="sessions")


class DateOverride(Base):
    """A holiday (no session) or a one-off extra session on one date."""

    __tablename__ = "date_overrides"
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    on_date: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "holiday" | "extra"
    session_code: Mapped[str | None] = mapped_column(String(40))
    start_time: Mapped[time | None] = mapped_column(Time)
    max_duration_s: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    # "file": from the station's TOML, replaced on reload; "web": added in the web admin, kept on reload
    source: Mapped[str] = mapped_column(String(20), default="file", server_default="file")


class Programme(Base):
    """One session of one station on one date, as built (and maybe locked)."""

    __tablename__ = "programmes"
    __table_args__ = (UniqueConstraint("station_id", "on_date", "session_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    on_date: Mapped[date] = mapped_column(Date, index=True)
    session_code: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    max_duration_s: Mapped[int] = mapped_column(Integer)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    warnings: Mapped[list] = mapped_column(JSONText, default=list)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    built_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    station: Mapped[Station] = relationship()
    items: Mapped[list[ProgrammeItem]] = relationship(
        back_populates="programme", order_by="ProgrammeItem.position", cascade="all, delete-orphan"
    )


class ProgrammeItem(Base):
    __tablename__ = "programme_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # asset | announcement | bulletin | filler
    bulletin_id: Mapped[int | None] = mapped_column(ForeignKey("bulletins.id"), index=True)
    rendition_id: Mapped[int | None] = mapped_column(ForeignKey("audio_renditions.id"))
    title: Mapped[str] = mapped_column(String(300), default="")
    category_code: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str | None] = mapped_column(Text)
    audio_path: Mapped[str | None] = mapped_column(String(500))
    planned_start: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    # Cluster codes the item is meant for (from its bulletin); NULL = the whole station (migration 0008).
    clusters: Mapped[list | None] = mapped_column(JSONText)
    # A relay item (kind "relay"): {"url", "upstream", "source", "category", "fallback"} where fallback is
    # "asset" | "announcement" | "skip" and audio_path holds the fallback's audio (migration 0011).
    relay: Mapped[dict | None] = mapped_column(JSONText)

    programme: Mapped[Programme] = relationship(back_populates="items")
    bulletin: Mapped[Bulletin | None] = relationship()


# The airtime report's partial indexes (and its queries, which repeat these literals so the planner can
# match them): aired time, and rows that did not air.
AS_RUN_AIRED = "status IN ('aired', 'interrupted')"
AS_RUN_NOT_AIRED = "status IN ('failed', 'skipped', 'missed')"
AS_RUN_RELAY = "kind = 'relay'"
AS_RUN_BULLETIN_AIRED = "status = 'aired' AND bulletin_id IS NOT NULL"


class AsRun(Base):
    """One item as it actually aired (the airtime log). Never deleted.

    Category, department and title are copied at air time so a later edit of
    the bulletin does not rewrite what the ward already reported upward.
    """

    __tablename__ = "as_run"
    __table_args__ = (
        Index("ix_as_run_date_station", "air_date", "station_id"),
        Index("ix_as_run_station_start", "station_id", "actual_start"),
        Index("ix_as_run_status", "status"),
        # Partial covering indexes for the airtime report (broadcast/reports/airtime.py), migration 0006.
        Index(
            "ix_as_run_aired_station",
            "air_date",
            "station_id",
            "session_code",
            "category_code",
            "status",
            "aired_ms",
            "planned_ms",
            sqlite_where=sql_text(AS_RUN_AIRED),
            postgresql_where=sql_text(AS_RUN_AIRED),
        ),
        Index(
            "ix_as_run_aired_item",
            "air_date",
            "bulletin_id",
            "title",
            "category_code",
            "department_code",
            "status",
            "source",
            "aired_ms",
            "planned_ms",
            "actual_start",
            sqlite_where=sql_text(AS_RUN_AIRED),
            postgresql_where=sql_text(AS_RUN_AIRED),
        ),
        Index(
            "ix_as_run_not_aired",
            "air_date",
            "station_id",
            "session_code",
            "category_code",
            sqlite_where=sql_text(AS_RUN_NOT_AIRED),
            postgresql_where=sql_text(AS_RUN_NOT_AIRED),
        ),
        Index("ux_as_run_uid", "uid", unique=True),  # an agent's row is stored once (migration 0007)
        # The report's relay section reads relay rows alone (migration 0011).
        Index(
            "ix_as_run_relay",
            "air_date",
            "station_id",
            sqlite_where=sql_text(AS_RUN_RELAY),
            postgresql_where=sql_text(AS_RUN_RELAY),
        ),
        # The public page finds a bulletin's first complete airing (migration 0013).
        Index(
            "ix_as_run_bulletin_aired",
            "bulletin_id",
            "actual_start",
            sqlite_where=sql_text(AS_RUN_BULLETIN_AIRED),
            postgresql_where=sql_text(AS_RUN_BULLETIN_AIRED),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id", ondelete="SET NULL"))
    programme_item_id: Mapped[int | None] = mapped_column(ForeignKey("programme_items.id", ondelete="SET NULL"))
    session_code: Mapped[str | None] = mapped_column(String(40))
    air_date: Mapped[date] = mapped_column(Date)
    position: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default="bulletin")
    bulletin_id: Mapped[int | None] = mapped_column(ForeignKey("bulletins.id"), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    category_code: Mapped[str | None] = mapped_column(String(40))
    department_code: Mapped[str | None] = mapped_column(String(40))
    scheduled_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_start: Mapped[datetime] = mapped_column(UTCDateTime)
    actual_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_ms: Mapped[int | None] = mapped_column(Integer)
    aired_ms: Mapped[int] = mapped_column(Integer, default=0)
    lateness_ms: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = _enum_column(AsRunStatus, default=AsRunStatus.airing.value)
    source: Mapped[str] = mapped_column(String(20), default="playout")  # playout | manual
    # The playout run (PlayoutRun.id) that wrote this row; NULL for manual rows.
    run_id: Mapped[int | None] = mapped_column(Integer, index=True)
    sink: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The station agent (Device.id) that aired and delivered this row, and the row's stable id on the
    # agent, which makes delivery idempotent (migration 0007). No FK, like run_id: adding one on SQLite
    # would copy the table and drop the append-only triggers.
    device_id: Mapped[int | None] = mapped_column(Integer, index=True)
    uid: Mapped[str | None] = mapped_column(String(64))
    # The item's target cluster codes, copied at air time; NULL = the whole station (migration 0008).
    clusters: Mapped[list | None] = mapped_column(JSONText)
    # A relay row's upstream (the source's name, or its URL when it has none) and how long its fallback
    # aired instead, in ms (migration 0011); aired_ms counts only the time actually relayed.
    upstream: Mapped[str | None] = mapped_column(String(300))
    fallback_ms: Mapped[int | None] = mapped_column(Integer)
    # A recorded relay's MP3 (slot option record = true), to be aired again as a bulletin's recording.
    recording_path: Mapped[str | None] = mapped_column(String(500))

    station: Mapped[Station] = relationship()
    bulletin: Mapped[Bulletin | None] = relationship()


# The airtime report's day rollups (migration 0015): derived from as_run by triggers on every write, so a
# backup leaves them out (``info["derived"]``) and a restore rebuilds them from the rows it inserts.  A
# missing session, category or department is '' and a missing bulletin 0, so every key is a primary key.
class AsRunDaySession(Base):
    """Per day, station, session and category: aired rows and airtime (of it relayed), rows not aired."""

    __tablename__ = "as_run_day_session"
    __table_args__ = ({"info": {"derived": True}},)
    air_date: Mapped[date] = mapped_column(Date, primary_key=True)
    station_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    aired_n: Mapped[int] = mapped_column(Integer)
    aired_ms: Mapped[int] = mapped_column(BigInteger)
    relay_ms: Mapped[int] = mapped_column(BigInteger)
    not_aired_n: Mapped[int] = mapped_column(Integer)


class AsRunDayItem(Base):
    """Per day, ward and item (bulletin, title, category, department): aired rows, airtime, manual and
    interrupted ones, first and last airing."""

    __tablename__ = "as_run_day_item"
    __table_args__ = ({"info": {"derived": True}},)
    air_date: Mapped[date] = mapped_column(Date, primary_key=True)
    ward_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    department_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    ms: Mapped[int] = mapped_column(BigInteger)
    manual_n: Mapped[int] = mapped_column(Integer)
    manual_ms: Mapped[int] = mapped_column(BigInteger)
    interrupted_n: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Plan(Base):
    """A yearly propaganda plan (kế hoạch tuyên truyền CCHC) with its targets."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"))
    title: Mapped[str] = mapped_column(String(300))
    number: Mapped[str | None] = mapped_column(String(80))
    issued_on: Mapped[date | None] = mapped_column(Date)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    # Day of the last month of each reporting period by which the report is due.
    report_due_day: Mapped[int] = mapped_column(Integer, default=10)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ward: Mapped[Ward] = relationship()
    targets: Mapped[list[PlanTarget]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanTarget.id"
    )


class PlanTarget(Base):
    __tablename__ = "plan_targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    # minutes | airings | column_sessions
    metric: Mapped[str] = mapped_column(String(30))
    # a category code, "cchc" for all CCHC areas together, or NULL for everything
    category_code: Mapped[str | None] = mapped_column(String(40))
    per: Mapped[str] = mapped_column(String(10), default="month")
    value: Mapped[float] = mapped_column()
    label: Mapped[str | None] = mapped_column(String(200))

    plan: Mapped[Plan] = relationship(back_populates="targets")


class AuditLog(Base):
    """Who did what, when and why. Append-only for every role."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_object", "object_type", "object_id"), Index("ix_audit_ward_at", "ward_id", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The ward the row concerns (the object's, else the actor's); NULL = the province's own business.
    # Rows older than migration 0014 have none and belong to their user's ward.
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[dict | None] = mapped_column(JSONText)
    ip: Mapped[str | None] = mapped_column(String(64))


class Listen(Base):
    """Plays of a bulletin on one public channel and day: counts only, nothing about the listener."""

    __tablename__ = "listens"
    __table_args__ = (UniqueConstraint("bulletin_id", "channel", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id"))
    channel: Mapped[str] = mapped_column(String(20))  # page | embed | podcast
    day: Mapped[date] = mapped_column(Date, index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ListenMark(Base):
    """A day's salted hash of (listener, bulletin, channel), so a replay is not counted twice.

    The salt is secret and changes every day, and marks older than today are
    purged, so no mark can be tied back to an address.
    """

    __tablename__ = "listen_marks"
    __table_args__ = (UniqueConstraint("day", "digest"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    digest: Mapped[str] = mapped_column(String(64))


class SchedulerLease(Base):
    """At most one scheduler per database: the holder renews, others wait."""

    __tablename__ = "scheduler_lease"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlayoutRun(Base):
    """One airing of a session (or of an emergency bulletin) on one station.

    ``claim_key`` is unique: a scheduled session is claimed once
    (``sched:STATION:DATE:SESSION``), whatever the clock or the number of
    scheduler processes does; the as-run rows point back here (``AsRun.run_id``).
    """

    __tablename__ = "playout_runs"
    __table_args__ = (Index("ix_playout_runs_station_status", "station_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_key: Mapped[str] = mapped_column(String(160), unique=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id", ondelete="SET NULL"))
    session_code: Mapped[str | None] = mapped_column(String(40))
    air_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20), default="scheduled")  # scheduled | manual | emergency
    status: Mapped[str] = mapped_column(
        String(20), default="running"
    )  # running | done | stopped | interrupted | missed | failed
    scheduled_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    holder: Mapped[str | None] = mapped_column(String(200))
    sink: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    bulletin_id: Mapped[int | None] = mapped_column(ForeignKey("bulletins.id"))
    last_error: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    station: Mapped[Station] = relationship()


class PlayoutCommand(Base):
    """An operator's control (play now, stop, skip) for the scheduler process to carry out.

    The web and the scheduler may be separate processes: the web writes a row,
    the scheduler polls, takes it and writes the result.
    """

    __tablename__ = "playout_commands"
    __table_args__ = (Index("ix_playout_commands_status", "status", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    action: Mapped[str] = mapped_column(String(20))  # play | stop | skip
    session_code: Mapped[str | None] = mapped_column(String(40))
    air_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | done | failed | expired
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(Text)

    station: Mapped[Station] = relationship()


# APScheduler 3's SQLAlchemyJobStore table, declared here (same shape as the
# job store makes it) so migrations own it and the schema check knows it.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", String(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class Device(Base):
    """A station agent (ward office PC, IP loudspeaker unit) that airs its station's programme itself.

    Only the SHA-256 of its token is stored (like ``ApiToken``); the health columns are the last
    heartbeat's values."""

    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    # Cluster codes this device serves; empty = the whole station.
    clusters: Mapped[list] = mapped_column(JSONText, default=list)
    token_prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    now_playing: Mapped[str | None] = mapped_column(String(300))
    version: Mapped[str | None] = mapped_column(String(40))
    last_sync: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disk_free: Mapped[int | None] = mapped_column(BigInteger)  # bytes
    temperature: Mapped[float | None] = mapped_column(Float)  # °C, where the platform exposes it
    volume: Mapped[int | None] = mapped_column(Integer)
    clock_offset_ms: Mapped[int | None] = mapped_column(Integer)  # device clock minus server clock
    # The agent's undelivered as-run rows and the oldest one's time, from its last heartbeat (0008).
    outbox_pending: Mapped[int | None] = mapped_column(Integer)
    outbox_oldest: Mapped[datetime | None] = mapped_column(UTCDateTime)

    station: Mapped[Station] = relationship()


class DeviceEvent(Base):
    """A device's history: connect, disconnect, reboot, command, refused."""

    __tablename__ = "device_events"
    __table_args__ = (Index("ix_device_events_device_at", "device_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[dict | None] = mapped_column(JSONText)

    device: Mapped[Device] = relationship()


class DeviceCommand(Base):
    """A command for one device (play, stop, skip, volume, resync, emergency), sent over MQTT (QoS 1)
    or picked up by HTTP polling; ``acked_at``/``result`` come from the device's acknowledgement."""

    __tablename__ = "device_commands"
    __table_args__ = (Index("ix_device_commands_device_status", "device_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    action: Mapped[str] = mapped_column(String(20))
    args: Mapped[dict | None] = mapped_column(JSONText)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | done | failed
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(Text)

    device: Mapped[Device] = relationship()


class Delivery(Base):
    """A province bulletin at one target station, with its Thông tư 39 level and the ward's decision.

    ``state`` is the ward's side only: ``waiting`` (a normal bulletin the ward has not decided on),
    ``accepted`` (by the ward operator, or at once for priority and emergency), ``declined`` (with
    ``reason``).  Scheduled, aired and failed are read from the programme and the as-run log, never stored
    twice (``broadcast.province.deliveries``)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("bulletin_id", "station_id"),
        Index("ix_deliveries_station_state", "station_id", "state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    level: Mapped[str] = _enum_column(Priority)
    state: Mapped[str] = mapped_column(String(20), default="waiting")
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A priority item the ward operator moved against the ward's own priority items: its place in the
    # session (0 = first) and when; NULL = the automatic place, ahead of the ward's normal items.
    position: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bulletin: Mapped[Bulletin] = relationship(back_populates="deliveries")
    station: Mapped[Station] = relationship()
    decided_by: Mapped[User | None] = relationship()
