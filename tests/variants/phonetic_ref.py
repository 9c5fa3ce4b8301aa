#!/usr/bin/env python3
"""A differential test of the phonetic variant layer (pinyin, homophones,
near-homophones, mixed script) against a naive reference.

    phonetic_ref.py SHAI_BINARY [--lines N] [--seed S] [--show N]
                    [--lexicon FILE] [--unihan FILE] [--keep DIR]
                    [--ascii-only] [--readings modern|spec]
    phonetic_ref.py --check-cases FILE [--lexicon FILE] [--unihan FILE]
    phonetic_ref.py --self-test [--unihan FILE]

The reference reads the readings straight from Unihan_Readings.txt (plain or
.bz2; --unihan, else $SHAI_UNIHAN_READINGS, else Debian's unicode-data
path): at most 4 per character, kMandarin first, each a toneless syllable
and a tone 1-5 (5 neutral); which other fields count is --readings (see
load_readings: by default the modern dictionaries, as lib/variant's tables
chose). It implements the rules of the variant spec for the
kinds pinyin and homophone (and `near`) by brute force: every way of
reading every entry at every position of a line, then the scanner's
leftmost-longest selection over those matches and the exact ones.

The random test takes the Han entries of tests/variants/lexicon.txt,
compiles them with `@variants pinyin,homophone` (plus `near` where the
lexicon asks for it) and scans N random lines (default 2000, fixed seed):
each line holds one or two entries rendered unit by unit as the character
itself, a same-tone homophone from Unihan, or its pinyin (with or without a
tone digit, tone marks, upper case, full width), joined by nothing or by
separators, with random Chinese text and Latin words around. Every
difference between the hits shai reports (entry and span) and the
reference's is printed; the exit status is 1 if there is one.

--check-cases runs the reference over a cases file (tests/variants/
cases.tsv format) and reports the pinyin and homophone rows it disagrees
with, and the rows of other kinds where it finds a hit that would change
the row's outcome (a guard it hits, a phonetic hit overlapping the span).

Exit status 77 (skipped, for meson) when no Unihan_Readings.txt is found.
"""

import argparse
import bz2
import json
import os
import random
import subprocess
import sys
import tempfile
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
WORDS = os.path.join(HERE, "..", "..", "tools", "gen_variant", "data", "words.txt")


def word_probes(a, b):
    """The bits of the word-pair filter (tools/gen_variant/gen_variant.py):
    the reference asks the same filter as the library, so that its rare
    false "word" answers are the library's too."""
    m64 = (1 << 64) - 1
    x = ((a << 21) | b) & m64
    x = (x * 0x9E3779B97F4A7C15) & m64
    x ^= x >> 29
    x = (x * 0xBF58476D1CE4E5B9) & m64
    x ^= x >> 32
    m = (1 << 20) - 1
    return (x & m, (x >> 20) & m, (x >> 40) & m)


_WORD_BITS = None


def is_word_pair(a, b):
    """Whether Han characters a then b are a two-character word of
    words.txt (by its filter)."""
    global _WORD_BITS
    if _WORD_BITS is None:
        _WORD_BITS = set()
        with open(WORDS, encoding="utf-8") as f:
            for line in f:
                w = line.strip()
                if len(w) == 2 and not w.startswith("#"):
                    _WORD_BITS.update(word_probes(ord(w[0]), ord(w[1])))
    return all(k in _WORD_BITS for k in word_probes(ord(a), ord(b)))
MAX_GAP = 3
MAX_READINGS = 4
UNIHAN_PATHS = [
    "/usr/share/unicode/Unihan_Readings.txt",
    "/usr/share/unicode/Unihan_Readings.txt.bz2",
    "/usr/share/unicode-data/Unihan_Readings.txt",
    "/usr/share/unicode-data/Unihan_Readings.txt.bz2",
]
TONE_MARKS = {"\u0304": 1, "\u0301": 2, "\u030c": 3, "\u0300": 4}

# ------------------------------------------------------------------ readings


