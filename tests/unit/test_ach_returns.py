"""NACHA ACH return files: returns read streamed, every control checked, the return codes' rules."""

from __future__ import annotations

import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.ach_return_codes import RETURN_CODES, representment_problem
from ops.ach_returns import AchReturn, AchTotals, PaymentFileError, ach_returns, check_returns_file, write_returns_file


def returned(number: int, code: str = "R01", day: date = date(2026, 3, 2)) -> AchReturn:
    return AchReturn(0, f"09100001{number:07d}", f"02100002{number:07d}", code, 1000 * number, f"ACC-{number}", day)


SAMPLE = [returned(1), returned(2, "R07"), returned(3, "R10", date(2026, 3, 3))]


def sample_lines(tmp_path: Path) -> list[str]:
    path = tmp_path / "sample.ach"
    write_returns_file(path, SAMPLE)
    return path.read_text().splitlines()


def refusal(tmp_path: Path, lines: list[str]) -> str:
    path = tmp_path / "returns.ach"
    path.write_text("".join(line + "\n" for line in lines))
    with pytest.raises(PaymentFileError) as refused:
        check_returns_file(path)
    return str(refused.value)


def test_a_returns_file_yields_each_return_with_its_code_trace_and_account(tmp_path: Path) -> None:
    path = tmp_path / "returns.ach"
    write_returns_file(path, SAMPLE)
    assert check_returns_file(path) == AchTotals(returns=3, total_cents=6000)
    assert list(ach_returns(path)) == [
        AchReturn(3, "091000010000001", "021000020000001", "R01", 1000, "ACC-1", date(2026, 3, 2)),
        AchReturn(5, "091000010000002", "021000020000002", "R07", 2000, "ACC-2", date(2026, 3, 2)),
        AchReturn(9, "091000010000003", "021000020000003", "R10", 3000, "ACC-3", date(2026, 3, 3)),
    ]


def changed(lines: list[str], number: int, start: int, text: str) -> list[str]:
    """`lines` with line `number` (1-based) overwritten from position `start` (1-based, as NACHA counts)."""
    line = lines[number - 1]
    lines = list(lines)
    lines[number - 1] = line[: start - 1] + text + line[start - 1 + len(text) :]
    return lines


@pytest.mark.parametrize(
    ("line", "start", "text", "message"),
    [
        (3, 30, "0000001001", "line 7: the batch control totals $30.00 debits and $0.00 credits, the entries $30.01"),
        (7, 5, "000005", "line 7: the batch control counts 5 entries and addenda, the batch has 4"),
        (7, 11, "0018200003", "line 7: the batch control's entry hash 18200003 is not the entries' 18200002"),
        (7, 33, "000000000100", "line 7: the batch control totals $30.00 debits and $1.00 credits"),
        (7, 88, "0000009", "line 7: batch control 0000009 closes batch 0000001"),
        (12, 2, "000003", "line 12: the file control counts 3 batches, the file has 2"),
        (12, 14, "00000007", "line 12: the file control counts 7 entries and addenda, the file has 6"),
        (12, 22, "0027300004", "line 12: the file control's entry hash 27300004 is not the entries' 27300003"),
        (12, 32, "000000006001", "line 12: the file control totals $60.01 debits and $0.00 credits"),
        (12, 8, "000001", "line 20: the file control counts 1 blocks of 10 records, the file has 20"),
        (3, 2, "27", "line 3: transaction code 27 is not a return"),
        (3, 2, "21", "line 3: transaction code 21 returns a credit"),
        (3, 79, "0", "line 3: a return entry must have its addenda"),
        (3, 30, "000000000x", "line 3: amount '000000000x' is not a number"),
        (3, 30, "0000000000", "line 3: amount 0 is not more than zero"),
        (4, 2, "98", "line 4: addenda type '98' is not a return (99)"),
        (4, 4, "R48", "line 4: return reason code 'R48' is not one of NACHA's R01..R85"),
        (4, 4, "X01", "line 4: return reason code 'X01' is not"),
        (4, 80, "091000010000009", "line 4: the addenda's trace number 091000010000009 is not its entry's"),
        (5, 80, "091000010000001", "line 6: the addenda's trace number 091000010000002 is not its entry's 0910"),
        (2, 70, "261340", "line 2: effective entry date '261340' is not a date (YYMMDD)"),
        (13, 1, "8", "line 13: only filler records (all 9s) may follow the file control (9)"),
    ],
)
def test_a_malformed_returns_file_is_refused_whole_naming_its_line(
    tmp_path: Path, line: int, start: int, text: str, message: str
) -> None:
    assert refusal(tmp_path, changed(sample_lines(tmp_path), line, start, text)).startswith(message)


