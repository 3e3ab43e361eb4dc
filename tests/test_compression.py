"""Responses are gzipped for clients that accept gzip, with the same content either way."""

import gzip

import pytest

from device import Device


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


def test_security_headers_survive_compression(http):
    response = http.get("/js/sync.js", headers={"Accept-Encoding": "gzip"})
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
