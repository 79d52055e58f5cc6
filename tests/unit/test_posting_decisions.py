"""Where a payment file's item goes (ops.posting.decide): by account number, then by remittance reference,
never by name; once per bank reference; what no open account takes waits in suspense with why."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.stages import Stage
from ops.payment_files import PaymentItem
from ops.posting import Decision, decide
from store.posting import Known
from store.views import AccountView

TODAY = date(2026, 12, 7)
NOTHING = Known({}, set(), set())


def account(account_id: str, stage: Stage | None = Stage.CONTACTING, balance: int = 10_000) -> AccountView:
    loaded = datetime(2026, 10, 1, tzinfo=UTC)
    return AccountView(
        account_id, "Northwind", "Lee Payer", "3 Main St", "New York", "NY", "10001", None, balance, balance, "USD",
        date(2026, 9, 1), "default", False, stage, None, loaded, loaded, 0, "en", None,
    )  # fmt: skip


BOOK = {"A1": account("A1"), "A2": account("A2"), "C1": account("C1", Stage.PAID)}


def item(number: str = "", reference: str = "", *, payer: str = "Lee Payer", received_on: date = TODAY) -> PaymentItem:
    return PaymentItem(2, "B-1", number, reference, 1_000, received_on, payer)


def placed(it: PaymentItem, known: Known = NOTHING) -> Decision:
    return decide(it, BOOK, known, today=TODAY, maximum_cents=10_000_000, closed_months={"2026-10"})


def test_the_account_number_wins_then_the_reference_as_the_payer_copied_it() -> None:
    assert placed(item("A1", "A2")).account == BOOK["A1"]
    assert placed(item("", " a2 ")).account == BOOK["A2"]
    assert placed(item("X9", "A2")).account == BOOK["A2"]


def test_a_name_alone_never_matches() -> None:
    found = placed(item("", "", payer="A1"))
    assert found.account is None and found.suspense_reason == "no account matches account number '' or reference ''"


def test_a_reference_on_the_book_or_in_suspense_is_a_duplicate_and_one_only_sent_is_sent_again() -> None:
    assert placed(item("A1"), Known({"B-1": "A2"}, set(), set())).duplicate
    assert placed(item("A1"), Known({}, set(), {"B-1"})).duplicate
    sent = placed(item("A1"), Known({}, {"B-1"}, set()))
    assert sent.duplicate and sent.resend and sent.suspense_reason is None


def test_a_closed_account_or_a_refused_payment_waits_in_suspense_with_why() -> None:
    assert placed(item("C1")).suspense_reason == "account C1 is closed (paid)"
    future = placed(item("A1", received_on=date(2026, 12, 8)))
    assert future.refused and future.suspense_reason == "refused: the payment's date 2026-12-08 is in the future"
    closed = placed(item("A1", received_on=date(2026, 10, 30)))
    assert closed.suspense_reason == (
        "refused: the payment's date 2026-10-30 is in 2026-10, a month already closed by month-end"
    )