def parse_reading(s):
    """'lǜ' -> ('lv', 4); 'ma' -> ('ma', 5)."""
    tone = 5
    out = []
    for ch in unicodedata.normalize("NFD", s.strip().lower()):
        if ch in TONE_MARKS:
            tone = TONE_MARKS[ch]
        elif ch == "\u0308":  # diaeresis: ü
            if out and out[-1] == "u":
                out[-1] = "v"
        elif unicodedata.combining(ch):
            pass  # ê and the like: the base letter
        else:
            out.append(ch)
    syl = "".join(out)
    if not syl or not all("a" <= c <= "z" for c in syl):
        return None
    return syl, tone


def find_unihan(path):
    cands = [path] if path else []
    if not path and os.environ.get("SHAI_UNIHAN_READINGS"):
        cands.append(os.environ["SHAI_UNIHAN_READINGS"])
    if not path:
        cands += UNIHAN_PATHS
    for p in cands:
        if os.path.isfile(p):
            return p
    return None


MODERN = ("kMandarin", "kHanyuPinlu", "kTGHZ2013", "kXHC1983")


def field_values(name, value):
    """The reading strings of one Unihan field, in order."""
    if name == "kMandarin":
        return value.split()
    if name == "kHanyuPinlu":  # zhǎng(1879) cháng(1179)
        return [item.split("(", 1)[0] for item in value.split()]
    out = []
    for item in value.split():  # LOC[,LOC]:reading[,reading]
        if ":" in item:
            out += item.split(":", 1)[1].split(",")
    return out


def load_readings(path, policy="modern"):
    """{char: ((syllable, tone), ...)}, at most 4 per character.

    policy "spec": kMandarin, then kXHC1983, then kHanyuPinyin.
    policy "modern" (what lib/variant's tables chose, written here from
    their description): kMandarin, kHanyuPinlu (a reading only when one of
    the modern dictionaries lists it too), kTGHZ2013, kXHC1983; the
    historical kHanyuPinyin only for a character none of the modern
    dictionaries has (so that an archaic reading, 造 cāo, 大 tài, never
    makes two common characters homophones)."""
    wanted = set(MODERN) | {"kHanyuPinyin"}
    opener = bz2.open if path.endswith(".bz2") else open
    raw = {}
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[1] not in wanted:
                continue
            raw.setdefault(int(parts[0][2:], 16), {})[parts[1]] = parts[2]
    readings = {}
    for cp, fields in raw.items():
        seq = []
        if policy == "spec":
            for name in ("kMandarin", "kXHC1983", "kHanyuPinyin"):
                seq += field_values(name, fields.get(name, ""))
        else:
            dicts = set()
            for name in ("kTGHZ2013", "kXHC1983"):
                dicts.update(parse_reading(x) for x in field_values(name, fields.get(name, "")))
            for name in MODERN:
                for x in field_values(name, fields.get(name, "")):
                    if name == "kHanyuPinlu" and dicts and parse_reading(x) not in dicts:
                        continue
                    seq.append(x)
            if not any(n in fields for n in ("kTGHZ2013", "kXHC1983")):
                seq += field_values("kHanyuPinyin", fields.get("kHanyuPinyin", ""))
        out = []
        for x in seq:
            r = parse_reading(x)
            if r and r not in out:
                out.append(r)
        if out:
            readings[chr(cp)] = tuple(out[:MAX_READINGS])
    return readings


def near_class(syl):
    """zh/z, ch/c, sh/s, n/l initials and -ng/-n finals (ong stays)."""
    s = syl
    if s[:2] in ("zh", "ch", "sh"):
        s = s[0] + s[2:]
    elif s[:1] == "n" and s != "ng":
        s = "l" + s[1:]
    for fin in ("ang", "eng", "ing"):
        if s.endswith(fin):
            s = s[:-1]
            break
    return s


def spellings(syl):
    """The ways text spells a syllable: ü as v, or as u after l and n."""
    if "v" in syl:
        out = [syl]
        if syl[:1] in ("l", "n"):
            out.append(syl.replace("v", "u"))
        return out
    return [syl]


