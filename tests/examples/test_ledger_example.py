"""examples/ledger/README.md runs as written: each ```sh block's commands, in order, through
``promokit.cli.main`` in a copy of the folder, print exactly the ```text block under it.

``PROMOKIT_REGEN=1`` rewrites the text blocks from a fresh run instead of comparing.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

from promokit.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
FOLDER = ROOT / "examples" / "ledger"
README = FOLDER / "README.md"
REGEN = os.environ.get("PROMOKIT_REGEN") == "1"
#: a ```sh block and the ```text block right after it
STEP = re.compile(r"```sh\n(?P<sh>.*?)```\n\n```text\n(?P<text>.*?)```", re.DOTALL)


def _steps(readme: str) -> list[re.Match[str]]:
    steps = list(STEP.finditer(readme))
    assert len(steps) == readme.count("```sh"), "every ```sh block needs a ```text block"
    return steps


def _run(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    """Run one README command; what it printed (nothing when redirected to a file)."""
    argv = shlex.split(command)
    assert argv[0] == "promokit", command
    target = None
    if ">" in argv:
        at = argv.index(">")
        argv, target = argv[:at], argv[at + 1]
    code = main(argv[1:])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), f"{command}: exit {code}\n{err}"
    if target is not None:
        Path(target).write_text(out, encoding="utf-8")
        return ""
    return out


def test_the_readme_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("campaign.yaml", "alice.json", "bob.json", "alice-again.json"):
        shutil.copy(FOLDER / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    readme = README.read_text(encoding="utf-8")
    printed: list[str] = []
    for step in _steps(readme):
        commands = [line for line in step["sh"].splitlines() if line.strip()]
        out = "".join(_run(command, capsys) for command in commands)
        printed.append(out)
        if not REGEN:
            assert out == step["text"], f"README block after: {commands}"
    if REGEN:
        parts, last = [], 0
        for step, out in zip(_steps(readme), printed, strict=True):
            parts += [readme[last:step.start("text")], out]
            last = step.end("text")
        README.write_text("".join(parts) + readme[last:], encoding="utf-8")
    # the figures the prose quotes
    init, alice, paid, bob, release, bob2, alice2, report, refund, after, verify = printed
    assert "ledger ready" in init and paid == "order A1: committed\n"
    assert release == "order B1: released\n"
    assert "x-300-50 x7: -350.00" in alice and "new-20: -20.00" in alice
    assert "x-300-50 x13: -150.00" in bob and "tv-flash: -2000.00" in bob
    assert alice2.count("limit_reached") == 3 and "payable       2999.00" in alice2
    assert "tv-flash (all) ran out at" in report and "x-300-50 (all) ran out at" in report
    assert "gave back" in refund and "x-300-50: 1 unit, budget 75.00" in refund
    assert "ran out" not in after and "x-300-50  all     budget  500.00  425.00" in after
    assert verify.startswith("ok:")
    assert bob2.startswith("order B2: committed")
