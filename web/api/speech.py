"""Voices and what paid voices cost, over the API.

``GET /voices``: every voice of every engine with its accent, gender and whether it can run here;
``GET /speech/usage``: characters sent to each paid provider today and this month, with its cap.
Caps are set on the voice page (operators), where the change is audited.
"""

from __future__ import annotations

from datetime import datetime

from flask import jsonify

from broadcast.speech import usage
from broadcast.speech.engines.chain import voice_catalogue

from .. import db_session, runtime_of
from ..auth import api_roles_required
from . import bp


@bp.get("/voices")
@api_roles_required()
def voices_list():
    return jsonify(items=voice_catalogue(runtime_of().settings))


@bp.get("/speech/usage")
@api_roles_required()
def speech_usage():
    settings = runtime_of().settings
    today = datetime.now(settings.tz).date()
    return jsonify(date=today.isoformat(), items=[u.as_dict() for u in usage.usage(db_session(), today)])
