"""The web bench's server: the production app (as `broadcast serve --no-scheduler` builds it) plus two
floor routes, served as `broadcast serve` serves it, on the same database: WORKERS 1 = waitress with
THREADS threads; WORKERS > 1 = gunicorn with WORKERS gthread workers of THREADS threads (web/wsgi.py).

The floors are what the same answer costs with the least machinery: ``/bench/floor`` returns the
API list's JSON (same fields, same 20 rows an operator sees, same total) from hand-written SQL without
auth, ORM or session; ``/bench/page-floor`` renders the same rows into the site's base template.
Run: ``python -m bench.web_server PORT THREADS UID DEPT [WORKERS]``.
"""

from __future__ import annotations

import sys

from flask import jsonify, render_template
from sqlalchemy import bindparam, text
from waitress import serve

from broadcast.bulletins import service, workflow
from broadcast.runtime import open_runtime
from web import create_app
from web.wsgi import GunicornServer, freeze_heap

_ROWS = text(
    """
    SELECT b.id, b.title, b.body, b.spoken_text, c.code AS category, d.code AS department, b.priority, b.status,
           b.valid_from, b.valid_until, b.airings_wanted, b.airings_left, b.all_stations, a.username AS author,
           b.version, b.recording_path, b.review_comment, b.created_at, b.updated_at, b.submitted_at,
           b.approved_at, r.username AS approved_by
    FROM bulletins b
    JOIN categories c ON c.id = b.category_id
    JOIN departments d ON d.id = b.department_id
    JOIN users a ON a.id = b.author_id
    LEFT JOIN users r ON r.id = b.approved_by_id
    WHERE b.author_id = :uid OR b.department_id = :dept OR b.status <> 'draft'
    ORDER BY b.updated_at DESC, b.id DESC LIMIT 20
    """
)
_TOTAL = text(
    "SELECT count(*) FROM bulletins b WHERE b.author_id = :uid OR b.department_id = :dept OR b.status <> 'draft'"
)
_STATIONS = text(
    "SELECT bs.bulletin_id, s.code FROM bulletin_stations bs JOIN stations s ON s.id = bs.station_id "
    "WHERE bs.bulletin_id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_PAGE = """{% extends "base.html" %}{% block content %}<table>{% for b in rows %}
<tr><td>{{ b.title }}</td><td>{{ b.category }}</td><td>{{ b.status }}</td><td>{{ b.valid_until }}</td></tr>
{% endfor %}</table>{% endblock %}"""


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _rows(engine, uid: int, dept: int | None) -> tuple[list[dict], int, dict[int, list[str]]]:
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(_ROWS, {"uid": uid, "dept": dept})]
        total = conn.execute(_TOTAL, {"uid": uid, "dept": dept}).scalar()
        stations: dict[int, list[str]] = {}
        ids = [r["id"] for r in rows if not r["all_stations"]]
        if ids:
            for bid, code in conn.execute(_STATIONS, {"ids": ids}):
                stations.setdefault(bid, []).append(code)
    return rows, total, stations


def _item(r: dict, stations: dict) -> dict:
    return {
        "id": r["id"],
        "title": r["title"],
        "body": r["body"],
        "spoken_text": r["spoken_text"],
        "category": r["category"],
        "department": r["department"],
        "priority": r["priority"],
        "status": r["status"],
        "status_label": workflow.status_label(r["status"]),
        "valid_from": _iso(r["valid_from"]),
        "valid_until": _iso(r["valid_until"]),
        "airings": r["airings_wanted"],
        "airings_left": r["airings_left"],
        "all_stations": bool(r["all_stations"]),
        "stations": sorted(stations.get(r["id"], [])),
        "clusters": [],
        "author": r["author"],
        "version": r["version"],
        "has_recording": bool(r["recording_path"]),
        "review_comment": r["review_comment"],
        "estimated_duration_s": service.estimate_seconds(r["spoken_text"] or r["body"]),
        "created_at": _iso(r["created_at"]),
        "updated_at": _iso(r["updated_at"]),
        "submitted_at": _iso(r["submitted_at"]),
        "approved_at": _iso(r["approved_at"]),
        "approved_by": r["approved_by"],
    }


def build(uid: int, dept: int | None):
    runtime = open_runtime()
    app = create_app(runtime=runtime)

    @app.get("/bench/floor")
    def floor():
        rows, total, stations = _rows(runtime.engine, uid, dept)
        items = [_item(r, stations) for r in rows]
        return jsonify(items=items, page=1, per_page=20, total=total, pages=-(-total // 20))

    page = app.jinja_env.from_string(_PAGE)  # compiled once, as Flask compiles a template file once

    @app.get("/bench/page-floor")
    def page_floor():
        rows, _total, _stations = _rows(runtime.engine, uid, dept)
        return render_template(page, rows=rows)

    for name in ("floor", "page_floor"):  # the route matrix's rule: every view declares its roles
        app.view_functions[name].allowed_roles = ()
    return app


if __name__ == "__main__":
    port, threads, uid, dept, workers = (int(a) if a != "None" else None for a in (sys.argv[1:6] + ["1"])[:5])
    if workers == 1:
        app = build(uid, dept)
        freeze_heap()  # as `broadcast serve` does
        serve(app, host="127.0.0.1", port=port, threads=threads, ident="loa-phuong")
    else:  # each worker builds its app after the fork, as `broadcast serve --workers N`
        GunicornServer(lambda: build(uid, dept), host="127.0.0.1", port=port, workers=workers, threads=threads).run()
