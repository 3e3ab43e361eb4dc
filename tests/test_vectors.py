"""The Python merge gives exactly the results recorded in the shared vectors."""

import json
from pathlib import Path

import pytest

from genzong.sync import Version, merge

VECTORS = json.loads((Path(__file__).parent / "vectors" / "merge.json").read_text())["cases"]


def to_version(data):
    if data is None:
        return None
    return Version(dict(data["clock"]), {k: tuple(d) for k, d in data["dots"].items()}, dict(data["fields"]))


def to_json(version):
    return {"clock": version.clock, "dots": {k: list(d) for k, d in version.dots.items()},
            "fields": version.fields}


@pytest.mark.parametrize("case", VECTORS, ids=[case["name"] for case in VECTORS])
def test_vector(case):
    result = merge(to_version(case["local"]), to_version(case["remote"]))
    expected = case["expected"]
    assert to_json(result.version) == expected["version"]
    assert result.changed == expected["changed"]
    conflicts = [{"field": c.field, "kept_value": c.kept_value, "kept_dot": list(c.kept_dot),
                  "other_value": c.other_value, "other_dot": list(c.other_dot)} for c in result.conflicts]
    assert conflicts == expected["conflicts"]


def test_vectors_are_commutative_in_value():
    """Merging either way round gives the same record: the merge does not depend on order."""
    for case in VECTORS:
        if case["local"] is None:
            continue
        a, b = to_version(case["local"]), to_version(case["remote"])
        assert to_json(merge(a, b).version) == to_json(merge(b, a).version), case["name"]
