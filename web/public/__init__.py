"""The ward's public channels, without login: listening page, bulletin pages, audio, feeds, embed.

Nothing here reveals a bulletin that is not published (approved, aired,
public): every miss is the same 404, whatever the reason. Pages and feeds
are the same for everyone, so they are served from a short in-memory cache
(``cache``) with ETags; each client address is rate limited.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from werkzeug.exceptions import HTTPException

from broadcast.errors import BroadcastError

from .. import db_session, limiter, runtime_of

bp = Blueprint("public", __name__)
# One budget per client address across every public page, feed and audio file (a flood is a flood,
# whichever URLs it spreads over); read per request, so each app (and each test) has its own setting.
limiter.shared_limit(lambda: runtime_of().settings.public_rate_limit, scope="public")(bp)

MESSAGES = {
    404: "Không tìm thấy nội dung này trên trang nghe của phường, xã.",
    405: "Địa chỉ này không nhận yêu cầu kiểu này.",
    429: "Có quá nhiều yêu cầu từ máy của bạn. Vui lòng thử lại sau ít phút.",
}


@bp.errorhandler(BroadcastError)
def _broadcast_error(exc: BroadcastError):
    db_session().rollback()
    status = 404 if exc.http_status in (403, 404) else exc.http_status
    return render_template("public/error.html", message=MESSAGES.get(status, exc.message)), status


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    status = exc.code or 500
    message = MESSAGES.get(status, "Có lỗi xảy ra. Vui lòng thử lại sau.")
    return render_template("public/error.html", message=message), status


from . import embed, feeds, pages  # noqa: E402,F401 - the routes register on bp
