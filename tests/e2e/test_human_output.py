"""Every read command's human output (no --json), as a person meets it, for an account in each stage and hold.

One engine (dev server and worker as processes) carries fifteen accounts, one per situation: contacting,
negotiating with and without an offer in play, awaiting approval, on a plan, referred, on each kind of hold,
each closing stage, and not started. The CLI runs as a process with COLUMNS=80 and a pipe for its output,
as `python starter.py ... | less` would; one run goes through an 80-column pseudo-terminal.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.intake import ACCOUNT_COLUMNS
from tests.e2e.test_operations_end_to_end import ROOT, Operator, engine_at, operators_file, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(360)]  # the first test waits for the fifteen accounts

TODAY = datetime.now(UTC).date()
RECENTLY_DUE = (TODAY - timedelta(days=20)).isoformat()
LONG_PAST_DUE = (TODAY - timedelta(days=200)).isoformat()
SITUATIONS = (
    "contacting", "negotiating", "promised", "approval", "on_plan", "referred", "bankruptcy", "deceased",
    "dispute", "paid", "settled", "discharged", "written_off", "closed", "not_started",
)  # fmt: skip
IDS = {situation: f"D002522-{number:06d}" for number, situation in enumerate(SITUATIONS, start=1)}
BALANCES = {"contacting": "1234.56", "referred": "800.00", "paid": "250.00", "settled": "500.00"}
PAYMENT_REFERENCE = "WIRE-2026-000123456789-NORTHWIND-BANK-PAYOFF"
"""Long enough that the statement's description column must not cut it."""
CALLS_AT_ONCE = 3
STAGE_AFTER_EVENTS = {
    "contacting": "contacting", "negotiating": "negotiating", "promised": "negotiating", "approval": "negotiating",
    "on_plan": "on_plan", "referred": "referred", "bankruptcy": "on_hold", "deceased": "on_hold",
    "dispute": "on_hold", "paid": "paid", "settled": "settled", "discharged": "discharged",
    "written_off": "written_off", "closed": "closed",
}  # fmt: skip
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


def account_row(situation: str) -> str:
    due = LONG_PAST_DUE if situation == "referred" else RECENTLY_DUE
    return (
        f"{IDS[situation]},Robin Person,(212) 555-0142,robin@example.com,9 Elm St,New York,NY,10001,"
        f"America/New_York,{BALANCES.get(situation, '300.00')},{due},Northwind,false,card"
    )


