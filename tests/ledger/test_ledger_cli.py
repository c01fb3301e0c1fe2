"""The ledger subcommands (ledger init/report/verify, commit, release) through the ``promokit``
command's ``main``."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from ledger_support import AT

from promokit.cli import main
from promokit.ledger import Consumption, Limits, LimitUse, open_ledger


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    assert "Traceback" not in out.getvalue() + err.getvalue()
    return code, out.getvalue(), err.getvalue()


def test_init_report_commit_release_verify(new_url: Callable[[], str]) -> None:
    url = new_url()
    code, out, _ = run("ledger", "init", url)
    assert code == 0 and "schema version 2" in out
    assert run("ledger", "init", url)[0] == 0  # idempotent
    assert run("ledger", "report", "--ledger", url)[1] == "no limit has been used yet\n"
    limits = {"d11-cross-300-50": Limits(uses=2, budget="500.00")}
    take = Consumption({"d11-cross-300-50": LimitUse(1, 5000)})
    with open_ledger(url) as ledger:
        ledger.reserve("o1", take, limits, at=AT)
        ledger.reserve("o2", take, limits, at=AT)
    code, out, _ = run("commit", "o1", "--ledger", url, "--at", AT.isoformat())
    assert (code, out) == (0, "order o1: committed\n")
    code, out, _ = run("release", "o2", "--ledger", url, "--at", AT.isoformat())
    assert (code, out) == (0, "order o2: released\n")
    code, out, _ = run("ledger", "report", "--ledger", url)
    assert code == 0
    lines = [line.split() for line in out.splitlines()]
    assert lines[1] == ["d11-cross-300-50", "all", "uses", "2", "1", "0", "1"]
    assert lines[2] == ["d11-cross-300-50", "all", "budget", "500.00", "50.00", "0.00", "450.00"]
    code, out, _ = run("ledger", "report", "--ledger", url, "--json")
    assert json.loads(out)[0]["budget_minor"] == {"limit": 50000, "used": 5000, "reserved": 0,
                                                  "left": 45000}
    code, out, _ = run("ledger", "verify", "--ledger", url)
    assert (code, out) == (0, "ok: 4 journal entries replayed; every counter agrees\n")


def test_errors_exit_2_with_one_message(url: str, new_url: Callable[[], str]) -> None:
    code, out, err = run("commit", "ghost", "--ledger", url)
    assert (code, out) == (2, "")
    assert err == "promokit: error: unknown order id 'ghost': it was never reserved in this " \
                  "ledger\n"
    with open_ledger(url) as ledger:
        ledger.reserve("o", Consumption({"r": LimitUse(uses=1)}), {"r": Limits()}, at=AT)
        ledger.release("o", at=AT)
    code, _, err = run("commit", "o", "--ledger", url)
    assert code == 2 and "cannot commit order 'o': it is released" in err
    code, _, err = run("ledger", "verify", "--ledger", new_url())
    assert code == 2 and "ledger init" in err and "Traceback" not in err
    code, _, err = run("ledger", "report", "--ledger", "mysql://nope")
    assert code == 2 and "sqlite:///" in err


def test_verify_exits_1_and_lists_differences(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    url = f"sqlite:///{path}"
    run("ledger", "init", url)
    with open_ledger(url) as ledger:
        ledger.reserve("o", Consumption({"r": LimitUse(uses=1)}), {"r": Limits()}, at=AT)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE ledger_counters SET res_uses = 5")
    conn.close()
    code, out, _ = run("ledger", "verify", "--ledger", url)
    assert code == 1
    assert "counter ('r', '', 'all'): stored [0, 0, 0, 5, 0, 0], recomputed [0, 0, 0, 1, 0, 0]" \
        in out
