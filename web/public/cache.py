"""Whole responses of the public pages and feeds, kept for ``public_cache_s`` seconds.

They are the same for every visitor, and after a storm warning a whole ward
may open them at once: serving them from memory keeps the database out of
it, and the ETag lets a phone or a podcast app revalidate with a 304. A page
is at most ``public_cache_s`` seconds behind what aired.
"""

from __future__ import annotations

import functools
import hashlib
import threading

from cachetools import TTLCache
from flask import Response, current_app, make_response, request

from .. import runtime_of

_LOCK = threading.Lock()
_CACHES: dict[int, TTLCache] = {}


def _cache() -> TTLCache | None:
    ttl = runtime_of().settings.public_cache_s
    if ttl <= 0:
        return None
    key = id(current_app._get_current_object())
    with _LOCK:
        if key not in _CACHES:
            _CACHES[key] = TTLCache(maxsize=4096, ttl=ttl)
        return _CACHES[key]


def clear() -> None:
    """Forget every kept response (tests, and after an approver changes what is public)."""
    with _LOCK:
        for cache in _CACHES.values():
            cache.clear()


def cached(view):
    """Serve a GET view's response from memory while fresh, with an ETag and conditional GET."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        cache = _cache()
        key = request.full_path
        hit = None
        if cache is not None:
            with _LOCK:
                hit = cache.get(key)
        if hit is None:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
            body = response.get_data()
            hit = (body, response.mimetype, dict(response.headers), response.last_modified)
            hit = (*hit, hashlib.sha256(body).hexdigest()[:32])
            if cache is not None:
                with _LOCK:
                    cache[key] = hit
        body, mimetype, headers, last_modified, etag = hit
        response = Response(body, mimetype=mimetype, headers=headers)
        response.set_etag(etag)
        response.last_modified = last_modified
        response.headers["Cache-Control"] = "public, max-age=60"
        return response.make_conditional(request)

    return wrapper
