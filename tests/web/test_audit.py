"""The audit log page: read-only, filtered, paginated, escaped."""

from sqlalchemy import select

from broadcast.domain.models import AuditLog, Ward


def test_admin_sees_logins_newest_first(login_as):
    client = login_as("admin")
    html = client.get("/audit").get_data(as_text=True)
    assert "<code>auth.login</code>" in html and "<code>demo.load</code>" in html
    assert html.index("<code>auth.login</code>") < html.index("<code>demo.load</code>")


def test_filter_by_action_prefix_and_user(login_as, runtime):
    client = login_as("admin")
    with runtime.unit() as s:
        ward_id = s.scalar(select(Ward.id).where(Ward.code == "MOLAO"))  # a ward admin reads their ward's rows
        s.add(
            AuditLog(
                action="lexicon.update", username="vanhanh", ward_id=ward_id, detail={"term": "<script>x</script>"}
            )
        )
    html = client.get("/audit?action=lexicon.&user=vanhanh").get_data(as_text=True)
    assert "<code>lexicon.update</code>" in html and "<code>auth.login</code>" not in html
    assert "<script>x</script>" not in html  # user text in details is escaped


def test_bad_dates_are_a_clear_400(login_as):
    client = login_as("lanhdao")  # the approver
    response = client.get("/audit?from=2025-13-01")
    assert response.status_code == 400 and "YYYY-MM-DD" in response.get_data(as_text=True)
    response = client.get("/audit?from=2025-10-02&to=2025-10-01")
    assert response.status_code == 400


def test_pagination(login_as, runtime):
    client = login_as("admin")
    with runtime.unit() as s:
        ward_id = s.scalar(select(Ward.id).where(Ward.code == "MOLAO"))
        s.add_all(AuditLog(action=f"test.bulk{i:03d}", ward_id=ward_id) for i in range(120))
    first = client.get("/audit?action=test.").get_data(as_text=True)
    assert "<code>test.bulk119</code>" in first and "<code>test.bulk000</code>" not in first
    assert "Trang 1 / 3" in first
    last = client.get("/audit?action=test.&page=3").get_data(as_text=True)
    assert "<code>test.bulk000</code>" in last


def test_submitter_and_operator_cannot_read_it(login_as):
    assert login_as("vanhoa").get("/audit").status_code == 403
