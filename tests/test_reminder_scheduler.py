"""The scheduler inside the app's lifespan, and 'genzong remind --once' as a command."""

import asyncio
import logging
import subprocess
import sys
import time
from datetime import timedelta

from starlette.testclient import TestClient

from genzong.server.app import create_app
from genzong.server.reminders import scheduler, subscriptions
from genzong.server.reminders.push import RetryPolicy
from genzong.server.reminders.scheduler import ReminderScheduler
from genzong.server.timeutil import today

from reminder_helpers import seed, subscribe
from servers import REPO


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_lifespan_runs_and_stops_scheduler(data_dir, state, make_user, push_service, monkeypatch, caplog):
    monkeypatch.setattr(scheduler, "FIRST_DELAY_SECONDS", 0.05)
    monkeypatch.setattr(scheduler, "INTERVAL_SECONDS", 0.2)
    caplog.set_level(logging.INFO, logger="genzong")
    user = make_user("sales")
    seed(state, "customers", name="李四", owner_id=user.id, next_follow_up=today().isoformat())

    with TestClient(create_app(data_dir, state)) as client:
        token = client.post("/api/login", json={"username": user.username, "password": "secret-pw"}).json()["token"]
        sub = subscribe(client, token, push_service)
        assert wait_for(lambda: sub.messages)
        assert wait_for(lambda: "reminder pass: 1 items due; 0 push messages sent" in caplog.text)

    assert [m["title"] for m in sub.messages] == ["跟进提醒：李四"]
    assert "reminder scheduler started: a pass every 0 s" in caplog.text
    assert "reminder scheduler stopped after" in caplog.text


def test_stop_interrupts_retry_wait(state, make_user, push_service):
    user = make_user("sales")
    seed(state, "customers", name="李四", owner_id=user.id, next_follow_up=today().isoformat())
    sub = push_service.subscribe("unused")
    sub.always = 503
    parsed = subscriptions.parse_subscription(sub.info())
    subscriptions.save(state.private.get(), user.id, parsed)
    patient = RetryPolicy(attempts=5, base_delay=30.0, max_wait=120.0, timeout=5.0)

    async def start_then_stop():
        runner = ReminderScheduler(state, interval=60.0, first_delay=0.0, policy=patient)
        runner.start()
        while sub.requests == 0:
            await asyncio.sleep(0.02)
        await asyncio.wait_for(runner.stop(), 10.0)
        return runner.passes

    assert asyncio.run(start_then_stop()) == 1
    assert sub.requests == 1


def run_cli(*args, data_dir) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "genzong.server.cli", *args, "--data-dir", str(data_dir.root)],
                          capture_output=True, text=True, cwd=REPO, timeout=60)


def test_remind_once_command(data_dir, state, make_user, push_service):
    user = make_user("sales")
    seed(state, "customers", name="李四", owner_id=user.id, next_follow_up=today().isoformat())
    customer = seed(state, "customers", name="王芳", owner_id=user.id)
    seed(state, "receivables", customer_id=customer, amount_fen=10_000,
         due_date=(today() - timedelta(days=2)).isoformat())
    sub = push_service.subscribe("unused")
    from genzong.server.reminders.vapid import load_or_create_key, public_key_b64
    sub.application_server_key = public_key_b64(load_or_create_key(data_dir.vapid_private_key))
    subscriptions.save(state.private.get(), user.id, subscriptions.parse_subscription(sub.info()))

    dry = run_cli("remind", "--once", "--dry-run", data_dir=data_dir)
    first = run_cli("remind", "--once", data_dir=data_dir)
    second = run_cli("remind", "--once", data_dir=data_dir)

    assert dry.returncode == 0
    assert dry.stdout.splitlines()[0] == "2 items due"
    assert "unsent to 1 devices" in dry.stdout
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().startswith("2 items due; 2 push messages sent, 0 failed")
    assert second.stdout.strip().startswith("2 items due; 0 push messages sent, 0 failed")
    assert push_service.errors == []
    assert len(sub.messages) == 2


def test_remind_needs_once(data_dir, state):
    result = run_cli("remind", data_dir=data_dir)
    assert result.returncode == 2
    assert "pass --once to send the due reminders now, or --dry-run" in result.stderr


def test_remind_dry_run_implies_once(data_dir, state, make_user):
    user = make_user("sales")
    seed(state, "customers", name="李四", owner_id=user.id, next_follow_up=today().isoformat())

    result = run_cli("remind", "--dry-run", data_dir=data_dir)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 items due")


def test_settings_command(data_dir, state):
    changed = run_cli("settings", "set", "reminder_ticket_hours", "12", data_dir=data_dir)
    invalid = run_cli("settings", "set", "reminder_ticket_hours", "twelve", data_dir=data_dir)
    listing = run_cli("settings", "list", data_dir=data_dir)

    assert changed.stdout.strip() == "reminder_ticket_hours = 12"
    assert invalid.returncode == 1
    assert invalid.stderr.strip() == ("error: invalid value 'twelve' for reminder_ticket_hours: "
                                      "must be a whole number from 1 to 168 (hours)")
    assert f"{'reminder_ticket_hours':<28} 12\n" in listing.stdout
    assert 'escalation_days              3 (default)' in listing.stdout
