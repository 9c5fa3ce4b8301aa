"""The built CLI over wordlists/ (SHAI_BIN, SHAI_SOURCE_DIR from meson), shared
by the word-list tests."""
import json
import os
import subprocess

SHAI = os.environ.get("SHAI_BIN", "shai")
SOURCE = os.environ.get("SHAI_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
WORDLISTS = os.path.join(SOURCE, "wordlists")


def scan(lines, *extra):
    """`shai scan --format jsonl` of lines with the word lists (and extra
    options): the hits by line number (1-based), as JSON objects."""
    p = subprocess.run(
        [SHAI, "scan", "--format", "jsonl", "--lexicon", WORDLISTS, *extra, "-"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    if p.returncode not in (0, 1):
        raise AssertionError(f"shai scan failed ({p.returncode}): {p.stderr}")
    hits = {}
    for line in p.stdout.splitlines():
        h = json.loads(line)
        hits.setdefault(h["line"], []).append(h)
    return hits
