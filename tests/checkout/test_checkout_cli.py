"""``promokit checkout / commit / release / refund --ledger / ledger report --campaign`` through
``promokit.cli.main``: the order's life from the shell, exit codes, and no traceback on bad input.

The campaign is examples/ledger's (a TV at the 秒杀 price of 1999.00 instead of 2999.00 with 3
units of stock, 跨店每满300减50 with a budget of 500.00 that caps, 新人券满199减20 once per
customer). Bob's two TVs first: 5998.00 - 2000.00 flash - 500.00 满减 (13 x 50 = 650.00, capped
at the 500.00 budget) - 20.00 coupon = 3478.00; returning one TV gives back 1 unit and half the
500.00 (250.00).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from ledger_fixtures import fresh_pg_url

from promokit.cli import main
from promokit.ledger import LimitReachedError, open_ledger
from promokit.ledger.sqlite import SQLiteLedger

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = ROOT / "examples" / "ledger"
PAID = "2026-11-11T00:05:00+08:00"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``promokit argv``; never a traceback."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of examples/ledger as the working directory."""
    for name in ("campaign.yaml", "alice.json", "bob.json", "alice-again.json"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _life(capsys: pytest.CaptureFixture[str], url: str) -> None:
    """Check out, commit, refund one of two TVs (twice: once), report and verify on ``url``."""
    assert run(capsys, "ledger", "init", url)[0] == 0
    code, out, err = run(capsys, "checkout", "bob.json", "--campaign", "campaign.yaml",
                         "--ledger", url, "--order", "B1", "--json", "--ttl", "600")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["payable"] == "3478.00"
    Path("b1.json").write_text(out, encoding="utf-8")
    with open_ledger(url) as ledger:
        record = ledger.order("B1")
        assert record.state == "reserved"
        assert (record.expires_at - record.reserved_at).total_seconds() == 600
    assert run(capsys, "commit", "B1", "--ledger", url, "--at", PAID)[:2] == (
        0, "order B1: committed\n")
    assert run(capsys, "commit", "B1", "--ledger", url, "--at", PAID)[0] == 0  # idempotent
    refund = ("refund", "b1.json", "--return", "l1:1", "--ledger", url, "--order", "B1")
    for _ in range(2):  # the same refund id twice gives back once
        code, out, err = run(capsys, *refund)
        assert (code, err) == (0, "")
        assert out.endswith("ledger: refund B1/refund-1 of order B1 gave back new-20: 1 unit, "
                            "budget 10.00; tv-flash: 1 unit, budget 1000.00; x-300-50: 1 unit, "
                            "budget 250.00\n")
    code, out, _ = run(capsys, "ledger", "report", "--ledger", url, "--json")
    rows = {r["key"]: r for r in json.loads(out)}
    assert rows["tv-flash"]["units"] == {"limit": 3, "used": 1, "reserved": 0, "left": 2}
    assert rows["x-300-50"]["budget_minor"] == {"limit": 50000, "used": 25000, "reserved": 0,
                                                "left": 25000}
    code, out, _ = run(capsys, "ledger", "verify", "--ledger", url)
    assert code == 0 and out.startswith("ok: ")


def test_the_life_of_an_order_on_sqlite(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _life(capsys, "sqlite:///ledger.db")


def test_the_life_of_an_order_on_postgresql(here: Path, pg_url: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _life(capsys, fresh_pg_url(pg_url))


def test_text_checkout_release_and_report_with_the_campaign(
        here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The receipt ends with the reservation's expiry in the campaign's zone; a released order
    gives everything back; the report lists the campaign's limits nobody has used yet."""
    url = "sqlite:///ledger.db"
    run(capsys, "ledger", "init", url)
    code, out, _ = run(capsys, "checkout", "alice.json", "--campaign", "campaign.yaml",
                       "--ledger", url, "--order", "A1")
    assert code == 0 and "payable       1757.00 CNY" in out
    assert out.endswith("order A1: reserved until 2026-11-11T00:15:00+08:00; "
                        "`promokit commit A1 --ledger URL` when it is paid\n")
    code, out, _ = run(capsys, "ledger", "report", "--ledger", url)
    assert "tv-flash  all     units   3       0     1         2" in out
    assert run(capsys, "release", "A1", "--ledger", url, "--at", PAID)[:2] == (
        0, "order A1: released\n")
    code, out, _ = run(capsys, "ledger", "report", "--ledger", url, "--campaign",
                       "campaign.yaml")
    lines = [line.split() for line in out.splitlines()]
    assert ["tv-flash", "all", "units", "3", "0", "0", "3"] in lines
    code, out, _ = run(capsys, "ledger", "report", "--ledger", "sqlite:///other.db")
    assert code == 2
    run(capsys, "ledger", "init", "sqlite:///other.db")
    code, out, _ = run(capsys, "ledger", "report", "--ledger", "sqlite:///other.db",
                       "--campaign", "campaign.yaml")
    lines = [line.split() for line in out.splitlines()]
    assert ["x-300-50", "-", "budget", "500.00", "0.00", "0.00", "500.00"] in lines
    assert ["new-20", "-", "uses", "-", "0", "0", "-"] in lines  # per customer only


def test_contention_beyond_the_retries_exits_3(here: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Every reservation refused (a concurrent order always first): exit 3, nothing reserved."""
    url = "sqlite:///ledger.db"
    run(capsys, "ledger", "init", url)

    def refuse(*_args: object, **_kw: object) -> None:
        raise LimitReachedError("tv-flash", "units", 0, 1)

    monkeypatch.setattr(SQLiteLedger, "reserve", refuse)
    code, out, err = run(capsys, "checkout", "bob.json", "--campaign", "campaign.yaml",
                         "--ledger", url, "--order", "B1", "--retries", "2")
    assert (code, out) == (3, "")
    assert "(2 retries)" in err and "'tv-flash' units" in err and "exit 3" in err
    monkeypatch.undo()
    assert run(capsys, "commit", "B1", "--ledger", url)[0] == 2  # never reserved


@pytest.mark.parametrize(("argv", "says"), [
    (("checkout", "missing.json", "--campaign", "campaign.yaml", "--ledger", "sqlite:///l.db",
      "--order", "o"), "missing.json"),
    (("checkout", "bob.json", "--campaign", "nope.yaml", "--ledger", "sqlite:///l.db",
      "--order", "o"), "nope.yaml"),
    (("checkout", "bob.json", "--campaign", "campaign.yaml", "--ledger", "mysql://x",
      "--order", "o"), "sqlite:///"),
    (("checkout", "bob.json", "--campaign", "campaign.yaml", "--ledger", "sqlite:///new.db",
      "--order", "o"), "ledger init"),
    (("commit", "ghost", "--ledger", "sqlite:///l.db"), "unknown order id 'ghost'"),
    (("release", "ghost", "--ledger", "sqlite:///l.db"), "unknown order id 'ghost'"),
    (("refund", "bob.json", "--return", "l1:1", "--ledger", "sqlite:///l.db"), "--order"),
    (("refund", "bob.json", "--return", "l1:1", "--order", "o"), "--ledger"),
])
def test_bad_input_exits_2_with_one_message(here: Path, capsys: pytest.CaptureFixture[str],
                                            argv: tuple[str, ...], says: str) -> None:
    run(capsys, "ledger", "init", "sqlite:///l.db")
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.startswith("promokit: error: ") and says in err


@pytest.mark.parametrize("flag", [("--ttl", "0"), ("--ttl", "soon"), ("--retries", "-1"),
                                  ("--order", " ")])
def test_bad_flags_exit_2_naming_what_was_expected(here: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   flag: tuple[str, str]) -> None:
    argv = {"--order": "o", "--ttl": "900", "--retries": "3"}
    argv[flag[0]] = flag[1]
    with pytest.raises(SystemExit) as exit_:
        main(["checkout", "bob.json", "--campaign", "campaign.yaml", "--ledger",
              "sqlite:///l.db", *[x for kv in argv.items() for x in kv]])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "expected" in err or "empty" in err


def test_a_refund_of_another_orders_result_is_refused_and_writes_nothing(
        here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = "sqlite:///ledger.db"
    run(capsys, "ledger", "init", url)
    for order, cart in (("A1", "alice.json"), ("B1", "bob.json")):
        code, out, _ = run(capsys, "checkout", cart, "--campaign", "campaign.yaml", "--ledger",
                           url, "--order", order, "--json")
        Path(f"{order}.json").write_text(out, encoding="utf-8")
        run(capsys, "commit", order, "--ledger", url, "--at", PAID)
    code, out, err = run(capsys, "refund", "A1.json", "--return", "l1:1", "--ledger", url,
                         "--order", "B1")
    assert (code, out) == (2, "")
    assert "A1.json" in err and "is not what order 'B1' reserved" in err
    conn = sqlite3.connect("ledger.db")
    assert conn.execute("SELECT count(*) FROM ledger_refunds").fetchone() == (0,)
    conn.close()
    # a refund of a reservation not yet paid: the ledger says release it instead
    code, out, _ = run(capsys, "checkout", "alice-again.json", "--campaign", "campaign.yaml",
                       "--ledger", url, "--order", "A2", "--json")
    Path("A2.json").write_text(out, encoding="utf-8")
    code, out, err = run(capsys, "refund", "A2.json", "--return", "l1:1", "--ledger", url,
                         "--order", "A2")
    assert (code, out) == (2, "") and "release" in err


def test_refund_with_a_ledger_checks_the_result_against_the_ledgers_record(
        here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``refund --ledger`` verifies RESULT against the ledger's record of its order before any
    money is worked out: a result whose customer was edited is refused, nothing is written."""
    url = "sqlite:///ledger.db"
    run(capsys, "ledger", "init", url)
    code, out, _ = run(capsys, "checkout", "bob.json", "--campaign", "campaign.yaml", "--ledger",
                       url, "--order", "B1", "--json")
    run(capsys, "commit", "B1", "--ledger", url, "--at", PAID)
    data = json.loads(out)
    data["cart"]["customer"]["id"] = "mallory"
    Path("b1-edited.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(capsys, "refund", "b1-edited.json", "--return", "l1:1", "--ledger", url,
                         "--order", "B1")
    assert (code, out) == (2, "")
    assert "the ledger's order is another customer's" in err and "mallory" in err
    conn = sqlite3.connect("ledger.db")
    assert conn.execute("SELECT count(*) FROM ledger_refunds").fetchone() == (0,)
    conn.close()
