#!/usr/bin/env python3
"""Writes tools/gen_variant/data/words.txt: the two-character Chinese words of
jieba's dictionary (Debian: python3-jieba, /usr/lib/python3/dist-packages/
jieba/dict.txt; MIT license) seen at least 10 times in its counts.

    tools/gen_variant/extract_words.py [DICT] > tools/gen_variant/data/words.txt

The variant layer uses them as a guard: a homophone match whose first (last)
character makes a word with the character before (after) it is two words
read across their boundary (看不见人 is not 贱人, 服务员交代 is not 援交)."""
import sys

DICT = "/usr/lib/python3/dist-packages/jieba/dict.txt"
MIN_FREQ = 10


def han(c):
    return "\u4e00" <= c <= "\u9fff"


def main(argv):
    path = argv[1] if len(argv) > 1 else DICT
    words = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and len(parts[0]) == 2 and all(han(c) for c in parts[0]):
                if int(parts[1]) >= MIN_FREQ:
                    words.add(parts[0])
    out = sys.stdout
    out.write("# words.txt — the two-character words of jieba's dictionary (dict.txt of the\n")
    out.write("# Debian package python3-jieba 0.42.1; jieba is MIT-licensed, (c) Sun Junyi)\n")
    out.write(f"# counted at least {MIN_FREQ} times; written by tools/gen_variant/extract_words.py.\n")
    out.write("# version: 1\n")
    for w in sorted(words):
        out.write(w + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
