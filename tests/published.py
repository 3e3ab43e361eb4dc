"""A served data folder for the Datasette tests, shared by the tests of one module.

Datasette takes a while to start, so modules whose tests only read build
one ``Published`` in a module-scoped fixture. Requests carry the
``ds_actor`` cookie in a header, so one client serves every role.
"""

import warnings
from dataclasses import dataclass, field
from pathlib import Path

from starlette.routing import Mount
from starlette.testclient import TestClient

from genzong.server.app import create_app
from genzong.server.demo import DEMO_PASSWORD, fill_demo
from genzong.server.paths import DataDir
from genzong.server.state import ServerState, open_data_dir

ACTOR_COOKIE = "ds_actor"


@dataclass
class Published:
    """The real app over one data folder, with a client and login helpers."""

    data: DataDir
    state: ServerState
    client: TestClient
    _cookies: dict[str, str] = field(default_factory=dict)

    def login_cookie(self, username: str, password: str = DEMO_PASSWORD) -> str | None:
        """Log in through the API and return the ``ds_actor`` cookie it set (None when none)."""
        response = self.client.post("/api/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        cookie = response.cookies.get(ACTOR_COOKIE)
        self.client.cookies.clear()
        return cookie

    def as_user(self, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        """Return request headers that carry ``username``'s Datasette cookie (cached per user)."""
        if username not in self._cookies:
            cookie = self.login_cookie(username, password)
            assert cookie, f"{username} got no {ACTOR_COOKIE} cookie"
            self._cookies[username] = cookie
        return cookie_header(self._cookies[username])

    def get(self, url: str, username: str | None = "jingli", **kwargs):
        headers = self.as_user(username) if username else {}
        return self.client.get(url, headers=headers, follow_redirects=False, **kwargs)

    def rows(self, path: str, username: str = "jingli", **params) -> list[dict]:
        """Return the rows of a table, view, canned query or SQL query (``sql=``) as dicts.

        ``path`` is the page's path, such as ``/data/genzong/customers``.
        """
        response = self.get(path + ".json", username,
                            params={"_shape": "array", "_size": "max", **params})
        assert response.status_code == 200, response.text
        return response.json()

    def datasette(self):
        """Return the Datasette instance the app mounted at /data/."""
        for route in self.client.app.routes:
            if isinstance(route, Mount) and route.path == "/data":
                return route.app.datasette
        raise LookupError("no Datasette mount at /data")


def cookie_header(cookie: str) -> dict[str, str]:
    return {"Cookie": f"{ACTOR_COOKIE}={cookie}"}


def open_published(root: Path, demo_customers: int | None = 300) -> Published:
    """Open a data folder under ``root`` (with demo data unless None) and start the app."""
    data = DataDir(root / "data")
    state = open_data_dir(data)
    if demo_customers:
        fill_demo(state, customers=demo_customers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        client = TestClient(create_app(data, state))
    client.__enter__()
    return Published(data, state, client)


def close_published(published: Published) -> None:
    published.client.__exit__(None, None, None)
    published.state.close()
