"""Where the debtor may be, as an operator sees it: an account loaded with a California address and a 212
mobile, `collections status` naming both zones (Regulation F 1006.6(b)(1)(i), comment 6(b)(1)(i)-1)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from domain.intake import ACCOUNT_COLUMNS
from tests.e2e.test_operations_end_to_end import RECENTLY_DUE

pytestmark = pytest.mark.e2e
ROWS = (
    # a California address (its zone recorded) and a New York mobile
    f"Z1,Pat Doe,(212) 555-0100,pat@example.com,1 Main St,Los Angeles,CA,90012,America/Los_Angeles,100.00,"
    f"{RECENTLY_DUE},Northwind,false,card",
    # Guam: a 671 number, no zone recorded
    f"Z2,Ana Cruz,(671) 555-0100,ana@example.com,1 Marine Dr,Hagatna,GU,96910,,100.00,{RECENTLY_DUE},"
    "Northwind,false,card",
)


def test_status_shows_the_debtors_local_time_in_every_zone_the_address_and_phones_point_to(
    engine_processes, tmp_path: Path
) -> None:
    """1006.6(b)(1)(i), comment 6(b)(1)(i)-1: the address's zone and the phone's both; a territory's own
    zone (15 U.S.C. 1692a(8))."""
    operator, _worker = engine_processes
    portfolio = tmp_path / "accounts.csv"
    portfolio.write_text(",".join(ACCOUNT_COLUMNS) + "\n" + "\n".join(ROWS) + "\n")
    loaded = operator("load", str(portfolio))
    assert loaded.returncode == 0, loaded.stderr

    shown = operator("status", "Z1")
    assert shown.returncode == 0, shown.stderr
    line = next(line for line in shown.stdout.splitlines() if "debtor's local time" in line)
    assert re.search(r"\w{3} \d\d:\d\d America/Los_Angeles, \w{3} \d\d:\d\d America/New_York", line), line

    guam = operator("status", "Z2")
    assert guam.returncode == 0, guam.stderr
    line = next(line for line in guam.stdout.splitlines() if "debtor's local time" in line)
    assert "Pacific/Guam" in line and "America/" not in line, line

    as_json = json.loads(operator("status", "Z1", "--json").stdout)
    assert as_json["debtor_zones"] == ["America/Los_Angeles", "America/New_York"]
