"""Server-rendered admin pages (Vietnamese first)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="../templates")

from . import views  # noqa: E402,F401
from . import bulletins  # noqa: E402,F401
from . import programmes  # noqa: E402,F401
from . import reports  # noqa: E402,F401
from . import playout  # noqa: E402,F401
from . import lexicon  # noqa: E402,F401
from . import stations  # noqa: E402,F401
from . import audit  # noqa: E402,F401
