"""Behind a TLS-terminating proxy on another host and port (KEFU_BEHIND_PROXY, KEFU_PUBLIC_ORIGINS): login and
form posts work, a post from another origin is refused, cookies are HTTPS-only and HSTS is sent."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.test import Client

ORIGIN = "https://kefu.example.com:8443"
KEYS = [
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_PROXY_SSL_HEADER",
    "USE_X_FORWARDED_HOST",
    "USE_X_FORWARDED_PORT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "KEFU_PROXY_COUNT",
    "SESSION_COOKIE_AGE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
]


def settings_from_env(tmp_path, **env) -> dict:
    """kefu.settings as a fresh process computes it from these KEFU_* variables."""
    code = (
        "import json; from kefu import settings as s; "
        f"print(json.dumps({{k: getattr(s, k, None) for k in {KEYS!r}}}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "KEFU_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    return settings_from_env(
        tmp_path_factory.mktemp("proxy"), KEFU_BEHIND_PROXY="1", KEFU_PUBLIC_ORIGINS=ORIGIN
    )


def test_the_variables_set_the_proxy_settings(proxied, tmp_path):
    assert proxied["CSRF_TRUSTED_ORIGINS"][0] == ORIGIN
    assert "kefu.example.com" in proxied["ALLOWED_HOSTS"]
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert (
        proxied["USE_X_FORWARDED_HOST"] and proxied["SESSION_COOKIE_SECURE"] and proxied["CSRF_COOKIE_SECURE"]
    )
    assert proxied["SECURE_HSTS_SECONDS"] == 86400 and proxied["KEFU_PROXY_COUNT"] == 1
    direct = settings_from_env(tmp_path)
    assert direct["SECURE_PROXY_SSL_HEADER"] is None and not direct["SESSION_COOKIE_SECURE"]
    assert direct["SESSION_COOKIE_AGE"] == 12 * 3600 and direct["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert settings_from_env(tmp_path, KEFU_SESSION_HOURS="8")["SESSION_COOKIE_AGE"] == 8 * 3600
    assert (
        settings_from_env(tmp_path, KEFU_BEHIND_PROXY="1", KEFU_HSTS_SECONDS="0")["SECURE_HSTS_SECONDS"] == 0
    )


@pytest.mark.parametrize("bad", ["kefu.example.com", "ftp://x", "https://x/path"])
def test_a_bad_public_origin_is_one_chinese_line(tmp_path, bad):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    done = subprocess.run(
        [sys.executable, "-c", "import kefu.settings"],
        env={**clean, "KEFU_VAR_DIR": str(tmp_path), "KEFU_PUBLIC_ORIGINS": bad},
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "KEFU_PUBLIC_ORIGINS" in done.stderr and "应写成" in done.stderr


# What the proxy adds to every request it passes on to kefu at 127.0.0.1:8000.
FORWARDED = {
    "HTTP_HOST": "127.0.0.1:8000",
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_X_FORWARDED_HOST": "kefu.example.com:8443",
    "HTTP_X_FORWARDED_FOR": "198.51.100.20",
    "REMOTE_ADDR": "127.0.0.1",
}


def csrf_of(page) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


def apply(settings, values):
    for key, value in values.items():
        setattr(settings, key, tuple(value) if key == "SECURE_PROXY_SSL_HEADER" and value else value)


def test_login_and_a_form_post_work_through_the_proxy(settings, proxied, cast):
    apply(settings, proxied)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/login/", **FORWARDED)
    assert page.status_code == 200 and page.cookies["csrftoken"]["secure"]
    assert page["Strict-Transport-Security"] == "max-age=86400"
    assert "wss://kefu.example.com:8443" in page["Content-Security-Policy"]
    login = browser.post(
        "/login/",
        {"username": "agent_a", "password": "pw-123456", "csrfmiddlewaretoken": csrf_of(page)},
        HTTP_ORIGIN=ORIGIN,
        **FORWARDED,
    )
    assert login.status_code == 302 and login["Location"] == "/desk/"
    assert login.cookies["sessionid"]["secure"], "the session cookie goes over HTTPS only"
    desk = browser.get("/desk/", **FORWARDED)
    assert desk.status_code == 200
    signed_in = browser.post(
        "/desk/status/",
        {"action": "sign_in", "csrfmiddlewaretoken": csrf_of(desk)},
        HTTP_ORIGIN=ORIGIN,
        **FORWARDED,
    )
    assert signed_in.status_code == 302
    assert "签退" in browser.get("/desk/", **FORWARDED).content.decode()


@pytest.mark.parametrize(
    "origin", ["https://evil.example.com", "http://kefu.example.com:8443", "https://kefu.example.com"]
)
def test_a_post_from_another_origin_is_refused(settings, proxied, cast, origin):
    apply(settings, proxied)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/login/", **FORWARDED)
    refused = browser.post(
        "/login/",
        {"username": "agent_a", "password": "pw-123456", "csrfmiddlewaretoken": csrf_of(page)},
        HTTP_ORIGIN=origin,
        **FORWARDED,
    )
    assert refused.status_code == 403
    assert "_auth_user_id" not in browser.session


def test_without_the_proxy_settings_the_same_login_fails(settings, cast):
    """What KEFU_BEHIND_PROXY fixes: Django took the request for plain http on 127.0.0.1:8000."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "kefu.example.com"]
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/login/", **FORWARDED)
    login = browser.post(
        "/login/",
        {"username": "agent_a", "password": "pw-123456", "csrfmiddlewaretoken": csrf_of(page)},
        HTTP_ORIGIN=ORIGIN,
        **FORWARDED,
    )
    assert login.status_code == 403


def test_the_lockout_counts_the_address_the_proxy_saw(settings, proxied, cast):
    from axes.models import AccessAttempt

    apply(settings, proxied)
    browser = Client()
    browser.post("/login/", {"username": "agent_a", "password": "wrong"}, **FORWARDED)
    assert AccessAttempt.objects.get().ip_address == "198.51.100.20"
