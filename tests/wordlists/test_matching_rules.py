"""Matching rules against the shipped lexicon (issue 15): a doubled character
that an entry needs is not swallowed by the repeats rule (小鸡鸡 has 鸡鸡).

Runs the built CLI over wordlists/ (SHAI_BIN, SHAI_SOURCE_DIR from meson)."""
import json
import os
import subprocess
import unittest

SHAI = os.environ.get("SHAI_BIN", "shai")
SOURCE = os.environ.get("SHAI_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
WORDLISTS = os.path.join(SOURCE, "wordlists")

# (line, a text the line's hits must include)
DOUBLED = [
    ("小鸡鸡", "鸡鸡"),
    ("大鸡鸡", "鸡鸡"),
    ("干机机歪歪", "机机歪歪"),
]


def hit_texts(lines, *extra):
    p = subprocess.run(
        [SHAI, "scan", "--format", "jsonl", "--lexicon", WORDLISTS, *extra, "-"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    if p.returncode not in (0, 1):
        raise AssertionError(f"shai scan failed ({p.returncode}): {p.stderr}")
    texts = {}
    for line in p.stdout.splitlines():
        h = json.loads(line)
        texts.setdefault(h["line"], []).append(h["text"])
    return texts


class MatchingRules(unittest.TestCase):
    def test_doubled_character_entries(self):
        for extra in ((), ("--overlapping",)):
            got = hit_texts([line for line, _ in DOUBLED], *extra)
            for n, (line, text) in enumerate(DOUBLED, 1):
                with self.subTest(line=line, mode=extra):
                    self.assertIn(text, got.get(n, []))


if __name__ == "__main__":
    unittest.main()
