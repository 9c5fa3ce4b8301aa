/*
 * Differential test: a naive reference matcher, written from the contract in
 * shai.h and nothing else, against the library on thousands of random
 * lexicons and texts. Every scan mode, shai_scan_hits, shai_check, shai_mask,
 * stopping callbacks and streams with random chunking are compared hit for
 * hit, on dbs used directly or through a saved image.
 *
 * The reference knows exact matching (no folding, no repeats), optionally
 * with noise gaps between the characters of a word. With entries that begin
 * or end with noise (#话题, 赌%), where the library's overlapping scans
 * report both readings of a gap (skipping the noise and taking it), its hits
 * must be readings the reference has, and none of the other entries' hits
 * may be missing; the other modes keep one reading of a gap, and are
 * checked against the library's overlapping hits of that one reading
 * (SHI_SCAN_ONE_READING). Under the default
 * options (folding, gaps, repeats) the library's overlapping hits are only
 * checked for form, then every other mode and API must agree with them.
 *
 * Deterministic: the base seed is fixed (SHAI_DIFF_SEED overrides it) and
 * every case has its own seed, printed on failure together with a shrunk
 * reproducer. SHAI_DIFF_CASE=<case seed> runs that one case only;
 * SHAI_DIFF_SCALE=<n> multiplies the number of cases (as SHAI_TEST_SCALE does for
 * every random test, see test_util.h; the ASan build runs a quarter of them).
 *
 * Besides the API, every text is scanned by the library's scanner twice, in
 * every mode: with its fast loops and with the general step alone
 * (SHI_SCAN_GENERAL); the two must agree hit for hit. This test therefore
 * links the library's internal archive, not the shared library.
 */
#include "test_util.h"

/* Internal: the scanner, to hold its fast loops to its general step. */
#include "scan/scanner.h"
#include "variant/tables.h"

#include <inttypes.h>

/* ================================================================ model */

typedef struct gen_entry {
    uint32_t cps[SHAI_MAX_ENTRY_CODEPOINTS];
    uint32_t n;
    uint32_t action;
    int allow;
    int category; /* index into category_names; -1: NULL ("uncategorized") */
    int tag;      /* index into tag_names; -1: none */
    int suggestion;
} gen_entry;

typedef struct lexicon {
    gen_entry *e;
    size_t n;
    size_t cap;
} lexicon;

/* A text is a sequence of tokens: one encoded code point, or one to three
 * bytes that do not form a well-formed sequence on their own. */
typedef struct token {
    unsigned char b[4];
    uint8_t len;
} token;

typedef struct text {
    token *t;
    size_t n;
    size_t cap;
} text;

static const char *const category_names[] = {"c0", "c1", "赌博类"};
static const char *const tag_names[] = {"t0", "t1"};
static const char *const suggestion_names[] = {"s0", "很好"};

/* Code points that entries and texts are made of: a few CJK characters,
 * ASCII letters and digits, Latin letters (word characters) and their
 * neighbours that are not letters, fullwidth forms, astral emoji, spaces and
 * punctuation, U+FFFD, and the edges of every UTF-8 sequence length. */
static const uint32_t pool[] = {
    0x8D4C,                                               /* 赌 */
    0x535A,                                               /* 博 */
    0x53F2,                                               /* 史 */
    0x7F51,                                               /* 网 */
    0x4E2D,                                               /* 中 */
    'a',     'b', 'q', 's', 'Z', '1',  '2',    '0', 0xE9, /* é */
    0xF1,                                                 /* ñ */
    0xC0,                                                 /* À: first of the Latin-1 letters */
    0x24F,                                                /* ɏ: last of Latin Extended-B */
    0x1E01,                                               /* ḁ */
    0x1EFF,                                               /* ỿ */
    0xFF51,                                               /* ｑ */
    0xFF10,                                               /* ０ */
    0xFF3A,                                               /* Ｚ */
    0xD7,                                                 /* × : not a letter */
    0xF7,                                                 /* ÷ : not a letter */
    0xBF,                                                 /* ¿ : just before the letters */
    0x250,                                                /* ɐ : just after Latin Extended-B */
    0x1DFF,                                    /* just before Latin Extended Additional */
    0x1F00,                                    /* Greek, just after */
    0xFF20,                                    /* ＠ between fullwidth digits and letters */
    0xFF0F,                                    /* ／ just before fullwidth digits */
    0xFF40,                                    /* ｀ */
    0xFF5B,                                    /* ｛ */
    0x1F600,                                   /* 😀 */
    0x1F3B2,                                   /* 🎲 */
    0x10000,                                   /* first astral */
    ' ',     ',', '!', '#', '@', '\\', 0x3000, /* ideographic space */
    0x7FF,                                     /* last 2-byte */
    0x800,                                     /* first 3-byte */
    0xFFFD, /* replacement character: never matches an invalid byte */
};

/* Letters for the gap tests: never noise. */
/* (No full-width digits: tests/api/test_matching.c's test_clause_punctuation_after_digits
 * covers them.) */
static const uint32_t gap_letters[] = {0x8D4C, 0x535A, 0x53F2, 0x7F51, 0x4E2D, 'a',  'b',
                                       'q',    's',    '1',    '2',    0xE9,   0xC0, 0x1E01,
                                       0xFF51, 0xFF3A, 0x250,  0x800,  0x10000};

/* Only in texts: characters an entry may not contain, and U+10FFFF. */
static const uint32_t text_only[] = {0x00, '\n', '\t', 0x7F, 0x85, 0x9F, 0x10FFFF, 0xFFFF};

/* The last three are whole 3-byte forms the scan loops must refuse: two
 * surrogates and an overlong '/'. */
static const char *const invalid_tokens[] = {
    "\x80",     "\xbf",     "\xc0",         "\xc1",         "\xf5",         "\xff", "\xe8",
    "\xe8\xb5", "\xf0\x9f", "\xf0\x9f\x8e", "\xed\xa0",     "\xed",         "\xc3", "\xef\xbf",
    "\xf4\x90", "\xe0\x80", "\xed\xa0\x80", "\xed\xbf\xbf", "\xe0\x80\xaf",
};

/* Bytes that are invalid wherever they stand. */
static const char *const lone_invalid[] = {"\xff", "\xfe", "\xc0", "\xc1", "\xf5", "\x80", "\xbf"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void lexicon_push(lexicon *lx, const gen_entry *e)
{
    uint32_t spaces = 0;
    while (spaces < e->n && e->cps[spaces] == ' ')
        spaces++;
    if (spaces == e->n)
        return; /* the library refuses entries of only spaces (E_EMPTY_ENTRY) */
    if (lx->n == lx->cap) {
        lx->cap = lx->cap ? 2 * lx->cap : 16;
        lx->e = realloc(lx->e, lx->cap * sizeof *lx->e);
        assert_non_null(lx->e);
    }
    lx->e[lx->n++] = *e;
}

static void text_push(text *t, const token *tok)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        t->t = realloc(t->t, t->cap * sizeof *t->t);
        assert_non_null(t->t);
    }
    t->t[t->n++] = *tok;
}

static void text_push_cp(text *t, uint32_t cp)
{
    token tok;
    tok.len = (uint8_t)utf8_put(cp, (char *)tok.b);
    text_push(t, &tok);
}

static size_t text_bytes(const text *t, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++) {
        memcpy(out + n, t->t[i].b, t->t[i].len);
        n += t->t[i].len;
    }
    return n;
}

static size_t text_size(const text *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        n += t->t[i].len;
    return n;
}

/* How the db under test matches. raw: no folding and no repeats, so the
 * reference gives every hit; gap > 0 then also lets up to `gap` noise
 * characters stand between two characters of an entry. !raw: the default
 * options, checked for consistency only. */
typedef struct match_mode {
    int raw;
    uint32_t gap;
    /* raw with gaps: entries may begin or end with noise; overlapping scans
     * report both readings of such noise, and their hits must be the
     * reference's (sound), all of them for entries without noise at their
     * ends; the other modes keep one reading, and their checks run on the
     * library's own overlapping hits of that reading */
    int edges;
} match_mode;

/* ============================================================ reference */

typedef struct unit {
    uint64_t start;
    uint64_t end;
    int64_t cp; /* -1: an invalid byte */
} unit;

/* Length of the well-formed UTF-8 sequence at s (Unicode table 3-7), or 0. */
static size_t well_formed(const unsigned char *s, size_t avail, uint32_t *cp)
{
    unsigned c = s[0];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        *cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        *cp = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        *cp = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (avail < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        unsigned d = s[i];
        if (d < (i == 1 ? lo : 0x80u) || d > (i == 1 ? hi : 0xBFu))
            return 0;
        *cp = (*cp << 6) | (d & 0x3F);
    }
    return need;
}

static size_t decode(const char *bytes, size_t len, unit *out)
{
    const unsigned char *s = (const unsigned char *)bytes;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        size_t l = well_formed(s + i, len - i, &cp);
        out[n].start = i;
        if (l == 0) {
            out[n].cp = -1;
            l = 1;
        } else {
            out[n].cp = cp;
        }
        out[n].end = i + l;
        n++;
        i += l;
    }
    return n;
}