class Phon:
    def __init__(self, readings):
        self.r = readings
        self.syllables = set()
        for rs in readings.values():
            for s, _ in rs:
                for sp in spellings(s):
                    self.syllables.add(sp)
        # For "is this token entirely pinyin": not the interjections that
        # have no vowel (m, n, ng, hm, hng): with them `team` (te a m) and
        # `online` (o n li ne) would be pinyin.
        self.ctx_syllables = {s for s in self.syllables if any(v in s for v in "aeiouv")}
        self.maxsyl = max(len(s) for s in self.syllables)
        self._pin = {}

    def readings(self, c):
        return self.r.get(c, ())

    def homophone(self, c, u, near):
        """Characters sound as their most common readings (the first), in
        the entry and in the text (大妈 is not 大麻: 麻 is má)."""
        if c == u:
            return False
        rc, ru = self.readings(c), self.readings(u)
        if not rc or not ru:
            return False
        (s1, t1), (s2, t2) = rc[0], ru[0]
        return t1 == t2 and (s1 == s2 or (near and near_class(s1) == near_class(s2)))

    def all_pinyin(self, tok):
        """Whether a Latin token (folded) is entirely pinyin syllables, each
        optionally followed by a tone digit."""
        if tok in self._pin:
            return self._pin[tok]
        n = len(tok)
        ok = [False] * (n + 1)
        ok[0] = True
        for i in range(n):
            if not ok[i]:
                continue
            for L in range(1, min(self.maxsyl, n - i) + 1):
                if tok[i : i + L] in self.ctx_syllables:
                    ok[i + L] = True
                    if i + L < n and tok[i + L] in "12345":
                        ok[i + L + 1] = True
        self._pin[tok] = ok[n]
        return ok[n]


# ------------------------------------------------------------------ folding


def is_han(c):
    o = ord(c)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x3134F


def fold_char(c):
    """The reference's fold, enough for the generated text: full width to
    ASCII, case, Latin diacritics (tone marks, ü) away."""
    o = ord(c)
    if 0xFF01 <= o <= 0xFF5E:
        c = chr(o - 0xFEE0)
    if c.isascii():
        return c.lower()
    if is_han(c):
        return c
    base = "".join(ch for ch in unicodedata.normalize("NFD", c) if not unicodedata.combining(ch))
    if len(base) == 1 and base.isascii() and base.isalpha():
        return base.lower()
    return c


def is_lat(f):
    return ("a" <= f <= "z") or ("0" <= f <= "9")


# ------------------------------------------------------------------ matching


class Entry:
    def __init__(self, word, near, category="", allow=False):
        self.word = word
        self.units = list(word)
        self.near = near
        self.category = category
        self.allow = allow


class Line:
    def __init__(self, text):
        self.orig = text
        self.f = [fold_char(c) for c in text]
        n = len(text)
        self.kind = ["han" if is_han(c) else "lat" if is_lat(c) else "noise" for c in self.f]
        self.tok_start = [None] * n
        self.tok_end = [None] * n
        i = 0
        while i < n:
            if self.kind[i] == "lat":
                j = i
                while j < n and self.kind[j] == "lat":
                    j += 1
                for k in range(i, j):
                    self.tok_start[k] = i
                    self.tok_end[k] = j
                i = j
            else:
                i += 1
        self.byte = [0]
        for c in text:
            self.byte.append(self.byte[-1] + len(c.encode("utf-8")))

    def token(self, i):
        return "".join(self.f[self.tok_start[i] : self.tok_end[i]])


# Clause punctuation (after folding): skipped only in a gap that comes
# right after a Latin letter (f.u.c.k); otherwise it ends a match.
CLAUSE = set(",!?;:\u3001\u3002\u2026") | {"..."}


def next_unit_pos(line, p):
    """The first non-noise position at or after p, if at most MAX_GAP noise
    characters lie between and no clause punctuation ends the match there;
    else None."""
    after_latin = p > 0 and "a" <= line.f[p - 1] <= "z"
    q = p
    while q < len(line.f) and line.kind[q] == "noise":
        if line.f[q] in CLAUSE and not after_latin:
            return None
        q += 1
    if q - p > MAX_GAP or q >= len(line.f):
        return None
    return q


