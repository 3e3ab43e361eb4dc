"""Gzip of responses, negotiated as HTTP requires.

``GZipMiddleware`` of Starlette 1.10 compresses whenever the request's
``Accept-Encoding`` contains the text "gzip", so it gzips for ``gzip;q=0``,
which rejects gzip, and not for ``GZIP`` or ``*``, which accept it. It
also keeps the ``ETag`` of the uncompressed body on the gzipped one,
although the two are different representations (RFC 9110, section 8.8.3).

``GzipNegotiation`` wraps it. It decides from ``Accept-Encoding`` whether
gzip is acceptable and shows the inner app ``gzip`` or ``identity`` in that
header's place. It gives each gzipped response its own entity tag, the
plain tag with ``-gzip`` added. It maps that tag in ``If-None-Match`` back
to the plain tag, so the static files' conditional requests still end in
304 responses.
"""

import re

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GZIP_TAG_SUFFIX = "-gzip"

# An entity tag: an optional weak prefix W/, then an opaque tag in quotes.
ENTITY_TAG = re.compile(r'(W/)?"([^"]*)"')
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


def gzip_tag(etag: str) -> str:
    """Return the entity tag of the gzipped form of ``etag``'s representation, weak if it was weak."""
    if not etag.endswith('"'):
        return etag
    return etag[:-1] + GZIP_TAG_SUFFIX + '"'


def plain_if_none_match(if_none_match: str) -> tuple[str, set[str]]:
    """Map the gzip tags in an ``If-None-Match`` value to their plain tags.

    Returns the new value and the opaque tags (quoted, without ``W/``) that
    the client sent in their gzip form. ``*`` and values with no entity tag
    come back unchanged.
    """
    tags = ENTITY_TAG.findall(if_none_match)
    if not tags:
        return if_none_match, set()
    plain_tags = []
    gzip_forms = set()
    for weak, opaque in tags:
        if opaque.endswith(GZIP_TAG_SUFFIX):
            gzip_forms.add(f'"{opaque}"')
            opaque = opaque.removesuffix(GZIP_TAG_SUFFIX)
        plain_tags.append(f'{weak}"{opaque}"')
    return ", ".join(plain_tags), gzip_forms


class GzipNegotiation:
    """ASGI middleware in front of ``GZipMiddleware``: decides on gzip and keeps entity tags apart.

    A gzipped response's ``ETag`` becomes ``gzip_tag(ETag)``. A 304 response
    gets the gzip tag, and ``Vary: Accept-Encoding`` as its 200 response
    had, when the client sent that tag in ``If-None-Match``.

    NOTE: A HEAD request gets the plain headers (no ``Content-Encoding``,
    the plain ``ETag``) even when GET would gzip, because ``GZipMiddleware``
    receives an empty body and passes it through.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        gzip_accepted = accepts_gzip(", ".join(request_headers.getlist("accept-encoding")))
        headers = [(name, value) for name, value in scope["headers"]
                   if name not in (b"accept-encoding", b"if-none-match")]
        headers.append((b"accept-encoding", b"gzip" if gzip_accepted else b"identity"))

        gzip_forms: set[str] = set()
        if_none_match = ", ".join(request_headers.getlist("if-none-match"))
        if if_none_match:
            # Only a client that accepts gzip now can use a gzipped body it stored.
            if gzip_accepted:
                if_none_match, gzip_forms = plain_if_none_match(if_none_match)
            headers.append((b"if-none-match", if_none_match.encode("latin-1")))

        async def send_with_entity_tag(message: Message) -> None:
            if message["type"] == "http.response.start":
                _rename_entity_tag(message, gzip_forms)
            await send(message)

        await self.app({**scope, "headers": headers}, receive, send_with_entity_tag)


def _rename_entity_tag(start: Message, gzip_forms: set[str]) -> None:
    """Set the gzip tag on a gzipped response, and on a 304 response to a gzip tag the client sent."""
    headers = MutableHeaders(scope=start)
    etag = headers.get("etag")
    if etag is None:
        return
    tag = gzip_tag(etag)
    if headers.get("content-encoding", "").lower() == "gzip":
        headers["etag"] = tag
    elif start["status"] == 304 and tag.removeprefix("W/") in gzip_forms:
        headers["etag"] = tag
        headers.add_vary_header("Accept-Encoding")
