"""Every page is served with security headers and a content security policy that runs only kefu's own scripts."""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

SAMPLE = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": str(uuid.UUID(int=1))}
FRAMEABLE = {"chat_customer", "chat_customer_start"}  # a brand's website embeds the customer chat


def every_url():
    """Each URL pattern (admin included) with sample values for its parameters."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if not isinstance(p.pattern, RoutePattern):  # the admin's regex app-list pages: one is enough
                route = "admin/auth/" if prefix == "admin/" else None
                if route:
                    yield route, "admin:app_list"
                continue
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                filled = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE[m.group(1) or "str"], route)
                yield filled, p.name

    return sorted(set(walk(get_resolver().url_patterns)))


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


def test_the_walk_sees_the_pages():
    names = {name for _, name in every_url()}
    assert {"login", "ticket_detail", "chat_customer", "express_statement", "openapi-view", "index"} <= names
    assert len(names) > 60


@pytest.mark.parametrize("who", ["anonymous", "supervisor"])
def test_every_page_sends_the_headers(client, cast, who):
    if who == "supervisor":
        client.force_login(cast.supervisor)
    missing = []
    for url, name in every_url():
        response = client.get("/" + url, REMOTE_ADDR="127.0.0.1")
        wanted = {
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Cross-Origin-Opener-Policy": "same-origin",
        }
        # The two framing guards agree: both on, or (only where a brand's site embeds the page) both off.
        frameable = name in FRAMEABLE and "X-Frame-Options" not in response
        if not frameable:
            wanted["X-Frame-Options"] = "DENY"
        for header, value in wanted.items():
            if response.get(header) != value:
                missing.append(f"/{url} ({name}, {response.status_code}): {header}={response.get(header)}")
        if "Content-Security-Policy" not in response:
            missing.append(f"/{url} ({name}, {response.status_code}): no Content-Security-Policy")
            continue
        policy = policy_of(response)
        if policy.get("script-src") != ["'self'"]:
            missing.append(f"/{url} ({name}): script-src {policy.get('script-src')}")
        if policy.get("object-src") != ["'none'"]:
            missing.append(f"/{url} ({name}): object-src {policy.get('object-src')}")
        framing = policy.get("frame-ancestors")
        if frameable != (framing is None):
            missing.append(f"/{url} ({name}): frame-ancestors {framing}")
    assert not missing, "\n".join(missing)


def test_a_brands_site_may_frame_the_customer_chat_and_no_other_page(client, cast):
    chat = client.get(f"/chat/{cast.brand_a.code}/")
    assert chat.status_code == 200 and "X-Frame-Options" not in chat
    assert "frame-ancestors" not in policy_of(chat) and policy_of(chat)["script-src"] == ["'self'"]
    client.force_login(cast.agent_a)
    desk = client.get("/desk/")
    assert desk["X-Frame-Options"] == "DENY" and policy_of(desk)["frame-ancestors"] == ["'self'"]


def test_websockets_to_this_host_are_allowed(client, cast):
    client.force_login(cast.agent_a)
    plain = policy_of(client.get("/desk/"))
    assert "ws://testserver" in plain["connect-src"] and "'self'" in plain["connect-src"]
    secure = policy_of(client.get("/desk/", secure=True))
    assert "wss://testserver" in secure["connect-src"]


def test_no_template_has_an_inline_script_or_handler():
    """The policy would block them: scripts are files under an app's static/ folder."""
    from pathlib import Path

    import kefu

    found = []
    for template in Path(kefu.__file__).parent.rglob("templates/**/*.html"):
        text = template.read_text()
        for match in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", text):
            found.append(f"{template.name}: {match.group(0)}")
        for match in re.finditer(r"\s(on[a-z]+)\s*=|javascript:", text):
            found.append(f"{template.name}: {match.group(0).strip()}")
    assert not found, found