def match_entry_at(ph, line, e, start):
    """All matches of entry e starting at char index start: a list of
    (end, latin_used, homophones, exacts, latin_tokens, gaps): gaps says
    whether noise follows the first unit and whether it comes before the
    last."""
    out = []
    n = len(e.units)

    def rec(k, p, intok, lat, hom, exa, toks, gaps=(False, False)):
        if k == n:
            if intok:
                return  # the Latin part must end at a token end
            out.append((p, lat, hom, exa, toks, gaps))
            return
        if intok:
            q = p
        elif k == 0:
            q = p
        else:
            q = next_unit_pos(line, p)
            if q is None:
                return
            # noise between two Latin units is pinyin's spacing (fa piao)
            gap = q > p and not (line.kind[p - 1] == "lat" and line.kind[q] == "lat")
            gaps = (gaps[0] or (k == 1 and gap), gaps[1] or (k == n - 1 and gap))
        u = e.units[k]
        c = line.f[q]
        kind = line.kind[q]
        if kind == "han":
            if c == u:
                rec(k + 1, q + 1, False, lat, hom, exa + 1, toks, gaps)
            elif ph.homophone(c, u, e.near):
                rec(k + 1, q + 1, False, lat, hom + 1, exa, toks, gaps)
            return
        if kind != "lat":
            return
        if not intok and line.tok_start[q] != q:
            return  # a pinyin run starts at the start of a token
        tend = line.tok_end[q]
        tried = set()
        for syl, tone in ph.readings(u):
            for sp in spellings(syl):
                L = len(sp)
                if q + L > tend or "".join(line.f[q : q + L]) != sp:
                    continue
                p2 = q + L
                if p2 < tend and line.f[p2].isdigit():
                    if line.f[p2] in "12345" and int(line.f[p2]) == tone:
                        p2 += 1
                    else:
                        continue  # a digit after a syllable is its tone
                key = p2
                if key in tried:
                    continue
                tried.add(key)
                ntoks = toks if line.tok_start[q] in toks else toks + (line.tok_start[q],)
                if line.tok_start[q] != q and line.orig[q].isupper():
                    ntoks = ntoks + (-1,)  # a capital inside a word (DuChang)
                rec(k + 1, p2, p2 < tend, True, hom, exa, ntoks, gaps)

    if line.kind[start] == "noise":
        return out
    rec(0, start, False, False, 0, 0, ())
    return out


def english_context(ph, line, s, e):
    """True when the nearest Latin token before or after [s, e) (only
    noise between, in the line) is not entirely pinyin."""
    def english(j):
        tok = line.token(j)
        return any(c.isalpha() for c in tok) and not ph.all_pinyin(tok)

    j = s - 1
    while j >= 0 and line.kind[j] == "noise":
        j -= 1
    if j >= 0 and line.kind[j] == "lat" and english(j):
        return True
    j = e
    while j < len(line.f) and line.kind[j] == "noise":
        j += 1
    if j < len(line.f) and line.kind[j] == "lat" and english(j):
        return True
    return False


def across_words(line, s, e):
    """An all-Han homophone match [s, e) whose first character makes a word
    with the one right before it, or whose last with the one right after."""
    f, k = line.f, line.kind
    if s > 0 and k[s - 1] == "han" and k[s] == "han" and is_word_pair(f[s - 1], f[s]):
        return True
    if e < len(f) and k[e] == "han" and k[e - 1] == "han" and is_word_pair(f[e - 1], f[e]):
        return True
    return False


def joins_words(line, s, e, gaps, first, last):
    """Noise between two words (docs/lexicon-format.md): a match [s, e)
    with noise after its first unit, whose character (the entry's, first:
    弹xing 服务 reads 弹性) makes a word with the Han character right before
    it, or with noise before its last unit, whose character (last) makes a
    word with the one right after it."""
    f, k = line.f, line.kind
    if gaps[0] and s > 0 and k[s - 1] == "han" and is_word_pair(f[s - 1], first):
        return True
    if gaps[1] and e < len(f) and k[e] == "han" and is_word_pair(last, f[e]):
        return True
    return False


def capitalised(line, toks):
    """Whether every token the pinyin used is a capitalised word (a name);
    not when a syllable inside one begins with a capital (-1 in toks)."""
    if -1 in toks:
        return False
    for t in toks:
        a = line.orig[t]
        b = line.orig[t + 1] if t + 1 < len(line.orig) and line.kind[t + 1] == "lat" else ""
        if not (a.isupper() and b and b.islower()):
            return False
    return True


