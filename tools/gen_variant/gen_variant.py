#!/usr/bin/env python3
"""gen_variant: writes lib/variant/tables_data.h, the tables of shai's variant layer.

    gen_variant.py [--unihan FILE] [--fold SHAI] DATA_DIR OUT          write OUT
    gen_variant.py --check [--unihan FILE] [--fold SHAI] DATA_DIR OUT  is OUT stale?
    gen_variant.py --self-test [--unihan FILE] [--fold SHAI] DATA_DIR OUT
        --check, and proof that it fails on planted faults (copies of DATA_DIR)

DATA_DIR is tools/gen_variant/data (its README.md names every file, source and
license). FILE is Unihan_Readings.txt, plain or .bz2; by default the copy of
Debian's unicode-data package, /usr/share/unicode/Unihan_Readings.txt.bz2.
SHAI is a built `shai` binary: when given, every character of the curated
tables is passed through `shai fold`, and a key or value that the fold changes
is reported (the variant layer matches folded text, so such a row could never
apply); with --check that is an error.

Readings: for every code point with a Mandarin reading in Unihan, at most 4
(toneless syllable, tone) pairs, deduplicated, in this order: kMandarin,
kHanyuPinlu (readings by frequency in a modern corpus, taken only when a modern
dictionary of the character lists them: the counts include erhua and neutral-tone
pronunciations, 儿 r), kTGHZ2013 and kXHC1983 (modern dictionaries).
kHanyuPinyin (the historical Hanyu Da Zidian, full of archaic readings: 吃 qī)
is used only for characters that none of the modern dictionaries has, so that
an archaic reading never makes common characters homophones. Tone 5 is the neutral tone; ü is written v, ê e.

Standard library only; the output depends on nothing but the inputs.
"""
import bz2
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata

DEFAULT_UNIHAN = "/usr/share/unicode/Unihan_Readings.txt.bz2"
READINGS_MAX = 4
# Fields in the order their readings are taken.
MODERN_FIELDS = ("kMandarin", "kHanyuPinlu", "kTGHZ2013", "kXHC1983")
FALLBACK_FIELD = "kHanyuPinyin"
TONE_MARKS = {"\u0304": 1, "\u0301": 2, "\u030c": 3, "\u0300": 4}
PAGE_BITS = 8
SYL_MAX = 7  # bytes of the longest syllable ("zhuang") + NUL, rounded below


class DataError(Exception):
    pass


# ------------------------------------------------------------------ readings


def parse_reading(text):
    """'zhǎng' -> ('zhang', 3); 'lüè' -> ('lve', 4); 'ma' -> ('ma', 5)."""
    tone = 5
    out = []
    for ch in unicodedata.normalize("NFD", text.strip().lower()):
        if ch in TONE_MARKS:
            tone = TONE_MARKS[ch]
        elif ch == "\u0308":  # diaeresis: ü
            if not out or out[-1] != "u":
                raise DataError(f"diaeresis not on u in '{text}'")
            out[-1] = "v"
        elif ch == "\u0302":  # circumflex: ê, written e
            pass
        elif "a" <= ch <= "z":
            out.append(ch)
        else:
            raise DataError(f"unexpected character U+{ord(ch):04X} in reading '{text}'")
    if not out:
        raise DataError(f"empty reading '{text}'")
    return "".join(out), tone


def field_readings(field, value):
    """The readings of one Unihan field value, in the order given."""
    if field == "kMandarin":
        return value.split()
    if field == "kHanyuPinlu":  # zhǎng(1879) cháng(1179)
        return [item.split("(")[0] for item in value.split()]
    # kTGHZ2013, kXHC1983, kHanyuPinyin: LOC[,LOC]:reading[,reading] ...
    out = []
    for item in value.split():
        _, sep, readings = item.partition(":")
        if not sep:
            raise DataError(f"{field}: no ':' in '{item}'")
        out.extend(readings.split(","))
    return out


