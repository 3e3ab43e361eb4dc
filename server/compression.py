"""Gzip of responses, negotiated as HTTP requires.

``GZipMiddleware`` of Starlette 1.10 compresses whenever the request's
``Accept-Encoding`` contains the text "gzip", so it gzips for ``gzip;q=0``,
which rejects gzip, and not for ``GZIP`` or ``*``, which accept it.

``GzipNegotiation`` wraps it. It decides from ``Accept-Encoding`` whether
gzip is acceptable and shows the inner app ``gzip`` or ``identity`` in that
header's place.
"""

import re

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

# A weight of RFC 9110, section 12.4.2: 0 to 1 with at most three decimals.
QVALUE = re.compile(r"0(\.\d{0,3})?|1(\.0{0,3})?")


def accepts_gzip(accept_encoding: str) -> bool:
    """Return whether an ``Accept-Encoding`` value accepts gzip (RFC 9110, section 12.5.3).

    Coding names are case-insensitive, and ``x-gzip`` is gzip. A weight of
    0 rejects a coding. An explicit gzip entry decides alone, and otherwise
    ``*`` decides. An element with an invalid weight counts as absent.
    An empty value accepts no coding. Pass one for a request without the
    header too: the RFC allows any coding then, but such a client may not
    decode gzip.
    """
    gzip_weights = []
    wildcard_weight = 0.0
    for element in accept_encoding.split(","):
        coding, _, parameters = element.partition(";")
        coding = coding.strip().lower()
        weight = _weight(parameters)
        if weight is None:
            continue
        if coding in ("gzip", "x-gzip"):
            gzip_weights.append(weight)
        elif coding == "*":
            wildcard_weight = weight
    if gzip_weights:
        return max(gzip_weights) > 0
    return wildcard_weight > 0


def _weight(parameters: str) -> float | None:
    """Return the ``q`` weight of an element's parameters: 1 if absent, None if invalid."""
    for parameter in parameters.split(";"):
        name, equals, value = parameter.partition("=")
        if name.strip().lower() != "q":
            continue
        value = value.strip()
        if not equals or not QVALUE.fullmatch(value):
            return None
        return float(value)
    return 1.0


class GzipNegotiation:
    """ASGI middleware in front of ``GZipMiddleware`` that decides whether the response may be gzipped."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        gzip_accepted = accepts_gzip(", ".join(Headers(scope=scope).getlist("accept-encoding")))
        headers = [(name, value) for name, value in scope["headers"] if name != b"accept-encoding"]
        headers.append((b"accept-encoding", b"gzip" if gzip_accepted else b"identity"))
        await self.app({**scope, "headers": headers}, receive, send)