def candidates(ph, line, entries):
    """Every match (start, end, entry word, kind) the spec allows, in char
    indexes; kind 'none' for an exact match."""
    out = set()
    for start in range(len(line.f)):
        for e in entries:
            for end, lat, hom, exa, toks, gaps in match_entry_at(ph, line, e, start):
                if joins_words(line, start, end, gaps, e.units[0], e.units[-1]):
                    continue
                if lat:
                    if english_context(ph, line, start, end) or capitalised(line, toks):
                        continue
                    kind = "pinyin"
                elif hom:
                    if exa == 0 or across_words(line, start, end):
                        continue
                    kind = "homophone"
                else:
                    kind = "none"
                out.add((start, end, e.word, kind))
    return out


def select(cands):
    """Leftmost-longest, non-overlapping: a list of (start, end, {entries})."""
    spans = {}
    for s, e, w, _ in cands:
        spans.setdefault((s, e), set()).add(w)
    out = []
    last = 0
    for (s, e) in sorted(spans, key=lambda x: (x[0], -x[1])):
        if s >= last:
            out.append((s, e, spans[(s, e)]))
            last = e
    return out


def ref_hits(ph, entries, text):
    """The selected deny hits (byte offsets) that no allow match holds
    (the inside case of the coverage rule only)."""
    line = Line(text)
    deny = [e for e in entries if not e.allow]
    allow = [e for e in entries if e.allow]
    covers = [(s, e) for s, e, _, _ in candidates(ph, line, allow)] if allow else []
    return [
        (line.byte[s], line.byte[e], ws)
        for s, e, ws in select(candidates(ph, line, deny))
        if not any(a <= s and e <= b for a, b in covers)
    ]


# ------------------------------------------------------------------ lexicon


def read_lexicon(path):
    """The Han entries (>= 2 characters) of a lexicon file, with their near
    option, as Entry objects."""
    entries = []
    category = ""
    allow = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.startswith("@"):
                if line.startswith("@category "):
                    category = line.split(None, 1)[1].strip()
                elif line.strip() in ("@allow", "@deny"):
                    allow = line.strip() == "@allow"
                continue
            word, _, attrs = line.partition("\t")
            word = word.strip()
            near = False
            for a in attrs.split():
                if a.startswith("variants="):
                    kinds = a[len("variants="):].split(",")
                    near = "near" in kinds or "all" in kinds
            kind_allow = allow
            for a in attrs.split():
                if a in ("allow", "deny"):
                    kind_allow = a == "allow"
            if len(word) >= 2 and all(is_han(c) for c in word):
                entries.append(Entry(word, near, category, kind_allow))
    return entries


def write_diff_lexicon(entries, path):
    with open(path, "w", encoding="utf-8") as f:
        f.write("# generated by phonetic_ref.py\n@category diff\n@variants pinyin,homophone\n")
        for e in entries:
            if not e.allow:
                f.write(e.word + ("\tvariants=pinyin,homophone,near\n" if e.near else "\n"))


# ------------------------------------------------------------------ generator

FILLER = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能"
    "下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量"
    "都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各"
    "重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代"
    "想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接"
    "知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北"
    "造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清美再采转更单风切打白"
    "教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集"
    "温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿"
    "千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存"
    "候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该"
    "铁价严首底液官德随病苏失尔死讲配女黄推显谈罪神艺呢席含企望密批营项防举球英氧势告李台落木帮"
    "轮破亚师围注远字材排供河态封另施减树溶怎止案言士均武固叶鱼波视仅费紧爱左章早朝害续轻服试食"
    "充兵源判护司足某练差致板田降黑犯负击范继兴似余坚曲输修故城夫够送笔船占右财吃富春职觉汉画功"
)
LATIN = [
    "the", "and", "video", "hello", "ok", "bar", "happy", "news", "app", "link", "boss",
    "online", "free", "win", "vip", "hot", "club", "game", "star", "team", "ni", "hao", "wo",
    "le", "ma", "shi", "de", "ba", "yi", "ge", "he", "kan", "qu", "zai", "bu",
]
SEPS = ["", "", "", "", " ", " ", " ", "-", "'", ".", "~", "  ", "   "]
TONED = {"a": "āáǎà", "e": "ēéěè", "i": "īíǐì", "o": "ōóǒò", "u": "ūúǔù", "v": "ǖǘǚǜ"}


