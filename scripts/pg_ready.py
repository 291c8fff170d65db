"""Exit 0 when a PostgreSQL server answers at the URL given, 1 otherwise."""

import sys

try:
    import psycopg

    url = sys.argv[1].replace("postgresql+psycopg://", "postgresql://")
    psycopg.connect(url, connect_timeout=3).close()
except Exception:
    sys.exit(1)
