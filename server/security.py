"""Security headers for the PWA and the API.

The PWA's Content-Security-Policy allows scripts only from this origin, so
an injected ``<script>`` or inline event handler never runs. Datasette's
pages (under ``/data/``) run inline scripts of Datasette's own, so they get
no script rule. They only refuse to be framed, because a page of another
site could otherwise show Datasette in a frame and trick a manager into
clicking there.
"""

PWA_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


DATASETTE_POLICY = "frame-ancestors 'none'"

COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
PWA_HEADERS = [(b"content-security-policy", PWA_POLICY.encode()), *COMMON_HEADERS]
DATASETTE_HEADERS = [(b"content-security-policy", DATASETTE_POLICY.encode()), *COMMON_HEADERS]


class SecurityHeadersMiddleware:
    """Add security headers to every response: the PWA's and the API's, or Datasette's under ``/data``."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = DATASETTE_HEADERS if scope["path"].startswith("/data") else PWA_HEADERS

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in names]
                if scope["path"] in ("/", "/index.html", "/sw.js") or scope["path"].startswith("/api/"):
                    headers.append((b"cache-control", b"no-cache"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
