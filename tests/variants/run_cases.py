#!/usr/bin/env python3
"""Run the variant test set through a shai binary and score it.

    run_cases.py SHAI_BINARY [--cases FILE] [--lexicon FILE] [--report]
                 [--min-caught PERCENT] [--jsonl FILE]

Compiles the lexicon (tests/variants/lexicon.txt by default) with
`shai compile` into a temporary db, scans every row of the cases file
(tests/variants/cases.tsv by default) with `shai scan --db DB --format
jsonl`, and checks each row:

  hit    the row's entry is reported with exactly the row's span (the hit's
         original text and offsets equal those of the span's occurrence);
  clean  nothing of the lexicon is reported.

Rows of kind `vertical` are scanned with `--vertical`, each from a file of
its own (so that two rows never read as one run of one-character lines);
all the other rows go through one process, one line per row.

It prints, per kind, caught/positives and clean/guards, then every failure
(with --report also the rows that passed, with what was reported), and
exits 1 when fewer than --min-caught percent (90) of all positives are
caught or any guard has a hit, 2 on a usage or tool error.

--jsonl FILE reads the scan output from FILE instead of running shai (one
JSON object per hit, as `shai scan --format jsonl` prints them, with the
file named "<stdin>" for the ordinary rows and "vertical/N" for the N-th
vertical row): the runner's own test uses it, and so can a bug report.

Format of the cases file: one row per line, TAB separated:

  kind  expect  text  entry  span

`#` starts a comment line; empty lines are skipped. In text and span, `\\n`
is a newline, `\\t` a TAB and `\\\\` a backslash. `span@N` is the N-th
occurrence of span in text. A clean row has `-` for entry and span.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

KINDS = [
    "pinyin",
    "initials",
    "homophone",
    "split",
    "emoji",
    "leet",
    "wildcard",
    "insert",
    "digit",
    "vertical",
]


class CaseError(Exception):
    pass


def unescape(s, where):
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n == "n":
                out.append("\n")
            elif n == "t":
                out.append("\t")
            elif n == "\\":
                out.append("\\")
            else:
                raise CaseError("%s: unknown escape \\%s" % (where, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


class Row:
    def __init__(self, lineno, kind, expect, text, entry, span, occurrence):
        self.lineno = lineno
        self.kind = kind
        self.expect = expect
        self.text = text
        self.entry = entry
        self.span = span
        self.occurrence = occurrence
        self.hits = []  # (start, end, text, entry, variant) in bytes of text
        # Byte offsets of the expected span in text.
        self.want = None
        if expect == "hit":
            pos = -1
            for _ in range(occurrence):
                pos = text.find(span, pos + 1)
                if pos < 0:
                    raise CaseError(
                        "line %d: span %r (occurrence %d) is not in the text"
                        % (lineno, span, occurrence)
                    )
            start = len(text[:pos].encode("utf-8"))
            self.want = (start, start + len(span.encode("utf-8")))

    unscanned = False

    def kind_reported(self):
        """The variant kind of the hit that satisfies the row, if any."""
        for h in self.hits:
            if h[3] == self.entry and (h[0], h[1]) == self.want:
                return h[4]
        return None

    def ok(self):
        if self.unscanned:
            return False
        if self.expect == "clean":
            return not self.hits
        return any(
            h[3] == self.entry and (h[0], h[1]) == self.want for h in self.hits
        )


def read_cases(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.endswith("\r"):
                line = line[:-1]
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 5:
                raise CaseError(
                    "%s:%d: %d fields, want 5 (kind expect text entry span)"
                    % (path, lineno, len(parts))
                )
            kind, expect, text, entry, span = parts
            where = "%s:%d" % (path, lineno)
            if kind not in KINDS:
                raise CaseError("%s: unknown kind %r" % (where, kind))
            text = unescape(text, where)
            if expect == "clean":
                if entry != "-" or span != "-":
                    raise CaseError("%s: a clean row has '-' for entry and span" % where)
                rows.append(Row(lineno, kind, expect, text, None, None, 0))
                continue
            if expect != "hit":
                raise CaseError("%s: expect is 'hit' or 'clean', not %r" % (where, expect))
            occurrence = 1
            at = span.rfind("@")
            if at > 0 and span[at + 1 :].isdigit():
                occurrence = int(span[at + 1 :])
                span = span[:at]
            span = unescape(span, where)
            if not span or not entry or entry == "-":
                raise CaseError("%s: a hit row needs an entry and a span" % where)
            if "\n" in text and kind != "vertical":
                raise CaseError("%s: only vertical rows may hold a newline" % where)
            if "\r" in text:
                raise CaseError("%s: a CR in the text" % where)
            rows.append(Row(lineno, kind, expect, text, entry, span, occurrence))
    return rows


def plain_input(rows):
    """The ordinary rows as one input, one line per row; returns the bytes
    and the byte offset where each row's line starts."""
    starts = []
    buf = bytearray()
    for r in rows:
        starts.append(len(buf))
        buf += r.text.encode("utf-8") + b"\n"
    return bytes(buf), starts


