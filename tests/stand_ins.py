"""Local stand-ins on 127.0.0.1 for the outside services reminders go to.

``PushService`` plays a browser vendor's Web Push service and the browser
behind it. It makes subscriptions with their own P-256 key pair and auth
secret. For every request it checks the VAPID JWT (ES256 signature, ``aud``
equal to the endpoint's origin, ``exp`` within 24 hours, the key the
subscription was made for), the TTL and the encoding, then decrypts the
aes128gcm body with the subscription's private key. ``ChatRobot`` plays a
企业微信 or 钉钉 group robot webhook. Both can be set to return errors.
"""

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MAX_PUSH_BODY = 4096


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class FakeSubscription:
    token: str
    endpoint: str
    application_server_key: str
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)
    auth_secret: bytes = field(repr=False)
    messages: list[dict] = field(default_factory=list)       # decrypted payloads, in arrival order
    payload_sizes: list[int] = field(default_factory=list)   # plaintext bytes of each message
    requests: int = 0                                       # every POST, failed or accepted
    answers: list[int] = field(default_factory=list)        # error statuses to return before accepting again
    always: int | None = None                               # an error status to return every time
    retry_after: str | None = None                          # Retry-After header sent with those errors
    stall: float = 0.0                                      # seconds to wait before answering

    def info(self) -> dict:
        """Return what PushSubscription.toJSON() returns in a browser."""
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": b64url(public), "auth": b64url(self.auth_secret)}}


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class _StandIn:
    def __init__(self):
        handler = self._handler_class()
        self.server = _Server(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.errors: list[str] = []   # requests the stand-in found invalid
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def _handler_class(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                status, answer, extra = stand_in.handle(self.path, dict(self.headers.items()), body)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def reject(self, reason: str) -> tuple[int, dict, dict]:
        return 400, {"error": self._fail(reason)}, {}

    def _fail(self, reason: str) -> str:
        with self.lock:
            self.errors.append(reason)
        return reason


class PushService(_StandIn):
    def __init__(self):
        super().__init__()
        self.subscriptions: dict[str, FakeSubscription] = {}

    def subscribe(self, application_server_key: str) -> FakeSubscription:
        token = secrets.token_urlsafe(16)
        sub = FakeSubscription(token, f"{self.origin}/push/{token}", application_server_key,
                               ec.generate_private_key(ec.SECP256R1()), secrets.token_bytes(16))
        self.subscriptions[token] = sub
        return sub

    def handle(self, path: str, headers: dict, body: bytes):
        headers = {k.lower(): v for k, v in headers.items()}
        token = path.rsplit("/", 1)[-1]
        sub = self.subscriptions.get(token)
        if not path.startswith("/push/") or sub is None:
            return 404, {"error": "no such subscription"}, {}
        with self.lock:
            sub.requests += 1
        if sub.stall:
            time.sleep(sub.stall)
        problem = self._check_vapid(headers.get("authorization", ""), sub)
        if problem:
            return 401, {"error": problem}, {}
        ttl = headers.get("ttl", "")
        if not ttl.isdigit() or int(ttl) <= 0:
            return self.reject(f"TTL header missing or zero: {ttl!r}")
        if headers.get("content-encoding") != "aes128gcm":
            return self.reject(f"content-encoding is {headers.get('content-encoding')!r}, not aes128gcm")
        if len(body) > MAX_PUSH_BODY:
            return 413, {"error": f"body of {len(body)} bytes"}, {}
        with self.lock:
            status = sub.always or (sub.answers.pop(0) if sub.answers else None)
        if status:
            extra = {"retry-after": sub.retry_after} if sub.retry_after else {}
            return status, {"error": f"told to answer {status}"}, extra
        try:
            plaintext = http_ece.decrypt(body, private_key=sub.private_key, auth_secret=sub.auth_secret,
                                         version="aes128gcm")
            message = json.loads(plaintext)
        except Exception as error:  # any failure to decrypt or parse is the sender's fault
            return self.reject(f"cannot decrypt or parse the body: {error!r}")
        with self.lock:
            sub.messages.append(message)
            sub.payload_sizes.append(len(plaintext))
        return 201, {}, {"location": f"{self.origin}/message/{secrets.token_hex(4)}"}

    def _check_vapid(self, authorization: str, sub: FakeSubscription) -> str | None:
        """Return why the VAPID header is unacceptable, or None when it is valid."""
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            return self._fail(f"authorization scheme is {scheme!r}, not vapid")
        parts = dict(part.strip().split("=", 1) for part in params.split(",") if "=" in part)
        token, key = parts.get("t", ""), parts.get("k", "")
        if key != sub.application_server_key:
            return self._fail("k is not the applicationServerKey of the subscription")
        try:
            header_b64, claims_b64, signature_b64 = token.split(".")
            header = json.loads(b64url_decode(header_b64))
            claims = json.loads(b64url_decode(claims_b64))
            signature = b64url_decode(signature_b64)
        except ValueError:
            return self._fail("the JWT is malformed")
        if header.get("alg") != "ES256" or len(signature) != 64:
            return self._fail(f"the JWT is not ES256: {header}")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        try:
            public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return self._fail("the JWT signature does not verify")
        if claims.get("aud") != self.origin:
            return self._fail(f"aud is {claims.get('aud')!r}, not {self.origin!r}")
        now = time.time()
        if not isinstance(claims.get("exp"), int) or not now < claims["exp"] <= now + 24 * 3600:
            return self._fail(f"exp {claims.get('exp')!r} is not within the next 24 hours")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
            return self._fail(f"sub {claims.get('sub')!r} is not a mailto: or https: contact")
        return None


class ChatRobot(_StandIn):
    """A group robot webhook: ``/wecom?key=…`` or ``/dingtalk?access_token=…``."""

    def __init__(self, secret: str | None = None):
        super().__init__()
        self.secret = secret
        self.messages: list[dict] = []
        self.queries: list[dict] = []
        self.answers: list[tuple[int, int]] = []   # (HTTP status, errcode) to answer before accepting

    @property
    def wecom_url(self) -> str:
        return f"{self.origin}/wecom?key=robot-key-123"

    @property
    def dingtalk_url(self) -> str:
        return f"{self.origin}/dingtalk?access_token=robot-token-456"

    def handle(self, path: str, headers: dict, body: bytes):
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/dingtalk" and self.secret:
            problem = self._check_sign(query)
            if problem:
                return 200, {"errcode": 310000, "errmsg": problem}, {}
        with self.lock:
            self.queries.append(query)
            answer = self.answers.pop(0) if self.answers else None
        if answer:
            status, errcode = answer
            return status, {"errcode": errcode, "errmsg": "told to fail"}, {}
        try:
            message = json.loads(body)
        except ValueError:
            return self.reject("the body is not JSON")
        with self.lock:
            self.messages.append(message)
        return 200, {"errcode": 0, "errmsg": "ok"}, {}

    def _check_sign(self, query: dict) -> str | None:
        timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
        if not timestamp.isdigit() or abs(int(timestamp) / 1000 - time.time()) > 3600:
            return self._fail("timestamp missing or more than an hour off")
        digest = hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256).digest()
        if sign != base64.b64encode(digest).decode():
            return self._fail("sign does not match")
        return None