static int is_word(int64_t cp)
{
    if (cp < 0)
        return 0;
    if ((cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z'))
        return 1;
    if (cp >= 0xC0 && cp <= 0x24F)
        return cp != 0xD7 && cp != 0xF7;
    if (cp >= 0x1E00 && cp <= 0x1EFF)
        return 1;
    return (cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) ||
           (cp >= 0xFF41 && cp <= 0xFF5A);
}

/* A lexicon entry after merging duplicates, with where the db put it. */
typedef struct ref_entry {
    const gen_entry *first;
    uint32_t units[SHAI_MAX_ENTRY_CODEPOINTS]; /* what must match, see match_units */
    uint8_t own[SHAI_MAX_ENTRY_CODEPOINTS];    /* the entry has noise before unit k */
    uint32_t nunits;
    uint32_t action;
    int allow;
    int category;
    int tag;
    int suggestion;
    char bytes[4 * SHAI_MAX_ENTRY_CODEPOINTS + 1];
    size_t len;
    uint32_t db_index;
    uint32_t db_category;
    int mapped;
} ref_entry;

static int same_word(const gen_entry *a, const gen_entry *b)
{
    return a->n == b->n && memcmp(a->cps, b->cps, a->n * sizeof a->cps[0]) == 0;
}

/* Merging, as documented: same text and same kind merge; the stronger action
 * wins; the first category stays; tag and suggestion fill in. */
static void match_units(ref_entry *re, uint32_t gap);

static size_t merge_entries(const lexicon *lx, ref_entry *out, uint32_t gap)
{
    size_t n = 0;
    for (size_t i = 0; i < lx->n; i++) {
        const gen_entry *e = &lx->e[i];
        size_t j = 0;
        while (j < n && !(out[j].allow == e->allow && same_word(out[j].first, e)))
            j++;
        if (j == n) {
            memset(&out[n], 0, sizeof out[n]);
            out[n].first = e;
            out[n].action = e->action;
            out[n].allow = e->allow;
            out[n].category = e->category;
            out[n].tag = e->tag;
            out[n].suggestion = e->suggestion;
            for (uint32_t k = 0; k < e->n; k++)
                out[n].len += utf8_put(e->cps[k], out[n].bytes + out[n].len);
            out[n].bytes[out[n].len] = '\0';
            n++;
            continue;
        }
        if (e->action > out[j].action)
            out[j].action = e->action;
        if (out[j].tag < 0)
            out[j].tag = e->tag;
        if (out[j].suggestion < 0)
            out[j].suggestion = e->suggestion;
    }
    for (size_t j = 0; j < n; j++)
        match_units(&out[j], gap);
    return n;
}

/* Characters the contract calls noise (punctuation, symbols, spaces, emoji)
 * among those the gap tests use. Entries in those tests contain them only
 * between two letters. */
static const uint32_t gap_noise[] = {
    ' ',  '!',  ',',  '#', '@', '\\',   '*',    '.',    0x3000, 0xFF0C, 0xFF20, 0x1F600, 0x1F3B2,
    0xD7, 0xF7, 0xBF, '/', '/', 0x3010, 0x3011, 0x300A, '"',    0xFF03, 0x4E28, 0x30CE};

static int is_noise(int64_t cp)
{
    for (size_t i = 0; i < sizeof gap_noise / sizeof gap_noise[0]; i++)
        if (cp == (int64_t)gap_noise[i])
            return 1;
    return 0;
}

/* Clause punctuation: noise only right after a Latin letter (f.u.c.k); a
 * boundary anywhere else (入住日：您好 does not contain 日您). Not the ASCII
 * full stop (代.开.发.票). */
static int is_clause(int64_t cp)
{
    return cp == ',' || cp == '!' || cp == '?' || cp == ';' || cp == ':' || cp == 0x3001 ||
           cp == 0x3002 || cp == 0x2026 || cp == 0xFF61;
}

static int is_latin_letter(int64_t cp);

static int is_digit(int64_t cp)
{
    return (cp >= '0' && cp <= '9') || (cp >= 0xFF10 && cp <= 0xFF19);
}

/* What ends a line for the topic rule: invalid bytes, controls but TAB, the
 * line and paragraph separators. */
static int is_line_break(int64_t cp)
{
    return cp < 0 || (cp < 0x20 && cp != '\t') || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 ||
           cp == 0x2029;
}

static int is_topic_mark(int64_t cp)
{
    return cp == '#' || cp == 0xFF03;
}

static int is_pair_mark(int64_t cp)
{
    static const uint32_t pairs[] = {'(',    ')',    '[',    ']',    '"',    0x201C, 0x201D,
                                     0x300A, 0x300B, 0x3008, 0x3009, 0x300C, 0x300D, 0x300E,
                                     0x300F, 0x3010, 0x3011, 0x3014, 0x3015, 0x3016, 0x3017,
                                     0xFF08, 0xFF09, 0xFF3B, 0xFF3D, 0xFF02};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (cp == (int64_t)pairs[i])
            return 1;
    return 0;
}

/* Whether the noise unit q, in a gap after unit j of a match, ends the
 * match instead of being skipped: clause punctuation but after a Latin
 * letter, and so a second full stop in a row; a `#` once the line has had
 * one, or with another close after it (topics); the `@` of `//@`; a
 * bracket or quote unless unit j came right after one (【赌】【博】). */
static int gap_ends(const unit *u, size_t nu, size_t j, size_t q)
{
    int64_t cp = u[q].cp;
    if (!is_noise(cp))
        return 1;
    if (is_clause(cp) && !is_latin_letter(u[j].cp))
        return 1;
    /* two full stops in a row are an ellipsis (操...我) */
    if (cp == '.' && q > j + 1 && u[q - 1].cp == '.' && !is_latin_letter(u[j].cp))
        return 1;
    if (is_topic_mark(cp)) {
        for (size_t b = q; b-- > 0 && !is_line_break(u[b].cp);)
            if (is_topic_mark(u[b].cp))
                return 1;
        /* the line's first `#` ends a match when it opens a topic: another
         * follows within 32 characters (SHI_TOPIC_LOOK) on the line */
        for (size_t b = q + 1; b < nu && b <= q + 32 && !is_line_break(u[b].cp); b++)
            if (is_topic_mark(u[b].cp))
                return 1;
    }
    if ((cp == '@' || cp == 0xFF20) && (u[q - 1].cp == '/' || u[q - 1].cp == 0xFF0F))
        return 1;
    if (is_pair_mark(cp) && !(j > 0 && is_pair_mark(u[j - 1].cp)))
        return 1;
    return 0;
}

/* Whether unit q may take the next character of a match whose last unit is
 * j: never across noise between two digits (4～6 is not 46). */
static int gap_takes(const unit *u, size_t j, size_t q, uint32_t want)
{
    return u[q].cp == (int64_t)want && !(q > j + 1 && is_digit(u[j].cp) && is_digit(u[q].cp));
}

static int is_latin_letter(int64_t cp)
{
    return is_word(cp) && !(cp >= '0' && cp <= '9') && !(cp >= 0xFF10 && cp <= 0xFF19);
}

/* With noise gaps, noise between two characters of a word is invisible on
 * both sides: 法*轮*功 is the word 法轮功, so neither hides the other. Noise
 * at either end stays, and so does clause punctuation where the text would
 * not skip it (after anything but a Latin letter: 日：您). */
static void match_units(ref_entry *re, uint32_t gap)
{
    const gen_entry *e = re->first;
    uint32_t lo = 0, hi = e->n, n = 0;
    memset(re->own, 0, sizeof re->own);
    if (gap == 0) {
        memcpy(re->units, e->cps, e->n * sizeof e->cps[0]);
        re->nunits = e->n;
        return;
    }
    while (lo < e->n && is_noise(e->cps[lo]))
        lo++;
    while (hi > lo && is_noise(e->cps[hi - 1]))
        hi--;
    for (uint32_t k = 0; k < lo; k++)
        re->units[n++] = e->cps[k];
    int latin = 0;
    for (uint32_t k = lo; k < hi; k++) {
        uint32_t cp = e->cps[k];
        if (is_noise(cp) && (!is_clause(cp) || latin)) {
            re->own[n] = 1;
            continue;
        }
        latin = !is_noise(cp) && is_latin_letter(cp);
        re->units[n++] = cp;
    }
    for (uint32_t k = hi; k < e->n; k++)
        re->units[n++] = e->cps[k];
    re->nunits = n;
}

static void fold_key(int64_t cp, char key[32]);

/* The one Han character cp folds to, or 0. */
static uint32_t folded_han(int64_t cp)
{
    char k[32];
    fold_key(cp, k);
    unit one[32];
    size_t n = decode(k, strlen(k), one);
    return n == 1 && shi_is_han((uint32_t)one[0].cp) ? (uint32_t)one[0].cp : 0;
}

/* The character next to unit i towards `dir` (-1 or 1), past ignorable
 * ones; -1 at a break or the text's edge. */
static int64_t beside(const unit *u, size_t nu, size_t i, int dir)
{
    char k[32];
    for (size_t b = i + (size_t)(ptrdiff_t)dir; b < nu; b += (size_t)(ptrdiff_t)dir) {
        if (is_line_break(u[b].cp))
            return -1;
        fold_key(u[b].cp, k);
        if (k[0])
            return u[b].cp;
    }
    return -1;
}

/* Noise between two words (docs/lexicon-format.md): a step of a match from
 * unit j (the entry's unit k) to unit q across noise is no match when the
 * character next to the gap makes a common two-character word with the
 * text's character beyond the hit (弹|性 服务): on the first unit's side
 * (k == 0) or the last one's (q has the entry's last unit); not for an
 * entry written with noise (轮*功). The word list
 * is the library's data (shi_word_pair), the rule the reference's. */
static int joins_words(const unit *u, size_t nu, const ref_entry *e, uint32_t k, size_t j, size_t q)
{
    char key[32];
    int noise = 0;
    for (size_t t = j + 1; t < q && !noise; t++) {
        fold_key(u[t].cp, key);
        noise = key[0] != 0;
    }
    for (uint32_t t = 0; t < e->first->n && noise; t++)
        noise = !is_noise(e->first->cps[t]); /* an entry written with noise: its own */
    if (!noise)
        return 0;
    uint32_t a, b;
    if (k == 0 && (a = folded_han(beside(u, nu, j, -1))) && (b = folded_han(u[j].cp)) &&
        shi_word_pair(a, b))
        return 1;
    return k + 2 == e->nunits && (a = folded_han(u[q].cp)) &&
           (b = folded_han(beside(u, nu, q, 1))) && shi_word_pair(a, b);
}

/* Noise inside a Latin word (docs/lexicon-format.md): an occurrence of an
 * entry with a word character at both ends that skipped noise before its
 * units in `skips` (bit k: before unit k) reads as the entry when every
 * skipped gap between two Latin letters is one the entry has noise in
 * (mother fucker), or every gap between two of its Latin letters is
 * skipped (f u c k); `the pen is` is not penis. */
static int latin_word(const ref_entry *e, uint64_t skips)
{
    if (!skips || !is_word(e->units[0]) || !is_word(e->units[e->nunits - 1]) || e->nunits > 64)
        return 1;
    uint32_t pairs = 0, skipped = 0, foreign = 0;
    for (uint32_t k = 1; k < e->nunits; k++) {
        if (!is_latin_letter(e->units[k - 1]) || !is_latin_letter(e->units[k]))
            continue;
        pairs++;
        if ((skips >> k) & 1) {
            skipped++;
            foreign += !e->own[k];
        }
    }
    return !foreign || skipped == pairs;
}

/* Units where an occurrence of e that has matched e->cps[0..k] with cps[k]
 * at unit j can end: the next character of the entry is at most `gap` noise
 * units further on. */
static void extend(const unit *u, size_t nu, const ref_entry *e, uint32_t k, size_t j, uint32_t gap,
                   uint64_t skips, size_t *ends, size_t *nends)
{
    if (k + 1 == e->nunits) {
        if (!latin_word(e, skips))
            return;
        for (size_t i = 0; i < *nends; i++)
            if (ends[i] == j)
                return;
        ends[(*nends)++] = j;
        return;
    }
    for (size_t q = j + 1; q < nu && q <= j + 1 + gap; q++) {
        if (gap_takes(u, j, q, e->units[k + 1]) && !joins_words(u, nu, e, k, j, q))
            extend(u, nu, e, k + 1, q, gap, skips | (q > j + 1 && k + 1 < 64 ? 1ull << (k + 1) : 0),
                   ends, nends);
        if (gap_ends(u, nu, j, q))
            break;
    }
}

/* A match of e->units[k..] from unit j (which has units[k]) that ends at
 * byte `end`: whether there is one, and then in *at the unit that has
 * units[want]. */
static int match_path(const unit *u, size_t nu, const ref_entry *e, uint32_t k, size_t j,
                      uint32_t gap, uint64_t skips, uint64_t end, uint32_t want, size_t *at)
{
    int found = 0;
    if (k + 1 == e->nunits) {
        found = u[j].end == end && latin_word(e, skips);
    } else {
        for (size_t q = j + 1; q < nu && q <= j + 1 + gap && !found; q++) {
            if (gap_takes(u, j, q, e->units[k + 1]) && !joins_words(u, nu, e, k, j, q))
                found = match_path(u, nu, e, k + 1, q, gap,
                                   skips | (q > j + 1 && k + 1 < 64 ? 1ull << (k + 1) : 0), end,
                                   want, at);
            if (gap_ends(u, nu, j, q))
                break;
        }
    }
    if (found && k == want)
        *at = j;
    return found;
}

/* Every occurrence of every entry, in no particular order: the characters of
 * the entry in order, with at most `gap` noise units between two of them
 * (clause punctuation only after a Latin letter).
 * Word boundaries look at the units right outside the hit. */
static size_t all_hits(const unit *u, size_t nu, const ref_entry *re, size_t nre, uint32_t gap,
                       shai_hit *out, size_t cap)
{
    size_t *ends = malloc((nu + 1) * sizeof *ends);
    assert_non_null(ends);
    size_t n = 0;
    for (size_t i = 0; i < nu; i++) {
        for (size_t j = 0; j < nre; j++) {
            const ref_entry *e = &re[j];
            if (u[i].cp != (int64_t)e->units[0])
                continue;
            if (is_word(e->units[0]) && i > 0 && is_word(u[i - 1].cp))
                continue;
            size_t nends = 0;
            extend(u, nu, e, 0, i, gap, 0, ends, &nends);
            for (size_t k = 0; k < nends; k++) {
                size_t last = ends[k];
                if (is_word(e->units[e->nunits - 1]) && last + 1 < nu && is_word(u[last + 1].cp))
                    continue;
                assert_true(n < cap);
                out[n].start = u[i].start;
                out[n].end = u[last].end;
                out[n].entry = re[j].db_index;
                out[n].category = re[j].db_category;
                out[n].action = re[j].action;
                out[n].flags = re[j].allow ? SHAI_HIT_ALLOW : 0;
                n++;
            }
        }
    }
    free(ends);
    return n;
}

/* Overlapping order: by end, then longer first, then entry index. */
static int cmp_overlapping(const void *pa, const void *pb)
{
    const shai_hit *a = pa, *b = pb;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->entry < b->entry ? -1 : a->entry > b->entry;
}

/* Leftmost-longest candidates: by start, then longer first, then index. */
static int cmp_leftmost(const void *pa, const void *pb)
{
    const shai_hit *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end > b->end ? -1 : 1;
    return a->entry < b->entry ? -1 : a->entry > b->entry;
}

/* Under the default options (repeats), what a hit's last unit is: the
 * text and the entries the hits came from. */
typedef struct split_ctx {
    const unit *u;
    size_t nu;
    const ref_entry *re;
    const uint32_t *db_to_ref;
} split_ctx;

/* The folded form of one code point ("" for an invalid byte or an
 * ignorable character). */
static void fold_key(int64_t cp, char key[32])
{
    key[0] = '\0';
    if (cp < 0)
        return;
    char b[8];
    size_t n = utf8_put((uint32_t)cp, b), len;
    if (shai_fold(SHAI_FOLD_ALL, b, n, key, 32, &len) != SHAI_OK)
        key[0] = '\0';
}

/* Whether [c, end) can be one unit that a doubled character joined, whose
 * last copy starts at s: two or more copies of one character (as folded,
 * ignorable characters between them), not a digit, the last one [s, end). */
static int doubled_unit(const split_ctx *sx, uint64_t c, uint64_t s, uint64_t end)
{
    size_t b = 0;
    while (b < sx->nu && sx->u[b].start < c)
        b++;
    if (b >= sx->nu || sx->u[b].start != c)
        return 0;
    char k[32], x[32];
    fold_key(sx->u[b].cp, k);
    if (!k[0] || (k[0] >= '0' && k[0] <= '9'))
        return 0;
    uint32_t copies = 0;
    size_t last = b;
    for (; b < sx->nu && sx->u[b].end <= end; b++) {
        fold_key(sx->u[b].cp, x);
        if (!x[0])
            continue;
        if (strcmp(x, k))
            return 0;
        copies++;
        last = b;
    }
    return copies >= 2 && sx->u[last].start == s && sx->u[last].end == end;
}

/* Repeatedly take the hit with the smallest start (ties: longest, then the
 * lowest entry index) and skip every hit that starts before its end.
 * Under the default options (sx), where units are not modelled, a hit that
 * ends in a unit a doubled character joined shares that unit with the best
 * hit that starts there (來自 and 自由民主黨 in 來自自由民主黨): where the
 * library's selection `lib` does so and the text allows it (doubled_unit),
 * the reference follows. */
static size_t leftmost_longest_split(const shai_hit *in, size_t n, shai_hit *out,
                                     const split_ctx *sx, const shai_hit *lib, size_t nlib)
{
    shai_hit *tmp = malloc((n + 1) * sizeof *tmp);
    assert_non_null(tmp);
    memcpy(tmp, in, n * sizeof *tmp);
    qsort(tmp, n, sizeof *tmp, cmp_leftmost);
    size_t m = 0;
    uint64_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (tmp[i].start < pos)
            continue;
        shai_hit h = tmp[i];
        while (sx && m + 1 < nlib && lib[m].start == h.start && lib[m].entry == h.entry &&
               lib[m].end < h.end && lib[m + 1].start == lib[m].end) {
            uint64_t s = lib[m].end;
            /* the best hit at such a unit, as the library reported it */
            size_t j = i + 1;
            while (j < n &&
                   (tmp[j].start <= h.start || tmp[j].start >= s ||
                    tmp[j].start == tmp[j - 1].start || tmp[j].entry != lib[m + 1].entry ||
                    tmp[j].end < lib[m + 1].end || !doubled_unit(sx, tmp[j].start, s, h.end)))
                j++;
            if (j >= n)
                break;
            h.end = s;
            out[m++] = h;
            h = tmp[j];
            h.start = s;
            i = j;
        }
        out[m++] = h;
        pos = h.end;
    }
    free(tmp);
    return m;
}

static size_t leftmost_longest(const shai_hit *in, size_t n, shai_hit *out)
{
    return leftmost_longest_split(in, n, out, NULL, NULL, 0);
}

/* Deny hits that no allow hit covers, in the order of `in`: an allow hit
 * covers a deny hit when it holds all of it, or when it ends after it and
 * holds more than half of its characters (with noise gaps, the characters
 * of the entry as matched, not the noise between them). `cover_from[i]` is
 * the byte at or before which an allow hit must start to cover hit i. */
static size_t violations(const shai_hit *in, const uint64_t *cover_from, size_t n, shai_hit *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i].flags & SHAI_HIT_ALLOW)
            continue;
        int covered = 0;
        for (size_t j = 0; j < n && !covered; j++)
            covered = (in[j].flags & SHAI_HIT_ALLOW) && in[j].start <= cover_from[i] &&
                      in[i].end <= in[j].end &&
                      (in[j].start <= in[i].start || in[i].end < in[j].end);
        if (!covered)
            out[m++] = in[i];
    }
    return m;
}

