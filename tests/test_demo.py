"""`followup demo`: the whole pipeline on the bundled sample, as a new user runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys


def test_demo_walks_the_whole_pipeline() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tracker", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "120"},
    )
    assert result.returncode == 0, result.stderr
    text = result.stdout
    # The threads it found, and why.
    assert "Interview: Senior Data Engineer at Northwind Labs: hiring thread" in text
    assert "10 interview tips that actually work: not hiring" in text
    # The draft it queued, the digest, the approval by reply, the send, the stop.
    code = re.search(r"\n([2-9A-Z]{4}) to Dana Whitfield <dana.whitfield@northwindlabs.com>", text)
    assert code is not None, text
    assert f"approve {code.group(1)}" in text
    assert f"approved {code.group(1)}" in text
    assert f"{code.group(1)} sent: sent to dana.whitfield@northwindlabs.com" in text
    assert "the SMTP server holds 1 check-in(s)" in text
    assert "no second check-in" in text
    assert "1 check-in to the recruiter, 2 messages to you" in text
