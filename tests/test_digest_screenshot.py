"""The digest's HTML part on a phone: headless Chromium at 390 px, no horizontal scrolling.

Chromium's new headless mode will not make a window narrower than 500 px, so the digest is
laid out in an iframe of exactly 390 by 844 px: a viewport of its own, against which its
media queries are evaluated. A small script in the page around it measures each frame and
writes the numbers into the DOM, which `--dump-dom` prints. A control page with a 600 px
wide element proves the measurement can fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import struct
import subprocess
import zlib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.test_digest_render import (
    CHECKIN,
    GLOBEX,
    HOOLI,
    INITECH,
    NORTHWIND,
    THANK_YOU,
    content,
    queue_item,
    thread_info,
)
from tracker.approvals.digest import DigestEntry, RenderedDigest, render_digest
from tracker.config import TemplateSettings

WIDTH, HEIGHT = 390, 844
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
CHROMIUM_TIMEOUT = 120  # seconds; generous, a slow shared machine must not fail the test

LONG_URL = (
    "https://careers.internationale-versicherungs-und-rueckversicherungsgesellschaft.example/"
    "jobs/requisition/2026-11-0042/staff-platform-engineer-data-infrastructure?"
    "utm_source=referral&utm_medium=email&utm_campaign=autumn-hiring-2026&ref="
    "a8f3c2d9e4b7a1c6f0e5d2b9c8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3"
)
LONG_COMPANY = (
    "Internationale Versicherungs- und Rückversicherungsgesellschaft "
    "Supercalifragilisticexpialidociousholdingsandreinsuranceservices AG"
)
MEASURE_ID = "followup-measure"


def _phone_digest() -> RenderedDigest:
    insurer = thread_info(
        "insurer",
        company=LONG_COMPANY,
        role="Staff Platform Engineer, Data Infrastructure and Developer Experience",
        contacts=(("Maximiliane von Hohenzollern-Sigmaringen", "max@versicherung.example"),),
        step={"kind": "checkin", "reason": "...", "due": "2026-11-17T09:30:00-05:00",
              "ordinal": 1, "basis": "checkin1@20261105T0900Z"},
    )  # fmt: skip
    long_draft = replace(
        queue_item(
            "Q8WN",
            thread_key="insurer",
            to_name="Maximiliane von Hohenzollern-Sigmaringen",
            to_address="maximiliane.von.hohenzollern-sigmaringen@versicherung.example",
            subject="Re: Staff Platform Engineer, Data Infrastructure and Developer Experience",
        ),
        body=(
            "Hi Maximiliane,\n\nThank you again for our conversation. The posting I applied "
            f"through is {LONG_URL} in case it helps to find my application.\n\n"
            "Best regards,\nAlex\n"
        ),
    )
    hooli_long = replace(
        HOOLI, facts={**HOOLI.facts, "role": "Principal Machine Learning Researcher (Search)"}
    )
    waiting = thread_info(
        "umbrella",
        company="Umbrella",
        role=None,
        interview_at=None,
        thankyou_at=None,
        last_message_at=datetime(2026, 10, 30, 9, 0, tzinfo=UTC),
    )
    entries = (
        DigestEntry(CHECKIN, NORTHWIND),
        DigestEntry(long_draft, insurer),
        DigestEntry(THANK_YOU, GLOBEX),
    )
    threads = (NORTHWIND, insurer, GLOBEX, INITECH, hooli_long, waiting)
    assert len(threads) == 6 and len(entries) == 3
    return render_digest(content(entries=entries, threads=threads), TemplateSettings())


def _chromium() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found is not None:
            return found
    pytest.fail("Chromium is missing: run scripts/test, it installs chromium")


def _run_chromium(tmp_path: Path, *arguments: str) -> str:
    """Run headless Chromium once; its stdout. Fails the test on a timeout or an error."""
    command = [
        _chromium(),
        "--headless=new",
        # Chromium refuses to run as root with its sandbox, and containers often lack the
        # namespaces it needs; the page is our own HTML with nothing remote in it.
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--hide-scrollbars",
        "--mute-audio",
        # Nothing may be fetched: the digest must lay out without the network.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        f"--window-size={WIDTH},{HEIGHT}",
        *arguments,
    ]
    # A session of its own, so a timeout ends Chromium's helper processes too.
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "HOME": str(tmp_path)},
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=CHROMIUM_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail(f"Chromium did not finish within {CHROMIUM_TIMEOUT} s: {command}")
    if process.returncode != 0:
        pytest.fail(f"Chromium failed ({process.returncode}): {stderr[-2000:]}")
    return stdout


def _frames_page(frames: dict[str, str]) -> str:
    """A page holding each HTML document in a WIDTH x HEIGHT iframe; once all have loaded,
    a script writes each frame's measurements into <pre id=MEASURE_ID> as JSON."""
    sources = json.dumps(frames).replace("</", "<\\/")  # safe inside <script>
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"></head>
<body style="margin:0">
<div id="frames"></div>
<pre id="{MEASURE_ID}"></pre>
<script>
(function () {{
  var sources = {sources}, names = Object.keys(sources), results = {{}}, left = names.length;
  function measure(name, frame) {{
    var win = frame.contentWindow, root = frame.contentDocument.documentElement, wide = [];
    frame.contentDocument.querySelectorAll("body *").forEach(function (element) {{
      var box = element.getBoundingClientRect();
      if (box.right > root.clientWidth + 0.5) {{
        wide.push(element.tagName + " right=" + Math.round(box.right) + " "
                  + (element.textContent || "").trim().slice(0, 40));
      }}
    }});
    results[name] = {{scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
                      innerWidth: win.innerWidth, bodyScrollWidth: frame.contentDocument.body
                      ? frame.contentDocument.body.scrollWidth : null,
                      textLength: (frame.contentDocument.body.innerText || "").length,
                      overflowing: wide.slice(0, 10)}};
    left -= 1;
    if (left === 0) {{
      document.getElementById("{MEASURE_ID}").textContent = JSON.stringify(results);
    }}
  }}
  names.forEach(function (name) {{
    var frame = document.createElement("iframe");
    frame.style.cssText = "display:block;border:0;margin:0;width:{WIDTH}px;height:{HEIGHT}px";
    // An iframe first loads about:blank; only the load of the document itself counts.
    frame.onload = function () {{
      if (frame.contentDocument.URL === "about:srcdoc" && !(name in results)) {{
        measure(name, frame);
      }}
    }};
    frame.srcdoc = sources[name];
    document.getElementById("frames").appendChild(frame);
  }});
}})();
</script>
</body></html>
"""


def _measure(tmp_path: Path, frames: dict[str, str]) -> dict[str, Any]:
    page = tmp_path / "measure.html"
    page.write_text(_frames_page(frames), encoding="utf-8")
    dom = _run_chromium(tmp_path, "--dump-dom", page.as_uri())
    match = re.search(rf'<pre id="{MEASURE_ID}">([^<]+)</pre>', dom)
    assert match is not None, f"the measurements never reached the DOM: {dom[-1500:]}"
    results: dict[str, Any] = json.loads(match.group(1).replace("&quot;", '"').replace(
        "&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))  # fmt: skip
    return results


def _without_style_blocks(html: str) -> str:
    """The HTML as clients that strip <style> show it (Gmail in some views, many webmails)."""
    return re.sub(r"<style\b.*?</style>", "", html, flags=re.DOTALL | re.IGNORECASE)


CONTROL_PAGE = (
    '<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width">'
    '</head><body style="margin:0"><div style="width:600px">a fixed 600 px table</div>'
    "</body></html>"
)


def test_digest_has_no_horizontal_scrolling_at_390_px(tmp_path: Path) -> None:
    digest = _phone_digest()
    assert LONG_URL in digest.text and "Supercalifragilistic" in digest.text
    results = _measure(
        tmp_path,
        {
            "digest": digest.html,
            "digest_without_style": _without_style_blocks(digest.html),
            "control": CONTROL_PAGE,
        },
    )
    control = results["control"]
    assert control["innerWidth"] == WIDTH
    assert control["scrollWidth"] > WIDTH, "the measurement cannot see an overflow"
    for name in ("digest", "digest_without_style"):
        measured = results[name]
        assert measured["innerWidth"] == WIDTH, measured  # the viewport is the phone's
        assert measured["textLength"] > 2000, measured  # the digest was laid out, not blank
        assert measured["scrollWidth"] <= WIDTH, f"{name} scrolls sideways: {measured}"
        assert measured["bodyScrollWidth"] <= WIDTH, measured
        assert measured["overflowing"] == [], measured


def _png_size_and_pixels(data: bytes) -> tuple[int, int, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        if kind == b"IDAT":
            chunks.append(data[position + 8 : position + 8 + length])
        position += 12 + length
    return width, height, zlib.decompress(b"".join(chunks))


def test_screenshot_at_390_px_is_a_real_png(tmp_path: Path) -> None:
    digest = _phone_digest()
    page = tmp_path / "screenshot.html"
    page.write_text(_frames_page({"digest": digest.html}), encoding="utf-8")
    shot = tmp_path / "digest-390.png"
    _run_chromium(tmp_path, f"--screenshot={shot}", page.as_uri())
    assert shot.is_file(), "Chromium wrote no screenshot"
    width, height, pixels = _png_size_and_pixels(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    # Text, buttons and a background: far more than the few byte values of a blank page.
    assert len(set(pixels)) > 64
