"""Who may use Datasette: the ``ds_actor`` cookie check and the refusal pages.

Logging in to Genzong as a manager or admin sets Datasette's signed
``ds_actor`` cookie (see ``server.routes.auth``). Every request under
``/data/`` is checked here against the user's current record. The cookie
must carry a valid signature and expiry. The user must still exist, be
enabled, be a manager or admin, and have the token version the cookie was
issued with. So ``genzong user disable``, ``logout-all`` and a password
change end the Datasette session at the next request.
"""

import html
import json
import logging
import secrets
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup, escape

from .routes.auth import ACTOR_COOKIE, BASE62
from .state import ServerState
from .visibility import SEES_EVERYTHING

log = logging.getLogger("genzong.datasette")

# Key of the verified actor in the ASGI scope, set once per request.
SCOPE_ACTOR = "genzong.actor"


class ActorVerifier:
    """Check ``ds_actor`` cookies against the users of one server state.

    Actors it returns carry ``genzong_session``, a random value made per
    instance, so the Datasette plugin can tell them from the unchecked actor
    that Datasette's own cookie reader returns.
    """

    def __init__(self, state: ServerState):
        self.state = state
        self.serializer = URLSafeSerializer(state.secret, "actor")
        self.marker = secrets.token_urlsafe(16)

    def is_verified(self, actor) -> bool:
        return isinstance(actor, dict) and actor.get("genzong_session") == self.marker

    def verify(self, cookie: str | None) -> dict | None:
        """Return the actor of a valid, current manager or admin cookie, else None."""
        if not cookie:
            return None
        try:
            decoded = self.serializer.loads(cookie)
        except BadSignature:
            log.info("datasette cookie rejected: bad signature")
            return None
        claimed = decoded.get("a") if isinstance(decoded, dict) else None
        if not isinstance(claimed, dict) or _expired(decoded.get("e")):
            return None
        user_id, version = claimed.get("id"), claimed.get("genzong_token_version")
        if not isinstance(user_id, str) or not isinstance(version, int):
            return None
        accounts = self.state.accounts()
        user = accounts.get(user_id)
        if user is None or user.disabled or user.role not in SEES_EVERYTHING:
            return None
        if accounts.token_version(user.id) != version:
            log.info("datasette cookie rejected: revoked user=%s", user.username)
            return None
        return {"id": user.id, "username": user.username, "name": user.name,
                "role": user.role, "genzong_session": self.marker}

    def verify_scope(self, scope) -> dict | None:
        """Return the verified actor of an ASGI request, checking its cookie once."""
        if SCOPE_ACTOR not in scope:
            scope[SCOPE_ACTOR] = self.verify(cookie_value(scope, ACTOR_COOKIE))
        return scope[SCOPE_ACTOR]


def _expired(expiry) -> bool:
    """Return True unless ``expiry`` is a base62 Unix time still in the future.

    Genzong always sets an expiry, so a cookie without one is not accepted.
    """
    if not isinstance(expiry, str) or not expiry or any(c not in BASE62 for c in expiry):
        return True
    seconds = 0
    for digit in expiry:
        seconds = seconds * 62 + BASE62.index(digit)
    return seconds <= time.time()


def cookie_value(scope, name: str) -> str | None:
    """Return the value of cookie ``name`` from an ASGI scope's headers."""
    for key, value in scope.get("headers", []):
        if key != b"cookie":
            continue
        for part in value.decode("latin-1").split(";"):
            cookie_name, _, cookie = part.strip().partition("=")
            if cookie_name == name:
                return cookie.strip('"')
    return None


# Refusal pages ------------------------------------------------------------

FORBIDDEN_TITLE = "无权访问 · Forbidden"
FORBIDDEN_MESSAGE = ("数据浏览仅供销售经理和管理员使用。请先用经理或管理员账号登录跟踪，再打开此页。"
                     "如果刚被停用或被强制退出，请联系管理员。")
FORBIDDEN_MESSAGE_EN = ("Data browsing is for managers and admins. Log in to Genzong with a manager or "
                        "admin account, then open this page again. If your account was just disabled or "
                        "logged out everywhere, ask an admin.")