def attach(rows, starts, hits):
    """Give each row the hits whose start lies in its line, with offsets
    made relative to the row's text."""
    import bisect

    for h in hits:
        i = bisect.bisect_right(starts, h["start"]) - 1
        if i < 0:
            raise CaseError("a hit before the first row: %r" % h)
        base = starts[i]
        rows[i].hits.append(
            (
                h["start"] - base,
                h["end"] - base,
                h.get("text", ""),
                h.get("entry", ""),
                h.get("variant"),
            )
        )


def parse_jsonl(data, what):
    out = []
    for n, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            raise CaseError("%s: line %d is not JSON (%s): %r" % (what, n, e, line[:200]))
        for key in ("file", "start", "end", "entry"):
            if key not in obj:
                raise CaseError("%s: line %d has no %r: %r" % (what, n, key, line[:200]))
        out.append(obj)
    return out


def distribute(rows, hits):
    """Split the hits of one scan output between the ordinary rows
    ("<stdin>") and the vertical rows ("vertical/N" or a path ending so)."""
    plain = [r for r in rows if r.kind != "vertical"]
    vert = [r for r in rows if r.kind == "vertical"]
    _, starts = plain_input(plain)
    plain_hits = []
    for h in hits:
        name = h["file"]
        if name == "<stdin>":
            plain_hits.append(h)
            continue
        base = os.path.basename(name)
        parent = os.path.basename(os.path.dirname(name))
        if parent != "vertical" or not base.isdigit() or int(base) >= len(vert):
            raise CaseError("a hit in an unknown input %r" % name)
        vert[int(base)].hits.append(
            (h["start"], h["end"], h.get("text", ""), h["entry"], h.get("variant"))
        )
    attach(plain, starts, plain_hits)


