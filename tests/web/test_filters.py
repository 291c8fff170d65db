"""Numbers on pages are written the Vietnamese way, by the reports' own formatter (web/filters.py)."""

from __future__ import annotations

import re

from flask import render_template_string

from tests.reports.conftest import asrun_log  # noqa: F401  (fixture: a fixed month of as-run rows and a plan)


def test_number_and_percent_filters(app):
    with app.test_request_context("/"):
        render = render_template_string
        assert render("{{ 1234567|number }}") == "1.234.567"
        assert render("{{ 38.2|number }}") == "38,2"
        assert render("{{ 30.0|number }}") == "30"
        assert render("{{ 2.5|number(2) }}") == "2,50"
        assert render("{{ 63.66|percent }}") == "63,7%"
        assert render("{{ none|number }}|{{ none|percent }}") == "–|–"


def test_report_page_numbers_are_vietnamese(login_as, asrun_log):  # noqa: F811
    html = login_as("xem").get("/reports/airtime?period=2025-10").get_data(as_text=True)
    main = html.split("<main")[1]
    cells = re.findall(r'class="(?:num|big)">([^<]*)<', main)
    assert cells and any("," in c for c in cells), cells
    assert not [c for c in cells if re.search(r"\d\.\d(?!\d\d)", c)], cells  # no decimal point
    assert re.search(r"\d+,\d%", main)


def test_dashboard_progress_in_vietnamese(login_as, asrun_log):  # noqa: F811
    html = login_as("vanhanh").get("/").get_data(as_text=True)
    panel = html.split('data-widget="report-progress"')[1].split("</section>")[0]
    assert not re.search(r"\d\.\d+%", panel) and re.search(r"\d+,\d%", panel)