def toned_spelling(syl, tone):
    """The syllable written with a tone mark (pinyin rules: a/e first, ou
    on o, else the last vowel)."""
    s = syl
    if tone == 5:
        return s.replace("v", "ü")
    idx = None
    if "a" in s:
        idx = s.index("a")
    elif "e" in s:
        idx = s.index("e")
    elif "ou" in s:
        idx = s.index("o")
    else:
        for i in range(len(s) - 1, -1, -1):
            if s[i] in "aeiouv":
                idx = i
                break
    if idx is None:
        return s
    ch = TONED[s[idx]][tone - 1]
    return (s[:idx] + ch + s[idx + 1 :]).replace("v", "ü")


def shai_fold_identity(shai, chars):
    """The characters that `shai fold` leaves as they are."""
    text = "\n".join(chars) + "\n"
    p = subprocess.run([shai, "fold"], input=text.encode("utf-8"), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        return set()
    got = p.stdout.decode("utf-8").rstrip("\n").split("\n")
    if len(got) != len(chars):
        return set()
    return {c for c, g in zip(chars, got) if c == g}


class Generator:
    def __init__(self, ph, entries, seed, keep_chars, ascii_only=False):
        self.ascii_only = ascii_only
        self.ph = ph
        self.entries = entries
        self.rng = random.Random(seed)
        self.filler = [c for c in FILLER if c in keep_chars]
        self.entries = [e for e in entries if not e.allow]
        entries = self.entries
        self.homs = {}
        pool = [c for c in keep_chars]
        for e in entries:
            for u in e.units:
                if u not in self.homs:
                    self.homs[u] = sorted(c for c in pool if ph.homophone(c, u, e.near))

    def word(self, syl, tone, with_digit, style):
        rng = self.rng
        if style == "marks":
            s = toned_spelling(syl, tone)
        else:
            s = rng.choice(spellings(syl))
        if with_digit:
            s += str(tone)
        if style == "upper":
            s = s.upper()
        elif style == "cap":
            s = s[:1].upper() + s[1:]
        elif style == "wide":
            s = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in s)
        return s

    def render(self, e):
        rng = self.rng
        styles = ["plain"] * 6 + ["upper", "cap"]
        if not self.ascii_only:
            styles += ["marks", "wide"]
        style = rng.choice(styles)
        parts = []
        for u in e.units:
            r = rng.random()
            if r < 0.35:
                parts.append(u)
            elif r < 0.55 and self.homs.get(u):
                parts.append(rng.choice(self.homs[u]))
            else:
                rs = self.ph.readings(u)
                if not rs:
                    parts.append(u)
                    continue
                syl, tone = rs[0] if rng.random() < 0.7 else rng.choice(rs)
                if rng.random() < 0.05:
                    tone = rng.choice([1, 2, 3, 4, 5])  # a wrong tone digit, now and then
                    parts.append(self.word(syl, tone, True, style))
                else:
                    parts.append(self.word(syl, tone, rng.random() < 0.25, style))
            parts.append(rng.choice(SEPS))
        parts.pop()
        return "".join(parts)

    def noise(self):
        rng = self.rng
        r = rng.random()
        if r < 0.5:
            return "".join(rng.choice(self.filler) for _ in range(rng.randint(1, 6)))
        if r < 0.8:
            return " " + rng.choice(LATIN) + " "
        return rng.choice(["", " ", "，", "！", "…", "?"])

    def line(self):
        rng = self.rng
        for _ in range(100):
            parts = []
            for _ in range(rng.randint(0, 2)):
                parts.append(self.noise())
            for _ in range(rng.randint(1, 2)):
                parts.append(self.render(rng.choice(self.entries)))
                for _ in range(rng.randint(0, 2)):
                    parts.append(self.noise())
            text = "".join(parts).strip()
            f = [fold_char(c) for c in text]
            if not text or any(f[i] == f[i + 1] for i in range(len(f) - 1)):
                continue  # no doubled characters: the scanner's repeats are not modelled
            return text
        return "赌博"


# ------------------------------------------------------------------ commands


