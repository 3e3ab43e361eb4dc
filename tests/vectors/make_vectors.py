"""Write merge.json: the shared merge test vectors.

Each case gives two versions of a record and what merging the second into
the first must give: the merged version, whether it changed, and the
conflicts in order. The Python merge (tests/test_vectors.py) and the
JavaScript merge of the PWA (a browser test) both run every case. The
inputs are written by hand below. The expected outputs come from the Python
merge, are checked by hand when a case is added, and are then kept in the file.

Run: .venv/bin/python tests/vectors/make_vectors.py
"""

import json
from pathlib import Path

from genzong.sync import Version, merge

T0 = "2026-12-04T08:00:00.000Z"
T1 = "2026-12-04T08:00:01.000Z"
T2 = "2026-12-04T08:00:02.000Z"
T3 = "2026-12-04T08:00:03.000Z"


def v(clock, **fields_and_dots):
    """v({"a": 1}, name=("张伟", ("a", 1, T0))) builds a Version."""
    fields = {name: value for name, (value, _) in fields_and_dots.items()}
    dots = {name: dot for name, (_, dot) in fields_and_dots.items()}
    return Version(clock, dots, fields)


CASES = [
    ("new_record_is_taken_whole", "A record the replica lacks is taken as it is.",
     None, v({"a": 1}, name=("张伟", ("a", 1, T0)), phone=("138", ("a", 1, T0)))),
    ("covered_write_wins", "A write whose writer had seen the stored one replaces it without a conflict.",
     v({"a": 1}, phone=("138", ("a", 1, T0))),
     v({"a": 1, "b": 1}, phone=("139", ("b", 1, T1)))),
    ("stale_version_changes_nothing", "An older version of what the replica holds changes nothing.",
     v({"a": 1, "b": 1}, phone=("139", ("b", 1, T1))),
     v({"a": 1}, phone=("138", ("a", 1, T0)))),
    ("different_fields_both_survive", "Concurrent edits of different fields both survive.",
     v({"a": 1, "s": 1}, name=("张伟", ("s", 1, T0)), phone=("138", ("a", 1, T1))),
     v({"b": 1, "s": 1}, name=("张伟", ("s", 1, T0)), address=("杭州", ("b", 1, T2)))),
    ("concurrent_write_records_conflict", "Concurrent writes of one field: the later wins, the other is a conflict.",
     v({"a": 1, "s": 1}, name=("张伟", ("s", 1, T0)), phone=("138", ("a", 1, T1))),
     v({"b": 1, "s": 1}, name=("张伟", ("s", 1, T0)), phone=("139", ("b", 1, T2)))),
    ("concurrent_write_loses_to_stored", "An incoming concurrent write that is earlier loses and is the conflict's other value.",
     v({"a": 1, "s": 1}, phone=("138", ("a", 1, T2))),
     v({"b": 1, "s": 1}, phone=("139", ("b", 1, T1)))),
    ("equal_values_are_no_conflict", "Concurrent writes of the same value are no conflict.",
     v({"a": 1}, phone=("138", ("a", 1, T1))),
     v({"b": 1}, phone=("138", ("b", 1, T2)))),
    ("same_stamp_device_breaks_tie", "Writes stamped in the same millisecond: the greater device id wins.",
     v({"a": 1}, phone=("138", ("a", 1, T1))),
     v({"b": 1}, phone=("139", ("b", 1, T1)))),
    ("same_stamp_same_device_counter_breaks_tie", "Same stamp and device: the greater counter wins.",
     v({"a": 1}, phone=("138", ("a", 1, T1))),
     v({"a": 2}, phone=("139", ("a", 2, T1)))),
    ("retry_is_idempotent", "Merging the same version again changes nothing and adds no conflict.",
     v({"a": 1, "b": 1}, phone=("139", ("b", 1, T2))),
     v({"a": 1, "b": 1}, phone=("139", ("b", 1, T2)))),
    ("retry_of_losing_write_adds_no_conflict", "A losing write resent after the server merged it is covered, so no new conflict.",
     v({"a": 1, "b": 1}, phone=("139", ("b", 1, T2))),
     v({"a": 1}, phone=("138", ("a", 1, T1)))),
    ("clock_is_pointwise_maximum", "The merged clock takes each device's maximum.",
     v({"a": 3, "b": 1}, name=("甲", ("a", 3, T1))),
     v({"a": 2, "b": 4, "c": 1}, name=("甲", ("a", 3, T1)), notes=("备注", ("c", 1, T2)))),
    ("field_only_one_side_has_is_kept", "A field only one side has keeps its value and dot.",
     v({"a": 1}, name=("甲", ("a", 1, T0)), email=("x@example.cn", ("a", 1, T0))),
     v({"a": 1, "b": 1}, name=("甲", ("a", 1, T0)), notes=("备注", ("b", 1, T1)))),
    ("null_is_a_value", "Clearing a field is a write like any other.",
     v({"a": 1}, phone=("138", ("a", 1, T0))),
     v({"a": 1, "b": 1}, phone=(None, ("b", 1, T1)))),
    ("delete_concurrent_with_edit_records_conflict", "A delete concurrent with an edit keeps the delete and records the edit.",
     v({"a": 1, "s": 1}, name=("甲", ("s", 1, T0)), deleted=(True, ("a", 1, T2))),
     v({"b": 1, "s": 1}, name=("甲", ("s", 1, T0)), phone=("139", ("b", 1, T1)), notes=("到店", ("b", 1, T1)))),
    ("edit_after_seen_delete_is_no_conflict", "An edit made after seeing the delete is no conflict.",
     v({"a": 1, "s": 1}, name=("甲", ("s", 1, T0)), deleted=(True, ("a", 1, T1))),
     v({"a": 1, "b": 1, "s": 1}, name=("甲", ("s", 1, T0)), deleted=(True, ("a", 1, T1)), phone=("139", ("b", 1, T2)))),
    ("incoming_delete_over_stored_edit", "An incoming delete whose writer had not seen a stored edit records it.",
     v({"b": 1, "s": 1}, name=("甲", ("s", 1, T0)), phone=("139", ("b", 1, T1))),
     v({"a": 1, "s": 1}, name=("甲", ("s", 1, T0)), deleted=(True, ("a", 1, T2)))),
    ("restore_after_seen_delete_wins", "A restore by a writer that had seen the delete wins without conflict.",
     v({"a": 1}, name=("甲", ("a", 1, T0)), deleted=(True, ("a", 1, T0))),
     v({"a": 1, "b": 1}, name=("甲", ("a", 1, T0)), deleted=(False, ("b", 1, T1)))),
    ("restore_concurrent_with_delete", "A later restore concurrent with a delete wins and records the delete.",
     v({"a": 1, "s": 1}, name=("甲", ("s", 1, T0)), deleted=(True, ("a", 1, T1))),
     v({"b": 1, "s": 1}, name=("甲", ("s", 1, T0)), deleted=(False, ("b", 1, T2)))),
    ("three_writers_two_conflicts_first", "Three concurrent writers, first merge: one conflict.",
     v({"a": 1}, phone=("1", ("a", 1, T1))),
     v({"b": 1}, phone=("2", ("b", 1, T2)))),
    ("three_writers_two_conflicts_second", "Three concurrent writers, second merge: the third write adds one more.",
     v({"a": 1, "b": 1}, phone=("2", ("b", 1, T2))),
     v({"c": 1}, phone=("3", ("c", 1, T3)))),
    ("location_values_compare_whole", "Structured values (a location) compare as whole values.",
     v({"a": 1}, location=({"lat": 30.1, "lng": 120.2}, ("a", 1, T1))),
     v({"b": 1}, location=({"lat": 30.1, "lng": 120.2}, ("b", 1, T2)))),
    ("server_write_beside_device_write", "A server write (code) and a device edit of another field both survive.",
     v({"a": 1, "server": 1796400000000}, name=("甲", ("a", 1, T0)), code=("KH000001", ("server", 1796400000000, T1))),
     v({"a": 2}, name=("甲乙", ("a", 2, T2)))),
]


def version_json(version):
    if version is None:
        return None
    return {"clock": version.clock, "dots": {k: list(d) for k, d in version.dots.items()},
            "fields": version.fields}


def main():
    cases = []
    for name, rule, local, remote in CASES:
        result = merge(local, remote)
        cases.append({
            "name": name, "rule": rule,
            "local": version_json(local), "remote": version_json(remote),
            "expected": {
                "version": version_json(result.version),
                "changed": result.changed,
                "conflicts": [{"field": c.field, "kept_value": c.kept_value, "kept_dot": list(c.kept_dot),
                               "other_value": c.other_value, "other_dot": list(c.other_dot)}
                              for c in result.conflicts],
            },
        })
    path = Path(__file__).with_name("merge.json")
    path.write_text(json.dumps({"format": 1, "cases": cases}, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