/* ===================================================== failure reports */

typedef struct report {
    char *buf;
    size_t cap;
    size_t used;
} report;

static void say(report *r, const char *fmt, ...)
{
    if (!r->buf || r->used + 1 >= r->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(r->buf + r->used, r->cap - r->used, fmt, ap);
    va_end(ap);
    if (w > 0)
        r->used = r->used + (size_t)w < r->cap ? r->used + (size_t)w : r->cap - 1;
}

/* Bytes as a C string literal: valid UTF-8 stays readable, everything else
 * is escaped. */
static void say_literal(report *r, const char *bytes, size_t len)
{
    const unsigned char *s = (const unsigned char *)bytes;
    say(r, "\"");
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        size_t l = well_formed(s + i, len - i, &cp);
        if (l > 1) {
            say(r, "%.*s", (int)l, bytes + i);
        } else if (l == 1 && (cp == '"' || cp == '\\')) {
            say(r, "\\%c", (int)cp);
        } else if (l == 1 && cp >= 0x20 && cp < 0x7F) {
            say(r, "%c", (int)cp);
        } else {
            say(r, "\\x%02x\"\"", s[i]);
            l = 1;
        }
        i += l;
    }
    say(r, "\"");
}

typedef struct case_state {
    const ref_entry *re;
    size_t nre;
    const uint32_t *db_to_ref;
    uint32_t db_count;
    report *r;
    match_mode mode;
} case_state;

static void say_hits(const case_state *cs, const char *label, const shai_hit *h, size_t n)
{
    say(cs->r, "    %s (%zu):", label, n);
    for (size_t i = 0; i < n && i < 40; i++) {
        say(cs->r, " [%" PRIu64 ",%" PRIu64 ")#%u", h[i].start, h[i].end, (unsigned)h[i].entry);
        if (h[i].entry < cs->db_count) {
            const ref_entry *e = &cs->re[cs->db_to_ref[h[i].entry]];
            say(cs->r, "%s", e->allow ? "+" : "");
            say_literal(cs->r, e->bytes, e->len);
        }
        say(cs->r, "/a%u/c%u/f%u", (unsigned)h[i].action, (unsigned)h[i].category,
            (unsigned)h[i].flags);
    }
    if (n > 40)
        say(cs->r, " ...");
    say(cs->r, "\n");
}

static int same_hit(const shai_hit *a, const shai_hit *b)
{
    return a->start == b->start && a->end == b->end && a->entry == b->entry &&
           a->category == b->category && a->action == b->action && a->flags == b->flags;
}

/* 0 when equal; otherwise describes the difference and returns 1. */
static int compare_hits(const case_state *cs, const char *what, uint32_t flags,
                        const shai_hit *expect, size_t ne, const shai_hit *got, size_t ng)
{
    size_t i = 0;
    while (i < ne && i < ng && same_hit(&expect[i], &got[i]))
        i++;
    if (i == ne && i == ng)
        return 0;
    say(cs->r, "  %s, flags 0x%x: first difference at hit %zu\n", what, (unsigned)flags, i);
    say_hits(cs, "expected", expect, ne);
    say_hits(cs, "got     ", got, ng);
    return 1;
}

/* ========================================================== the library */

typedef struct stream_ctx {
    hit_vec hits;
    uint64_t horizon;
    uint64_t limit; /* bytes written once the current write returns */
    int horizon_broken;
    int early;
} stream_ctx;

static int stream_hit(const shai_hit *hit, void *user)
{
    stream_ctx *ctx = user;
    if (hit->start < ctx->horizon)
        ctx->horizon_broken = 1;
    if (hit->end > ctx->limit)
        ctx->early = 1;
    hit_vec_push(&ctx->hits, hit);
    return ctx->hits.stop_after != 0 && ctx->hits.n >= ctx->hits.stop_after;
}

/* Streams bytes in random pieces. With stop_after, also checks that the
 * stream reports SHAI_TERMINATED and then refuses writes. */
