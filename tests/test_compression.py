"""Responses are gzipped for clients that accept gzip, with the same content either way."""

import gzip
import io
import json
import zipfile
import zlib

import pytest
from starlette.testclient import TestClient

from device import Device
from genzong.server.app import GZIP_MINIMUM_BYTES, create_app
from genzong.server.compression import gzip_tag
from genzong.server.routes.ledgers import XLSX_TYPE
from importing import csv_bytes


@pytest.fixture
def rep_with_customers(make_device):
    device = make_device("sales")
    for number in range(200):
        device.edit("customers", name=f"杭州客户{number:03d}有限公司", phone=f"138{number:08d}",
                    address="浙江省杭州市西湖区文三路")
    device.sync()
    return device


def pull_page(http, token, encoding):
    body = {"device": "d-fresh", "epoch": None, "cursor": 0, "changes": []}
    return http.post("/api/sync", json=body,
                     headers={"Authorization": f"Bearer {token}", "Accept-Encoding": encoding})


def test_pull_page_is_gzipped_and_unchanged(http, rep_with_customers):
    plain = pull_page(http, rep_with_customers.token, "identity")
    packed = pull_page(http, rep_with_customers.token, "gzip")

    assert plain.status_code == packed.status_code == 200
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["vary"]
    assert packed.num_bytes_downloaded * 5 < plain.num_bytes_downloaded
    plain_body, packed_body = plain.json(), packed.json()
    plain_body.pop("server_time"), packed_body.pop("server_time")
    assert packed_body == plain_body
    assert sum(change["table"] == "customers" for change in packed_body["changes"]) == 200


