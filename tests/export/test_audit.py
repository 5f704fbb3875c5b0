"""The audit log is append-only and hash-chained: any edit, deletion, insertion or reordering is detected."""

from __future__ import annotations

import hashlib
import json

import pytest

from udbredelse.export.audit import GENESIS, append_audit, audit_path, read_audit, verify_audit
from udbredelse.settings import Settings


def _fill(settings: Settings, n: int = 4) -> list[bytes]:
    for i in range(n):
        append_audit(settings, "export_indicators", path=f"/x/{i}.csv", rows=i, sha256=hashlib.sha256(b"%d" % i).hexdigest())
    return audit_path(settings).read_bytes().splitlines(keepends=True)


def test_chain_links_each_record_to_the_previous(settings: Settings) -> None:
    assert verify_audit(settings)  # no log yet is an intact log
    lines = _fill(settings)
    records = read_audit(settings)
    assert [r["seq"] for r in records] == [1, 2, 3, 4]
    assert records[0]["prev_sha256"] == GENESIS
    for previous_line, record in zip(lines, records[1:], strict=False):
        assert record["prev_sha256"] == hashlib.sha256(previous_line.rstrip(b"\n")).hexdigest()
    assert all(r["event"] == "export_indicators" and r["actor"] and r["at"] for r in records)
    assert verify_audit(settings)


def test_editing_a_record_is_detected(settings: Settings) -> None:
    lines = _fill(settings)
    record = json.loads(lines[1])
    record["rows"] = 999
    lines[1] = (json.dumps(record, sort_keys=True) + "\n").encode()
    audit_path(settings).write_bytes(b"".join(lines))
    assert not verify_audit(settings)


@pytest.mark.parametrize("tamper", ["delete", "swap", "insert", "truncate_partial", "blank_line"])
def test_structural_tampering_is_detected(settings: Settings, tamper: str) -> None:
    lines = _fill(settings)
    if tamper == "delete":
        del lines[1]
    elif tamper == "swap":
        lines[1], lines[2] = lines[2], lines[1]
    elif tamper == "insert":
        lines.insert(2, lines[1])
    elif tamper == "truncate_partial":
        lines[-1] = lines[-1][:20]
    elif tamper == "blank_line":
        lines.insert(1, b"\n")
    audit_path(settings).write_bytes(b"".join(lines))
    assert not verify_audit(settings)


def test_appending_continues_the_chain(settings: Settings) -> None:
    _fill(settings, 2)
    record = append_audit(settings, "dashboard_download", user="analytiker@example.dk", rows=12)
    assert record["seq"] == 3
    assert verify_audit(settings)


@pytest.mark.parametrize("value", ["6103091234", "610309-1234", "fil 6103091234.csv"])
def test_refuses_cpr_shaped_values(settings: Settings, value: str) -> None:
    with pytest.raises(ValueError, match="CPR"):
        append_audit(settings, "export_cohort", note=value)
    assert not audit_path(settings).exists()


def test_hex_digests_are_not_mistaken_for_cpr(settings: Settings) -> None:
    append_audit(settings, "export_cohort", sha256="ab1234567890cd" * 4, pseudonym="a074a75d98088a7531")
    assert verify_audit(settings)