# Datasette stops a query at its SQL time limit, and these replace its
# English "SQL query took too long" page. {seconds} is the limit.
TIMED_OUT_TITLE = "查询超时 · Query timed out"
TIMED_OUT_MESSAGE = ("这一页的查询超过了 {seconds} 秒的时间限制，已停止。数据多时，按较长期间汇总的报表会这样。"
                     "请缩短期间（有开始日期和结束日期的报表，可以只查一个月）或加上筛选条件后重新打开。")
TIMED_OUT_MESSAGE_EN = ("The query for this page ran past the {seconds} s time limit and was stopped, as reports "
                        "over a long period can on a large database. Open it again with a shorter period (on a "
                        "report with 开始日期 and 结束日期, one month) or with a filter.")


# A page failed on an error Datasette did not expect, such as a mangled next-page link.
FAILED_TITLE = "页面出错 · Page failed"
FAILED_MESSAGE = "这个页面出错了。请返回上一页重试；如果一直出错，请联系管理员。"
FAILED_MESSAGE_EN = "This page failed. Go back and try again; if it keeps failing, contact the administrator."


# Scope key of the refusal that the mount hands to the plugin's page at REFUSAL_PATH.
SCOPE_REFUSAL = "genzong.refusal"
# The Datasette path of the plugin's page that renders a refusal with the header of every page.
REFUSAL_PATH = "/-/genzong-refusal"
LOGIN_LINK = ("/", "登录跟踪", "Log in to Genzong")


@dataclass(frozen=True)
class Refusal:
    """A request the mount refuses before Datasette runs: its status and the messages of its page.

    ``links`` are (URL, Chinese text, English text): where to go next.
    """

    status: int
    title: str
    message: str
    message_en: str
    links: tuple[tuple[str, str, str], ...] = ()

    def message_html(self) -> Markup:
        return message_html(self.message, self.message_en, self.links)

    def json_page(self) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        return error_page(self.status, self.title, self.message, self.message_en, as_json=True)

    def plain_page(self) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Return the page without Datasette's header, for methods other than GET and HEAD.

        Datasette rejects a POST without its CSRF token before it renders any page.
        """
        return error_page(self.status, self.title, self.message, self.message_en, as_json=False,
                          login_link=LOGIN_LINK in self.links)


def message_html(message: str, message_en: str, links: tuple[tuple[str, str, str], ...] = ()) -> Markup:
    """Return an error page's message and links in both languages, each marked with its ``lang``.

    ``links`` are (URL, Chinese text, English text). The interface script
    hides the language the page is not in, and shows only that language's
    half of the page's title "中文 · English". A browser without JavaScript
    shows both.
    """
    parts = [f'<p class="genzong-message" lang="zh-CN">{escape(message)}</p>',
             f'<p class="genzong-message" lang="en">{escape(message_en)}</p>']
    for url, text, text_en in links:
        parts.append(f'<p class="genzong-message" lang="zh-CN"><a href="{escape(url)}">{escape(text)}</a></p>')
        parts.append(f'<p class="genzong-message" lang="en"><a href="{escape(url)}">{escape(text_en)}</a></p>')
    return Markup("".join(parts))


def wants_json(path: str, query_string: bytes) -> bool:
    return path.endswith(".json") or b"_format=json" in query_string


def error_page(status: int, title: str, message: str, message_en: str, *, as_json: bool,
               login_link: bool = True, back: str | None = None) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Return (status, headers, body) of a Chinese-first error page or JSON error.

    ``back`` is a URL the page links to, to try again (the report without the invalid values).
    """
    if as_json:
        body = json.dumps({"ok": False, "status": status, "title": title, "error": message,
                           "error_en": message_en}, ensure_ascii=False).encode()
        content_type = b"application/json; charset=utf-8"
    else:
        link = '<p><a href="/">登录跟踪 · Log in</a></p>' if login_link else ""
        if back:
            link += f'<p><a href="{html.escape(back)}">去掉有误的条件重新打开 · Open without the invalid values</a></p>'
        body = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{html.escape(title)}</title></head><body>"
                f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>"
                f'<p lang="en">{html.escape(message_en)}</p>{link}</body></html>').encode()
        content_type = b"text/html; charset=utf-8"
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"private, no-store"), (b"vary", b"Cookie")]
    return status, headers, body


async def send_page(send, page: tuple[int, list[tuple[bytes, bytes]], bytes]) -> None:
    status, headers, body = page
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
