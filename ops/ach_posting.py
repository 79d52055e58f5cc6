"""`payments returns FILE`: a NACHA returns file, each returned debit reversed through `event payment-reversal`.

The file is checked whole first (ops.ach_returns: a bad record or control refuses it, nothing changes). Each
return names the payment by its original entry's trace number (the payment's reference) and the account by
its individual identification number; its own trace number is the reversal's reference, so a file posted
twice reverses nothing twice. Every return goes through ops.reversals.send_reversal, the one entry point the
CLI and the API use, and what it refuses is listed with why. R01 and R09 may be presented again (at most
twice: domain.ach_return_codes); R05, R07, R10 and R11 end the debtor's payment authorization, which the
account's audit log records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.ach_return_codes import RETURN_CODES, representment_problem
from domain.money import format_cents
from domain.reversal_messages import ReversalReason
from ops.ach_returns import AchReturn, ach_returns, check_returns_file
from ops.context import OpsContext
from ops.errors import OpsError
from ops.posting import checked_whole
from ops.reversals import send_reversal
from store import repository, reversals

REASONS = {"R01": ReversalReason.NSF, "R09": ReversalReason.NSF, "R02": ReversalReason.CLOSED_ACCOUNT}
REASONS |= {code: ReversalReason.UNAUTHORIZED for code in ("R05", "R07", "R10", "R11", "R29")}


@dataclass
class ReturnsReport:
    file_name: str
    returns: int
    total_cents: int
    reversed: list[str] = field(default_factory=list)
    """One line per return sent to its account."""
    duplicates: int = 0
    refused: list[str] = field(default_factory=list)
    """One line per return nothing was done for: its line, trace, and why."""
    represent: list[str] = field(default_factory=list)
    """R01/R09 returns: whether the payment may be presented again."""
    revoked: list[str] = field(default_factory=list)
    """Accounts whose payment authorization ended (R05, R07, R10, R11)."""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def reason_for(code: str) -> ReversalReason:
    return REASONS.get(code, ReversalReason.OTHER)


async def post_returns(ctx: OpsContext, path: Path, *, actor: str) -> ReturnsReport:
    totals = checked_whole(path, check_returns_file, "nothing reversed")
    report = ReturnsReport(path.name, totals.returns, totals.total_cents)
    for returned in ach_returns(path):
        await _one(ctx, report, returned, actor=actor)
    return report


async def _one(ctx: OpsContext, report: ReturnsReport, r: AchReturn, *, actor: str) -> None:
    where = f"line {r.line} ({r.trace_number}, {r.return_code}, account {r.individual_id})"
    async with ctx.sessions() as session:
        payment = await repository.payment_by_reference(session, r.original_trace)
    if payment is not None and payment.amount_cents != r.amount_cents:
        report.refused.append(
            f"{where}: returned {format_cents(r.amount_cents)}, payment {r.original_trace} was "
            f"{format_cents(payment.amount_cents)}"
        )
        return
    try:
        said = await send_reversal(
            ctx, r.individual_id, payment_reference=r.original_trace, reason=reason_for(r.return_code),
            reference=r.trace_number, return_code=r.return_code,
        )  # fmt: skip
    except OpsError as err:
        report.refused.append(f"{where}: {err}")
        return
    if said.startswith("duplicate:"):
        report.duplicates += 1
        return
    report.reversed.append(f"{where}: {said}")
    code = RETURN_CODES.get(r.return_code)
    if code is not None and code.represent_allowed:
        report.represent.append(f"{r.original_trace}: {await _representment(ctx, r)}")
    if code is not None and code.revokes_authorization:
        await _revoke(ctx, r, actor)
        report.revoked.append(f"account {r.individual_id}: {r.return_code} {code.description}")


async def _representment(ctx: OpsContext, r: AchReturn) -> str:
    """Whether the payment may be presented again: NSF returns of the same amount on the account count."""
    async with ctx.sessions() as session:
        earlier = [
            x for x in await reversals.reversals_for(session, r.individual_id)
            if x.amount_cents == r.amount_cents and x.return_code in ("R01", "R09") and x.reference != r.trace_number
        ]  # fmt: skip
    problem = representment_problem(r.return_code, len(earlier))
    return f"not to be presented again: {problem}" if problem else f"may be presented again ({len(earlier) + 1} of 2)"


async def _revoke(ctx: OpsContext, r: AchReturn, actor: str) -> None:
    async with ctx.sessions() as session, session.begin():
        await repository.append_audit(
            session, account_id=r.individual_id, action="authorization.revoked",
            detail={"return_code": r.return_code, "trace": r.trace_number, "payment_reference": r.original_trace},
            actor=actor, now=datetime.now(UTC), idempotency_key=f"authorization.revoked:{r.trace_number}",
        )  # fmt: skip
