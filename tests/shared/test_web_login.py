"""Browser login reaches a landing page that names the user and organisation."""

from fastapi.testclient import TestClient

from shared.models import Role
from tests import factories as f


def test_landing_page_says_who_is_logged_in_and_where(client: TestClient) -> None:
    centre = f.org(name="Jobcenter Testby")
    u = f.user(centre, Role.MEDIATOR)
    f.login(client, u)
    page = client.get("/")
    assert page.status_code == 200
    assert "Test mediator" in page.text
    assert "Jobcenter Testby" in page.text


def test_anonymous_page_view_redirects_to_login(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login")


def test_login_does_not_redirect_off_site(client: TestClient) -> None:
    u = f.user(f.org())
    r = client.post(
        "/login",
        data={
            "email": u.email,
            "password": f.PASSWORD,
            "next": "//evil.example",
            "csrf_token": f.login_csrf(client),
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"
