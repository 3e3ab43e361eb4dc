"""Fixtures: a real data folder and SQLite file, the real app, users and devices."""

import uuid

import pytest
from starlette.testclient import TestClient

from genzong.server.app import create_app
from genzong.server.paths import DataDir
from genzong.server.state import open_data_dir

from device import Device
from stand_ins import PushService

PASSWORD = "secret-pw"


@pytest.fixture
def data_dir(tmp_path) -> DataDir:
    return DataDir(tmp_path / "data")


@pytest.fixture
def state(data_dir):
    opened = open_data_dir(data_dir)
    yield opened
    opened.close()


@pytest.fixture
def http(data_dir, state):
    """An HTTP client for the real app, served in-process."""
    with TestClient(create_app(data_dir, state)) as client:
        yield client


@pytest.fixture
def push_service():
    """A local Web Push service on 127.0.0.1 that checks and decrypts what it receives."""
    service = PushService().start()
    yield service
    service.stop()


@pytest.fixture
def make_user(state):
    """Create a user: make_user("sales", name="张伟") returns the User (password PASSWORD)."""
    def make(role: str = "sales", username: str | None = None, name: str | None = None, manager=None):
        username = username or f"{role}-{uuid.uuid4().hex[:6]}"
        return state.accounts().add(username, PASSWORD, role, name, manager)
    return make


@pytest.fixture
def login_as(http, make_user):
    """Log in and return (user, token); accepts a role or an existing User."""
    def login(who="sales"):
        user = make_user(who) if isinstance(who, str) else who
        response = http.post("/api/login", json={"username": user.username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return user, response.json()["token"]
    return login


@pytest.fixture
def make_device(http, login_as):
    """Return a new simulated device, logged in as a new user of ``role`` or as ``user``."""
    def make(who="sales", **options) -> Device:
        user, token = login_as(who)
        device = Device(http, token, **options)
        device.user = user
        return device
    return make
