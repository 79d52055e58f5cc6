"""The independent Regulation F checker (ops/contact_audit.py): each rule catches a hand-made violation,
a clean history passes, and the checker borrows nothing from the engine's gate."""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ops import contact_audit_file as audit_file
from ops.contact_audit import check, summary_lines
from ops.contact_audit_rows import AuditInputError, Row, Window
from ops.contact_audit_zones import person_zones
from ops.csv_files import csv_text

ROOT = Path(__file__).resolve().parents[2]
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)  # before DST: New York is UTC-5, Los Angeles UTC-8


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Day `day` of the test (0 = Monday 2 March 2026) at hour:minute UTC."""
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


def contact(n: int, when: datetime, channel: str = "call", **facts: object) -> Row:
    """A sent contact to a New York debtor with one 212 phone."""
    base = Row(
        account_id="A1", attempt_no=str(n), direction="outbound", channel=channel, point_id="1",
        point_kind="phone" if channel in ("call", "sms") else channel, point_role="debtor", status="sent",
        outcome="no_answer" if channel == "call" else "", at=when, address_state="NY",
        address_zone="America/New_York", debtor_phones=("+12125550100",), point_phone="+12125550100",
    )  # fmt: skip
    return replace(base, **facts)  # type: ignore[arg-type]


def rules(rows: list[Row]) -> list[str]:
    return [v.rule for v in check(rows).violations]


def test_a_clean_history_passes_and_is_counted() -> None:
    rows = [
        contact(1, at(0, 15), "letter", validation_notice=True, notice_first=True),
        contact(2, at(1, 15), "email", notice_first=True),
        *(contact(3 + d, at(2 + d, 15), notice_first=True) for d in range(7)),  # 7 calls on 7 days
        contact(10, at(9, 15), "sms", notice_first=True),
    ]
    result = check(rows)
    assert result.violations == []
    assert result.calls_counted == 7 and result.timed_contacts_checked == 9
    assert summary_lines(result)[-1] == "no violations found"


def test_1006_6_b_1_i_a_call_after_21_00_in_one_of_the_zones_is_caught() -> None:
    """California address + a 212 mobile: 20:30 Pacific is 23:30 Eastern (comment 6(b)(1)(i)-1: every zone)."""
    california = dict(address_state="CA", address_zone="America/Los_Angeles")
    late_pacific = at(1, 4, 30)  # 20:30 PST on Monday = 04:30 UTC Tuesday
    assert rules([contact(1, late_pacific, **facts) for facts in [california]]) == ["1006.6(b)(1)(i)"]
    only_california = dict(california, debtor_phones=("+13105550100",), point_phone="+13105550100")
    assert rules([contact(1, late_pacific, **only_california)]) == []
    early_eastern = at(0, 12, 30)  # 07:30 in New York
    assert rules([contact(1, early_eastern, "email")]) == ["1006.6(b)(1)(i)"]
    assert rules([contact(1, early_eastern, "letter")]) == [], "a letter's hour is not the consumer's"


def test_comment_6_b_1_2_one_reply_to_a_consumer_who_got_in_touch_at_an_inconvenient_time() -> None:
    texted = contact(1, at(1, 3), "sms", direction="inbound", status="received")  # 22:00 in New York
    reply = contact(2, at(1, 3, 5), "sms", purpose="reply_to_consumer")
    again = contact(3, at(1, 3, 10), "sms", purpose="reply_to_consumer")
    assert rules([texted, reply]) == []
    assert rules([texted, reply, again]) == ["1006.6(b)(1)(i)"]
    assert rules([reply]) == ["1006.6(b)(1)(i)"], "no reply without the consumer's message"


def test_1006_6_b_1_i_territories_by_area_code() -> None:
    """Guam (671) and American Samoa (684, no zone in phonenumbers: by its region) are their own zones."""
    guam = dict(address_state="", address_zone="", debtor_phones=("+16715550100",), point_phone="+16715550100")
    assert person_zones(contact(1, at(0, 0), **guam)) == ("Pacific/Guam",)
    samoa = dict(guam, debtor_phones=("+16845550100",), point_phone="+16845550100")
    assert person_zones(contact(1, at(0, 0), **samoa)) == ("Pacific/Pago_Pago",)
    four_thirty_in_guam = at(0, 18, 30)  # 18:30 UTC = 04:30 ChST next day
    assert rules([contact(1, four_thirty_in_guam, **guam)]) == ["1006.6(b)(1)(i)"]


def test_1006_14_b_2_i_A_an_eighth_placed_call_within_7_days_is_caught() -> None:
    calls = [contact(n, at(n // 2, 14 + n % 2)) for n in range(8)]  # 8 calls over 4 days
    assert rules(calls) == ["1006.14(b)(2)(i)(A)"]
    assert rules(calls[:7]) == []


def test_1006_14_b_3_excluded_calls_do_not_count() -> None:
    """(b)(3)(ii) busy and not in service; (b)(3)(iii) the attorney; (b)(3)(i) direct prior consent."""
    seven = [contact(n, at(n // 2, 14 + n % 2)) for n in range(7)]
    busy = contact(8, at(4, 15), outcome="busy")
    attorney = contact(9, at(4, 16), point_role="attorney", point_id="9")
    assert rules([*seven, busy, attorney]) == []
    consent = contact(0, at(0, 13), direction="inbound", status="received", consent_to_calls=True)
    assert rules([consent, *seven, contact(8, at(4, 17))]) == []
    assert rules([*seven, contact(8, at(4, 17))]) == ["1006.14(b)(2)(i)(A)"]


def test_1006_14_b_2_i_B_a_call_within_7_days_after_a_conversation_is_caught_even_one_the_consumer_started() -> None:
    talk = contact(1, at(0, 15), outcome="right_party_contact")
    assert rules([talk, contact(2, at(6, 15))]) == ["1006.14(b)(2)(i)(B)"]
    assert rules([talk, contact(2, at(7, 14))]) == [], "the conversation's date is day 1: day 8 is free"
    inbound = contact(1, at(0, 15), direction="inbound", status="received", outcome="promise_to_pay")
    assert rules([inbound, contact(2, at(3, 15))]) == ["1006.14(b)(2)(i)(B)"]
    assert rules([talk, contact(2, at(3, 15), "email")]) == [], "only calls wait out the quiet period"


def test_nothing_during_a_hold_but_verification_and_the_representative() -> None:
    """11 U.S.C. 362(a) (bankruptcy), 1006.38(d)(2) (dispute), 1006.6(a)(4) (death: the representative only)."""
    bankruptcy = (Window("bankruptcy", at(2, 10), at(20, 10)),)
    assert rules([contact(1, at(3, 15), "letter", holds=bankruptcy)]) == ["11 U.S.C. 362(a)"]
    assert rules([contact(1, at(21, 15), "letter", holds=bankruptcy)]) == [], "after the release"
    dispute = (Window("dispute", at(2, 10), None),)
    assert rules([contact(1, at(3, 15), holds=dispute)]) == ["1006.38(d)(2)"]
    assert rules([contact(1, at(3, 15), "letter", template="verification", holds=dispute)]) == []
    death = (Window("deceased", at(2, 10), None),)
    assert rules([contact(1, at(3, 15), "email", holds=death)]) == ["1006.6(a)(4)"]
    estate = dict(point_role="representative", point_id="5", point_zone="America/New_York", point_phone="")
    assert rules([contact(1, at(3, 15), "email", holds=death, **estate)]) == []


def test_1006_6_c_nothing_after_a_cease_request_but_the_letters_it_allows() -> None:
    ceased = at(2, 16)
    assert rules([contact(1, at(2, 15), cease_at=ceased)]) == []
    assert rules([contact(2, at(3, 15), "email", cease_at=ceased)]) == ["1006.6(c)(1)"]
    allowed = contact(3, at(3, 15), "letter", cease_at=ceased, purpose="cease_collection_stops")
    assert rules([allowed]) == []


def test_1006_6_e_and_1006_14_h_nothing_on_an_opted_out_channel_but_one_confirmation() -> None:
    texts_off = (Window("sms", at(1, 16), None),)
    assert rules([contact(1, at(2, 15), "sms", opt_outs=texts_off)]) == ["1006.6(e)"]
    assert rules([contact(1, at(2, 15), "call", opt_outs=texts_off)]) == [], "calls were not opted out"
    confirm = contact(1, at(1, 17), "sms", opt_outs=texts_off, purpose="opt_out_confirmation")
    again = contact(2, at(1, 18), "sms", opt_outs=texts_off, purpose="opt_out_confirmation")
    assert rules([confirm]) == [] and rules([confirm, again]) == ["1006.6(e)"]
    stop_calling = (Window("all", at(1, 16), at(5, 16)),)
    assert rules([contact(1, at(2, 15), opt_outs=stop_calling)]) == ["1006.14(h)(1)"]
    assert rules([contact(1, at(6, 15), opt_outs=stop_calling)]) == [], "opted back in"


def test_1006_6_b_2_only_the_attorney_once_one_is_known() -> None:
    known = at(1, 12)
    assert rules([contact(1, at(2, 15), attorney_at=known)]) == ["1006.6(b)(2)"]
    assert rules([contact(1, at(2, 15), attorney_at=known, point_role="attorney")]) == []
    assert rules([contact(1, at(2, 15), attorney_at=known, attorney_allows_at=at(2, 0))]) == []


def test_1006_34_nothing_before_the_validation_notice_where_the_strategy_says_notice_first() -> None:
    notice = contact(2, at(1, 15), "letter", validation_notice=True, notice_first=True)
    early = contact(1, at(0, 15), "email", notice_first=True)
    assert rules([notice, early]) == ["1006.34(a)(1)(i)(A)"]
    assert rules([notice, replace(early, notice_first=False)]) == []


def test_the_file_round_trip_and_one_line_errors(tmp_path: Path) -> None:
    row = contact(1, at(1, 4, 30), address_state="CA", address_zone="America/Los_Angeles")
    values = [
        "A1", "1", "outbound", "call", "1", "phone", "debtor", "sent", "", "no_answer", row.at.isoformat(), "", "false",
        "", "false", "CA", "America/Los_Angeles", "+13105550100 +12125550100", "", "+12125550100", "false",
        "", "", "", "", "",
    ]  # fmt: skip
    good = tmp_path / "attempts.csv"
    good.write_text(csv_text(audit_file.COLUMNS, [values]))
    assert "'+13105550100 +12125550100" in good.read_text(), "written through the spreadsheet-safe CSV writer"
    assert [v.rule for v in check(audit_file.read_file(good)).violations] == ["1006.6(b)(1)(i)"]
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_text(audit_file.COLUMNS, [[*values[:10], "yesterday", *values[11:]]]))
    with pytest.raises(AuditInputError, match=r"bad.csv line 2, at: not an ISO 8601 time: 'yesterday'"):
        audit_file.read_file(bad)
    with pytest.raises(AuditInputError, match="no file"):
        audit_file.read_file(tmp_path / "missing.csv")


def test_the_checker_imports_nothing_of_the_engines_gate() -> None:
    """Independent: it re-derives the rules; it does not ask domain/compliance, cadence or timezones."""
    for path in (ROOT / "ops").glob("contact_audit*.py"):
        tree = ast.parse(path.read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
        }
        assert not {m for m in imported if m and (m.startswith(("domain", "store", "workflows", "activities")))}


def test_the_export_turns_audited_opt_outs_into_windows() -> None:
    """1006.6(e): a point's opt-outs as the audit log saw them (texts off then on again, the point off)."""
    from ops.simulation_view import _opt_out_windows
    from store.models import ContactPointRow

    point = ContactPointRow(id=7, kind="phone", opted_out=True, opted_out_at=at(5, 0), opted_out_channels=[],
                            created_at=at(0, 0))  # fmt: skip
    changes = [
        (at(1, 0), {"point_id": 7, "opted_out_channels": ["sms"]}),
        (at(3, 0), {"point_id": 7, "opted_out_channels": []}),
        (at(5, 0), {"point_id": 7, "opted_out": True}),
    ]
    windows = _opt_out_windows(point, changes)
    assert windows == [f"sms@{at(1, 0).isoformat()}..{at(3, 0).isoformat()}", f"all@{at(5, 0).isoformat()}.."]
    parsed = audit_file._windows(" ".join(windows), "test")
    assert [w.covers(at(2, 0)) for w in parsed] == [True, False] and parsed[1].covers(at(9, 0))
    loaded_off = ContactPointRow(id=8, kind="phone", opted_out=False, opted_out_channels=["call"], created_at=at(0, 0))
    assert _opt_out_windows(loaded_off, []) == [f"call@{at(0, 0).isoformat()}.."]
