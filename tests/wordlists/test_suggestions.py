"""Every suggestion of the shipped lexicon, applied, gives usable text.

For each deny entry with a `suggestion=`, the entry is put in sample sentences,
scanned with the built CLI (SHAI_BIN) over wordlists/ (SHAI_SOURCE_DIR), and
the suggestion of each hit is put in place of exactly the matched bytes.  The
result must differ from the input, must not double a character at either edge
of the replacement (最优质 -> 优质质), must keep the sentence around the hit,
and must not itself be a hit of the lexicon (a suggestion that is a claim
again).  Ad-law allow entries (最好不要, 第一感觉 ...) must stay quiet."""
import json
import os
import subprocess
import unittest

SHAI = os.environ.get("SHAI_BIN", "shai")
SOURCE = os.environ.get("SHAI_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
WORDLISTS = os.path.join(SOURCE, "wordlists")

# Sentences an entry is put in: after a Chinese character, before one, alone.
TEMPLATES = ["这款产品{}，值得信赖", "{}的品质", "本店{}"]


def lexicon_suggestions():
    """(word, suggestion, file:line) of every entry with a suggestion."""
    out = []
    for root, dirs, names in os.walk(WORDLISTS):
        dirs[:] = sorted(d for d in dirs if d != "tools")
        for name in sorted(names):
            if not name.endswith(".txt"):
                continue
            path = os.path.join(root, name)
            allow = False
            with open(path, encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    line = line.rstrip("\n")
                    s = line.strip()
                    if not s or s.startswith("#"):
                        continue
                    if s.startswith("@"):
                        allow = {"@allow": True, "@deny": False}.get(s.split()[0], allow)
                        continue
                    word, _, attrs = line.partition("\t")
                    attrs = dict(a.partition("=")[::2] for a in attrs.split())
                    if allow or "allow" in attrs or "suggestion" not in attrs:
                        continue
                    out.append((word.strip(), attrs["suggestion"], f"{name}:{n}"))
    return out


def scan(lines):
    data = "".join(x + "\n" for x in lines).encode("utf-8")
    p = subprocess.run([SHAI, "scan", "--format", "jsonl", "--lexicon", WORDLISTS, "-"],
                       input=data, capture_output=True, check=False)
    if p.returncode not in (0, 1):
        raise AssertionError(f"shai scan failed ({p.returncode}): {p.stderr.decode()}")
    hits = {}
    for line in p.stdout.decode("utf-8").splitlines():
        h = json.loads(line)
        hits.setdefault(h["line"], []).append(h)
    # byte offsets are offsets in the whole input: make them line-relative
    starts, off = [], 0
    for x in lines:
        starts.append(off)
        off += len((x + "\n").encode("utf-8"))
    for n, hs in hits.items():
        for h in hs:
            h["start"] -= starts[n - 1]
            h["end"] -= starts[n - 1]
    return hits


def apply(line, hits):
    b = line.encode("utf-8")
    for h in sorted(hits, key=lambda h: -h["start"]):
        if "suggestion" in h:
            b = b[:h["start"]] + h["suggestion"].encode("utf-8") + b[h["end"]:]
    return b.decode("utf-8")


class Suggestions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.entries = lexicon_suggestions()
        cls.sentences = [(w, s, where, t.format(w)) for w, s, where in cls.entries for t in TEMPLATES]
        cls.hits = scan([x[3] for x in cls.sentences])

    def test_there_are_suggestions(self):
        self.assertGreater(len(self.entries), 50)

    def test_each_suggestion_replaces_its_span(self):
        fixed = []
        for n, (word, sugg, where, line) in enumerate(self.sentences, 1):
            hs = [h for h in self.hits.get(n, []) if h["text"] == word]
            with self.subTest(entry=word, where=where, sentence=line):
                self.assertTrue(hs, f"{word} is not a hit in its own sentence")
                h = hs[0]
                self.assertEqual(h.get("suggestion"), sugg,
                                 f"{word} is hidden by {h['entry']} in {line!r}")
                b = line.encode("utf-8")
                before = b[:h["start"]].decode("utf-8")
                after = b[h["end"]:].decode("utf-8")
                out = before + sugg + after
                self.assertNotEqual(out, line)
                if before:
                    self.assertNotEqual(before[-1], sugg[0], f"doubled character in {out!r}")
                if after:
                    self.assertNotEqual(sugg[-1], after[0], f"doubled character in {out!r}")
                fixed.append((word, where, out))
        rescanned = scan([x[2] for x in fixed])
        for n, (word, where, out) in enumerate(fixed, 1):
            with self.subTest(entry=word, where=where, result=out):
                again = [h["text"] for h in rescanned.get(n, []) if h["category"] == "ad-law"]
                self.assertEqual(again, [], f"the suggestion for {word} is itself a hit")

    def test_longer_entries_keep_their_own_suggestion(self):
        # Each of these once took the suggestion of a shorter entry inside it
        # and read wrong (最优质 -> 优质质).
        cases = {
            "这是最优质的大米": "这是优质的大米",
            "全市最大型的商场": "全市大型的商场",
            "价格最低廉": "价格低廉",
            "最值得买的手机": "值得买的手机",
            "今年最火爆的款式": "今年火爆的款式",
        }
        hits = scan(list(cases))
        for n, (line, want) in enumerate(cases.items(), 1):
            with self.subTest(line=line):
                self.assertEqual(apply(line, hits.get(n, [])), want)

    def test_ordinary_phrases_are_not_ad_claims(self):
        lines = ["最好不要去", "这是对我最大的鼓励", "把风险降至最低", "第一感觉很好",
                 "据第一财经报道", "今天最高气温三十度"]
        hits = scan(lines)
        for n, line in enumerate(lines, 1):
            with self.subTest(line=line):
                self.assertEqual([h["text"] for h in hits.get(n, []) if h["category"] == "ad-law"], [])


if __name__ == "__main__":
    unittest.main()