static int run_stream(const case_state *cs, const shai_db *db, uint32_t flags, const char *bytes,
                      size_t len, uint64_t *rng, size_t stop_after, stream_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->hits.stop_after = stop_after;
    shai_stream *s = NULL;
    int rc = shai_stream_open(db, flags, stream_hit, ctx, &s);
    if (rc != SHAI_OK) {
        say(cs->r, "  stream_open flags 0x%x: %s\n", (unsigned)flags, shai_status_name(rc));
        return 1;
    }
    uint32_t mode = rng_below(rng, 4);
    int empty_write_at_end = rng_below(rng, 4) == 0;
    size_t pos = 0;
    int terminated = 0;
    for (;;) {
        size_t piece;
        if (pos == len) {
            if (!empty_write_at_end)
                break;
            empty_write_at_end = 0;
            piece = 0;
        } else if (mode == 0) {
            piece = len - pos;
        } else if (mode == 1) {
            piece = 1;
        } else {
            piece = rng_below(rng, 9);
            if (piece > len - pos)
                piece = len - pos;
        }
        ctx->limit = pos + piece;
        rc = shai_stream_write(s, bytes + pos, piece);
        pos += piece;
        if (rc == SHAI_TERMINATED) {
            terminated = 1;
            break;
        }
        if (rc != SHAI_OK) {
            say(cs->r, "  stream_write flags 0x%x at %zu: %s\n", (unsigned)flags, pos,
                shai_status_name(rc));
            shai_stream_close(s);
            return 1;
        }
        uint64_t h = 0;
        rc = shai_stream_horizon(s, &h);
        if (rc != SHAI_OK || h < ctx->horizon || h > pos) {
            say(cs->r,
                "  stream flags 0x%x: horizon %" PRIu64 " after %zu bytes (was %" PRIu64
                "), status %s\n",
                (unsigned)flags, h, pos, ctx->horizon, shai_status_name(rc));
            shai_stream_close(s);
            return 1;
        }
        ctx->horizon = h;
    }
    if (terminated) {
        rc = shai_stream_write(s, "a", 1);
        shai_stream_close(s);
        if (rc != SHAI_E_STATE) {
            say(cs->r, "  stream flags 0x%x: write after SHAI_TERMINATED returned %s\n",
                (unsigned)flags, shai_status_name(rc));
            return 1;
        }
    } else {
        rc = shai_stream_close(s);
        int want = SHAI_OK;
        if (stop_after != 0 && ctx->hits.n >= stop_after)
            want = SHAI_TERMINATED;
        if (rc != want) {
            say(cs->r, "  stream_close flags 0x%x: %s, expected %s\n", (unsigned)flags,
                shai_status_name(rc), shai_status_name(want));
            return 1;
        }
    }
    if (stop_after != 0 && ctx->hits.n != stop_after) {
        say(cs->r, "  stream flags 0x%x: %zu hits reported after asking to stop at %zu\n",
            (unsigned)flags, ctx->hits.n, stop_after);
        return 1;
    }
    if (ctx->horizon_broken || ctx->early) {
        say(cs->r, "  stream flags 0x%x: %s\n", (unsigned)flags,
            ctx->early ? "a hit was reported before its last byte was written"
                       : "a hit started before a horizon reported earlier");
        return 1;
    }
    return 0;
}

static const uint32_t mask_chars[] = {'*', 0xFF0A, 0x2588, 0x1F4A9, 0xE9};

/* Whether entry e has noise at either end (#话题, 赌%). */
static int edge_noise(const ref_entry *e)
{
    return e->nunits && (is_noise(e->units[0]) || is_noise(e->units[e->nunits - 1]));
}

/* With noise at the ends of entries: every library hit is one of the
 * reference's, and every reference hit of an entry without such noise is
 * the library's. */
static int edges_check(const case_state *cs, const char *bytes, size_t len, const shai_hit *ref,
                       size_t nref, const shai_hit *lib, size_t nlib)
{
    for (size_t i = 0; i < nlib; i++) {
        size_t j = 0;
        while (j < nref && !(ref[j].start == lib[i].start && ref[j].end == lib[i].end &&
                             ref[j].entry == lib[i].entry))
            j++;
        if (j == nref) {
            say(cs->r, "  library hit %zu is no reading of its entry in ", i);
            say_literal(cs->r, bytes, len);
            say(cs->r, "\n");
            say_hits(cs, "reference", ref, nref);
            say_hits(cs, "library", lib, nlib);
            return 1;
        }
    }
    for (size_t j = 0; j < nref; j++) {
        if (edge_noise(&cs->re[cs->db_to_ref[ref[j].entry]]))
            continue;
        size_t i = 0;
        while (i < nlib && !(ref[j].start == lib[i].start && ref[j].end == lib[i].end &&
                             ref[j].entry == lib[i].entry))
            i++;
        if (i == nlib) {
            say(cs->r, "  reference hit %zu of an entry without noise at its ends is hidden in ",
                j);
            say_literal(cs->r, bytes, len);
            say(cs->r, "\n");
            say_hits(cs, "reference", ref, nref);
            say_hits(cs, "library", lib, nlib);
            return 1;
        }
    }
    return 0;
}

/* Compares everything the library says about one text. */
/* Under the default options (folding, noise gaps, repeats) there is no
 * reference for which hits exist; the overlapping hits of the library are
 * checked for what the contract says of every hit, and then stand in for the
 * reference: every other mode and API must agree with them. */
static int library_overlapping(const case_state *cs, const shai_db *db, const char *bytes,
                               size_t len, const unit *u, size_t nu, shai_hit *out, size_t cap,
                               size_t *n)
{
    int rc = shai_scan_hits(db, bytes, len, SHAI_SCAN_OVERLAPPING, out, cap, n);
    if (rc != SHAI_OK) {
        say(cs->r, "  shai_scan_hits overlapping: %s\n", shai_status_name(rc));
        return 1;
    }
    for (size_t i = 0; i < *n; i++) {
        const shai_hit *h = &out[i];
        int ok = h->start < h->end && h->end <= len && h->entry < cs->db_count;
        size_t a = 0, b = 0;
        while (ok && a < nu && u[a].start < h->start)
            a++;
        while (ok && b < nu && u[b].end < h->end)
            b++;
        ok = ok && a < nu && u[a].start == h->start && b < nu && u[b].end == h->end;
        if (ok) {
            const ref_entry *e = &cs->re[cs->db_to_ref[h->entry]];
            ok = h->action == e->action && h->category == e->db_category &&
                 h->flags == (e->allow ? SHAI_HIT_ALLOW : 0u);
        }
        if (ok && i > 0 && cmp_overlapping(&out[i - 1], h) >= 0) {
            say(cs->r, "  overlapping hits out of order at %zu\n", i);
            say_hits(cs, "got", out, *n);
            return 1;
        }
        if (!ok) {
            say(cs->r,
                "  overlapping hit %zu is malformed (bounds, code point edges or "
                "attributes)\n",
                i);
            say_hits(cs, "got", out, *n);
            return 1;
        }
    }
    return 0;
}

/* Whether entry e folds to nothing (every character ignorable, as a lone
 * combining mark is): it can never match, and an allow entry of that kind
 * covers nothing, so the scan counts it as none (db->max_allow_units). */
static int folds_away(const case_state *cs, const ref_entry *e)
{
    if (cs->mode.raw)
        return 0; /* no fold */
    char out[4 * SHAI_MAX_ENTRY_CODEPOINTS + 1];
    size_t len = 0;
    return shai_fold(SHAI_FOLD_ALL, e->bytes, e->len, out, sizeof out, &len) == SHAI_OK && len == 0;
}

/* Under the default options, where units are not modelled: the library's
 * overlapping violations, checked to be deny hits among `all` in the same
 * order, every other deny hit overlapped by an allow hit that holds its
 * last character. */
static int library_violations(const case_state *cs, const shai_db *db, const char *bytes,
                              size_t len, const shai_hit *all, size_t nall, shai_hit *out,
                              size_t cap, size_t *n)
{
    int rc =
        shai_scan_hits(db, bytes, len, SHAI_SCAN_OVERLAPPING | SHAI_SCAN_VIOLATIONS, out, cap, n);
    if (rc != SHAI_OK) {
        say(cs->r, "  shai_scan_hits overlapping violations: %s\n", shai_status_name(rc));
        return 1;
    }
    size_t k = 0;
    for (size_t i = 0; i < nall; i++) {
        if (all[i].flags & SHAI_HIT_ALLOW)
            continue;
        if (k < *n && same_hit(&all[i], &out[k])) {
            k++;
            continue;
        }
        int overlapped = 0;
        for (size_t j = 0; j < nall && !overlapped; j++)
            overlapped = (all[j].flags & SHAI_HIT_ALLOW) && all[j].start < all[i].end &&
                         all[i].end <= all[j].end;
        if (!overlapped) {
            say(cs->r, "  deny hit %zu suppressed by no allow hit\n", i);
            say_hits(cs, "all", all, nall);
            say_hits(cs, "violations", out, *n);
            return 1;
        }
    }
    if (k != *n) {
        say(cs->r, "  violations that are not deny hits in order\n");
        say_hits(cs, "all", all, nall);
        say_hits(cs, "violations", out, *n);
        return 1;
    }
    return 0;
}

/* One scan through the library's scanner, every character taking the
 * general step or (as the API does) the fast loops where they can: hits and,
 * for violations, the verdict. */
static int scanner_hits(const shai_db *db, const char *bytes, size_t len, uint32_t flags,
                        hit_vec *hv, uint32_t *verdict)
{
    if (flags & SHAI_SCAN_VIOLATIONS)
        flags |= SHI_SCAN_VERDICT;
    shi_scanner *sc = malloc(sizeof *sc);
    assert_non_null(sc);
    shi_scanner_init(sc);
    shi_scanner_start(sc, db, flags, collect_hit, hv);
    shi_scanner_feed(sc, (const unsigned char *)bytes, len, 1);
    shi_scanner_finish(sc);
    shi_scanner_release(sc);
    int rc = shi_scanner_status(sc);
    *verdict = sc->verdict;
    free(sc);
    return rc;
}

/* The overlapping hits of the one reading of each noise gap that the other
 * modes build on (SHI_SCAN_ONE_READING), into out[0..cap). */
static int one_reading(const case_state *cs, const shai_db *db, const char *bytes, size_t len,
                       shai_hit *out, size_t cap, size_t *n)
{
    hit_vec hv = {0};
    uint32_t verdict;
    int rc =
        scanner_hits(db, bytes, len, SHAI_SCAN_OVERLAPPING | SHI_SCAN_ONE_READING, &hv, &verdict);
    if (rc != SHAI_OK || hv.n > cap) {
        say(cs->r, "  one reading: %s, %zu hits\n", shai_status_name(rc), hv.n);
        hit_vec_free(&hv);
        return 1;
    }
    if (hv.n)
        memcpy(out, hv.v, hv.n * sizeof *out);
    *n = hv.n;
    hit_vec_free(&hv);
    return 0;
}

/* The fast loops against the general step, in every mode: the same hits
 * and the same verdict. Under the default options the library's own
 * overlapping hits are the reference of what follows; this holds the
 * loops that produce them to the one implementation that takes every
 * character itself. The root loop decodes with PEXT where the CPU has it
 * fast (db->fast_pext), so every other text has the decode of the other
 * CPUs (SHI_SCAN_NO_PEXT). */
static int fast_vs_general(const case_state *cs, const shai_db *db, const char *bytes, size_t len)
{
    static unsigned turn;
    uint32_t decode = (turn++ & 1) ? SHI_SCAN_NO_PEXT : 0;
    int bad = 0;
    for (uint32_t flags = 0; flags < 4 && !bad; flags++) {
        hit_vec fast = {0}, general = {0};
        uint32_t vf = 99, vg = 99;
        int rf = scanner_hits(db, bytes, len, flags | decode, &fast, &vf);
        int rg = scanner_hits(db, bytes, len, flags | SHI_SCAN_GENERAL, &general, &vg);
        if (rf != rg || vf != vg) {
            say(cs->r, "  fast loops %s, verdict %u; general step %s, verdict %u (flags 0x%x)\n",
                shai_status_name(rf), (unsigned)vf, shai_status_name(rg), (unsigned)vg,
                (unsigned)(flags | decode));
            bad = 1;
        }
        bad = bad || compare_hits(cs, "fast loops vs general step", flags | decode, general.v,
                                  general.n, fast.v, fast.n);
        hit_vec_free(&fast);
        hit_vec_free(&general);
    }
    return bad;
}

