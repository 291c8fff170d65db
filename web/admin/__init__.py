"""Server-rendered admin pages (Vietnamese first)."""

# ruff: noqa: I001  (import order is menu / registration order)
from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="../templates")

# Import order is menu order (each module appends its entries to web.nav.NAV_ITEMS).
from . import views  # noqa: E402,F401
from . import bulletins  # noqa: E402,F401
from . import deliveries  # noqa: E402,F401  (province bulletins sent down: queue and board)
from . import users  # noqa: E402,F401
from . import departments  # noqa: E402,F401
from . import wards  # noqa: E402,F401  (province admin: wards and the province)
from . import stations  # noqa: E402,F401
from . import programmes  # noqa: E402,F401
from . import reports  # noqa: E402,F401
from . import playout  # noqa: E402,F401
from . import live  # noqa: E402,F401
from . import devices  # noqa: E402,F401
from . import sources  # noqa: E402,F401
from . import publishing  # noqa: E402,F401
from . import lexicon  # noqa: E402,F401
from . import voices  # noqa: E402,F401
from . import audit  # noqa: E402,F401