@dataclass
class Portfolio:
    operator: Operator

    def human(self, *args: str) -> str:
        """A read command's human output: exit 0, nothing on stderr, no traceback."""
        done = self.operator(*args)
        assert done.returncode == 0 and done.stderr == "", (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stdout, (args, done.stdout)
        return done.stdout

    def many(self, calls: Mapping[str, Sequence[str]]) -> dict[str, str]:
        """`human` for each call, a few at a time."""
        with ThreadPoolExecutor(CALLS_AT_ONCE) as pool:
            futures = {key: pool.submit(self.human, *args) for key, args in calls.items()}
            return {key: future.result() for key, future in futures.items()}

    def stages(self) -> dict[str, str]:
        done = self.operator("list", "--json")
        return {row["account_id"]: row["stage"] for row in json.loads(done.stdout)} if done.returncode == 0 else {}


def succeeds(operator: Operator, args: Sequence[str], what: str) -> None:
    """Send an event until it is taken: the account's workflow or the hold it needs may not be recorded yet."""
    last: list[subprocess.CompletedProcess[str]] = []

    def taken() -> bool:
        last[:] = [operator(*args)]
        return last[0].returncode == 0

    try:
        wait_until(taken, timeout=90, what=what)
    except AssertionError as err:
        raise AssertionError(f"{err}: {last[0].stderr.strip()}") from None


def send_in_turn(operator: Operator, situation: str, events: Sequence[Sequence[str]]) -> None:
    for args in events:
        succeeds(operator, args, f"{situation}: {args[0]} {args[1]} taken")


def wait_for_stages(portfolio: Portfolio, wanted: Mapping[str, str]) -> None:
    def reached() -> bool:
        stages = portfolio.stages()
        return all(stages.get(IDS[situation]) == stage for situation, stage in wanted.items())

    wait_until(reached, timeout=90, what=f"the stages {wanted}")


def build_portfolio(operator: Operator, tmp_path: Path) -> Portfolio:
    """Load the fifteen accounts, start all but one, and bring each to its situation."""
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("\n".join([",".join(ACCOUNT_COLUMNS), *map(account_row, SITUATIONS)]) + "\n")
    assert operator("load", str(accounts)).returncode == 0
    started = [arg for situation in SITUATIONS if situation != "not_started" for arg in ("--account", IDS[situation])]
    assert operator("start", *started).returncode == 0
    today, soon = TODAY.isoformat(), (TODAY + timedelta(days=10)).isoformat()
    reached = ("event", "contact-outcome", "--attempt", "1", "--outcome", "right_party_contact")
    first = {
        "negotiating": (*reached[:2], IDS["negotiating"], *reached[2:]),
        "promised": (*reached[:2], IDS["promised"], *reached[2:]),
        "approval": ("propose", IDS["approval"], "--settle", "240.00"),
        "on_plan": ("propose", IDS["on_plan"], "--installments", "3", "--first-payment-on", soon),
        "settled": ("propose", IDS["settled"], "--settle", "480.00"),
        "paid": ("event", "payment", IDS["paid"], "--amount", "250.00", "--reference", PAYMENT_REFERENCE),
    }
    for situation in ("bankruptcy", "discharged"):
        first[situation] = ("event", "bankruptcy", IDS[situation], "--chapter", "7", "--case-number",
                            f"26-{IDS[situation]}", "--court", "SDNY", "--filed-on", today)  # fmt: skip
    for situation in ("deceased", "written_off"):
        first[situation] = ("event", "deceased", IDS[situation], "--date-of-death", today)
    for situation in ("dispute", "closed"):
        first[situation] = ("event", "dispute", IDS[situation], "--reason", "not mine")
    then = {
        "promised": ("event", "promise", IDS["promised"], "--amount", "50.00", "--date", soon),
        "deceased": ("event", "probate", IDS["deceased"], "--representative", "Al Estate",
                     "--claims-deadline", (TODAY + timedelta(days=60)).isoformat(), "--email", "al@example.com"),
        "discharged": ("event", "bankruptcy-discharged", IDS["discharged"]),
        "written_off": ("event", "estate-closed", IDS["written_off"]),
        "closed": ("event", "dispute-resolved", IDS["closed"], "--outcome", "upheld"),
        "settled": ("event", "payment", IDS["settled"], "--amount", "480.00", "--reference", "SETTLE-1"),
    }  # fmt: skip
    chains = {situation: [first[situation], *([then[situation]] if situation in then else [])] for situation in first}
    with ThreadPoolExecutor(CALLS_AT_ONCE) as pool:
        for future in [pool.submit(send_in_turn, operator, situation, chain) for situation, chain in chains.items()]:
            future.result()
    portfolio = Portfolio(operator)
    wait_for_stages(portfolio, STAGE_AFTER_EVENTS)
    return portfolio


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portfolio]:
    tmp_path = tmp_path_factory.mktemp("human-output")
    with engine_at(tmp_path) as (operator, _):
        operator.env["COLUMNS"] = "80"
        yield build_portfolio(operator, tmp_path)


def lines(text: str) -> list[str]:
    """The output's lines with runs of blanks made one: what a person reads, whatever the column widths."""
    return [" ".join(line.split()) for line in text.splitlines()]


def has_line(text: str, pattern: str) -> bool:
    return any(re.fullmatch(pattern, line) for line in lines(text))