def run_shai(shai, lexicon, rows, tmp):
    db = os.path.join(tmp, "variants.shai")
    p = subprocess.run(
        [shai, "compile", "-q", lexicon, "-o", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    if p.returncode != 0:
        raise CaseError(
            "shai compile failed (%d): %s" % (p.returncode, p.stderr.decode("utf-8", "replace"))
        )
    common = [shai, "scan", "--db", db, "--format", "jsonl", "--exit-zero",
              "--no-summary", "--no-context", "-j1"]
    plain = [r for r in rows if r.kind != "vertical"]
    data, _ = plain_input(plain)
    p = subprocess.run(common + ["-"], input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise CaseError("shai scan failed (%d): %s" % (p.returncode, p.stderr.decode("utf-8", "replace")))
    out = p.stdout.decode("utf-8")
    vert = [r for r in rows if r.kind == "vertical"]
    if vert:
        vdir = os.path.join(tmp, "vertical")
        os.mkdir(vdir)
        paths = []
        for i, r in enumerate(vert):
            path = os.path.join(vdir, str(i))
            with open(path, "wb") as f:
                f.write(r.text.encode("utf-8") + b"\n")
            paths.append(path)
        p = subprocess.run(common + ["--vertical"] + paths, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        err = p.stderr.decode("utf-8", "replace")
        if p.returncode != 0 and "--vertical" in err and "option" in err:
            # A build without the option: the vertical rows fail, the rest
            # is still scored.
            sys.stderr.write("run_cases.py: this shai has no --vertical: the %d vertical rows "
                             "count as failed\n" % len(vert))
            for r in vert:
                r.unscanned = True
            return out
        if p.returncode != 0:
            raise CaseError("shai scan --vertical failed (%d): %s"
                            % (p.returncode, p.stderr.decode("utf-8", "replace")))
        out += p.stdout.decode("utf-8")
    return out


def show_hits(r):
    if r.unscanned:
        return "not scanned"
    if not r.hits:
        return "nothing"
    return "; ".join(
        "%s %r [%d,%d)%s" % (h[3], h[2], h[0], h[1], " " + h[4] if h[4] else "")
        for h in r.hits
    )


def score(rows, report, min_caught, out=sys.stdout):
    """Prints the figures and failures; returns the exit status."""
    total_pos = caught_pos = guard_hits = 0
    out.write("%-10s %18s %16s %12s\n" % ("kind", "caught/positives", "clean/guards", "as kind"))
    for k in KINDS:
        pos = [r for r in rows if r.kind == k and r.expect == "hit"]
        grd = [r for r in rows if r.kind == k and r.expect == "clean"]
        c = sum(1 for r in pos if r.ok())
        g = sum(1 for r in grd if r.ok())
        total_pos += len(pos)
        caught_pos += c
        guard_hits += len(grd) - g
        # Of the caught positives, how many the hit reports as this kind
        # (information only: a row may be caught by another kind, or exactly).
        ask = sum(1 for r in pos if r.ok() and r.kind_reported() == k)
        pct = " (%5.1f%%)" % (100.0 * c / len(pos)) if pos else "         "
        out.write("%-10s %8d/%-4d%s %7d/%-4d %8d\n" % (k, c, len(pos), pct, g, len(grd), ask))
    pct = 100.0 * caught_pos / total_pos if total_pos else 100.0
    nguards = sum(1 for r in rows if r.expect == "clean")
    out.write("%-10s %8d/%-4d (%5.1f%%) %7d/%-4d\n"
              % ("all", caught_pos, total_pos, pct, nguards - guard_hits, nguards))
    fails = [r for r in rows if not r.ok()]
    if fails:
        out.write("\nfailures:\n")
    for r in fails:
        if r.unscanned:
            what = "not scanned"
        elif r.expect == "hit":
            what = "missed %s %r" % (r.entry, r.span)
        else:
            what = "guard hit"
        out.write("  line %d %s %s in %r; reported: %s\n"
                  % (r.lineno, r.kind, what, r.text, show_hits(r)))
    if report:
        out.write("\npassed:\n")
        for r in rows:
            if r.ok():
                out.write("  line %d %s %s %r: %s\n" % (r.lineno, r.kind, r.expect, r.text, show_hits(r)))
    status = 0
    if pct < min_caught:
        out.write("\nFAIL: %.1f%% of the positives caught, below %.1f%%\n" % (pct, min_caught))
        status = 1
    if guard_hits:
        out.write("FAIL: %d guard(s) with a hit\n" % guard_hits)
        status = 1
    return status


def self_test(cases):
    """The runner's own logic on made-up scan output: a perfect output
    passes, a missed positive is listed, a hit on a guard fails, offsets of
    `span@N` and of the vertical rows map back to their rows. Returns the
    exit status."""
    import io

    def fake(rows, drop=None, guard=None, shift=None):
        plain = [r for r in rows if r.kind != "vertical"]
        vert = [r for r in rows if r.kind == "vertical"]
        _, starts = plain_input(plain)
        out = []
        for i, r in enumerate(plain):
            if r.expect == "hit" and r is not drop:
                s, e = r.want
                if r is shift:
                    s, e = s + 1, e + 1
                out.append({"file": "<stdin>", "start": starts[i] + s, "end": starts[i] + e,
                            "text": r.span, "entry": r.entry, "variant": r.kind})
            if r is guard:
                n = len(r.text.encode("utf-8"))
                out.append({"file": "<stdin>", "start": starts[i], "end": starts[i] + n,
                            "text": r.text, "entry": "x"})
        for i, r in enumerate(vert):
            if r.expect == "hit" and r is not drop:
                out.append({"file": "out/vertical/%d" % i, "start": r.want[0],
                            "end": r.want[1], "text": r.span, "entry": r.entry})
        return "\n".join(json.dumps(h, ensure_ascii=False) for h in out) + "\n"

    def run(drop=None, guard=None, shift=None, pick=None):
        rows = read_cases(cases)
        if pick:
            drop = drop and pick(rows, drop)
            guard = guard and pick(rows, guard)
            shift = shift and pick(rows, shift)
        distribute(rows, parse_jsonl(fake(rows, drop, guard, shift), "fake"))
        buf = io.StringIO()
        return score(rows, False, 90.0, buf), buf.getvalue()

    def pick(rows, want):
        for r in rows:
            if want(r):
                return r
        raise CaseError("self-test: no row to pick")

    fails = []
    for r in read_cases(cases):
        if r.expect == "hit":
            b = r.text.encode("utf-8")
            sp = r.span.encode("utf-8")
            at = [i for i in range(len(b)) if b.startswith(sp, i)]
            if len(at) < r.occurrence or r.want != (at[r.occurrence - 1], at[r.occurrence - 1] + len(sp)):
                fails.append("line %d: the span's offsets are wrong: %r" % (r.lineno, r.want))
    st, out = run()
    if st != 0 or "failures" in out:
        fails.append("a perfect output does not pass:\n" + out)
    st, out = run(drop=lambda r: r.occurrence == 2, pick=pick)
    if st != 0 or "missed" not in out:
        fails.append("a missed span@2 row is not listed:\n" + out)
    st, out = run(shift=lambda r: r.occurrence == 2, pick=pick)
    if "missed" not in out:
        fails.append("a hit at the wrong occurrence counts:\n" + out)
    st, out = run(drop=lambda r: r.kind == "vertical" and r.expect == "hit", pick=pick)
    if "vertical missed" not in out:
        fails.append("a missed vertical row is not listed:\n" + out)
    st, out = run(guard=lambda r: r.expect == "clean" and r.kind == "leet", pick=pick)
    if st != 1 or "guard hit" not in out:
        fails.append("a hit on a guard does not fail:\n" + out)
    for f in fails:
        sys.stderr.write("run_cases.py --self-test: %s\n" % f)
    print("run_cases.py --self-test: %d of 5 checks failed" % len(fails))
    return 1 if fails else 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("shai", help="the shai executable")
    ap.add_argument("--cases", default=os.path.join(HERE, "cases.tsv"))
    ap.add_argument("--lexicon", default=os.path.join(HERE, "lexicon.txt"))
    ap.add_argument("--report", action="store_true", help="also list the rows that passed")
    ap.add_argument("--min-caught", type=float, default=90.0)
    ap.add_argument("--jsonl", help="read the scan output from this file instead of running shai")
    ap.add_argument("--self-test", action="store_true",
                    help="check the runner itself on made-up scan output (SHAI_BINARY unused)")
    a = ap.parse_args(argv)
    try:
        if a.self_test:
            return self_test(a.cases)
        rows = read_cases(a.cases)
        if a.jsonl:
            with open(a.jsonl, encoding="utf-8") as f:
                data = f.read()
        else:
            with tempfile.TemporaryDirectory(prefix="shai-variants-") as tmp:
                data = run_shai(a.shai, a.lexicon, rows, tmp)
        distribute(rows, parse_jsonl(data, "scan output"))
    except (CaseError, OSError) as e:
        sys.stderr.write("run_cases.py: %s\n" % e)
        return 2
    return score(rows, a.report, a.min_caught)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