def open_unihan(path):
    if path.endswith(".bz2"):
        return bz2.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def read_unihan(path):
    """{cp: [(syl, tone), ...]} and the Unicode version the file names."""
    fields = {}  # cp -> {field: value}
    version = None
    with open_unihan(path) as f:
        for line in f:
            if line.startswith("#"):
                if line.startswith("# Unicode version:"):
                    version = line.split(":", 1)[1].strip()
                continue
            line = line.rstrip("\n")
            if not line:
                continue
            cp, field, value = line.split("\t")
            if field in MODERN_FIELDS or field == FALLBACK_FIELD:
                fields.setdefault(int(cp[2:], 16), {})[field] = value
    if not version:
        raise DataError(f"{path}: no '# Unicode version:' line")
    readings = {}
    for cp, by_field in fields.items():
        order = [f for f in MODERN_FIELDS if f in by_field]
        if not any(f in by_field for f in MODERN_FIELDS[2:]) and FALLBACK_FIELD in by_field:
            order.append(FALLBACK_FIELD)
        dictionary = set()
        for field in MODERN_FIELDS[2:]:
            if field in by_field:
                dictionary.update(parse_reading(t) for t in field_readings(field, by_field[field]))
        out = []
        for field in order:
            for text in field_readings(field, by_field[field]):
                r = parse_reading(text)
                # Corpus counts list erhua and neutral-tone pronunciations (儿 r, 和 huo5):
                # taken only when a dictionary of the character agrees.
                if field == "kHanyuPinlu" and dictionary and r not in dictionary:
                    continue
                if r not in out:
                    out.append(r)
        if out:
            readings[cp] = out[:READINGS_MAX]
    return readings, version


# ------------------------------------------------------------ curated tables


