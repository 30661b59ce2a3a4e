"""Security headers on every answer; the development secret and the demo stay off servers."""

import httpx
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.cli import app as cli
from services.demo.identities import load_identities
from shared import db
from shared.errors import Forbidden
from shared.models import OrgKind
from shared.settings import DEV_SECRET, Settings, get_settings
from shared.web import create_app
from tests import factories as f

EVERY_ANSWER = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def _assert_secured(headers: httpx.Headers, *, no_store: bool = True) -> None:
    h = dict(headers)
    for name, value in EVERY_ANSWER.items():
        assert h.get(name) == value, (name, h)
    csp = h["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    if no_store:
        assert h["cache-control"] == "no-store"


def test_api_answer_page_and_errors_carry_the_headers(client: TestClient) -> None:
    key = f.bearer(f.api_key(f.org(OrgKind.AKASSE)))
    _assert_secured(client.get("/api/me", headers=key).headers)
    _assert_secured(client.get("/login").headers)
    _assert_secured(client.get("/api/me").headers)  # 401
    _assert_secured(client.get("/api/no-such-thing").headers)  # 404
    _assert_secured(client.get("/jobordrer", follow_redirects=False).headers)  # redirect
    static = client.get("/static/vendor/htmx.min.js")
    _assert_secured(static.headers, no_store=False)
    assert "no-store" not in static.headers.get("cache-control", "")


boom = APIRouter()


@boom.get("/api/boom")
def explode() -> None:
    raise RuntimeError("unexpected")


def test_an_unhandled_error_carries_the_headers(database: str) -> None:
    client = TestClient(create_app("boom", "test", [boom]), raise_server_exceptions=False)
    r = client.get("/api/boom")
    assert r.status_code == 500
    _assert_secured(r.headers)


def test_hsts_and_secure_cookie_when_secure(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "strict-transport-security" not in client.get("/healthz").headers
    monkeypatch.setattr(get_settings(), "cookie_secure", True)
    assert get_settings().secure
    assert client.get("/healthz").headers["strict-transport-security"].startswith("max-age=")
    # The cookie flag is fixed when the app is built: a production app sets Secure.
    assert Settings(env="production", secret_key="x" * 40).secure


def test_pages_have_no_inline_script_or_style(client: TestClient) -> None:
    """The CSP allows no inline code, so neither the templates nor the pages need any."""
    from pathlib import Path

    templates = Path(__file__).parents[2] / "services" / "web" / "templates"
    texts = [p.read_text() for p in templates.rglob("*.html")]
    f.login(client, f.user(f.org()))
    texts += [client.get(page).text for page in ("/jobordrer", "/jobordrer/ny", "/kandidater")]
    for text in texts:
        assert "<style" not in text
        assert " style=" not in text
        assert " onclick=" not in text
        assert "hx-on" not in text
        for tag in text.split("<script")[1:]:
            assert tag.lstrip().startswith("src=")


def test_the_development_secret_is_refused_on_a_reachable_address() -> None:
    dev = Settings(env="development", secret_key=DEV_SECRET)
    for host in ("0.0.0.0", "::", "192.168.1.20", "jobbro.example.dk"):
        with pytest.raises(ValueError, match="JOBBRO_SECRET_KEY"):
            dev.check_bind(host)
    for host in ("127.0.0.1", "::1", "localhost"):
        dev.check_bind(host)
    Settings(secret_key="k" * 40).check_bind("0.0.0.0")
    with pytest.raises(ValueError, match="JOBBRO_SECRET_KEY"):
        Settings(env="production", secret_key=DEV_SECRET)


def test_serve_refuses_0_0_0_0_with_the_development_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    started: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(a))
    monkeypatch.setattr(get_settings(), "secret_key", DEV_SECRET)
    r = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--no-migrate"])
    assert r.exit_code == 1
    assert "JOBBRO_SECRET_KEY" in r.output
    assert started == []


def test_demo_load_refuses_production(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "env", "production")
    r = CliRunner().invoke(cli, ["demo", "load", "--cvs", "1"])
    assert r.exit_code == 1
    assert "production" in r.output
    with pytest.raises(Forbidden), db.unit_of_work() as s:
        load_identities(s)