def test_a_repeated_return_a_short_record_and_records_out_of_order_are_refused(tmp_path: Path) -> None:
    lines = sample_lines(tmp_path)
    assert refusal(tmp_path, lines[:2] + [lines[2][:-1]] + lines[3:]) == (
        "line 3: a NACHA record is 94 characters, this one is 93"
    )
    assert refusal(tmp_path, lines[:3] + lines[4:]) == "line 4: an entry (6) must be followed by its return addenda (7)"
    assert refusal(tmp_path, lines[1:]) == "line 1: a record of type '5' cannot come first"
    assert refusal(tmp_path, lines[:10]) == "line 10: the file ends before its file control (9)"
    assert refusal(tmp_path, []) == "line 1: the file is empty"
    path = tmp_path / "twice.ach"
    write_returns_file(path, [returned(1), returned(1)])
    repeated = r"^line 5: trace number 091000010000001 is repeated \(first on line 3\)$"
    with pytest.raises(PaymentFileError, match=repeated):
        check_returns_file(path)


def test_only_insufficient_or_uncollected_funds_may_be_presented_again_and_at_most_twice() -> None:
    assert [code for code, rule in RETURN_CODES.items() if rule.represent_allowed] == ["R01", "R09"]
    assert [code for code, rule in RETURN_CODES.items() if rule.revokes_authorization] == ["R05", "R07", "R10", "R11"]
    assert representment_problem("R01", 0) is None and representment_problem("R09", 1) is None
    assert representment_problem("R01", 2) == "a payment may be presented again at most 2 times after a return"
    assert representment_problem("R02", 0) == "a payment returned R02 may not be presented again (only R01 and R09 may)"
    assert RETURN_CODES["R01"].description == "Insufficient funds"
    assert all(code.startswith("R") and "R01" <= code <= "R85" for code in RETURN_CODES)


def test_a_returns_file_of_20000_returns_is_read_in_memory_flat_in_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.ach"
    many = (returned(number, "R01", date(2026, 3, 2 + number % 3)) for number in range(1, 20_001))
    tracemalloc.start()
    try:
        write_returns_file(path, many)
        tracemalloc.reset_peak()
        totals = check_returns_file(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert totals.returns == 20_000
    assert peak < path.stat().st_size / 20, (peak, path.stat().st_size)


_RETURN = st.builds(
    AchReturn,
    line=st.just(0),
    trace_number=st.from_regex(r"[0-9]{15}", fullmatch=True),
    original_trace=st.from_regex(r"[0-9]{15}", fullmatch=True),
    return_code=st.sampled_from(sorted(RETURN_CODES)),
    amount_cents=st.integers(min_value=1, max_value=10**10 - 1),
    individual_id=st.from_regex(r"[A-Z0-9-]{1,15}", fullmatch=True),
    returned_on=st.dates(min_value=date(2000, 1, 1), max_value=date(2068, 12, 31)),
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(returns=st.lists(_RETURN, max_size=8, unique_by=lambda r: r.trace_number))
def test_any_returns_written_read_back_the_same(tmp_path: Path, returns: list[AchReturn]) -> None:
    path = tmp_path / "round.ach"
    write_returns_file(path, returns)
    assert [AchReturn(0, *list(vars(r).values())[1:]) for r in ach_returns(path)] == returns
