"""Mutated example files through the real CLI: exit 0, 1 or 2, with a message on failure, never
a traceback and never a hang. Fast by default; HYPOTHESIS_PROFILE=ci runs many more examples."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promokit.cli import main

ROOT = Path(__file__).resolve().parents[2] / "examples"
PAIRS = [(c, c.parent / "cart.json") for c in sorted(ROOT.glob("*/campaign.yaml"))
         if (c.parent / "cart.json").is_file()]
#: What a hostile or careless hand puts in a file.
TOKENS = ["1e400", "NaN", "-Infinity", "-1", "0", "1_5", "0.85", "100000000000000000000", "null",
          "[]", "{}", "\x1b[31m", "\udcff", "FREQ=DAILY;INTERVAL=0", "BYSECOND=61", '"', ":", "- ",
          "&a", "*a", "!!python/object", "tier-gold-discount", "2026-11-11", "\t", "\n  ", "USD",
          "99999999999999", "1.005", "~", "<<: *a"]
#: Examples per example pair: few by default, the loaded profile's count under HYPOTHESIS_PROFILE.
EXAMPLES = settings.default.max_examples if os.environ.get("HYPOTHESIS_PROFILE") else 12


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few edits: a span cut, a token put in or over a span, a line repeated."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        end = min(len(text), at + draw(st.integers(0, 12)))
        edit = draw(st.sampled_from(["cut", "insert", "replace", "repeat"]))
        token = draw(st.sampled_from(TOKENS) | st.text(max_size=4))
        if edit == "cut":
            text = text[:at] + text[end:]
        elif edit == "insert":
            text = text[:at] + token + text[at:]
        elif edit == "replace":
            text = text[:at] + token + text[end:]
        else:
            start = text.rfind("\n", 0, at) + 1
            stop = text.find("\n", at)
            stop = len(text) if stop < 0 else stop + 1
            text = text[:stop] + text[start:stop] + text[stop:]
    return text


def run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, err.getvalue()


@pytest.mark.parametrize("pair", PAIRS, ids=[c.parent.name for c, _ in PAIRS])
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_documents_never_crash(pair: tuple[Path, Path], data: st.DataObject) -> None:
    campaign, cart = pair
    which = data.draw(st.sampled_from(["campaign", "cart"]))
    source = campaign if which == "campaign" else cart
    text = data.draw(mutated(source.read_text(encoding="utf-8")))
    with tempfile.TemporaryDirectory() as tmp:
        bad = Path(tmp) / source.name
        bad.write_text(text, encoding="utf-8", errors="surrogatepass")
        files = (bad, cart) if which == "campaign" else (campaign, bad)
        for argv in (["check", str(files[0])],
                     ["price", str(files[1]), "--campaign", str(files[0])]):
            code, err = run(argv)  # an exception here is a traceback the user would see
            assert code in (0, 1, 2), argv
            if code:
                assert err.strip(), f"exit {code} with no message: {argv}"