/* Compares everything the library says about one text. */
static int run_text(const case_state *cs, const shai_db *db, const text *t, uint64_t seed)
{
    size_t len = text_size(t);
    char *bytes = malloc(len + 1);
    assert_non_null(bytes);
    text_bytes(t, bytes);
    bytes[len] = '\0';
    size_t max_hits = (len + 1) * (cs->nre + 1);
    if (!cs->mode.raw) {
        size_t count = 0;
        shai_scan_hits(db, bytes, len, SHAI_SCAN_OVERLAPPING, NULL, 0, &count);
        if (count >= max_hits)
            max_hits = count + 1;
    }
    unit *u = malloc((len + 1) * sizeof *u);
    shai_hit *all = malloc(max_hits * sizeof *all);
    shai_hit *viol = malloc(max_hits * sizeof *viol);
    shai_hit *expect = malloc(max_hits * sizeof *expect);
    shai_hit *got = malloc((max_hits + 1) * sizeof *got);
    assert_true(u && all && viol && expect && got);

    size_t nu = decode(bytes, len, u);
    const split_ctx sx = {u, nu, cs->re, cs->db_to_ref};
    size_t nall = 0;
    int bad = fast_vs_general(cs, db, bytes, len);
    /* overlapping scans report both readings of a noise gap (both); the
     * other modes build on the one reading the scanner keeps (all) */
    shai_hit *both = malloc(max_hits * sizeof *both);
    assert_non_null(both);
    size_t nboth = 0;
    int no_allow = 1;
    for (size_t i = 0; i < cs->nre; i++)
        no_allow = no_allow && !(cs->re[i].allow && !folds_away(cs, &cs->re[i]));
    if (cs->mode.raw && cs->mode.edges) {
        size_t nref = all_hits(u, nu, cs->re, cs->nre, cs->mode.gap, expect, max_hits);
        qsort(expect, nref, sizeof *expect, cmp_overlapping);
        bad = bad || library_overlapping(cs, db, bytes, len, u, nu, both, max_hits, &nboth);
        bad = bad || edges_check(cs, bytes, len, expect, nref, both, nboth);
        bad = bad || one_reading(cs, db, bytes, len, all, max_hits, &nall);
    } else if (cs->mode.raw) {
        nall = all_hits(u, nu, cs->re, cs->nre, cs->mode.gap, all, max_hits);
        qsort(all, nall, sizeof *all, cmp_overlapping);
        memcpy(both, all, nall * sizeof *all);
        nboth = nall;
    } else {
        bad = bad || library_overlapping(cs, db, bytes, len, u, nu, both, max_hits, &nboth);
        bad = bad || one_reading(cs, db, bytes, len, all, max_hits, &nall);
    }
    size_t nviol = 0;
    if (cs->mode.raw && !bad) {
        uint64_t *cover_from = malloc((nall + 1) * sizeof *cover_from);
        assert_non_null(cover_from);
        for (size_t i = 0; i < nall; i++) {
            const ref_entry *e = &cs->re[cs->db_to_ref[all[i].entry]];
            size_t i0 = 0, at = SIZE_MAX;
            while (i0 < nu && u[i0].start < all[i].start)
                i0++;
            uint32_t want = e->nunits - (e->nunits / 2 + 1);
            assert_true(i0 < nu &&
                        match_path(u, nu, e, 0, i0, cs->mode.gap, 0, all[i].end, want, &at));
            cover_from[i] = u[at].start;
        }
        nviol = violations(all, cover_from, nall, viol);
        free(cover_from);
    } else if (!bad) {
        /* without allow entries, overlapping violations are every deny hit
         * of both readings */
        bad = library_violations(cs, db, bytes, len, no_allow ? both : all, no_allow ? nboth : nall,
                                 viol, max_hits, &nviol);
    }
    /* overlapping violations without allow entries: both readings' deny
     * hits; the other modes build on one reading's */
    shai_hit *viol_both = malloc((max_hits + 1) * sizeof *viol_both);
    assert_non_null(viol_both);
    size_t nviol_both = 0;
    for (size_t i = 0; no_allow && i < nboth; i++)
        if (!(both[i].flags & SHAI_HIT_ALLOW))
            viol_both[nviol_both++] = both[i];
    if (no_allow && !bad) {
        nviol = 0;
        for (size_t i = 0; i < nall; i++)
            if (!(all[i].flags & SHAI_HIT_ALLOW))
                viol[nviol++] = all[i];
    }

    uint64_t rng = seed;
    for (uint32_t flags = 0; flags < 4 && !bad; flags++) {
        const shai_hit *base = (flags & SHAI_SCAN_VIOLATIONS) ? viol : all;
        size_t nbase = (flags & SHAI_SCAN_VIOLATIONS) ? nviol : nall;
        size_t ne;
        if (flags == SHAI_SCAN_OVERLAPPING) {
            memcpy(expect, both, nboth * sizeof *expect);
            ne = nboth;
        } else if (flags == (SHAI_SCAN_OVERLAPPING | SHAI_SCAN_VIOLATIONS) && no_allow) {
            memcpy(expect, viol_both, nviol_both * sizeof *expect);
            ne = nviol_both;
        } else if (flags & SHAI_SCAN_OVERLAPPING) {
            memcpy(expect, base, nbase * sizeof *expect);
            ne = nbase;
        } else if (cs->mode.raw) {
            ne = leftmost_longest(base, nbase, expect);
        } else {
            hit_vec lib = {0};
            shai_scan(db, bytes, len, flags, collect_hit, &lib);
            ne = leftmost_longest_split(base, nbase, expect, &sx, lib.v, lib.n);
            hit_vec_free(&lib);
        }

        hit_vec hv = {0};
        int rc = shai_scan(db, bytes, len, flags, collect_hit, &hv);
        if (rc != SHAI_OK) {
            say(cs->r, "  shai_scan flags 0x%x: %s\n", (unsigned)flags, shai_status_name(rc));
            bad = 1;
        }
        bad = bad || compare_hits(cs, "shai_scan", flags, expect, ne, hv.v, hv.n);
        hit_vec_free(&hv);
        if (bad)
            break;

        size_t count = 99;
        rc = shai_scan_hits(db, bytes, len, flags, NULL, 0, &count);
        if (rc != (ne ? SHAI_E_BUFFER_TOO_SMALL : SHAI_OK) || count != ne) {
            say(cs->r, "  shai_scan_hits(cap 0) flags 0x%x: %s, count %zu, expected %zu\n",
                (unsigned)flags, shai_status_name(rc), count, ne);
            bad = 1;
            break;
        }
        size_t cap = ne ? rng_below(&rng, (uint32_t)ne + 1) : 0;
        rc = shai_scan_hits(db, bytes, len, flags, got, cap, &count);
        if (rc != (cap < ne ? SHAI_E_BUFFER_TOO_SMALL : SHAI_OK) || count != ne) {
            say(cs->r, "  shai_scan_hits(cap %zu) flags 0x%x: %s, count %zu, expected %zu\n", cap,
                (unsigned)flags, shai_status_name(rc), count, ne);
            bad = 1;
            break;
        }
        if (compare_hits(cs, "shai_scan_hits (prefix)", flags, expect, cap, got, cap)) {
            bad = 1;
            break;
        }

        stream_ctx sc;
        bad = run_stream(cs, db, flags, bytes, len, &rng, 0, &sc);
        bad = bad || compare_hits(cs, "stream", flags, expect, ne, sc.hits.v, sc.hits.n);
        hit_vec_free(&sc.hits);
        if (bad)
            break;

        if (ne > 0) {
            size_t stop = 1 + rng_below(&rng, (uint32_t)ne);
            hit_vec th = {.stop_after = stop};
            rc = shai_scan(db, bytes, len, flags, collect_hit, &th);
            if (rc != SHAI_TERMINATED || th.n != stop) {
                say(cs->r, "  shai_scan stopping at hit %zu, flags 0x%x: %s after %zu hits\n", stop,
                    (unsigned)flags, shai_status_name(rc), th.n);
                bad = 1;
            }
            bad = bad || compare_hits(cs, "shai_scan (stopped)", flags, expect, stop, th.v, th.n);
            hit_vec_free(&th);
            if (bad)
                break;
            bad = run_stream(cs, db, flags, bytes, len, &rng, stop, &sc);
            bad = bad ||
                  compare_hits(cs, "stream (stopped)", flags, expect, stop, sc.hits.v, sc.hits.n);
            hit_vec_free(&sc.hits);
        }
    }

    /* shai_check: the verdict from all violations; hits as with VIOLATIONS. */
    uint32_t expect_verdict = SHAI_ACTION_PASS;
    for (size_t i = 0; i < nviol; i++)
        if (viol[i].action > expect_verdict)
            expect_verdict = viol[i].action;
    for (uint32_t flags = 0; flags <= SHAI_SCAN_OVERLAPPING && !bad; flags++) {
        size_t ne;
        if (flags & SHAI_SCAN_OVERLAPPING) {
            memcpy(expect, viol, nviol * sizeof *expect);
            ne = nviol;
        } else if (cs->mode.raw) {
            ne = leftmost_longest(viol, nviol, expect);
        } else {
            hit_vec lib = {0};
            shai_scan(db, bytes, len, SHAI_SCAN_VIOLATIONS, collect_hit, &lib);
            ne = leftmost_longest_split(viol, nviol, expect, &sx, lib.v, lib.n);
            hit_vec_free(&lib);
        }
        uint32_t verdict = 99;
        size_t count = 99;
        int rc = shai_check(db, bytes, len, flags, &verdict, got, max_hits, &count);
        if (rc != SHAI_OK || verdict != expect_verdict) {
            say(cs->r, "  shai_check flags 0x%x: %s, verdict %u, expected %u\n", (unsigned)flags,
                shai_status_name(rc), (unsigned)verdict, (unsigned)expect_verdict);
            bad = 1;
            break;
        }
        bad = compare_hits(cs, "shai_check", flags, expect, ne, got, count);
    }

    /* shai_mask: every code point of every violation, overlapping ones
     * included. */
    if (!bad) {
        uint32_t mc = mask_chars[rng_below(&rng, COUNT(mask_chars))];
        char mcb[4];
        size_t mcl = utf8_put(mc, mcb);
        char *want = malloc(len * 4 + 1);
        assert_non_null(want);
        size_t wl = 0;
        for (size_t i = 0; i < nu; i++) {
            int masked = 0;
            for (size_t h = 0; h < nviol && !masked; h++)
                masked = viol[h].start <= u[i].start && u[i].end <= viol[h].end;
            if (masked) {
                memcpy(want + wl, mcb, mcl);
                wl += mcl;
            } else {
                memcpy(want + wl, bytes + u[i].start, u[i].end - u[i].start);
                wl += u[i].end - u[i].start;
            }
        }
        want[wl] = '\0';
        size_t out_len = 0;
        int rc = shai_mask(db, bytes, len, mc, NULL, 0, &out_len);
        if (rc != SHAI_E_BUFFER_TOO_SMALL || out_len != wl) {
            say(cs->r, "  shai_mask size query, U+%04X: %s, %zu bytes, expected %zu\n",
                (unsigned)mc, shai_status_name(rc), out_len, wl);
            bad = 1;
        } else {
            char *out = malloc(wl + 1);
            assert_non_null(out);
            rc = shai_mask(db, bytes, len, mc, out, wl + 1, &out_len);
            if (rc != SHAI_OK || out_len != wl || memcmp(out, want, wl + 1) != 0) {
                say(cs->r, "  shai_mask, U+%04X: %s\n    expected ", (unsigned)mc,
                    shai_status_name(rc));
                say_literal(cs->r, want, wl);
                say(cs->r, "\n    got      ");
                say_literal(cs->r, out, rc == SHAI_OK ? out_len : 0);
                say(cs->r, "\n");
                bad = 1;
            }
            free(out);
        }
        free(want);
    }

    free(bytes);
    free(u);
    free(all);
    free(both);
    free(viol_both);
    free(viol);
    free(expect);
    free(got);
    return bad;
}

