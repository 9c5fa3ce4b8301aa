#!/usr/bin/env python3
"""Derive the benchmark inputs from the shared corpora (stdlib only).

    make_inputs.py CORPORA_DIR OUT_DIR

Writes into OUT_DIR:

  jieba_1k.txt, jieba_10k.txt, jieba_100k.txt
      Lexicons drawn from wordlists/jieba_dict_words.txt. The pool is every
      valid word (rules below) of at least 2 code points, in file order,
      exact duplicates removed. One draw, random.Random(42).sample(pool,
      100000), gives the order; jieba_Nk.txt is its first N words, so
      1k is a subset of 10k, which is a subset of 100k.
  houbb_64k.txt
      lexicons/houbb_sensitive_word_dict.txt minus its invalid entries (rules
      below), in file order.
  ugc_32mb.txt
      Every ugc/*.txt file (sorted by name; *.labels.tsv are not text),
      concatenated, each ending with a newline, repeated in the same order
      until the result is at least 32 MiB. Whole files only, so it is a little
      more than 32 MiB.

A word is valid (for every engine: shai, Hyperscan and pyahocorasick read the
same files) when it is non-empty, at most 128 code points, has no control
character (U+0000-U+001F, U+007F-U+009F), no leading or trailing whitespace
(shai trims spaces around a word) and does not begin with '#', '@' or '\\'
(comment, directive and escape characters of the shai lexicon format). So a
lexicon file here is a bare word list: one word per line, nothing else, and
shai, Hyperscan and pyahocorasick all see the same entries.

The output is deterministic: the same corpora give byte-identical files.
"""

import os
import random
import sys

JIEBA_SIZES = ((1000, "jieba_1k.txt"), (10000, "jieba_10k.txt"), (100000, "jieba_100k.txt"))
SEED = 42
UGC_MIN_BYTES = 32 * 1024 * 1024
MAX_CODEPOINTS = 128


def invalid_reason(word):
    """Why `word` cannot be a bare lexicon entry, or None when it can."""
    if not word:
        return "empty"
    if len(word) > MAX_CODEPOINTS:
        return "too long"
    for ch in word:
        o = ord(ch)
        if o < 0x20 or 0x7F <= o <= 0x9F:
            return "control character"
    if word != word.strip():
        return "leading/trailing whitespace"
    if word[0] in "#@\\":
        return "begins with # @ or \\"
    return None


def read_words(path, min_codepoints=1):
    """Valid, distinct words of a one-word-per-line file, in file order, and
    a count of the dropped lines by reason."""
    with open(path, "rb") as f:
        data = f.read()
    text = data.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    words = []
    seen = set()
    dropped = {}
    for line in text.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        if not line:
            continue
        reason = invalid_reason(line)
        if reason is None and len(line) < min_codepoints:
            reason = "shorter than %d code points" % min_codepoints
        if reason is None and line in seen:
            reason = "duplicate"
        if reason is not None:
            dropped[reason] = dropped.get(reason, 0) + 1
            continue
        seen.add(line)
        words.append(line)
    return words, dropped


def write_words(path, words):
    # `@variants none`: the engines are compared on matching the words (shai
    # folds them); a file without it would get shai's standard variants,
    # whose cost bench/variants.sh measures. The peers skip `@` lines.
    with open(path, "wb") as f:
        f.write(("@variants none\n" + "\n".join(words) + "\n").encode("utf-8"))


def describe(name, words, dropped):
    extra = ", ".join("%d %s" % (n, r) for r, n in sorted(dropped.items()))
    print("%-16s %7d entries%s" % (name, len(words), " (dropped: " + extra + ")" if extra else ""))


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: make_inputs.py CORPORA_DIR OUT_DIR\n")
        return 2
    corpora, out = argv[1], argv[2]
    os.makedirs(out, exist_ok=True)

    pool, dropped = read_words(os.path.join(corpora, "wordlists", "jieba_dict_words.txt"), 2)
    describe("jieba pool", pool, dropped)
    biggest = max(n for n, _ in JIEBA_SIZES)
    if len(pool) < biggest:
        sys.stderr.write("make_inputs: only %d jieba words, need %d\n" % (len(pool), biggest))
        return 1
    order = random.Random(SEED).sample(pool, biggest)
    for n, name in JIEBA_SIZES:
        write_words(os.path.join(out, name), order[:n])
        describe(name, order[:n], {})

    houbb, dropped = read_words(
        os.path.join(corpora, "lexicons", "houbb_sensitive_word_dict.txt"))
    write_words(os.path.join(out, "houbb_64k.txt"), houbb)
    describe("houbb_64k.txt", houbb, dropped)

    ugc_dir = os.path.join(corpora, "ugc")
    parts = []
    for name in sorted(os.listdir(ugc_dir)):
        if not name.endswith(".txt"):
            continue
        with open(os.path.join(ugc_dir, name), "rb") as f:
            data = f.read()
        if data and not data.endswith(b"\n"):
            data += b"\n"
        if data:
            parts.append(data)
    if not parts:
        sys.stderr.write("make_inputs: no ugc/*.txt in %s\n" % corpora)
        return 1
    total = 0
    rounds = 0
    with open(os.path.join(out, "ugc_32mb.txt"), "wb") as f:
        while total < UGC_MIN_BYTES:
            for data in parts:
                f.write(data)
                total += len(data)
            rounds += 1
    print("%-16s %7d bytes (%d files x %d)" % ("ugc_32mb.txt", total, len(parts), rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
