"""The README's path for a real team: a new data folder, a first admin, then serve, with no demo logins."""

import re
import shlex
import subprocess
import sys

import httpx

from servers import REPO, ServerProcess

PORT = 8160
README_FOLDER = "/srv/genzong/data"


def team_commands(readme: str) -> list[str]:
    """Return the lines of the first shell block of the section on running Genzong for a team."""
    section = readme.split("## Running it for a team", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "no shell block in 'Running it for a team'"
    return block.group(1).strip().splitlines()


def test_readme_team_commands_start_without_demo(tmp_path):
    commands = team_commands((REPO / "README.md").read_text(encoding="utf-8"))
    assert commands[0] == "make .venv/.installed"
    add, serve = (shlex.split(line) for line in commands[1:])
    assert add[:3] == [".venv/bin/genzong", "user", "add"]
    assert serve[:2] == [".venv/bin/genzong", "serve"]
    folder = tmp_path / "team"
    add = [str(folder) if word == README_FOLDER else word for word in add]

    created = subprocess.run([sys.executable, "-m", "genzong.server.cli", *add[1:]],
                             capture_output=True, text=True, cwd=REPO, timeout=60)

    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith(f"created the data folder {folder}\n")
    username, password = add[3], add[add.index("--password") + 1]
    server = ServerProcess(folder, port=PORT).start()
    try:
        admin = httpx.post(server.url + "/api/login", json={"username": username, "password": password})
        demo = httpx.post(server.url + "/api/login", json={"username": "zhangwei", "password": "genzong123"})
    finally:
        server.stop()
    assert admin.status_code == 200
    assert admin.json()["user"]["role"] == "admin"
    assert demo.status_code == 401


def test_readme_warns_about_demo_logins():
    for name, warning in (("README.md", "no\n`make run HOST=0.0.0.0` with demo data"),
                          ("README.zh-CN.md", "不要用\n`make run HOST=0.0.0.0` 把它开放到网络上")):
        text = (REPO / name).read_text(encoding="utf-8")
        assert warning in text, name
        assert "genzong user add boss --role admin" in text, name