/* Builds the db from the lexicon, checks the merged entries, then every
 * text. Returns 0 when the library agrees with the reference. */
static int run_case(const lexicon *lx, const text *texts, size_t ntexts, uint64_t seed,
                    match_mode mode, report *r)
{
    ref_entry *re = malloc((lx->n + 1) * sizeof *re);
    assert_non_null(re);
    size_t nre = merge_entries(lx, re, mode.gap);
    uint32_t *db_to_ref = calloc(nre + 1, sizeof *db_to_ref);
    assert_non_null(db_to_ref);
    case_state cs = {re, nre, db_to_ref, 0, r, mode};
    int bad = 0;
    shai_db *db = NULL;

    shai_builder *b = mode.raw ? new_raw_builder() : new_builder();
    if (mode.gap > 0)
        assert_status(shai_builder_set_option(b, SHAI_OPT_MAX_GAP, mode.gap), SHAI_OK);
    /* the reference is the scanner's: no variant layer */
    assert_status(shai_builder_set_option(b, SHAI_OPT_VARIANTS, 0), SHAI_OK);
    for (size_t i = 0; i < lx->n && !bad; i++) {
        const gen_entry *e = &lx->e[i];
        char word[4 * SHAI_MAX_ENTRY_CODEPOINTS];
        size_t wl = 0;
        for (uint32_t k = 0; k < e->n; k++)
            wl += utf8_put(e->cps[k], word + wl);
        int rc = shai_builder_add_entry(
            b, word, wl, e->category < 0 ? NULL : category_names[e->category], e->action,
            e->allow ? SHAI_ENTRY_ALLOW : 0, e->tag < 0 ? NULL : tag_names[e->tag],
            e->suggestion < 0 ? NULL : suggestion_names[e->suggestion]);
        if (rc != SHAI_OK) {
            say(r, "  add_entry #%zu: %s: %s\n", i, shai_status_name(rc),
                shai_builder_error_message(b));
            bad = 1;
        }
    }
    if (!bad && shai_builder_entry_count(b) != nre) {
        say(r, "  builder has %u entries, expected %zu after merging\n",
            (unsigned)shai_builder_entry_count(b), nre);
        bad = 1;
    }
    if (!bad) {
        int rc = shai_builder_compile(b, &db);
        if (rc != SHAI_OK) {
            say(r, "  compile: %s\n", shai_status_name(rc));
            bad = 1;
        }
    }
    shai_builder_free(b);
    /* A quarter of the cases scan a db that went through its saved image,
     * copied or borrowed. */
    void *image = NULL;
    if (!bad && (seed & 3) == 0) {
        size_t size = 0;
        shai_db_serialize(db, NULL, 0, &size);
        image = malloc(size ? size : 1);
        assert_non_null(image);
        shai_db *loaded = NULL;
        int rc = shai_db_serialize(db, image, size, &size);
        if (rc == SHAI_OK)
            rc = shai_db_from_buffer(image, size, (seed & 4) ? SHAI_DB_BORROW : 0, &loaded);
        if (rc != SHAI_OK) {
            say(r, "  saving and loading the db: %s\n", shai_status_name(rc));
            bad = 1;
        } else {
            shai_db_free(db);
            db = loaded;
        }
    }
    if (!bad && shai_db_entry_count(db) != nre) {
        say(r, "  db has %u entries, expected %zu\n", (unsigned)shai_db_entry_count(db), nre);
        bad = 1;
    }

    /* Map db indices to merged entries and check their attributes. */
    for (uint32_t i = 0; !bad && i < nre; i++) {
        const char *word = NULL, *tag = NULL, *suggestion = NULL, *category = NULL;
        size_t wl = 0;
        uint32_t cat = 0, action = 0, flags = 0;
        if (shai_db_entry_text(db, i, &word, &wl) != SHAI_OK ||
            shai_db_entry_info(db, i, &cat, &action, &flags, &tag, &suggestion) != SHAI_OK ||
            shai_db_category_name(db, cat, &category) != SHAI_OK) {
            say(r, "  entry accessors fail for #%u\n", (unsigned)i);
            bad = 1;
            break;
        }
        size_t j = 0;
        while (j < nre && !(re[j].len == wl && memcmp(re[j].bytes, word, wl) == 0 &&
                            re[j].allow == ((flags & SHAI_ENTRY_ALLOW) != 0) && !re[j].mapped))
            j++;
        if (j == nre) {
            say(r, "  db entry #%u ", (unsigned)i);
            say_literal(r, word, wl);
            say(r, " (flags %u) is not in the merged lexicon\n", (unsigned)flags);
            bad = 1;
            break;
        }
        re[j].mapped = 1;
        re[j].db_index = i;
        re[j].db_category = cat;
        db_to_ref[i] = (uint32_t)j;
        const char *want_cat =
            re[j].category < 0 ? "uncategorized" : category_names[re[j].category];
        const char *want_tag = re[j].tag < 0 ? NULL : tag_names[re[j].tag];
        const char *want_sug = re[j].suggestion < 0 ? NULL : suggestion_names[re[j].suggestion];
        if (action != re[j].action || strcmp(category, want_cat) != 0 ||
            (tag == NULL) != (want_tag == NULL) || (tag && strcmp(tag, want_tag) != 0) ||
            (suggestion == NULL) != (want_sug == NULL) ||
            (suggestion && strcmp(suggestion, want_sug) != 0)) {
            say(r, "  merged entry ");
            say_literal(r, word, wl);
            say(r, ": action %u category %s tag %s suggestion %s; expected %u %s %s %s\n",
                (unsigned)action, category, tag ? tag : "-", suggestion ? suggestion : "-",
                (unsigned)re[j].action, want_cat, want_tag ? want_tag : "-",
                want_sug ? want_sug : "-");
            bad = 1;
        }
    }
    cs.db_count = bad ? 0 : (uint32_t)nre;

    for (size_t i = 0; i < ntexts && !bad; i++) {
        bad = run_text(&cs, db, &texts[i], seed ^ (UINT64_C(0x5851F42D4C957F2D) * (i + 1)));
        if (bad) {
            say(r, "  text #%zu: ", i);
            char *bytes = malloc(text_size(&texts[i]) + 1);
            assert_non_null(bytes);
            size_t n = text_bytes(&texts[i], bytes);
            say_literal(r, bytes, n);
            say(r, "\n");
            free(bytes);
        }
    }
    shai_db_free(db);
    free(image);
    free(db_to_ref);
    free(re);
    return bad;
}

/* ========================================================== generation */

typedef struct gen_params {
    uint32_t max_entries;    /* 1..max_entries entries */
    uint32_t max_entry_len;  /* code points of a random entry */
    uint32_t max_alphabet;   /* symbols per lexicon */
    uint32_t max_text_units; /* tokens per text */
    uint32_t texts;          /* texts per lexicon */
    match_mode mode;
    int noise_in_entries; /* gap tests: noise characters inside words */
} gen_params;

/* Spellings of a character that the default folding should see through. */
static const uint32_t variants[][4] = {
    {'a', 'A', 0xFF41, 0xFF21}, {'b', 'B', 0xFF42, 0x24D1},       {'q', 'Q', 0xFF51, 0x1D42A},
    {'s', 'S', 0xFF53, 0x0455}, {'1', 0xFF11, 0x2460, '1'},       {'2', 0xFF12, 0x2461, '2'},
    {'Z', 'z', 0xFF3A, 0xFF5A}, {0x8D4C, 0x8CED, 0x8D4C, 0x8CED}, {0x7F51, 0x7DB2, 0x7F51, 0x7DB2},
    {0xE9, 0xC9, 'e', 'E'},     {0xF1, 0xD1, 'n', 'N'},
};

/* Noise and ignorable characters to put between the characters of a word. */
static const uint32_t noise[] = {' ', '!', '*', ',', '.', 0x200B, 0x3000, 0x1F600, 0xFF0C, 0xFE0F};

static uint32_t variant(uint64_t *rng, uint32_t cp)
{
    for (size_t i = 0; i < COUNT(variants); i++)
        if (variants[i][0] == cp)
            return variants[i][rng_below(rng, 4)];
    return cp;
}

static void gen_attrs(uint64_t *rng, gen_entry *e)
{
    e->allow = rng_below(rng, 5) == 0;
    e->action = rng_below(rng, 2) ? SHAI_ACTION_BLOCK : SHAI_ACTION_REVIEW;
    e->category = (int)rng_below(rng, COUNT(category_names) + 1) - 1;
    e->tag = rng_below(rng, 3) ? -1 : (int)rng_below(rng, COUNT(tag_names));
    e->suggestion = rng_below(rng, 3) ? -1 : (int)rng_below(rng, COUNT(suggestion_names));
}