SOON = (TODAY + timedelta(days=10)).isoformat()
STATUS_LINES = {
    "contacting": [r"stage contacting", r"balance \$1,234\.56", r"days past due \d+", r"next action .+",
                   r"next action at \d{4}-\d\d-\d\d \d\d:\d\d UTC", r"contact attempts [1-9]\d*", r"workflow running"],
    "negotiating": [r"stage negotiating", r"next action wait for a proposal.*", r"workflow running"],
    "promised": [r"stage negotiating", r"next action watch the promise to pay"],
    "approval": [r"stage negotiating", r"awaiting approval settlement needs a supervisor",
                 r"next action approval by a supervisor .*"],
    "on_plan": [r"stage on plan", r"plan #1 installments of 3", rf"next installment \$100\.00 due {SOON}",
                rf"next action installment 1: \$100\.00 by {SOON}"],
    "referred": [r"stage referred", r"balance \$800\.00", r"placement #1 acme since \d{4}-\d\d-\d\d \(25%\)"],
    "bankruptcy": [r"stage on hold \(collection resumes at contacting when released\)",
                   r"hold bankruptcy: chapter 7", r"next action wait for the hold to end"],
    "deceased": [r"stage on hold \(collection resumes at contacting when released\)", r"hold deceased: .+"],
    "dispute": [r"stage on hold \(collection resumes at contacting when released\)", r"hold dispute: not mine"],
    "paid": [r"stage paid", r"balance \$0\.00", r"payments 1", r"workflow completed \(figures from the store\)"],
    "settled": [r"stage settled", r"balance \$0\.00", r"forgiven \$20\.00", r"payments 1"],
    "discharged": [r"stage discharged", r"balance \$0\.00", r"written off \$300\.00"],
    "written_off": [r"stage written off", r"balance \$0\.00", r"written off \$300\.00"],
    "closed": [r"stage closed", r"balance \$0\.00", r"workflow completed \(figures from the store\)"],
    "not_started": [r"stage not started", r"balance \$300\.00", r"next action start the workflow",
                    r"workflow not started"],
}  # fmt: skip
INTERNAL = ("_cents", "resume_stage", "generation", "source", "None", " cents", "on_hold", "not_started", "…")


def test_status_reads_in_words_for_every_stage_and_hold(portfolio: Portfolio) -> None:
    shown = portfolio.many({situation: ("status", IDS[situation]) for situation in SITUATIONS})
    for situation, text in shown.items():
        assert lines(text)[0] == f"account {IDS[situation]}", text
        missing = [pattern for pattern in STATUS_LINES[situation] if not has_line(text, pattern)]
        assert not missing, f"{situation}: {missing} not in\n{text}"
        assert not [word for word in INTERNAL if word in text], f"{situation}:\n{text}"


def test_show_gives_the_whole_picture(portfolio: Portfolio) -> None:
    wanted = ("on_plan", "referred", "deceased", "settled", "not_started")
    shown = portfolio.many({situation: ("show", IDS[situation]) for situation in wanted})
    for situation, text in shown.items():
        for pattern in (rf"account {IDS[situation]}", r"debtor Robin Person", r"time zone America/New_York",
                        r"address 9 Elm St, New York, NY 10001", *STATUS_LINES[situation]):  # fmt: skip
            assert has_line(text, pattern), f"{situation}: {pattern} not in\n{text}"
        assert "…" not in text and " cents" not in text, text
    assert has_line(shown["on_plan"], r"1 letter validation notice \d{4}-\d\d-\d\d \d\d:\d\d America/New_York sent")
    assert has_line(shown["on_plan"], rf"1 1 {SOON} \$100\.00 scheduled"), shown["on_plan"]
    assert has_line(shown["referred"], r"1 acme \d{4}-\d\d-\d\d \d\d:\d\d UTC placed"), shown["referred"]
    assert has_line(shown["deceased"], r"email al@example\.com representative Al Estate"), shown["deceased"]
    assert has_line(shown["settled"], r"SETTLE-1 \$480\.00 \d{4}-\d\d-\d\d debtor"), shown["settled"]
    assert has_line(shown["settled"], r"1 settlement \$480\.00 \$20\.00 completed"), shown["settled"]
    assert "contact attempts" not in shown["not_started"] and "timeline" not in shown["not_started"]


def test_list_and_queue_keep_every_id_whole_in_a_pipe_at_80_columns(portfolio: Portfolio) -> None:
    assert portfolio.operator.env["COLUMNS"] == "80"
    shown = portfolio.many({
        "list": ("list",), "on hold": ("list", "--stage", "on_hold"), "none": ("list", "--stage", "on_plan"),
        "queue": ("queue",),
    })  # fmt: skip
    rows = {line.split()[0]: line for line in lines(shown["list"])[2:]}
    assert set(rows) == {IDS[situation] for situation in STAGE_AFTER_EVENTS}, shown["list"]
    assert lines(shown["list"])[0] == "account stage balance due date segment workflow"
    assert rows[IDS["contacting"]] == f"{IDS['contacting']} contacting $1,234.56 {RECENTLY_DUE} card running"
    assert rows[IDS["written_off"]] == f"{IDS['written_off']} written off $0.00 {RECENTLY_DUE} card completed"
    held = {line.split()[0]: line for line in lines(shown["on hold"])[2:]}
    assert held == {
        IDS[kind]: f"{IDS[kind]} on hold: {kind} $300.00 {RECENTLY_DUE} card running"
        for kind in ("bankruptcy", "deceased", "dispute")
    }
    assert lines(shown["none"])[2:] == [f"{IDS['on_plan']} on plan $300.00 {RECENTLY_DUE} card running"]
    waiting = {line.split()[0]: line for line in lines(shown["queue"])[2:-1]}
    assert waiting == {
        IDS["negotiating"]: f"{IDS['negotiating']} an offer negotiating $300.00 20 days",
        IDS["approval"]: f"{IDS['approval']} approval negotiating $300.00 20 days",
        IDS["dispute"]: f"{IDS['dispute']} verification on hold: dispute $300.00 20 days",
    }, shown["queue"]
    assert lines(shown["queue"])[-1] == "3 account(s) waiting"


