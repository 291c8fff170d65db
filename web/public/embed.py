"""The embeddable player: a compact page of the latest bulletins for a ward's portal to show in an iframe.

Only this page may be framed, and only by the origins the ward's admin
listed (CSP ``frame-ancestors``); every other page keeps refusing framing.
The app sends ``X-Frame-Options: DENY`` only beside ``frame-ancestors
'none'`` (web/security.py), so this page's own CSP also drops it.
"""

from __future__ import annotations

import re

from flask import make_response, render_template

from broadcast.publishing import catalog

from .. import db_session
from ..security import CSP
from . import bp
from .cache import cached

EMBED_ITEMS = 10
DENY_FRAMING = "frame-ancestors 'none'"
# Origins are checked when the admin stores them (broadcast.publishing.origins); this
# is a second guard so a stored value can never add another directive to the header.
HEADER_SAFE_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


def embed_csp(origins) -> str:
    """The site's CSP with framing allowed to this site and the ward's listed origins."""
    allowed = ["'self'", *[o for o in origins or () if isinstance(o, str) and HEADER_SAFE_ORIGIN.match(o)]]
    return CSP.replace(DENY_FRAMING, "frame-ancestors " + " ".join(dict.fromkeys(allowed)))


@bp.get("/<ward>/nhung")
@cached
def embed(ward: str):
    session = db_session()
    found = catalog.find_ward(session, ward)
    listing = catalog.list_published(session, found, per_page=EMBED_ITEMS)
    response = make_response(render_template("public/embed.html", ward=found, items=listing.items))
    response.headers["Content-Security-Policy"] = embed_csp(found.embed_origins)
    return response