static void gen_case(uint64_t seed, const gen_params *p, lexicon *lx, text *texts)
{
    uint64_t rng = seed;
    uint32_t alphabet[16];
    uint32_t na = 1 + rng_below(&rng, p->max_alphabet);
    if (na > COUNT(alphabet))
        na = COUNT(alphabet);
    int latin = rng_below(&rng, 4) == 0;
    const uint32_t *letters = p->mode.gap ? gap_letters : pool;
    uint32_t nletters = p->mode.gap ? COUNT(gap_letters) : COUNT(pool);
    for (uint32_t i = 0; i < na; i++) {
        /* A quarter of the lexicons mostly use ASCII letters and digits, to
         * stress the word boundaries. */
        if (latin && i + 1 < na)
            alphabet[i] = "abqs12Z"[rng_below(&rng, 7)];
        else
            alphabet[i] = letters[rng_below(&rng, nletters)];
    }

    lx->n = 0;
    int entry_noise = p->mode.gap > 0 && p->noise_in_entries;
    uint32_t ne = 1 + rng_below(&rng, p->max_entries);
    for (uint32_t i = 0; i < ne; i++) {
        gen_entry e;
        memset(&e, 0, sizeof e);
        uint32_t how = lx->n ? rng_below(&rng, 10) : 9;
        const gen_entry *other = lx->n ? &lx->e[rng_below(&rng, (uint32_t)lx->n)] : NULL;
        if (how == 0) { /* duplicate */
            e = *other;
        } else if (how == 1 || how == 2) { /* prefix / suffix */
            e.n = 1 + rng_below(&rng, other->n);
            memcpy(e.cps, other->cps + (how == 1 ? 0 : other->n - e.n), e.n * sizeof e.cps[0]);
        } else if (how == 3) { /* extension */
            e = *other;
            uint32_t extra = 1 + rng_below(&rng, 2);
            while (extra-- && e.n < SHAI_MAX_ENTRY_CODEPOINTS) {
                if (rng_below(&rng, 2)) {
                    e.cps[e.n++] = alphabet[rng_below(&rng, na)];
                } else {
                    memmove(e.cps + 1, e.cps, e.n * sizeof e.cps[0]);
                    e.cps[0] = alphabet[rng_below(&rng, na)];
                    e.n++;
                }
            }
        } else {
            e.n = 1 + rng_below(&rng, p->max_entry_len);
            for (uint32_t k = 0; k < e.n; k++)
                e.cps[k] = alphabet[rng_below(&rng, na)];
        }
        /* Gap lexicons: sometimes a noise character inside the word. */
        if (entry_noise && e.n >= 2 && e.n < SHAI_MAX_ENTRY_CODEPOINTS && rng_below(&rng, 3) == 0) {
            uint32_t at = 1 + rng_below(&rng, e.n - 1);
            memmove(e.cps + at + 1, e.cps + at, (e.n - at) * sizeof e.cps[0]);
            e.cps[at] = gap_noise[rng_below(&rng, COUNT(gap_noise))];
            e.n++;
        }
        /* ...but never at either end (prefixes and suffixes of such words
         * could have it there), where whether more noise may follow is not
         * pinned down... */
        while (p->mode.gap && e.n > 0 && is_noise(e.cps[e.n - 1]))
            e.n--;
        while (p->mode.gap && e.n > 0 && is_noise(e.cps[0]))
            memmove(e.cps, e.cps + 1, --e.n * sizeof e.cps[0]);
        if (e.n == 0)
            e.cps[e.n++] = alphabet[0];
        /* ...unless the case is about such words (#话题, 赌%): one noise
         * character at one end */
        if (p->mode.edges && e.n < SHAI_MAX_ENTRY_CODEPOINTS && rng_below(&rng, 3) == 0) {
            uint32_t c = gap_noise[rng_below(&rng, COUNT(gap_noise))];
            if (rng_below(&rng, 2)) {
                e.cps[e.n++] = c;
            } else {
                memmove(e.cps + 1, e.cps, e.n * sizeof e.cps[0]);
                e.cps[0] = c;
                e.n++;
            }
        }
        gen_attrs(&rng, &e);
        lexicon_push(lx, &e);
    }

    /* The noise that entries begin or end with: written inside the words
     * of the texts too, where skipping it and taking it both give hits
     * (赌%博 with 赌% and 赌博). */
    uint32_t edge_cps[2 * 64];
    uint32_t nedge = 0;
    for (size_t i = 0; p->mode.edges && i < lx->n && nedge + 2 <= COUNT(edge_cps); i++) {
        const gen_entry *e = &lx->e[i];
        if (is_noise(e->cps[0]))
            edge_cps[nedge++] = e->cps[0];
        if (is_noise(e->cps[e->n - 1]))
            edge_cps[nedge++] = e->cps[e->n - 1];
    }

    for (uint32_t ti = 0; ti < p->texts; ti++) {
        text *t = &texts[ti];
        t->n = 0;
        uint32_t target = rng_below(&rng, p->max_text_units + 1);
        while (t->n < target) {
            uint32_t r = rng_below(&rng, 100);
            if (r < 35 && lx->n) {
                const gen_entry *e = &lx->e[rng_below(&rng, (uint32_t)lx->n)];
                for (uint32_t k = 0; k < e->n; k++) {
                    if (p->mode.raw) {
                        text_push_cp(t, e->cps[k]);
                        /* noise inside the word: up to one more than allowed */
                        if (p->mode.gap && k + 1 < e->n && rng_below(&rng, 2) == 0)
                            for (uint32_t g = rng_below(&rng, p->mode.gap + 2); g > 0; g--)
                                text_push_cp(t, nedge && rng_below(&rng, 2)
                                                    ? edge_cps[rng_below(&rng, nedge)]
                                                    : gap_noise[rng_below(&rng, COUNT(gap_noise))]);
                        continue;
                    }
                    /* The evasions the default options are there for. */
                    text_push_cp(t, variant(&rng, e->cps[k]));
                    if (rng_below(&rng, 8) == 0)
                        text_push_cp(t, e->cps[k]);
                    if (k + 1 < e->n && rng_below(&rng, 3) == 0)
                        for (uint32_t g = rng_below(&rng, 5); g > 0; g--)
                            text_push_cp(t, noise[rng_below(&rng, COUNT(noise))]);
                }
            } else if (r < 85) {
                if (p->mode.gap && rng_below(&rng, 3) == 0)
                    text_push_cp(t, gap_noise[rng_below(&rng, COUNT(gap_noise))]);
                else
                    text_push_cp(t, alphabet[rng_below(&rng, na)]);
            } else if (r < 92) {
                text_push_cp(t, letters[rng_below(&rng, nletters)]);
            } else if (r < 96) {
                uint32_t cp = text_only[rng_below(&rng, COUNT(text_only))];
                /* Whether a TAB is noise is not pinned down: not in gap tests. */
                text_push_cp(t, p->mode.gap && cp == '\t' ? '\n' : cp);
            } else {
                /* Gap tests know the class of every character they use: no
                 * truncated sequences there, which could join a neighbour
                 * into some other character. */
                const char *bad = p->mode.gap
                                      ? lone_invalid[rng_below(&rng, COUNT(lone_invalid))]
                                      : invalid_tokens[rng_below(&rng, COUNT(invalid_tokens))];
                token tok;
                tok.len = (uint8_t)strlen(bad);
                memcpy(tok.b, bad, tok.len);
                text_push(t, &tok);
            }
        }
    }
}

/* =========================================================== shrinking */

static int fails(const lexicon *lx, const text *t, uint64_t seed, match_mode mode)
{
    /* Keep shrunk lexicons inside what the generator makes: in gap tests,
     * noise only inside a word (and at one end, when edges). */
    for (size_t i = 0; mode.gap && !mode.edges && i < lx->n; i++)
        if (is_noise(lx->e[i].cps[0]) || is_noise(lx->e[i].cps[lx->e[i].n - 1]))
            return 0;
    report quiet = {NULL, 0, 0};
    return run_case(lx, t, 1, seed, mode, &quiet);
}

/* Greedy: drop entries, drop tokens, shorten entries, while it still fails. */
static void shrink(lexicon *lx, text *t, uint64_t seed, match_mode mode)
{
    int budget = 4000;
    int progress = 1;
    while (progress && budget > 0) {
        progress = 0;
        for (size_t i = lx->n; i-- > 0 && budget > 0 && lx->n > 1;) {
            gen_entry saved = lx->e[i];
            memmove(lx->e + i, lx->e + i + 1, (lx->n - i - 1) * sizeof *lx->e);
            lx->n--;
            budget--;
            if (fails(lx, t, seed, mode)) {
                progress = 1;
                continue;
            }
            memmove(lx->e + i + 1, lx->e + i, (lx->n - i) * sizeof *lx->e);
            lx->e[i] = saved;
            lx->n++;
        }
        for (size_t i = t->n; i-- > 0 && budget > 0;) {
            token saved = t->t[i];
            memmove(t->t + i, t->t + i + 1, (t->n - i - 1) * sizeof *t->t);
            t->n--;
            budget--;
            if (fails(lx, t, seed, mode)) {
                progress = 1;
                continue;
            }
            memmove(t->t + i + 1, t->t + i, (t->n - i) * sizeof *t->t);
            t->t[i] = saved;
            t->n++;
        }
        for (size_t i = 0; i < lx->n && budget > 0; i++) {
            for (int front = 0; front < 2 && lx->e[i].n > 1; front++) {
                gen_entry saved = lx->e[i];
                if (front)
                    memmove(lx->e[i].cps, lx->e[i].cps + 1, (lx->e[i].n - 1) * sizeof(uint32_t));
                lx->e[i].n--;
                budget--;
                if (fails(lx, t, seed, mode))
                    progress = 1;
                else
                    lx->e[i] = saved;
            }
        }
    }
}

static void print_case(const lexicon *lx, const text *t)
{
    char buf[1 << 14];
    report r = {buf, sizeof buf, 0};
    say(&r, "  lexicon (in order of shai_builder_add_entry):\n");
    for (size_t i = 0; i < lx->n; i++) {
        const gen_entry *e = &lx->e[i];
        char word[4 * SHAI_MAX_ENTRY_CODEPOINTS];
        size_t wl = 0;
        for (uint32_t k = 0; k < e->n; k++)
            wl += utf8_put(e->cps[k], word + wl);
        say(&r, "    ");
        say_literal(&r, word, wl);
        say(&r, " %s %s cat=%s\n", e->allow ? "ALLOW" : "deny",
            e->action == SHAI_ACTION_BLOCK ? "block" : "review",
            e->category < 0 ? "NULL" : category_names[e->category]);
    }
    char *bytes = malloc(text_size(t) + 1);
    assert_non_null(bytes);
    size_t n = text_bytes(t, bytes);
    say(&r, "  text (%zu bytes): ", n);
    say_literal(&r, bytes, n);
    say(&r, "\n");
    free(bytes);
    print_error("%s", buf);
}

/* ============================================================== driver */

static uint64_t env_u64(const char *name, uint64_t fallback)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 0) : fallback;
}

static void run_many(const char *name, uint64_t salt, uint32_t cases, const gen_params *p)
{
    uint64_t base = env_u64("SHAI_DIFF_SEED", UINT64_C(0x5EED5EED5EED)) ^ salt;
    uint64_t only = env_u64("SHAI_DIFF_CASE", 0);
    uint64_t scale = env_u64("SHAI_DIFF_SCALE", 1);
    uint64_t total = only ? 1 : (uint64_t)test_scale(cases) * (scale ? scale : 1);

    lexicon lx = {0};
    text *texts = calloc(p->texts, sizeof *texts);
    assert_non_null(texts);
    char *buf = malloc(1 << 16);
    assert_non_null(buf);

    int failed = 0;
    for (uint64_t i = 0; i < total; i++) {
        uint64_t seed = only ? only : base + i * UINT64_C(0x9E3779B97F4A7C15);
        gen_case(seed, p, &lx, texts);
        report r = {buf, 1 << 16, 0};
        buf[0] = '\0';
        if (!run_case(&lx, texts, p->texts, seed, p->mode, &r))
            continue;

        print_error("%s: mismatch in case %" PRIu64 ", case seed 0x%" PRIx64
                    " (rerun: SHAI_DIFF_CASE=0x%" PRIx64 ")\n%s",
                    name, i, seed, seed, buf);
        /* Shrink on the first failing text alone. */
        size_t ti = 0;
        while (ti < p->texts && !fails(&lx, &texts[ti], seed, p->mode))
            ti++;
        if (ti < p->texts) {
            shrink(&lx, &texts[ti], seed, p->mode);
            r.used = 0;
            buf[0] = '\0';
            run_case(&lx, &texts[ti], 1, seed, p->mode, &r);
            print_error("shrunk reproducer:\n");
            print_case(&lx, &texts[ti]);
            print_error("%s", buf);
        }
        failed = 1;
        break;
    }
    for (uint32_t i = 0; i < p->texts; i++)
        free(texts[i].t);
    free(texts);
    free(lx.e);
    free(buf);
    if (failed)
        fail();
}

/* Case counts are bounded by compile time (one db per lexicon); texts per
 * lexicon are cheap. SHAI_DIFF_SCALE=20 makes a long run. */
static void test_small_lexicons(void **state)
{
    (void)state;
    const gen_params p = {.max_entries = 10,
                          .max_entry_len = 5,
                          .max_alphabet = 6,
                          .max_text_units = 60,
                          .texts = 16,
                          .mode = {1, 0, 0}};
    run_many("small", 0x1, 250, &p);
}