def in_terminal(operator: Operator, *args: str, columns: int) -> str:
    """What the command shows on a terminal `columns` wide (a pseudo-terminal), colours taken out."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {**operator.env, "COLUMNS": str(columns), "TERM": "xterm-256color"}
    process = subprocess.Popen(
        [sys.executable, "starter.py", *args], cwd=ROOT, env=env, stdin=follower, stdout=follower, stderr=follower
    )
    os.close(follower)
    output = bytearray()
    try:
        while select.select([leader], [], [], 120)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the process has closed the terminal
                break
            if not chunk:
                break
            output += chunk
    finally:
        os.close(leader)
        assert process.wait(timeout=60) == 0, output.decode(errors="replace")
    return ANSI.sub("", output.decode()).replace("\r\n", "\n")


def test_an_80_column_terminal_shows_every_id_whole(portfolio: Portfolio) -> None:
    shown = in_terminal(portfolio.operator, "list", columns=80)
    listed = [line.split()[0] for line in lines(shown)[2:] if line.strip()]
    assert sorted(listed) == sorted(IDS[situation] for situation in STAGE_AFTER_EVENTS), shown
    assert max(len(line) for line in shown.splitlines()) <= 80, "the table fits the terminal"
    assert "…" not in shown


def test_offers_attempts_placements_and_statements(portfolio: Portfolio) -> None:
    shown = portfolio.many({
        "offers": ("offers", IDS["negotiating"]), "offers on hold": ("offers", IDS["bankruptcy"]),
        "offers paid": ("offers", IDS["paid"]),
        "attempts": ("attempts", IDS["contacting"]), "no attempts": ("attempts", IDS["not_started"]),
        "placements": ("placements", "list", IDS["referred"]), "not placed": ("placements", "list", IDS["contacting"]),
        "paid": ("statement", IDS["paid"]), "settled": ("statement", IDS["settled"]),
        "on plan": ("statement", IDS["on_plan"]), "written off": ("statement", IDS["written_off"]),
    })  # fmt: skip
    offers = shown["offers"]
    assert lines(offers)[0] == f"offers for account {IDS['negotiating']}, balance $300.00"
    assert has_line(offers, r"pay in full 1 \$300\.00 \d{4}-\d\d-\d\d \$300\.00 \$0\.00"), offers
    assert has_line(offers, r"installments 3 \$100\.00 \d{4}-\d\d-\d\d \$300\.00 \$0\.00"), offers
    assert has_line(offers, r"settlement 1 \$285\.00 \d{4}-\d\d-\d\d \$285\.00 \$15\.00"), offers
    on_hold = "the account is on hold: no plan can be agreed until the hold is released"
    assert lines(shown["offers on hold"])[-1] == on_hold
    assert shown["offers paid"] == f"account {IDS['paid']} is paid: closed, no offer applies\n"

    attempts = shown["attempts"]
    assert lines(attempts)[:2] == [f"contact attempts of account {IDS['contacting']}",
                                   "# channel template debtor's local time result"]  # fmt: skip
    assert has_line(attempts, r"1 letter validation notice \d{4}-\d\d-\d\d \d\d:\d\d America/New_York sent"), attempts
    assert shown["no attempts"] == f"no contact attempts for account {IDS['not_started']}\n"

    placements = shown["placements"]
    placed = r"1 acme \d{4}-\d\d-\d\d \$800\.00 25% \$0\.00 \$0\.00 placed"
    assert has_line(placements, placed), placements
    assert shown["not placed"] == f"account {IDS['contacting']} has not been placed with an agency\n"

    paid = shown["paid"]
    assert f"(ref. {PAYMENT_REFERENCE})" in paid, "the payment's reference whole"
    assert has_line(paid, r"\d{4}-\d\d-\d\d Payment received, thank you -\$250\.00 \$0\.00"), paid
    assert "Current balance: $0.00" in paid and f"Account reference: {IDS['paid']}" in paid
    settled = shown["settled"]
    assert has_line(settled, r"\d{4}-\d\d-\d\d Payment received, thank you \(ref\. SETTLE-1\) -\$480\.00 \$20\.00")
    assert has_line(settled, r"\d{4}-\d\d-\d\d Settlement: amount forgiven -\$20\.00 \$0\.00"), settled
    assert f"Next installment: $100.00 due {SOON}" in shown["on plan"]
    assert "Current balance: $300.00" in shown["on plan"]
    assert has_line(shown["written off"], r"\d{4}-\d\d-\d\d Balance written off -\$300\.00 \$0\.00")


def test_reports_read_as_money_and_counts(portfolio: Portfolio) -> None:
    first, last = (TODAY - timedelta(days=30)).isoformat(), (TODAY + timedelta(days=1)).isoformat()
    shown = portfolio.many({"aging": ("report", "aging"), "kpis": ("report", "kpis", "--from", first, "--to", last)})
    aging = shown["aging"]
    assert lines(aging)[0].startswith("aging of open accounts as of ")
    # open: contacting 1,234.56, eight more at 300.00 (negotiating x3, on plan, three holds), referred 800.00
    assert has_line(aging, r"1-30 9 \$3,634\.56 .*%"), aging
    assert has_line(aging, r"180\+ 1 \$800\.00 .*%"), aging
    assert has_line(aging, r"total 10 \$4,434\.56 100\.0%"), aging
    kpis = shown["kpis"]
    assert has_line(kpis, r"collected \$730\.00 2 payments"), kpis
    assert has_line(kpis, r"(bankruptcy|deceased|dispute) holds 2 opened 1 closed"), kpis


def test_an_unknown_account_is_one_line_and_exit_1(portfolio: Portfolio) -> None:
    commands = [("status",), ("show",), ("offers",), ("attempts",), ("statement",), ("placements", "list")]
    with ThreadPoolExecutor(CALLS_AT_ONCE) as pool:
        refusals = pool.map(lambda command: portfolio.operator(*command, "NOPE"), commands)
        done = dict(zip(commands, refusals, strict=True))
    for command, refused in done.items():
        assert (refused.returncode, refused.stdout, refused.stderr) == (1, "", "error: unknown account NOPE\n"), command


def test_busy_or_not_in_service_is_refused_for_a_letter_and_nothing_changes(portfolio: Portfolio) -> None:
    """1006.14(b)(3)(ii): a call that did not connect is not a placed call; a letter cannot have been busy."""
    account = IDS["negotiating"]
    before = portfolio.operator("attempts", account).stdout
    refused = portfolio.operator("event", "contact-outcome", account, "--attempt", "1", "--outcome", "busy")
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == "error: busy is a call's outcome; attempt 1 was a letter: nothing changed\n"
    assert portfolio.operator("attempts", account).stdout == before


BUG = """
import sys, starter, cli.accounts
def broken(coroutine):
    coroutine.close()
    return None + 1
cli.accounts.run = broken
sys.argv = ["starter.py", "status", "A1"]
starter.main()
"""


def test_a_bug_is_one_line_not_a_traceback_unless_asked(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"}
    env["OPERATORS_FILE"] = str(operators_file(tmp_path / "operators.toml", "e2e-supervisor", "supervisor"))
    env.pop("COLLECTIONS_DEBUG", None)
    done = subprocess.run([sys.executable, "-c", BUG], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "error: unexpected TypeError: unsupported operand type(s) for +: 'NoneType' and 'int' "
        "(COLLECTIONS_DEBUG=1 shows the traceback)\n"
    )
    debug = subprocess.run(
        [sys.executable, "-c", BUG], cwd=ROOT, env={**env, "COLLECTIONS_DEBUG": "1"}, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert debug.returncode == 1 and debug.stderr.startswith("Traceback (most recent call last):")
