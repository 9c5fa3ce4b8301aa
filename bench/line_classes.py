#!/usr/bin/env python3
"""Splits a corpus into classes of lines, to see where one build's scan
costs more than another's (compare.sh, CLASSES=1: shai-interleave per class).

    python3 bench/line_classes.py CORPUS OUTDIR

Each line goes to the first class it belongs to, in this order:

  marks   a mark the scanner keeps as a boundary inside a match (a Weibo
          topic `#`, the `@` and `/` of a repost mark, a bracket, title mark
          or quote; unicode/charclass.h, shi_mark_kind)
  digits  an ASCII or fullwidth digit (no noise is skipped between two)
  dots    an ASCII full stop after a character that is not a Latin letter
          (skipped between CJK characters; an ellipsis ends a match)
  latin   an ASCII letter
  plain   the rest: CJK text with spaces and clause punctuation

Writes OUTDIR/<class>.txt and prints each class's lines and bytes.
"""
import os
import sys

MARKS = set("#＃@＠/／()[]\"＂“”《》〈〉「」『』【】〔〕〖〗（）［］")
CLASSES = ("marks", "digits", "dots", "latin", "plain")


def line_class(line):
    if any(c in MARKS for c in line):
        return "marks"
    if any("0" <= c <= "9" or "０" <= c <= "９" for c in line):
        return "digits"
    if any(c == "." and i and not line[i - 1].isascii() for i, c in enumerate(line)):
        return "dots"
    if any(c.isascii() and c.isalpha() for c in line):
        return "latin"
    return "plain"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    corpus, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    outs = {k: open(os.path.join(outdir, k + ".txt"), "w", encoding="utf-8", errors="surrogateescape")
            for k in CLASSES}
    count = {k: [0, 0] for k in CLASSES}
    with open(corpus, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            k = line_class(line.rstrip("\n"))
            outs[k].write(line)
            count[k][0] += 1
            count[k][1] += len(line.encode("utf-8", "surrogateescape"))
    for k in CLASSES:
        outs[k].close()
        print("%-7s %8d lines %10d bytes" % (k, count[k][0], count[k][1]))


if __name__ == "__main__":
    main()
