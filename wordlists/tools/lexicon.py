"""Minimal Python implementation of shai's lexicon format v1 and exact matcher.

Used by curate.py and report.py until the C CLI is available. Semantics follow
docs/lexicon-format.md: exact (unfolded) overlapping substring matching, Latin
word-boundary rule, allow entries suppress deny hits they cover, verdict is the
strongest action among the remaining deny hits.
"""
import os
import sys

try:
    import ahocorasick  # Debian: python3-ahocorasick
except ImportError:  # pragma: no cover
    ahocorasick = None

ACTION_RANK = {"pass": 0, "review": 1, "block": 2}


def find_corpora(repo):
    """The bundled corpora: $SHAI_CORPORA, else the first `shared/corpora`
    folder (one with ugc/ in it) beside REPO or one of its parent folders."""
    env = os.environ.get("SHAI_CORPORA")
    if env:
        return env
    d = repo
    while True:
        cand = os.path.join(d, "shared", "corpora")
        if os.path.isdir(os.path.join(cand, "ugc")):
            return cand
        up = os.path.dirname(d)
        if up == d:
            return os.path.join(os.path.dirname(repo), "shared", "corpora")
        d = up


class Entry:
    __slots__ = ("word", "category", "action", "kind", "tag", "suggestion", "where")

    def __init__(self, word, category, action, kind, tag, suggestion, where):
        self.word, self.category, self.action, self.kind = word, category, action, kind
        self.tag, self.suggestion, self.where = tag, suggestion, where


class LexiconError(Exception):
    pass


def _is_ctrl(ch):
    o = ord(ch)
    return o < 0x20 or 0x7F <= o <= 0x9F


def parse_file(path, entries):
    """Parse one lexicon file, appending Entry objects; raises LexiconError."""
    cat, action, kind, tag, sugg = "uncategorized", "block", "deny", None, None
    raw = open(path, "rb").read()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    out = []
    in_scene = False  # scene blocks (@scene ... @end) hold no entries
    for n, bline in enumerate(raw.split(b"\n"), 1):
        if bline.endswith(b"\r"):
            bline = bline[:-1]
        try:
            line = bline.decode("utf-8")
        except UnicodeDecodeError:
            raise LexiconError(f"{path}:{n}:1: invalid UTF-8")
        s = line.lstrip(" ")
        if not s.strip(" ") or s.startswith("#"):
            continue
        if s.startswith("@scene") or s.rstrip(" ") == "@end":
            in_scene = s.startswith("@scene")
            continue
        if in_scene or s.startswith("@categories"):
            continue
        if s.startswith("@"):
            parts = s.rstrip(" ").split(None, 1)
            d, arg = parts[0], (parts[1] if len(parts) > 1 else "")
            if d == "@category":
                cat = arg
            elif d == "@action":
                if arg not in ("block", "review"):
                    raise LexiconError(f"{path}:{n}:1: bad action '{arg}'")
                action = arg
            elif d == "@allow":
                kind = "allow"
            elif d == "@deny":
                kind = "deny"
            elif d == "@tag":
                tag = arg or None
            elif d == "@suggestion":
                sugg = arg or None
            elif d == "@variants":
                pass  # variant kinds: the library's matter (docs/lexicon-format.md)
            else:
                raise LexiconError(f"{path}:{n}:1: unknown directive '{d}'")
            continue
        if s.startswith("re:"):
            continue  # regular-expression rules: only the C matcher runs them
        word, _, attrs = line.partition("\t")
        word = word.strip(" ")
        if word.startswith("\\"):
            word = word[1:]
        e = Entry(word, cat, action, kind, tag, sugg, f"{path}:{n}")
        for a in attrs.split():
            k, eq, v = a.partition("=")
            if not eq:
                if k in ("allow", "deny"):
                    e.kind = k
                    continue
                raise LexiconError(f"{path}:{n}: unknown flag '{k}'")
            if not v:
                raise LexiconError(f"{path}:{n}: missing value for '{k}'")
            if k == "category":
                e.category = v
            elif k == "action":
                if v not in ("block", "review"):
                    raise LexiconError(f"{path}:{n}: bad action '{v}'")
                e.action = v
            elif k == "tag":
                e.tag = v
            elif k == "suggestion":
                e.suggestion = v
            else:
                raise LexiconError(f"{path}:{n}: unknown attribute '{k}'")
        if not word:
            raise LexiconError(f"{path}:{n}: empty word")
        if len(word) > 128:
            raise LexiconError(f"{path}:{n}: entry longer than 128 code points")
        if any(_is_ctrl(c) for c in word):
            raise LexiconError(f"{path}:{n}: control character in entry")
        out.append(e)
    entries.extend(out)


def lexicon_files(path):
    if os.path.isfile(path):
        return [path]
    files = []
    for root, dirs, names in os.walk(path):
        dirs.sort()
        files.extend(os.path.join(root, x) for x in sorted(names) if x.endswith(".txt"))
    return files


def load(paths):
    """Load lexicon files/directories; merge duplicates as the format says."""
    entries = []
    for p in paths:
        for f in lexicon_files(p):
            parse_file(f, entries)
    merged = {}
    for e in entries:
        key = (e.word, e.kind)
        m = merged.get(key)
        if m is None:
            merged[key] = e
        else:
            if ACTION_RANK[e.action] > ACTION_RANK[m.action]:
                m.action = e.action
            m.tag = m.tag or e.tag
            m.suggestion = m.suggestion or e.suggestion
    return list(merged.values())


def _alnum(ch):
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ("0" <= ch <= "9")


class Matcher:
    """Overlapping exact matcher with the Latin boundary rule and allow-suppression."""

    def __init__(self, entries):
        self.entries = entries
        self.table = {}
        for e in entries:
            self.table.setdefault(e.word, []).append(e)
        if ahocorasick is not None:
            self.ac = ahocorasick.Automaton()
            for w in self.table:
                self.ac.add_word(w, w)
            self.ac.make_automaton()
        else:
            self.ac = None
            self.lens = sorted({len(w) for w in self.table})

    def _raw(self, text):
        if self.ac is not None:
            for end, w in self.ac.iter(text):
                yield end + 1 - len(w), end + 1, w
        else:
            n = len(text)
            for i in range(n):
                for L in self.lens:
                    if i + L > n:
                        break
                    w = text[i:i + L]
                    if w in self.table:
                        yield i, i + L, w

    def scan(self, text):
        """Return (deny_hits, allow_hits): lists of (start, end, Entry), code-point offsets."""
        deny, allow = [], []
        for s, t, w in self._raw(text):
            if _alnum(w[0]) and s > 0 and _alnum(text[s - 1]):
                continue
            if _alnum(w[-1]) and t < len(text) and _alnum(text[t]):
                continue
            for e in self.table[w]:
                (allow if e.kind == "allow" else deny).append((s, t, e))
        if allow and deny:
            deny = [h for h in deny
                    if not any(a[0] <= h[0] and h[1] <= a[1] for a in allow)]
        return deny, allow


def verdict(deny_hits):
    v = "pass"
    for _, _, e in deny_hits:
        if ACTION_RANK[e.action] > ACTION_RANK[v]:
            v = e.action
    return v
