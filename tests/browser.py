"""Debian's chromium, headless, for the tests that look at a page as a person would."""
from __future__ import annotations

import os
import struct
import subprocess
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    """Run chromium with a fresh profile under `tmp`; fail the test with its stderr if it fails."""
    profile = tmp / "chromium-profile"
    profile.mkdir(exist_ok=True)
    done = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, timeout=180, env={**os.environ, "HOME": str(tmp)})
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    return done


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", head[16:24])
