"""A page of rows for the admin tables (users, departments): ?page=N, 25 a page."""

from __future__ import annotations

from flask import abort, request
from sqlalchemy import Select

from broadcast.bulletins import queries
from broadcast.errors import ValidationError

from .. import db_session

ADMIN_PER_PAGE = 25


def paginate(stmt: Select, count_stmt: Select, per_page: int = ADMIN_PER_PAGE) -> queries.Page:
    try:
        page = queries.parse_page(request.args.get("page"))
    except ValidationError:
        abort(400)
    session = db_session()
    total = session.scalar(count_stmt) or 0
    items = session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return queries.Page(list(items), total, page, per_page)
