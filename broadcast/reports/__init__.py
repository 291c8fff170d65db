"""Airtime reports against the ward's CCHC propaganda plan.

- ``periods``: reporting periods (``2025-10``, ``2025-Q3``, ``2025-H1``, ``2025-9M``, ``2025``, from/to).
- ``airtime``: the airtime report, aggregated in the database.
- ``plans``: plans, targets and report deadlines.
- ``formats``: JSON, CSV, XLSX, printable HTML and PDF renderings.
"""