static void test_tiny_alphabets(void **state)
{
    (void)state;
    /* One or two symbols: long runs, entries that are prefixes, suffixes and
     * repetitions of each other, many overlapping hits. */
    const gen_params p = {.max_entries = 8,
                          .max_entry_len = 7,
                          .max_alphabet = 2,
                          .max_text_units = 80,
                          .texts = 16,
                          .mode = {1, 0, 0}};
    run_many("tiny-alphabet", 0x2, 150, &p);
}

static void test_long_entries(void **state)
{
    (void)state;
    const gen_params p = {.max_entries = 6,
                          .max_entry_len = SHAI_MAX_ENTRY_CODEPOINTS,
                          .max_alphabet = 2,
                          .max_text_units = 400,
                          .texts = 4,
                          .mode = {1, 0, 0}};
    run_many("long-entries", 0x3, 30, &p);
}

static void test_large_lexicons(void **state)
{
    (void)state;
    const gen_params p = {.max_entries = 400,
                          .max_entry_len = 6,
                          .max_alphabet = 12,
                          .max_text_units = 2000,
                          .texts = 3,
                          .mode = {1, 0, 0}};
    run_many("large", 0x4, 8, &p);
}

static void test_noise_gaps(void **state)
{
    (void)state;
    /* Exact characters, but noise (punctuation, symbols, spaces, emoji) may
     * stand between the characters of a word, up to the gap. */
    for (uint32_t gap = 1; gap <= 4; gap++) {
        const gen_params p = {.max_entries = 8,
                              .max_entry_len = 5,
                              .max_alphabet = 5,
                              .max_text_units = 70,
                              .texts = 16,
                              .mode = {1, gap, 0}};
        run_many("noise-gaps", 0x10 + gap, 40, &p);
    }
}

static void test_noise_inside_entries(void **state)
{
    (void)state;
    /* As above, with words like 法*轮*功 or 日：您 that have noise inside. */
    for (uint32_t gap = 1; gap <= 4; gap++) {
        const gen_params p = {.max_entries = 8,
                              .max_entry_len = 5,
                              .max_alphabet = 5,
                              .max_text_units = 70,
                              .texts = 16,
                              .mode = {1, gap, 0},
                              .noise_in_entries = 1};
        run_many("noise-inside-entries", 0x20 + gap, 25, &p);
    }
}

static void test_noise_at_entry_ends(void **state)
{
    (void)state;
    /* Entries that begin or end with noise (#话题, 赌%), next to noisy text:
     * they hide no hit of the other entries. Short entries and gaps, so
     * that the scanner's look-ahead (SHI_DEFER_MAX) spans any match. */
    for (uint32_t gap = 1; gap <= 2; gap++) {
        const gen_params p = {.max_entries = 8,
                              .max_entry_len = 3,
                              .max_alphabet = 4,
                              .max_text_units = 60,
                              .texts = 16,
                              .mode = {1, gap, 1},
                              .noise_in_entries = 1};
        run_many("noise-at-entry-ends", 0x30 + gap, 60, &p);
    }
}

static void test_default_options_consistency(void **state)
{
    (void)state;
    /* Folding, gaps and repeats on, texts full of evasions: every mode, API
     * and stream must agree with the library's own overlapping hits. */
    const gen_params p = {.max_entries = 10,
                          .max_entry_len = 5,
                          .max_alphabet = 6,
                          .max_text_units = 60,
                          .texts = 16,
                          .mode = {0, 0, 0}};
    run_many("default-options", 0x5, 60, &p);
}

/* The reference itself, on cases worked out by hand. */
static void test_reference_self_check(void **state)
{
    (void)state;
    unit u[16];
    /* E8 B5 | 8C? no: E8 B5 61 is two invalid bytes then 'a'. */
    assert_int_equal(decode("\xe8\xb5"
                            "a",
                            3, u),
                     3);
    assert_true(u[0].cp == -1 && u[1].cp == -1 && u[2].cp == 'a');
    assert_int_equal(decode("\xed\xa0\x80", 3, u), 3);
    assert_int_equal(decode("\xf0\x9f\x8e\xb2", 4, u), 1);
    assert_int_equal(u[0].cp, 0x1F3B2);
    assert_int_equal(decode("\xf4\x8f\xbf\xbf\xf4\x90\x80\x80", 8, u), 5);
    assert_int_equal(decode("\xe0\x9f\x80\xe0\xa0\x80", 6, u), 4);
    assert_int_equal(u[3].cp, 0x800);

    assert_true(is_word('a') && is_word('Z') && is_word('0') && is_word(0xC0) && is_word(0x24F));
    assert_true(is_word(0x1E00) && is_word(0x1EFF) && is_word(0xFF10) && is_word(0xFF5A));
    assert_false(is_word(0xD7) || is_word(0xF7) || is_word(0xBF) || is_word(0x250));
    assert_false(is_word(0xFF20) || is_word(0xFF40) || is_word(0x8D4C) || is_word(-1));
    assert_false(is_word('_') || is_word(' '));

    /* 甲乙丙 with 甲乙 (allow), 乙, 乙丙: see tests/api/test_check.c. */
    lexicon lx = {0};
    gen_entry e;
    memset(&e, 0, sizeof e);
    e.category = e.tag = e.suggestion = -1;
    e.action = SHAI_ACTION_BLOCK;
    e.n = 2;
    e.cps[0] = 0x7532;
    e.cps[1] = 0x4E59;
    e.allow = 1;
    lexicon_push(&lx, &e);
    e.n = 1;
    e.cps[0] = 0x4E59;
    e.allow = 0;
    lexicon_push(&lx, &e);
    e.n = 2;
    e.cps[1] = 0x4E19;
    lexicon_push(&lx, &e);
    lexicon_push(&lx, &e); /* duplicate */
    ref_entry re[4];
    assert_int_equal(merge_entries(&lx, re, 0), 3);
    for (uint32_t i = 0; i < 3; i++)
        re[i].db_index = i;
    size_t nu = decode("甲乙丙", 9, u);
    shai_hit all[8], sel[8], viol[8];
    size_t n = all_hits(u, nu, re, 3, 0, all, 8);
    assert_int_equal(n, 3);
    qsort(all, n, sizeof *all, cmp_overlapping);
    assert_true(all[0].start == 0 && all[0].end == 6 && all[0].entry == 0);
    assert_true(all[1].start == 3 && all[1].end == 6 && all[1].entry == 1);
    assert_true(all[2].start == 3 && all[2].end == 9 && all[2].entry == 2);
    assert_int_equal(leftmost_longest(all, n, sel), 1);
    assert_int_equal(sel[0].entry, 0);
    uint64_t from[8] = {0, 3, 3};
    size_t nv = violations(all, from, n, viol);
    assert_int_equal(nv, 1);
    assert_int_equal(viol[0].entry, 2);
    /* Partial overlap: a deny hit [0, 9) of three characters (the second
     * starts at 3) under an allow hit [3, 12) that holds its last two; not
     * under one [6, 12) that holds only its last. */
    shai_hit part[2] = {{.start = 0, .end = 9, .entry = 0},
                        {.start = 3, .end = 12, .entry = 1, .flags = SHAI_HIT_ALLOW}};
    uint64_t part_from[2] = {3, 0};
    assert_int_equal(violations(part, part_from, 2, viol), 0);
    part[1].start = 6;
    assert_int_equal(violations(part, part_from, 2, viol), 1);

    /* Gaps: 乙丙 across two noise characters, not across three or a line
     * break; 甲乙 (allow) across one. */
    nu = decode("甲*乙* 丙", 12, u);
    assert_int_equal(all_hits(u, nu, re, 3, 1, all, 8), 2); /* 甲乙, 乙 */
    assert_int_equal(all_hits(u, nu, re, 3, 2, all, 8), 3);
    qsort(all, 3, sizeof *all, cmp_overlapping);
    assert_true(all[2].start == 4 && all[2].end == 12 && all[2].entry == 2);
    nu = decode("乙\n丙", 7, u);
    assert_int_equal(all_hits(u, nu, re, 3, 16, all, 8), 1);
    /* Clause punctuation stops a gap between Chinese characters. */
    nu = decode("乙，丙", 9, u); /* U+FF0C is not folded here: plain noise */
    assert_int_equal(all_hits(u, nu, re, 3, 1, all, 8), 2);
    nu = decode("乙,丙", 7, u);
    assert_int_equal(all_hits(u, nu, re, 3, 1, all, 8), 1);
    free(lx.e);
}

/* Fixed texts on the paths the root loop takes without leaving: a mark
 * or a single full stop right after a Han unit inside a match, an ellipsis,
 * line breaks (CR LF, a break inside a match, noise after a Han unit at the
 * start of a line); with and without a line segment (variants) and exact
 * entries. The fast loops against the general step, in every mode. */
static void test_loop_paths(void **state)
{
    (void)state;
    static const char *const lexicons[] = {
        "@variants none\n赌博\n博彩\n性服务\n服务员\n中国人\n国人\n话题\nab\ncd\n12\n",
        "@variants none\n赌博\n博彩\n性服务\n中国人\nab\n12\n@exact\n中国\n",
        "赌博\n博彩\n性服务\n中国人\nab\n12\n@exact\n中国\n",
    };
    static const char *const texts[] = {
        "赌《博》 赌#博#彩 #中#国人 赌.博 赌..博 赌。博 赌 . 博\n弹性 服务员\r\n赌\n博 中.国人\n",
        "赌//@博 赌/博 (赌)(博) 【赌】【博】 “赌”博 赌“博” 《赌《博\n#赌博# #话题#赌博\n",
        "赌\n 博\n赌博\n\n赌 博\r\n性 服务员\n12.3 ab.cd 1.2 a.b 12\n\r\n 赌. 博彩\n",
        "中国 人 中国.人 中国..人 中国\n人 中 国人 中《国》人\n赌博彩 赌.博.彩\n",
    };
    for (size_t l = 0; l < sizeof lexicons / sizeof lexicons[0]; l++) {
        shai_builder *b = NULL;
        shai_db *db = NULL;
        assert_int_equal(shai_builder_new(&b), SHAI_OK);
        assert_int_equal(shai_builder_add_source(b, "loops", lexicons[l], strlen(lexicons[l])),
                         SHAI_OK);
        assert_int_equal(shai_builder_compile(b, &db), SHAI_OK);
        shai_builder_free(b);
        char buf[8192] = "";
        report r = {buf, sizeof buf, 0};
        const case_state cs = {.r = &r};
        for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
            /* every text, and all of them in one scan */
            int bad = fast_vs_general(&cs, db, texts[t], strlen(texts[t]));
            if (bad)
                print_message("lexicon %zu, text %zu:\n%s", l, t, buf);
            assert_false(bad);
        }
        char all[2048] = "";
        for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++)
            strcat(all, texts[t]);
        int bad = fast_vs_general(&cs, db, all, strlen(all));
        if (bad)
            print_message("lexicon %zu, all texts:\n%s", l, buf);
        assert_false(bad);
        shai_db_free(db);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_self_check),
        cmocka_unit_test(test_small_lexicons),
        cmocka_unit_test(test_tiny_alphabets),
        cmocka_unit_test(test_long_entries),
        cmocka_unit_test(test_large_lexicons),
        cmocka_unit_test(test_noise_gaps),
        cmocka_unit_test(test_noise_inside_entries),
        cmocka_unit_test(test_noise_at_entry_ends),
        cmocka_unit_test(test_default_options_consistency),
        cmocka_unit_test(test_loop_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