class Table:
    """One curated file: its version line and its rows (line number, fields)."""

    def __init__(self, data_dir, name):
        self.name = name
        self.path = os.path.join(data_dir, name)
        self.version = None
        self.rows = []
        with open(self.path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if line.startswith("#"):
                    head = line[1:].strip()
                    if head.startswith("version:"):
                        self.version = head.split(":", 1)[1].strip()
                    continue
                body = line.split("\t#", 1)[0].rstrip()
                if not body.strip():
                    continue
                self.rows.append((n, body.split("\t")))
        if not self.version:
            raise DataError(f"{self.path}: no '# version: N' line")

    def error(self, n, msg):
        return DataError(f"{self.path}:{n}: {msg}")


def single_char(table, n, text, what):
    if len(text) != 1:
        raise table.error(n, f"{what} '{text}' is not one code point")
    return ord(text)


def read_split(data_dir):
    t = Table(data_dir, "split.txt")
    rows = {}
    for n, f in t.rows:
        if len(f) != 2 or len(f[0]) != 2:
            raise t.error(n, "expected 'ab<TAB>c': two components, one character")
        a, b = ord(f[0][0]), ord(f[0][1])
        c = single_char(t, n, f[1], "character")
        if (a, b) in rows and rows[(a, b)] != c:
            raise t.error(n, f"'{f[0]}' already composes {chr(rows[(a, b)])}")
        rows[(a, b)] = c
    return t, sorted((a, b, c) for (a, b), c in rows.items())


def read_emoji(data_dir):
    t = Table(data_dir, "emoji.txt")
    rows = {}
    for n, f in t.rows:
        if len(f) < 2:
            raise t.error(n, "expected 'emoji<TAB>characters'")
        e = single_char(t, n, f[0], "emoji")
        chars = [single_char(t, n, x, "character") for x in " ".join(f[1:]).split()]
        if not 1 <= len(chars) <= 4 or len(set(chars)) != len(chars):
            raise t.error(n, "1 to 4 distinct characters")
        if e in rows:
            raise t.error(n, f"{f[0]} listed twice")
        rows[e] = chars
    return t, sorted(rows.items())


def read_leet(data_dir):
    t = Table(data_dir, "leet.txt")
    rows = {}
    for n, f in t.rows:
        if len(f) != 2 or not f[1].isascii() or not f[1].isalpha() or not f[1].islower():
            raise t.error(n, "expected 'symbol<TAB>letters' (lowercase a-z)")
        if len(f[1]) > 3:
            raise t.error(n, "at most 3 letters")
        cp = single_char(t, n, f[0], "symbol")
        if cp in rows:
            raise t.error(n, f"{f[0]} listed twice")
        rows[cp] = f[1]
    return t, sorted(rows.items())


def read_digits(data_dir, syl_ids):
    t = Table(data_dir, "digits.txt")
    rows = {}
    for n, f in t.rows:
        if len(f) < 2 or len(f[0]) != 1 or not "0" <= f[0] <= "9":
            raise t.error(n, "expected 'digit<TAB>syllables'")
        syls = " ".join(f[1:]).split()
        if not 1 <= len(syls) <= 4 or len(set(syls)) != len(syls):
            raise t.error(n, "1 to 4 distinct syllables")
        for s in syls:
            if s not in syl_ids:
                raise t.error(n, f"'{s}' is no syllable of the readings")
        if f[0] in rows:
            raise t.error(n, f"{f[0]} listed twice")
        rows[f[0]] = [syl_ids[s] for s in syls]
    return t, [rows.get(str(d), []) for d in range(10)]


WORD_BITS = 20  # the word-pair filter: 2^20 bits, 3 probes


def read_words(data_dir):
    """The two-character words (data/words.txt, from jieba): (table, [(a, b)])."""
    t = Table(data_dir, "words.txt")
    rows = []
    for n, fields in t.rows:
        text = fields[0]
        if len(text) != 2:
            t.error(n, "not a two-character word")
        rows.append((ord(text[0]), ord(text[1])))
    return t, rows


def read_word_parts(data_dir):
    """The first and last two characters of longer words (data/word_parts.txt,
    from jieba): (table, [(a, b, side)]), side 1 for `end`, 0 for `start`."""
    t = Table(data_dir, "word_parts.txt")
    rows = []
    for n, fields in t.rows:
        if len(fields) != 2 or len(fields[0]) != 2 or fields[1] not in ("start", "end"):
            raise t.error(n, "expected 'ab<TAB>start' or 'ab<TAB>end'")
        rows.append((ord(fields[0][0]), ord(fields[0][1]), int(fields[1] == "end")))
    return t, rows


def word_probes(a, b, side=0):
    """The filter bits of the pair (a, b) (of a part: side 0 or 1, on the
    bit above a's): the C side (tables.c) computes the same."""
    x = ((side << 42) | (a << 21) | b) & 0xFFFFFFFFFFFFFFFF
    x = (x * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    x ^= x >> 29
    x = (x * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x ^= x >> 32
    m = (1 << WORD_BITS) - 1
    return (x & m, (x >> 20) & m, (x >> 40) & m)


def read_wildcards(data_dir):
    t = Table(data_dir, "wildcards.txt")
    cps = set()
    for n, f in t.rows:
        if len(f) != 1:
            raise t.error(n, "expected one placeholder per line")
        cps.add(single_char(t, n, f[0], "placeholder"))
    return t, sorted(cps)


# ---------------------------------------------------------------- the fold


def fold_problems(shai, chars):
    """The characters of chars that `shai fold` changes: [(char, folded)]."""
    chars = sorted(set(chars))
    text = "".join(c + "\n" for c in chars)
    run = subprocess.run([shai, "fold"], input=text.encode("utf-8"), capture_output=True)
    if run.returncode != 0:
        raise DataError(f"{shai} fold failed: {run.stderr.decode(errors='replace').strip()}")
    folded = run.stdout.decode("utf-8").split("\n")
    if len(folded) < len(chars):
        raise DataError(f"{shai} fold: {len(folded)} lines for {len(chars)}")
    return [(c, f) for c, f in zip(chars, folded) if c != f]


# ----------------------------------------------------------------- syllables


def near_key(syl):
    """zh/z ch/c sh/s and n/l initials merged, -ng finals after a vowel made -n (not -ong)."""
    for hard, soft in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if syl.startswith(hard):
            syl = soft + syl[2:]
            break
    if syl.startswith("n") and len(syl) > 1 and syl[1] in "aeiouv":
        syl = "l" + syl[1:]
    if syl.endswith("ng") and len(syl) > 2 and syl[-3] in "aei":
        syl = syl[:-1]
    return syl


# -------------------------------------------------------------------- output


def c_char_comment(cps):
    """A comment-safe rendering of characters (no '*/')."""
    return "".join(chr(c) if chr(c) not in "*/" else "?" for c in cps)


def emit(readings, version, syls, tables, unihan_name):
    split_t, split = tables["split"]
    emoji_t, emoji = tables["emoji"]
    leet_t, leet = tables["leet"]
    digits_t, digits = tables["digits"]
    wild_t, wild = tables["wildcards"]
    words_t, words = tables["words"]
    parts_t, parts = tables["word_parts"]
    syl_ids = {s: i for i, s in enumerate(syls)}
    out = []
    w = out.append

    w("/* clang-format off */\n")
    w("/*\n")
    w(" * tables_data.h: the tables of shai's variant layer (lib/variant/tables.c).\n")
    w(" *\n")
    w(" * GENERATED, DO NOT EDIT. Written by tools/gen_variant/gen_variant.py, run as\n")
    w(" *     tools/gen_variant/gen_variant.py tools/gen_variant/data lib/variant/tables_data.h\n")
    w(" * from the source root (or: meson compile -C <builddir> update-variant-data), from:\n")
    w(f" *   - Unihan {version} {unihan_name} (kMandarin, kHanyuPinlu, kTGHZ2013,\n")
    w(" *     kXHC1983, kHanyuPinyin), Debian package unicode-data; Unicode License\n")
    w(" *     (tools/gen_fold/data/LICENSE-Unicode.txt): the pinyin readings;\n")
    for t, what in (
        (split_t, "split characters"),
        (emoji_t, "emoji for characters"),
        (leet_t, "leet symbols for letters"),
        (digits_t, "digits for syllables"),
        (wild_t, "wildcard placeholders"),
    ):
        w(f" *   - tools/gen_variant/data/{t.name} (version {t.version}): {what}, written by\n")
        w(" *     hand for shai, under the shai project's license (wordlists/LICENSE, 4.);\n")
    w(f" *   - tools/gen_variant/data/{words_t.name} (version {words_t.version}): two-character\n")
    w(" *     words of jieba's dictionary (MIT license), as a filter of word pairs;\n")
    w(f" *   - tools/gen_variant/data/{parts_t.name} (version {parts_t.version}): the first and\n")
    w(" *     last two characters of its longer words, as a second filter;\n")
    w(" * see tools/gen_variant/data/README.md and wordlists/SOURCES.md. The test\n")
    w(" * variant-table-fresh fails when this file differs from what the script writes.\n")
    w(" *\n")
    w(" * Include from exactly one .c file: every array is static.\n")
    w(" */\n")
    w("#ifndef SHAI_VARIANT_TABLES_DATA_H\n#define SHAI_VARIANT_TABLES_DATA_H\n\n")
    w("#include <stdint.h>\n\n")
    vstr = (
        f"unihan-{version};split-{split_t.version};emoji-{emoji_t.version};"
        f"leet-{leet_t.version};digits-{digits_t.version};wildcards-{wild_t.version};"
        f"words-{words_t.version};parts-{parts_t.version}"
    )
    w(f'#define SHI_VARIANT_TABLES_VERSION "{vstr}"\n\n')

    # Syllables, sorted: the id is the index (0 = none).
    w(f"/* Toneless syllables, sorted (binary search); the index is the id, 0 is none. */\n")
    w(f"#define SHI_PY_NSYL {len(syls)}\n")
    w(f"#define SHI_PY_SYL_MAX {max(len(s) for s in syls)}\n")
    w(f"static const char shi_py_syl_names[SHI_PY_NSYL][{SYL_MAX + 1}] = {{\n")
    line = "   "
    for s in syls:
        item = f' "{s}",'
        if len(line) + len(item) > 100:
            w(line + "\n")
            line = "   "
        line += item
    w(line + "\n};\n\n")

    # Near classes: the smallest id of the class.
    classes = {}
    for i, s in enumerate(syls[1:], 1):
        classes.setdefault(near_key(s), i)
    w("/* The near-homophone class of each syllable: the smallest id with the same near key. */\n")
    w("static const uint16_t shi_py_near_class[SHI_PY_NSYL] = {\n")
    near = [0] + [classes[near_key(s)] for s in syls[1:]]
    write_numbers(w, near)
    w("};\n\n")

    # A trie of the syllables for shi_py_prefixes: nodes in breadth-first order, so the
    # children of a node are consecutive and sorted by letter.
    prefixes = {s[:k] for s in syls[1:] for k in range(1, len(s) + 1)}
    nodes = [""] + sorted(prefixes, key=lambda p: (len(p), p))  # breadth first
    index = {p: i for i, p in enumerate(nodes)}
    trie_rows = []
    for p in nodes:
        kids = sorted(c for c in "abcdefghijklmnopqrstuvwxyz" if p + c in index)
        mask = sum(1 << (ord(c) - ord("a")) for c in kids)
        base = index[p + kids[0]] if kids else 0
        if any(index[p + c] != base + i for i, c in enumerate(kids)):
            raise DataError("trie children are not consecutive")
        trie_rows.append((mask, base, syl_ids.get(p, 0)))
    if len(trie_rows) >= 1 << 16:
        raise DataError("trie too large for 16-bit indexes")
    w("/* The syllables as a trie: node 0 is the root; the child of a node for letter c (a-z, when\n")
    w(" * bit c of mask is set) is base + the number of mask bits below c; syl is the id of the\n")
    w(" * node's prefix when it is a syllable, else 0. */\n")
    w("typedef struct shi_py_trie_node { uint32_t mask; uint16_t base, syl; } shi_py_trie_node;\n")
    w(f"#define SHI_PY_TRIE_NODES {len(trie_rows)}\n")
    w("static const shi_py_trie_node shi_py_trie[SHI_PY_TRIE_NODES] = {\n")
    write_items(w, [f"{{0x{m:07X}, {b}, {sy}}}" for m, b, sy in trie_rows])
    w("};\n\n")

    # Readings: deduplicated sets, two-stage index.
    sets = [()]
    set_ids = {(): 0}
    per_cp = {}
    for cp in sorted(readings):
        rs = tuple(syl_ids[s] << 3 | tone for s, tone in readings[cp])
        if rs not in set_ids:
            set_ids[rs] = len(sets)
            sets.append(rs)
        per_cp[cp] = set_ids[rs]
    limit = (max(readings) >> PAGE_BITS) + 1
    page = 1 << PAGE_BITS
    blocks = [tuple([0] * page)]
    block_ids = {blocks[0]: 0}
    stage1 = []
    for p in range(limit):
        blk = tuple(per_cp.get((p << PAGE_BITS) | i, 0) for i in range(page))
        if blk not in block_ids:
            block_ids[blk] = len(blocks)
            blocks.append(blk)
        stage1.append(block_ids[blk])
    w(f"/* Readings of {len(readings)} code points: reading sets (syllable id << 3 | tone, at\n")
    w(" * most 4, 0-padded; set 0 is empty), and a two-stage index: page = cp >> SHI_PY_PAGE_BITS,\n")
    w(" * shi_py_sets[shi_py_blocks[shi_py_pages[page]][cp & (SHI_PY_PAGE - 1)]]. */\n")
    w(f"#define SHI_PY_PAGE_BITS {PAGE_BITS}\n#define SHI_PY_PAGE {page}\n")
    w(f"#define SHI_PY_NPAGES {limit}\n")
    w(f"static const uint16_t shi_py_sets[{len(sets)}][4] = {{\n")
    items = ["{" + ", ".join(str(x) for x in (list(s) + [0] * 4)[:4]) + "}" for s in sets]
    write_items(w, items)
    w("};\n\n")
    w(f"static const uint16_t shi_py_pages[SHI_PY_NPAGES] = {{\n")
    write_numbers(w, stage1)
    w("};\n\n")
    w(f"static const uint16_t shi_py_blocks[{len(blocks)}][SHI_PY_PAGE] = {{\n")
    for b in blocks:
        w("  {\n")
        write_numbers(w, b, indent="    ")
        w("  },\n")
    w("};\n\n")

    # Split.
    w(f"/* Split characters: components a, b -> character c, sorted by (a, b). */\n")
    w("typedef struct shi_split_row { uint32_t a, b, c; } shi_split_row;\n")
    w(f"#define SHI_SPLIT_COUNT {len(split)}\n")
    w("static const shi_split_row shi_split_rows[SHI_SPLIT_COUNT] = {\n")
    for a, b, c in split:
        w(f"    {{0x{a:04X}, 0x{b:04X}, 0x{c:04X}}}, /* {c_char_comment((a, b))} {chr(c)} */\n")
    w("};\n\n")

    # Emoji.
    w("/* Emoji -> the characters they stand for (0-padded), sorted by emoji. */\n")
    w("typedef struct shi_emoji_row { uint32_t cp; uint32_t chars[4]; } shi_emoji_row;\n")
    w(f"#define SHI_EMOJI_COUNT {len(emoji)}\n")
    w("static const shi_emoji_row shi_emoji_rows[SHI_EMOJI_COUNT] = {\n")
    for cp, chars in emoji:
        vals = ", ".join(f"0x{c:04X}" for c in (chars + [0] * 4)[:4])
        w(f"    {{0x{cp:04X}, {{{vals}}}}}, /* {chr(cp)} {c_char_comment(chars)} */\n")
    w("};\n\n")

    # Leet.
    w("/* Leet symbols -> the letters they stand for, sorted by symbol. */\n")
    w("typedef struct shi_leet_row { uint32_t cp; char letters[4]; } shi_leet_row;\n")
    w(f"#define SHI_LEET_COUNT {len(leet)}\n")
    w("static const shi_leet_row shi_leet_rows[SHI_LEET_COUNT] = {\n")
    for cp, letters in leet:
        w(f'    {{0x{cp:04X}, "{letters}"}},\n')
    w("};\n\n")

    # Digits.
    w("/* Digits 0-9 -> syllable ids (0-padded). */\n")
    w("static const uint16_t shi_digit_syls[10][4] = {\n")
    for d, ids in enumerate(digits):
        vals = ", ".join(str(x) for x in (ids + [0] * 4)[:4])
        names = " ".join(syls[i] for i in ids)
        w(f"    {{{vals}}}, /* {d}: {names} */\n")
    w("};\n\n")

    # Wildcards.
    w("/* Wildcard placeholders, sorted. */\n")
    w(f"#define SHI_WILDCARD_COUNT {len(wild)}\n")
    w("static const uint32_t shi_wildcards[SHI_WILDCARD_COUNT] = {\n")
    write_items(w, [f"0x{c:04X}" for c in wild])
    w("};\n\n")
    bits = [0] * ((1 << WORD_BITS) // 64)
    for a, b in words:
        for k in word_probes(a, b):
            bits[k >> 6] |= 1 << (k & 63)
    w(f"/* Two-character words ({len(words)}), a filter of 2^{WORD_BITS} bits, 3 probes each. */\n")
    w(f"#define SHI_WORD_BITS {WORD_BITS}\n")
    w(f"static const uint64_t shi_word_filter[{len(bits)}] = {{\n")
    write_items(w, [f"0x{x:016X}u" for x in bits])
    w("};\n\n")
    bits = [0] * ((1 << WORD_BITS) // 64)
    for a, b, side in parts:
        for k in word_probes(a, b, side):
            bits[k >> 6] |= 1 << (k & 63)
    w(f"/* The first (0) and last (1) two characters of longer words ({len(parts)}), a filter\n")
    w(f" * of 2^{WORD_BITS} bits, 3 probes each, the side on the bit above the first's. */\n")
    w(f"static const uint64_t shi_word_part_filter[{len(bits)}] = {{\n")
    write_items(w, [f"0x{x:016X}u" for x in bits])
    w("};\n\n#endif\n")
    return "".join(out)


def write_items(w, items, indent="    "):
    line = indent
    for it in items:
        piece = it + ","
        if len(line) + len(piece) + 1 > 100 and line.strip():
            w(line.rstrip() + "\n")
            line = indent
        line += piece + " "
    if line.strip():
        w(line.rstrip() + "\n")


def write_numbers(w, nums, indent="    "):
    write_items(w, [str(n) for n in nums], indent)


# ---------------------------------------------------------------------- main


def generate(data_dir, unihan, shai):
    """unihan: (readings, version, file name), as read_unihan gives them."""
    readings, version, unihan_name = unihan
    syls = [""] + sorted({s for rs in readings.values() for s, _ in rs})
    if any(len(s) > SYL_MAX for s in syls):
        raise DataError("a syllable longer than %d letters" % SYL_MAX)
    if len(syls) >= 1 << 13:
        raise DataError("too many syllables for a 13-bit id")
    syl_ids = {s: i for i, s in enumerate(syls)}
    tables = {
        "split": read_split(data_dir),
        "emoji": read_emoji(data_dir),
        "leet": read_leet(data_dir),
        "digits": read_digits(data_dir, syl_ids),
        "wildcards": read_wildcards(data_dir),
        "words": read_words(data_dir),
        "word_parts": read_word_parts(data_dir),
    }
    problems = []
    if shai:
        chars = []
        for a, b, c in tables["split"][1]:
            chars += [a, b, c]
        for cp, cs in tables["emoji"][1]:
            chars += [cp] + cs
        chars += [cp for cp, _ in tables["leet"][1]]
        chars += tables["wildcards"][1]
        problems = fold_problems(shai, [chr(c) for c in chars])
        for c, f in problems:
            shown = " ".join(f"U+{ord(x):04X}" for x in f) or "nothing"
            print(
                f"gen_variant: warning: the fold changes {c} U+{ord(c):04X} to '{f}' ({shown});"
                " a row with it never applies",
                file=sys.stderr,
            )
    text = emit(readings, version, syls, tables, unihan_name)
    return text, problems


def check(data_dir, path, unihan, shai):
    """0 when path is what generate writes and every table character is folded, else 1."""
    try:
        text, problems = generate(data_dir, unihan, shai)
    except DataError as e:
        print(f"gen_variant: {e}", file=sys.stderr)
        return 1
    try:
        with open(path, encoding="utf-8") as f:
            old = f.read()
    except OSError as e:
        print(f"gen_variant: {path}: {e.strerror}", file=sys.stderr)
        return 1
    status = 0
    if old != text:
        a, b = old.split("\n"), text.split("\n")
        line = next((i for i, (x, y) in enumerate(zip(a, b), 1) if x != y), min(len(a), len(b)))
        print(
            f"gen_variant: {path} is stale: it differs from what gen_variant.py writes now"
            f" (first at line {line}).\ngen_variant: regenerate it with: meson compile -C"
            " <builddir> update-variant-data\n          (or, from the source root:"
            " tools/gen_variant/gen_variant.py tools/gen_variant/data lib/variant/tables_data.h)",
            file=sys.stderr,
        )
        status = 1
    if problems:
        print(f"gen_variant: {len(problems)} table characters are not folded", file=sys.stderr)
        status = 1
    if status == 0:
        print(f"gen_variant: {path} is up to date")
    return status


def self_test(data_dir, path, unihan, shai):
    """The check passes on the tree, and fails on copies of data/ with a new row (stale), an
    unfolded key (with shai) and a malformed row."""
    if check(data_dir, path, unihan, shai) != 0:
        return 1
    # (file, row appended, what it is, whether the header is regenerated from the copy first)
    plants = [("leet.txt", "\u20ac\te\n", "a new row: the header is stale", False)]
    if shai:
        plants.append(("wildcards.txt", "\uff38\n", "an unfolded key (full-width X)", True))
    plants.append(("split.txt", "\u7c73\t\u7cbe\n", "a malformed row", False))
    for name, row, what, regenerate in plants:
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, "data")
            shutil.copytree(data_dir, copy)
            with open(os.path.join(copy, name), "a", encoding="utf-8") as f:
                f.write(row)
            header = path
            if regenerate:  # so that only the planted fault can fail the check
                header = os.path.join(tmp, "tables_data.h")
                with open(header, "w", encoding="utf-8") as f:
                    f.write(generate(copy, unihan, None)[0])
            print(f"gen_variant: self-test: {name} with {what} (an error is expected):")
            if check(copy, header, unihan, shai) == 0:
                print(f"gen_variant: self-test FAILED: {what} in {name} passed", file=sys.stderr)
                return 1
    print("gen_variant: self-test passed")
    return 0


def main(argv):
    args = argv[1:]
    mode = unihan = shai = None
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt in ("--check", "--self-test"):
            mode = opt
        elif opt in ("--unihan", "--fold") and args:
            if opt == "--unihan":
                unihan = args.pop(0)
            else:
                shai = args.pop(0)
        else:
            args = []
            break
    if len(args) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    data_dir, path = args
    unihan = unihan or DEFAULT_UNIHAN
    if not os.path.exists(unihan):
        print(f"gen_variant: {unihan}: not found (Debian: apt-get install unicode-data)", file=sys.stderr)
        return 2
    try:
        readings, version = read_unihan(unihan)
    except DataError as e:
        print(f"gen_variant: {e}", file=sys.stderr)
        return 1
    unihan_data = (readings, version, os.path.basename(unihan).split(".bz2")[0])
    if mode == "--check":
        return check(data_dir, path, unihan_data, shai)
    if mode == "--self-test":
        return self_test(data_dir, path, unihan_data, shai)
    try:
        text, _ = generate(data_dir, unihan_data, shai)
    except DataError as e:
        print(f"gen_variant: {e}", file=sys.stderr)
        return 1
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