def test_small_response_not_gzipped(http, login_as):
    _, token = login_as("sales")
    response = http.get("/api/me", headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers


def test_app_files_are_gzipped(http):
    response = http.get("/js/sync.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "SyncClient" in response.text
    # What went over the wire is a gzip stream of the file.
    raw = http.build_request("GET", "/js/sync.js", headers={"Accept-Encoding": "gzip"})
    streamed = http.send(raw, stream=True)
    try:
        assert b"SyncClient" in gzip.decompress(b"".join(streamed.iter_raw()))
    finally:
        streamed.close()


@pytest.mark.parametrize("accept_encoding, gzipped", [
    ("gzip", True),
    ("GZIP", True),
    ("x-gzip", True),
    ("*", True),
    ("deflate, gzip;q=0.5", True),
    ("gzip; Q=1.000", True),
    ("*;q=0, gzip", True),
    ("gzip;q=0", False),
    ("gzip; q=0.000", False),
    ("identity", False),
    ("*;q=0", False),
    ("gzip;q=0, deflate", False),
    ("gzip;q=0, *", False),
    ("deflate, br", False),
    ("gzip;q=2", False),
    ("", False),
])
def test_app_file_gzipped_only_when_accepted(http, accept_encoding, gzipped):
    """RFC 9110 section 12.5.3: q=0 rejects a coding, and * accepts the codings not named."""
    response = http.get("/js/sync.js", headers={"Accept-Encoding": accept_encoding})
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == ("gzip" if gzipped else None)
    assert "SyncClient" in response.text


def test_no_accept_encoding_not_gzipped(http):
    request = http.build_request("GET", "/js/sync.js")
    del request.headers["accept-encoding"]
    response = http.send(request)
    assert response.status_code == 200
    assert "content-encoding" not in response.headers


def test_pull_page_refused_gzip_is_plain(http, rep_with_customers):
    response = pull_page(http, rep_with_customers.token, "gzip;q=0, identity")
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert sum(change["table"] == "customers" for change in response.json()["changes"]) == 200


def get_file(http, path, accept_encoding, if_none_match=None):
    headers = {"Accept-Encoding": accept_encoding}
    if if_none_match is not None:
        headers["If-None-Match"] = if_none_match
    return http.get(path, headers=headers)


@pytest.mark.parametrize("path", ["/js/sync.js", "/"])
def test_gzipped_file_has_own_etag(http, path):
    plain = get_file(http, path, "identity")
    packed = get_file(http, path, "gzip")

    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["etag"] != plain.headers["etag"]
    assert packed.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    assert packed.content == plain.content


@pytest.mark.parametrize("path", ["/js/sync.js", "/"])
def test_gzip_etag_revalidates(http, path):
    tag = get_file(http, path, "gzip, deflate").headers["etag"]

    response = get_file(http, path, "gzip, deflate", if_none_match=tag)
    assert response.status_code == 304
    assert response.headers["etag"] == tag
    assert "Accept-Encoding" in response.headers["vary"]
    assert response.content == b""


def test_weak_gzip_etag_revalidates(http):
    tag = get_file(http, "/js/sync.js", "gzip").headers["etag"]
    response = get_file(http, "/js/sync.js", "gzip", if_none_match=f'"other", W/{tag}')
    assert response.status_code == 304
    assert response.headers["etag"] == tag


def test_plain_etag_revalidates(http):
    tag = get_file(http, "/js/sync.js", "identity").headers["etag"]
    response = get_file(http, "/js/sync.js", "identity", if_none_match=tag)
    assert response.status_code == 304
    assert response.headers["etag"] == tag


def test_gzip_etag_without_gzip_gets_file(http):
    """A client that now rejects gzip cannot use the gzipped body it stored."""
    plain = get_file(http, "/js/sync.js", "identity")
    tag = get_file(http, "/js/sync.js", "gzip").headers["etag"]

    response = get_file(http, "/js/sync.js", "gzip;q=0", if_none_match=tag)
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert response.headers["etag"] == plain.headers["etag"]
    assert response.content == plain.content


def test_stale_gzip_etag_gets_file(http):
    response = get_file(http, "/js/sync.js", "gzip", if_none_match='"0123456789abcdef-gzip"')
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "SyncClient" in response.text


def test_small_file_keeps_etag(http):
    """Files under the gzip minimum go plain, so their tag is the plain one in both cases."""
    path = "/icons/icon.svg"
    plain = get_file(http, path, "identity")
    assert len(plain.content) < GZIP_MINIMUM_BYTES
    packed = get_file(http, path, "gzip")
    assert "content-encoding" not in packed.headers
    assert packed.headers["etag"] == plain.headers["etag"]
    assert get_file(http, path, "gzip", if_none_match=packed.headers["etag"]).status_code == 304


@pytest.mark.parametrize("etag, expected", [
    ('"abc"', '"abc-gzip"'),
    ('W/"abc"', 'W/"abc-gzip"'),
    ('""', '"-gzip"'),
])
def test_gzip_tag_keeps_weakness(etag, expected):
    assert gzip_tag(etag) == expected


def test_ledger_export_not_gzipped(http, login_as):
    """An .xlsx file is a zip archive, so gzip would only cost time."""
    _, token = login_as("manager")
    response = http.get("/api/export", params={"kind": "customers"},
                        headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX_TYPE
    assert "content-encoding" not in response.headers
    assert len(response.content) >= GZIP_MINIMUM_BYTES
    assert response.headers["content-length"] == str(len(response.content))
    assert zipfile.is_zipfile(io.BytesIO(response.content))


def test_security_headers_survive_compression(http):
    response = http.get("/js/sync.js", headers={"Accept-Encoding": "gzip"})
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


class BodyChunks:
    """ASGI wrapper that records the body of each response message the app sends."""

    def __init__(self, app):
        self.app = app
        self.chunks: list[bytes] = []

    async def __call__(self, scope, receive, send):
        async def record(message):
            if message["type"] == "http.response.body":
                self.chunks.append(message.get("body", b""))
            await send(message)
        await self.app(scope, receive, record)


def test_import_progress_streams_gzipped(data_dir, state, login_as):
    _, token = login_as("manager")
    recorder = BodyChunks(create_app(data_dir, state))
    data = csv_bytes([["客户姓名", "联系电话"]] + [[f"客户{i}", f"139{i:08d}"] for i in range(3000)])
    with TestClient(recorder) as client:
        response = client.post("/api/import", content=data, params={"filename": "big.csv", "stream": "1"},
                               headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip",
                                        "Content-Type": "application/octet-stream"})

    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert json.loads(response.text.splitlines()[-1])["status"] == 200
    # Each chunk sent before the last decodes at once to whole progress
    # lines, so the page's progress bar moves while the import runs.
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    texts = [decoder.decompress(chunk) for chunk in recorder.chunks]
    assert len(texts) > 2
    for text in texts[:-1]:
        assert text.endswith(b"\n"), text[-80:]
    assert b'"stage": "read"' in texts[0]
