"""Log redaction: personal data never reaches a log line, wherever it was put; our ids, cents and dates do."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from service.logging import configure_logging, luhn_valid, redact_text

RUN_ID = "0b4d7c7e-3f7a-4d55-9a53-1c2d3e4f5a6b"
PERSONAL = (
    "Pat Doe", "pat.doe@example.com", "555-0100", "5550100", "555 0199", "Rosalind", "Quexley", "r.quexley",
    "4111", "5555555555554444", "000123456789", "123-45-6789", "Main St", "10001", "Wallaby", "Evergreen",
    "Jane Roe", "Ocean Ave", "J45", "asthma", "99213", "Cardiology",
)  # fmt: skip


@pytest.fixture
def configured(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """The engine's logging set-up writing to the captured stderr; the previous set-up restored after."""
    root = logging.getLogger()
    saved_handlers, saved_level, saved_config = root.handlers[:], root.level, structlog.get_config()
    yield capsys
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    structlog.configure(**saved_config)


def log_everything() -> None:
    log = structlog.get_logger("activity")
    ids: dict[str, Any] = {"account_id": "A1", "workflow_id": "account-A1", "run_id": RUN_ID, "attempt_no": 3}
    log.info(
        "payment.recorded from Pat Doe at pat.doe@example.com",
        debtor_name="Pat Doe", amount_cents=123_456, received_on="2026-02-01", reference="CHK-7", **ids,
    )  # fmt: skip
    log.info(
        "contact.queued",
        note="called (212) 555-0100, then +1 212 555 0199, about card 4111 1111 1111 1111",
        detail={"debtor": {"phone": "+12125550100", "points": [{"email": "pat.doe@example.com"}, "1 Main St"]}},
        recipients=["r.quexley@example.org", "742 Evergreen Terrace, Springfield, IL 62704"],
        number=4111111111111111,
        **ids,
    )
    log.warning("representative.added representative=Rosalind Quexley, phone: 555-0100", account_id="E1")
    log.info("account.note bank account number 000123456789, SSN 123-45-6789, letter to Dr. Jane Roe", **ids)
    log.info("medical.account", diagnosis="J45.909 asthma", procedure="CPT 99213", provider_name="Cardiology", **ids)
    try:
        raise ValueError("no answer from Rosalind Quexley at 42 Wallaby Way; card 5555555555554444 declined")
    except ValueError:
        log.exception("send.failed", representative="Rosalind Quexley", **ids)
    foreign = logging.getLogger("temporalio.activity")
    try:
        raise RuntimeError("ProbateInput(representative='Rosalind Quexley', email='r.quexley@example.org')")
    except RuntimeError:
        foreign.error("Completing activity as failed for 12 Ocean Ave, Apt 3 (phone 212.555.0100)", exc_info=True)


def test_json_lines_carry_no_personal_data_anywhere_and_keep_ids_cents_and_dates(configured) -> None:
    configure_logging(log_format="json", level="info")
    log_everything()
    output = configured.readouterr().err

    lines = [json.loads(line) for line in output.splitlines()]
    assert len(lines) == 7, output
    leaked = [text for text in PERSONAL if text.lower() in output.lower()]
    assert leaked == [], output
    first, contact, representative, note, medical, failed, foreign = lines
    assert (first["account_id"], first["workflow_id"], first["run_id"]) == ("A1", "account-A1", RUN_ID)
    assert (first["amount_cents"], first["received_on"], first["attempt_no"], first["reference"]) == (
        123_456, "2026-02-01", 3, "CHK-7",
    )  # fmt: skip
    assert first["debtor_name"] == "[redacted]" and first["event"].startswith("payment.recorded from [redacted]")
    assert contact["note"] == "called [phone], then [phone], about card [card]" and contact["number"] == "[card]"
    assert contact["detail"] == {"debtor": "[redacted]"}
    assert contact["recipients"] == ["[email]", "[address], [address]"]
    assert representative["account_id"] == "E1"
    assert representative["event"] == "representative.added representative=[redacted], phone: [redacted]"
    assert "account number [redacted]" in note["event"] and "[name]" in note["event"]
    assert medical["diagnosis"] == medical["procedure"] == medical["provider_name"] == "[redacted]"
    [raised] = failed["exception"]
    assert raised["exc_type"] == "ValueError" and "[redacted]" in raised["exc_value"]
    assert "[address]" in raised["exc_value"] and "[card]" in raised["exc_value"]
    assert raised["frames"][-1]["name"] == "log_everything", "a traceback's own fields are not personal data"
    assert foreign["logger"] == "temporalio.activity" and "[address]" in foreign["event"]
    assert foreign["exception"][0]["exc_value"] == "ProbateInput(representative=[redacted], email=[redacted])"
    assert all("timestamp" in line and line["timestamp"][:2] == "20" for line in lines)


def test_the_console_format_redacts_messages_and_exceptions_too(configured) -> None:
    configure_logging(log_format="console", level="info")
    log_everything()
    output = configured.readouterr().err

    assert [text for text in PERSONAL if text.lower() in output.lower()] == [], output
    assert "account-A1" in output and "123456" in output and "2026-02-01" in output and "ValueError" in output


@pytest.mark.parametrize(
    "kept",
    [
        "account A1 on account-E1, attempt:A1:3, queue test-" + RUN_ID,
        "2026-02-01T10:00:00.123456Z and 2026-02-01 10:00:00+00:00",
        "balance 1234567 cents, $12,345.67, 12345678, ref AG-1, N0123456789, 127.0.0.1:7233",
        "retry 3 of 5 on the way",
    ],
)
def test_our_identifiers_amounts_and_dates_are_not_personal_data(kept: str) -> None:
    assert redact_text(kept) == kept


def test_only_luhn_valid_numbers_of_card_length_are_cards() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert redact_text("4111111111111111 4111111111111112 123456789") == "[card] [number] [number]"


def test_a_workflow_log_line_carries_the_account_workflow_and_run_ids(configured: pytest.CaptureFixture[str]) -> None:
    configure_logging(log_format="json", level="info")
    context = {"workflow_id": "account-A7", "run_id": RUN_ID, "workflow_type": "AccountCollectionsWorkflow"}
    logging.getLogger("temporalio.workflow").info("payment ignored: amount", extra={"temporal_workflow": context})
    [line] = [json.loads(text) for text in configured.readouterr().err.splitlines()]
    assert (line["account_id"], line["workflow_id"], line["run_id"]) == ("A7", "account-A7", RUN_ID)
    assert "temporal_workflow" not in line
