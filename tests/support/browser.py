"""Debian's chromium, headless, for checking static pages as a browser renders them (scripts/chromium installs it)."""

from __future__ import annotations

import html
import json
import re
import subprocess
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def chromium() -> str:
    """The chromium binary; scripts/chromium installs it when missing (idempotent)."""
    done = subprocess.run([str(REPO_ROOT / "scripts" / "chromium")], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/chromium failed:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def dump_dom(page: Path, *, timeout: float = 120) -> str:
    """The DOM after chromium loaded `page` from disk (scripts in the page have run)."""
    with tempfile.TemporaryDirectory(prefix="litemaas-chromium-") as profile:
        done = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                              capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or "<html" not in done.stdout:
        raise RuntimeError(f"chromium --dump-dom {page} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done.stdout


def measure(page: Path, script: str) -> object:
    """Run `script` (an expression giving JSON-able data) in a copy of `page`; returns its value as rendered."""
    probe = page.with_name(page.stem + ".measured.html")
    reporter = (f"<script>const measured = document.createElement('pre'); measured.id = 'measured'; "
                f"measured.textContent = JSON.stringify({script}); document.body.appendChild(measured);</script>")
    probe.write_text(page.read_text().replace("</body>", reporter + "</body>"))
    match = re.search(r'<pre id="measured">(.*?)</pre>', dump_dom(probe), re.DOTALL)
    if match is None:
        raise RuntimeError("the measuring script wrote nothing (did it throw?)")
    return json.loads(html.unescape(match.group(1)))
