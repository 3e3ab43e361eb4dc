"""Generated hostile sync requests: never a 5xx, never a change stored that was rejected."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

STAMP = "2026-12-04T08:00:00.000Z"
TABLES = ("customers", "follow_ups", "receivables", "payments", "tickets", "history", "conflicts")

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.just("x" * 20_000), st.just("2026-13-45"), st.just("KH000001"),
)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)
field_names = st.sampled_from(["name", "phone", "interest", "kind", "owner_id", "customer_id", "amount_fen",
                               "location", "code", "deleted", "secret", "", "名字", "a" * 300])
devices = st.one_of(st.sampled_from(["d-hostile", "server", "", "d" * 65, "d/../x", "другой"]),
                    st.text(max_size=8))
counters = st.one_of(st.integers(min_value=-5, max_value=2**64), st.floats(), st.text(max_size=3), st.none())


@st.composite
def changes(draw):
    record_id = draw(st.one_of(st.uuids().map(str), st.text(max_size=40)))
    names = draw(st.lists(field_names, max_size=6))
    dots = {name: draw(st.one_of(
        st.tuples(devices, counters, st.sampled_from([STAMP, "2099-01-01T00:00:00.000Z", "now", ""])).map(list),
        json_values)) for name in names}
    change = {
        "table": draw(st.one_of(st.sampled_from(TABLES), st.text(max_size=10), json_values)),
        "id": record_id,
        "clock": draw(st.one_of(st.dictionaries(devices, counters, max_size=4), json_values)),
        "dots": dots,
        "fields": {name: draw(json_values) for name in names},
        "deleted": draw(st.one_of(st.booleans(), json_values)),
    }
    for key in draw(st.lists(st.sampled_from(list(change)), max_size=2, unique=True)):
        del change[key]
    return change


@st.composite
def bodies(draw):
    kind = draw(st.sampled_from(["envelope", "envelope", "envelope", "raw", "deep", "many_fields"]))
    if kind == "raw":
        return draw(st.binary(max_size=200))
    if kind == "deep":
        depth = draw(st.integers(500, 50_000))
        return b'{"device":"d1","cursor":0,"changes":' + b"[" * depth + b"]" * depth + b"}"
    envelope = {"device": draw(st.one_of(st.just("d-hostile"), devices, json_values)),
                "cursor": draw(st.one_of(st.integers(0, 10), counters, json_values)),
                "epoch": draw(st.one_of(st.none(), st.text(max_size=5), json_values)),
                "changes": draw(st.one_of(st.lists(changes(), max_size=4), json_values))}
    if kind == "many_fields":
        fields = {f"f{i}": i for i in range(3000)}
        envelope["changes"] = [{"table": "customers", "id": "1b7d1d58-0000-4000-8000-00000000beef",
                                "clock": {"d-hostile": 1}, "dots": {k: ["d-hostile", 1, STAMP] for k in fields},
                                "fields": fields, "deleted": False}]
    for key in draw(st.lists(st.sampled_from(list(envelope)), max_size=1, unique=True)):
        del envelope[key]
    text = json.dumps(envelope, ensure_ascii=draw(st.booleans()), allow_nan=True)
    raw = text.encode()
    if draw(st.booleans()) and len(raw) > 2:
        position = draw(st.integers(0, len(raw) - 1))
        raw = raw[:position] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x00", b"\xed\xa0\x80"])) + raw[position:]
    return raw


TOKENS = {}


def snapshot(conn):
    return {t: conn.execute(f"SELECT count(*), max(seq) FROM {t}").fetchone()[:] for t in TABLES} | {
        "devices": conn.execute("SELECT count(*) FROM devices").fetchone()[0]}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(body=bodies())
def test_hostile_request_is_handled(http, login_as, state, body):
    token = TOKENS.get(id(state))
    if token is None:  # the fixtures last for all examples: one user is enough
        token = TOKENS[id(state)] = login_as("sales")[1]
    conn = state.records.get()
    before = snapshot(conn)
    stored_before = {row[0] for t in TABLES for row in conn.execute(f"SELECT id FROM {t}")}
    response = http.post("/api/sync", content=body,
                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert response.status_code < 500, response.text[:300]
    answer = response.json()
    if response.status_code >= 400:
        assert answer["error"]
        assert answer["message"]
        assert answer["message_en"]
        assert snapshot(conn) == before
        return
    assert response.status_code == 200
    accepted = {r.get("id") for r in answer["results"] if r["status"] != "rejected"}
    for result in answer["results"]:
        assert result["status"] in ("merged", "unchanged", "rejected")
        if result["status"] == "rejected":
            assert result["code"]
            assert result["message"]
            record_id = result.get("id")
            if result.get("table") in TABLES and isinstance(record_id, str) \
                    and record_id not in accepted and record_id not in stored_before:
                stored = conn.execute(f"SELECT count(*) FROM {result['table']} WHERE id = ?",
                                      (record_id,)).fetchone()[0]
                assert stored == 0