def run_random(a, ph, entries):
    entries = [e for e in entries if not e.allow]  # the random lexicon has deny entries only
    with tempfile.TemporaryDirectory(prefix="shai-phon-") as tmp:
        if a.keep:
            os.makedirs(a.keep, exist_ok=True)
            tmp = a.keep
        lex = os.path.join(tmp, "phon.txt")
        db = os.path.join(tmp, "phon.shai")
        inp = os.path.join(tmp, "lines.txt")
        write_diff_lexicon(entries, lex)
        chars = set(FILLER)
        for c in ph.r:
            if "\u4e00" <= c <= "\u9fff":
                try:
                    c.encode("gb2312")
                except UnicodeEncodeError:
                    continue
                chars.add(c)
        chars = sorted(chars)
        keep = shai_fold_identity(a.shai, chars)
        if not keep:
            sys.stderr.write("phonetic_ref.py: `shai fold` failed\n")
            return 2
        gen = Generator(ph, entries, a.seed, keep, a.ascii_only)
        lines = [gen.line() for _ in range(a.lines)]
        with open(inp, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        p = subprocess.run([a.shai, "compile", "-q", lex, "-o", db],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            sys.stderr.write("shai compile failed: %s" % p.stderr.decode("utf-8", "replace"))
            return 2
        p = subprocess.run([a.shai, "scan", "--db", db, "--format", "jsonl", "--exit-zero",
                            "--no-summary", "--no-context", "-j1", inp],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            sys.stderr.write("shai scan failed: %s" % p.stderr.decode("utf-8", "replace"))
            return 2
        starts = [0]
        for t in lines:
            starts.append(starts[-1] + len((t + "\n").encode("utf-8")))
        got = [[] for _ in lines]
        for raw in p.stdout.decode("utf-8").splitlines():
            h = json.loads(raw)
            i = h["line"] - 1
            got[i].append((h["start"] - starts[i], h["end"] - starts[i], h["entry"], h.get("variant")))
    diffs = 0
    hits = 0
    missing = extra = 0
    for i, t in enumerate(lines):
        want = ref_hits(ph, entries, t)
        hits += len(want)
        eng = sorted(got[i])
        ok = len(eng) == len(want) and all(
            (g[0], g[1]) == (w[0], w[1]) and g[2] in w[2] for g, w in zip(eng, want)
        )
        if ok:
            continue
        diffs += 1
        missing += sum(1 for w in want if not any((g[0], g[1]) == (w[0], w[1]) and g[2] in w[2] for g in eng))
        extra += sum(1 for g in eng if not any((g[0], g[1]) == (w[0], w[1]) and g[2] in w[2] for w in want))
        if diffs <= a.show:
            b = t.encode("utf-8")
            print("line %d: %s" % (i + 1, t))
            print("  shai:      %s" % "; ".join(
                "%s %r%s" % (g[2], b[g[0]:g[1]].decode("utf-8", "replace"), " " + g[3] if g[3] else "")
                for g in eng))
            print("  reference: %s" % "; ".join(
                "%s %r" % ("|".join(sorted(w[2])), b[w[0]:w[1]].decode("utf-8", "replace"))
                for w in want))
    print("%d lines, %d reference hits, %d lines differ (seed %d): %d hits of the reference "
          "that shai lacks, %d hits of shai that the reference lacks"
          % (len(lines), hits, diffs, a.seed, missing, extra))
    return 1 if diffs else 0


def unescape(s):
    return s.replace("\\n", "\n").replace("\\t", "\t")


def check_cases(a, ph, entries):
    bad = 0
    with open(a.check_cases, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            raw = raw.rstrip("\n")
            if not raw.strip() or raw.startswith("#"):
                continue
            kind, expect, text, entry, span = raw.split("\t")
            text = unescape(text)
            occ = 1
            if "@" in span[1:] and span.rsplit("@", 1)[1].isdigit():
                span, occ = span.rsplit("@", 1)[0], int(span.rsplit("@", 1)[1])
            span = unescape(span)
            want = None
            if expect == "hit":
                pos = -1
                for _ in range(occ):
                    pos = text.find(span, pos + 1)
                b0 = len(text[:pos].encode("utf-8"))
                want = (b0, b0 + len(span.encode("utf-8")))
            # Vertical rows are one-character lines: not the reference's business.
            hits = [] if kind == "vertical" else ref_hits(ph, entries, text)
            msg = None
            if kind in ("pinyin", "homophone"):
                if expect == "hit" and not any((h[0], h[1]) == want and entry in h[2] for h in hits):
                    msg = "reference misses it"
                elif expect == "hit" and any((h[0], h[1]) == want and len(h[2]) > 1 for h in hits):
                    msg = "the span is also another entry's: a tie"
                if expect == "clean" and hits:
                    msg = "reference hits the guard"
            else:
                if expect == "clean" and hits:
                    msg = "reference (pinyin/homophone/exact) hits the guard"
                if expect == "hit":
                    for h in hits:
                        # A hit that the leftmost-longest selection prefers
                        # to the expected span and that overlaps it.
                        if h[0] < want[1] and want[0] < h[1] and (h[0], h[1]) != want and (
                            h[0] < want[0] or (h[0] == want[0] and h[1] > want[1])
                        ):
                            msg = "a phonetic or exact hit overlaps the span and wins"
            if msg:
                bad += 1
                b = text.encode("utf-8")
                print("%s:%d %s %s %r: %s [%s]" % (a.check_cases, lineno, kind, expect, text, msg,
                      "; ".join("%s %r" % ("|".join(sorted(h[2])), b[h[0]:h[1]].decode()) for h in hits)))
    print("%d rows to look at" % bad)
    return 1 if bad else 0


def self_test(ph):
    E = [Entry(w, n) for w, n in [("赌场", False), ("赌博", False), ("翻墙", False), ("代孕", False),
                                   ("迷奸", False), ("援交", False), ("牛逼", True)]]
    cases = [
        ("我想去duchang玩", ["duchang"]),
        ("du chang", ["du chang"]),
        ("dǔ chǎng", ["dǔ chǎng"]),
        ("du3chang3", ["du3chang3"]),
        ("du4chang3", []),
        ("迷jian", ["迷jian"]),
        ("mi奸", ["mi奸"]),
        ("fan墙", ["fan墙"]),
        ("圆交", ["圆交"]),
        ("带孕", ["带孕"]),
        ("番墙", ["番墙"]),
        ("迷煎", ["迷煎"]),
        ("读博", []),
        ("戴运", []),
        ("Du Bois wrote it", []),
        ("dubonnet", []),
        ("Professor Du Chang said", []),
        ("Duchang", []),
        ("DUCHANG", ["DUCHANG"]),
        ("流逼", ["流逼"]),
        ("xduchang", []),
        ("du    chang", []),
        ("赌   chang", ["赌   chang"]),
        ("赌，chang", []),
        ("du，chang", ["du，chang"]),
        ("赌.场", ["赌.场"]),
        ("hao圆交", ["圆交"]),
        ("hello圆jiao", []),
        ("wo圆jiao", ["圆jiao"]),
        ("yuanjiao team", []),
    ]
    fails = 0
    for text, want in cases:
        got = [text.encode("utf-8")[s:e].decode("utf-8") for s, e, _ in ref_hits(ph, E, text)]
        if got != want:
            fails += 1
            print("self-test: %r: got %r, want %r" % (text, got, want))
    print("self-test: %d of %d wrong" % (fails, len(cases)))
    return 1 if fails else 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("shai", nargs="?")
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--show", type=int, default=30)
    ap.add_argument("--lexicon", default=os.path.join(HERE, "lexicon.txt"))
    ap.add_argument("--unihan")
    ap.add_argument("--keep", help="write the lexicon, db and lines into this directory")
    ap.add_argument("--ascii-only", action="store_true",
                    help="pinyin in ASCII only: no tone marks, no full width")
    ap.add_argument("--check-cases")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--readings", choices=["modern", "spec"], default="modern",
                    help="which Unihan fields make a character's readings (see load_readings)")
    a = ap.parse_args(argv)
    path = find_unihan(a.unihan)
    if not path:
        sys.stderr.write("phonetic_ref.py: no Unihan_Readings.txt (Debian: unicode-data); skipped\n")
        return 77
    ph = Phon(load_readings(path, a.readings))
    if a.self_test:
        return self_test(ph)
    entries = read_lexicon(a.lexicon)
    if a.check_cases:
        return check_cases(a, ph, entries)
    if not a.shai:
        ap.error("SHAI_BINARY is required")
    if self_test(ph):
        return 1  # the reference itself is wrong: its differences mean nothing
    return run_random(a, ph, entries)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
