"""Who may talk to the clerk's page: the rules every request passes before any route.

The server listens on 127.0.0.1 only, yet any web site the clerk opens can make the browser
send requests to it, and a site whose name resolves to 127.0.0.1 (DNS rebinding) can read the
answers. So, as Jupyter and Datasette do:

- the Host header must name this machine (127.0.0.1 / localhost / [::1], any port): a
  rebinding site's requests carry its own name;
- every request carries the token: the one-time URL's ``?token=`` (which becomes a
  SameSite=Strict, HttpOnly cookie and is then dropped from the address bar), or
  ``Authorization: Bearer <token>`` from a script;
- a request that changes something (POST …) and relies on the cookie must come from this page:
  its Origin (or, without one, its Referer) is this server; browsers set both and a page cannot
  forge them. A script's Bearer header cannot be sent cross-site without the token.

A pure ASGI middleware (not Starlette's BaseHTTPMiddleware) so that streamed uploads and
downloads pass through untouched.
"""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode, urlsplit

COOKIE = "lingong_token"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def host_name(host_header: str) -> str:
    """'127.0.0.1:8123' -> '127.0.0.1'; '[::1]:80' -> '[::1]'."""
    h = host_header.strip().lower()
    if h.startswith("["):
        return h[: h.find("]") + 1] if "]" in h else h
    return h.rsplit(":", 1)[0] if ":" in h else h


def same_token(given: str | None, token: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("ascii"))


def _headers(scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}


def _cookie_token(headers: dict[str, str]) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # noqa: BLE001 - a malformed cookie header is no token, never a crash
        return None
    return jar[COOKIE].value if COOKIE in jar else None


def _bearer(headers: dict[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


def same_origin(headers: dict[str, str]) -> bool:
    """The request was made by a page of this server: Origin, else Referer, names a local host
    (the Host check already holds, so a local origin is this machine's)."""
    src = headers.get("origin") or headers.get("referer")
    if not src or src == "null":
        return False
    parts = urlsplit(src)
    return parts.scheme == "http" and host_name(parts.netloc) in LOCAL_HOSTS and parts.netloc == headers.get("host")


class Guard:
    """ASGI middleware enforcing the rules above around ``app``."""

    def __init__(self, app, token: str):
        self.app = app
        self.token = token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = _headers(scope)
        if host_name(headers.get("host", "")) not in LOCAL_HOSTS:
            return await _refuse(send, "拒绝访问：请求的主机名不是本机（127.0.0.1 或 localhost）。")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        url_token = (query.get("token") or [None])[0]
        if url_token is not None and scope["method"] == "GET" and same_token(url_token, self.token):
            # The one-time address: keep the token as a cookie, show the address without it.
            rest = {k: v for k, v in query.items() if k != "token"}
            location = scope["path"] + ("?" + urlencode(rest, doseq=True) if rest else "")
            return await _redirect_with_cookie(send, location, self.token)
        bearer = _bearer(headers)
        if same_token(bearer, self.token):
            return await self.app(scope, receive, send)
        if not same_token(_cookie_token(headers), self.token):
            return await _refuse(
                send, "拒绝访问：缺少或错误的访问令牌。请使用启动网页服务时控制台窗口中显示的完整地址打开本页面。"
            )
        if scope["method"] not in SAFE_METHODS and not same_origin(headers):
            return await _refuse(send, "拒绝访问：这个操作只能从本工具自己的页面发出。")
        return await self.app(scope, receive, send)


async def _refuse(send, message: str) -> None:
    body = message.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _redirect_with_cookie(send, location: str, token: str) -> None:
    cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", location.encode("utf-8")),
                (b"set-cookie", cookie.encode("ascii")),
                (b"cache-control", b"no-store"),
                (b"referrer-policy", b"no-referrer"),
                (b"content-length", b"0"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})
