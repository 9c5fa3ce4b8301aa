#!/usr/bin/env python3
"""Writes tools/gen_variant/data/words.txt: the two-character Chinese words of
jieba's dictionary (Debian: python3-jieba, /usr/lib/python3/dist-packages/
jieba/dict.txt; MIT license) seen at least 10 times in its counts.

    tools/gen_variant/extract_words.py [DICT] > tools/gen_variant/data/words.txt
    tools/gen_variant/extract_words.py --parts [DICT] > tools/gen_variant/data/word_parts.txt

The variant layer uses them as a guard: a homophone match whose first (last)
character makes a word with the character before (after) it is two words
read across their boundary (看不见人 is not 贱人, 服务员交代 is not 援交).
With --parts, the first and last two characters of longer words, for the
same guard on the side of a homophone (收银员交头接耳 is not 援交)."""
import sys

DICT = "/usr/lib/python3/dist-packages/jieba/dict.txt"
MIN_FREQ = 10


def han(c):
    return "\u4e00" <= c <= "\u9fff"


def main(argv):
    parts_mode = "--parts" in argv[1:]
    args = [a for a in argv[1:] if a != "--parts"]
    path = args[0] if args else DICT
    words = set()
    starts, ends = set(), set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2 or not all(han(c) for c in parts[0]) or int(parts[1]) < MIN_FREQ:
                continue
            w = parts[0]
            if len(w) == 2:
                words.add(w)
            elif len(w) >= 3:
                starts.add(w[:2])
                ends.add(w[-2:])
    out = sys.stdout
    if parts_mode:
        out.write("# word_parts.txt — the first and the last two characters of the words of three\n")
        out.write("# characters or more of jieba's dictionary (dict.txt of the Debian package\n")
        out.write("# python3-jieba 0.42.1; jieba is MIT-licensed, (c) Sun Junyi) counted at least\n")
        out.write(f"# {MIN_FREQ} times, that are no two-character word of words.txt themselves; written by\n")
        out.write("# tools/gen_variant/extract_words.py --parts. Format: the two characters, TAB,\n")
        out.write("# `start` (a word begins with them: 交头 of 交头接耳) or `end` (one ends with\n")
        out.write("# them: 银员 of 收银员).\n")
        out.write("# version: 1\n")
        rows = [(p, "start") for p in starts - words] + [(p, "end") for p in ends - words]
        for p, side in sorted(rows):
            out.write(f"{p}\t{side}\n")
        return 0
    out.write("# words.txt — the two-character words of jieba's dictionary (dict.txt of the\n")
    out.write("# Debian package python3-jieba 0.42.1; jieba is MIT-licensed, (c) Sun Junyi)\n")
    out.write(f"# counted at least {MIN_FREQ} times; written by tools/gen_variant/extract_words.py.\n")
    out.write("# version: 1\n")
    for w in sorted(words):
        out.write(w + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
