"""Who may talk to the page: the Host, the token and the origin of every request."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from lingong.web.security import COOKIE, Guard, host_name, same_origin
from support.web import BASE, TOKEN


def _app() -> Guard:
    async def ok(request):
        return PlainTextResponse("ok " + request.url.path)

    return Guard(Starlette(routes=[Route("/", ok), Route("/api/x", ok, methods=["GET", "POST"])]), TOKEN)


@pytest.fixture
def client():
    return TestClient(_app(), base_url=BASE, follow_redirects=False)


def test_without_a_token_every_request_is_refused_in_chinese(client):
    r = client.get("/api/x")
    assert r.status_code == 403 and "访问令牌" in r.text
    assert client.post("/api/x").status_code == 403
    assert client.get("/api/x", headers={"authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/api/x", headers={"cookie": f"{COOKIE}=wrong"}).status_code == 403


def test_the_one_time_address_becomes_a_strict_cookie_and_leaves_the_address_bar(client):
    r = client.get(f"/?token={TOKEN}&tab=board")
    assert r.status_code == 303
    assert r.headers["location"] == "/?tab=board"  # the token is no longer in the address
    cookie = r.headers["set-cookie"]
    assert f"{COOKIE}={TOKEN}" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert r.headers["referrer-policy"] == "no-referrer"
    assert client.get("/", headers={"cookie": f"{COOKIE}={TOKEN}"}).text == "ok /"


def test_a_wrong_token_in_the_address_is_no_cookie(client):
    r = client.get("/?token=guess")
    assert r.status_code == 403 and "set-cookie" not in r.headers


def test_a_script_uses_the_bearer_header(client):
    h = {"authorization": f"Bearer {TOKEN}"}
    assert client.get("/api/x", headers=h).status_code == 200
    assert client.post("/api/x", headers=h).status_code == 200  # no origin needed: a page cannot send it


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example", "192.168.1.20:8765", ""]
)
def test_a_host_that_is_not_this_machine_is_refused_even_with_the_token(host):
    c = TestClient(_app(), base_url=BASE)
    r = c.get("/api/x", headers={"host": host, "authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 403 and "主机名" in r.text


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765", "LOCALHOST"])
def test_this_machine_by_any_of_its_names(host):
    c = TestClient(_app(), base_url=BASE)
    assert c.get("/api/x", headers={"host": host, "authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_a_post_with_the_cookie_needs_this_page_as_its_origin(client):
    c = f"{COOKIE}={TOKEN}"
    assert client.post("/api/x", headers={"cookie": c}).status_code == 403  # neither Origin nor Referer
    assert client.post("/api/x", headers={"cookie": c, "origin": "http://evil.example"}).status_code == 403
    assert client.post("/api/x", headers={"cookie": c, "origin": "null"}).status_code == 403
    assert client.post("/api/x", headers={"cookie": c, "origin": "http://127.0.0.1:9999"}).status_code == 403
    assert client.post("/api/x", headers={"cookie": c, "origin": BASE}).status_code == 200
    assert client.post("/api/x", headers={"cookie": c, "referer": BASE + "/"}).status_code == 200
    assert client.get("/api/x", headers={"cookie": c, "origin": "http://evil.example"}).status_code == 200  # reads only


def test_a_malformed_cookie_header_is_no_token_and_no_crash(client):
    assert client.get("/api/x", headers={"cookie": 'lingong_token="unterminated; ;;='}).status_code == 403


def test_host_names_and_origins():
    assert (
        host_name("127.0.0.1:80") == "127.0.0.1"
        and host_name("[::1]:80") == "[::1]"
        and host_name("Localhost") == "localhost"
    )
    assert same_origin({"origin": "http://localhost:1", "host": "localhost:1"})
    assert not same_origin({"origin": "https://localhost:1", "host": "localhost:1"})
    assert not same_origin({"referer": "http://localhost:2/x", "host": "localhost:1"})
