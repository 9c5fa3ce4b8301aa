#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/compile.h"
#include "rules/rules.h"
#include "unicode/utf8.h"

/* Limits that keep a pathological rule from hanging a scan. */
#define SHI_MATCH_LIMIT 1000000u
#define SHI_DEPTH_LIMIT 10000u
/* \C could end a match inside a character: the scanner maps match offsets
 * to the original text at character boundaries only. */
#define SHI_RULE_OPTIONS (PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_NEVER_BACKSLASH_C)

/* What lets the scanner skip a rule on a line, and try some rules only
 * where they can begin: derived with the rules when a db is compiled or
 * opened (shi_rules_compile), never by a scan. The partial matches cost
 * about 0.05 ms per thousand characters tested; with the anchored copies
 * and the tables by unfolded character (raw, map; about 0.3 ms), about
 * 1.7 ms for the bundled rules on a quiet machine. */
typedef struct shi_gates {
    uint8_t *starts; /* SHI_RULE_STARTS bytes, or NULL when no rule is gated */
    uint8_t *raw;    /* SHI_RULE_STARTS bytes: shi_rules_raw_starts */
    uint32_t *map;   /* shi_rules_map, or NULL */
    /* per rule: the rule compiled anchored, to be tried only where one of
     * its first characters stands (run_at_starts), or NULL */
    pcre2_code **anchored;
    uint32_t n;
    /* per rule: its bit in starts (GATE_BITS), 0 when it runs on every
     * line; with GATE_PLAIN when it has no verbs, callouts or \G, which
     * could tell a search that starts at its first possible character, or
     * tries only those, from PCRE2's search over the whole piece */
    uint8_t gate[];
} shi_gates;

#define GATE_BITS 0x7Fu
#define GATE_PLAIN 0x80u

static void gates_free(shi_gates *g)
{
    if (!g)
        return;
    if (g->anchored)
        for (uint32_t k = 0; k < g->n; k++)
            pcre2_code_free(g->anchored[k]);
    free(g->anchored);
    free(g->starts);
    free(g->raw);
    free(g->map);
    free(g);
}

typedef struct shi_rules {
    pcre2_code **code;
    uint32_t *entry;
    uint32_t n;
    pcre2_match_context *mctx;
    shi_gates *gates; /* derived with the rules, never NULL once compiled */
} shi_rules;

uint32_t shi_rule_check(const char *pattern, size_t len, char *msg, size_t msg_cap)
{
    int err;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, len, SHI_RULE_OPTIONS, &err, &off, NULL);
    if (code) {
        pcre2_code_free(code);
        return 0;
    }
    if (err == PCRE2_ERROR_HEAP_FAILED) {
        snprintf(msg, msg_cap, "%s", shai_status_message(SHAI_E_NOMEM));
        return SHI_RULE_NOMEM;
    }
    PCRE2_UCHAR buf[256];
    if (pcre2_get_error_message(err, buf, sizeof buf) < 0)
        snprintf((char *)buf, sizeof buf, "error %d", err);
    snprintf(msg, msg_cap, "regex: %s", (const char *)buf);
    uint32_t col = 1;
    for (size_t i = 0; i < off && i < len;) {
        uint32_t cp;
        size_t need;
        i += shi_utf8_decode((const unsigned char *)pattern + i, len - i, &cp, &need);
        col++;
    }
    return col;
}

/* db->free_rules: what shi_rules_compile made, however far it got. */
static void rules_free(void *rules)
{
    shi_rules *r = rules;
    for (uint32_t i = 0; i < r->n; i++)
        pcre2_code_free(r->code[i]);
    free(r->code);
    free(r->entry);
    gates_free(r->gates);
    pcre2_match_context_free(r->mctx);
    free(r);
}

static size_t code_size(const pcre2_code *code)
{
    size_t size = 0, jit = 0;
    if (!code)
        return 0;
    pcre2_pattern_info(code, PCRE2_INFO_SIZE, &size);
    if (pcre2_pattern_info(code, PCRE2_INFO_JITSIZE, &jit) != 0)
        jit = 0;
    return size + jit;
}

/* Bytes of memory the rules hold: PCRE2's code and JIT code, and the
 * derived tables. */
static size_t rules_size(const shi_rules *r)
{
    size_t n = sizeof *r + (size_t)r->n * (sizeof *r->code + sizeof *r->entry);
    for (uint32_t k = 0; k < r->n; k++)
        n += code_size(r->code[k]);
    const shi_gates *g = r->gates;
    if (g) {
        n += sizeof *g + g->n + (g->starts ? SHI_RULE_STARTS : 0) + (g->raw ? SHI_RULE_STARTS : 0) +
             (g->map ? SHI_RULE_STARTS * sizeof *g->map : 0) + (size_t)g->n * sizeof *g->anchored;
        for (uint32_t k = 0; g->anchored && k < g->n; k++)
            n += code_size(g->anchored[k]);
    }
    return n;
}

/* Whether byte b is in a 256-bit bitmap of PCRE2's. */
static inline int bm_has(const uint8_t *bm, unsigned b)
{
    return bm[b / 8] >> (b % 8) & 1;
}

/* The code points [*lo, *hi) whose UTF-8 form begins with lead byte b
 * (0xC2..0xEF), surrogates included. */
static void lead_range(unsigned b, uint32_t *lo, uint32_t *hi)
{
    *lo = b < 0xE0 ? (b & 0x1Fu) << 6 : (b & 0x0Fu) << 12;
    *hi = *lo + (b < 0xE0 ? 0x40u : 0x1000u);
    if (b == 0xE0)
        *lo = 0x800;
}

/* pat[0..len) compiled as a rule is, with `extra` options; NULL if PCRE2
 * refuses it, and then *nomem set if it ran out of memory. */
static pcre2_code *rule_compile(const char *pat, size_t len, uint32_t extra, int *nomem)
{
    int err;
    PCRE2_SIZE off;
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)pat, len, SHI_RULE_OPTIONS | extra, &err, &off, NULL);
    if (!code && err == PCRE2_ERROR_HEAP_FAILED)
        *nomem = 1;
    return code;
}

/* Marks with `bit`, in starts, every BMP code point a match of the rule
 * can begin with: the bytes of PCRE2's first-code-unit bitmap that are
 * ASCII, and each character whose first byte is in the bitmap and that an
 * unanchored partial match of it alone does not reject (the search tries
 * it, then the empty rest, so the set can only be too large). A rule with
 * one first code unit counts as a bitmap of it. Returns 0, marking
 * nothing, when the first character of a match cannot be told this way:
 * neither (a rule that may match the empty string, or that PCRE2 knows
 * nothing of), a lookbehind or \b / \B (what comes before decides), or a
 * first byte of a character above U+FFFF, or more characters to test than
 * *budget has left (which it spends); -1 when out of memory. *wide is set
 * when the bitmap holds a lead byte of U+3000..U+FFFF. */
static int rule_starts(pcre2_code *code, pcre2_match_data *md, uint8_t *starts, uint8_t bit,
                       int *wide, uint32_t *budget)
{
    const uint8_t *bm = NULL;
    uint8_t one[32] = {0};
    uint32_t behind = 1, type = 0, unit = 0;
    if (pcre2_pattern_info(code, PCRE2_INFO_MAXLOOKBEHIND, &behind) != 0 || behind ||
        pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODETYPE, &type) != 0)
        return 0;
    if (type == 1 && pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODEUNIT, &unit) == 0 && unit < 256) {
        /* one first code unit: as a bitmap, with the other case of an
         * ASCII letter (caseless or not) */
        one[unit / 8] |= (uint8_t)(1u << (unit % 8));
        if ((unit | 0x20) >= 'a' && (unit | 0x20) <= 'z') {
            unit ^= 0x20;
            one[unit / 8] |= (uint8_t)(1u << (unit % 8));
        }
        bm = one;
    } else if (pcre2_pattern_info(code, PCRE2_INFO_FIRSTBITMAP, &bm) != 0 || !bm) {
        return 0;
    }
    for (unsigned b = 0xF0; b < 0x100; b++)
        if (bm_has(bm, b))
            return 0;
    /* the characters to test, and whether a lead byte is one of
     * U+3000..U+FFFF (CJK, kana, hangul, fullwidth forms) */
    uint32_t need = 0, lo, hi;
    for (unsigned b = 0xC2; b < 0xF0; b++)
        if (bm_has(bm, b)) {
            lead_range(b, &lo, &hi);
            need += hi - lo;
            if (b >= 0xE3)
                *wide = 1;
        }
    if (need > *budget)
        return 0;
    *budget -= need;
    for (unsigned b = 0; b < 0x80; b++)
        if (bm_has(bm, b))
            starts[b] |= bit;
    /* the tests run on a copy JIT compiled for partial matching (the
     * shared code is not modified after open); the interpreter if that
     * fails */
    pcre2_code *test = NULL;
    int jit = 0;
    for (unsigned b = 0xC2; b < 0xF0; b++) {
        if (!bm_has(bm, b))
            continue;
        lead_range(b, &lo, &hi);
        if (!test) {
            if (!(test = pcre2_code_copy(code)))
                return -1;
            jit = pcre2_jit_compile(test, PCRE2_JIT_PARTIAL_HARD) == 0;
        }
        for (uint32_t cp = lo; cp < hi; cp++) {
            if (cp >= 0xD800 && cp < 0xE000)
                continue;
            unsigned char c[4];
            size_t len = shi_utf8_encode(cp, (char *)c);
            /* what pcre2_match would run, without its checks each time */
            int rc = jit ? pcre2_jit_match(test, c, len, 0, PCRE2_PARTIAL_HARD, md, NULL)
                         : pcre2_match(test, c, len, 0, PCRE2_PARTIAL_HARD | PCRE2_NO_UTF_CHECK, md,
                                       NULL);
            if (rc != PCRE2_ERROR_NOMATCH) /* a match, a partial one or a limit */
                starts[cp] |= bit;
        }
    }
    pcre2_code_free(test);
    return 1;
}

/* Bounds on what a db derives for its rules when compiled or opened: partial
 * matches of one character (about 40 ms in all) and anchored copies; rules
 * past them run as PCRE2 alone would. */
#define SHI_GATE_TESTS (1u << 20)
#define SHI_ANCHORED_RULES 256u

/* Whether p[0..len) holds the string s. */
static int contains(const char *p, size_t len, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(p + i, s, n))
            return 1;
    return 0;
}

/* The length of the zero-width assertions a pattern begins with (\b, \B,
 * \A, \G, ^, and lookbehinds holding no group, class name, \Q or \c, so
 * that their end is certain), or 0. They only narrow where a match can be:
 * the characters the rest of the pattern can begin with are a superset of
 * the whole pattern's. 0 also when the rest is empty or starts with a
 * quantifier (the assertion would be its operand). */
/* Whether the escape at p[j] ('\\') leaves the end of a lookbehind certain:
 * not \Q or \E (quoting), nor \c (which takes the next character, ')'
 * included). */
static int plain_escape(const char *p, size_t len, size_t j)
{
    return j + 1 < len && !strchr("QEc", p[j + 1]);
}

static size_t leading_assertions(const char *p, size_t len)
{
    size_t i = 0;
    for (;;) {
        if (i + 2 <= len && p[i] == '\\' && strchr("bBAG", p[i + 1]) && p[i + 1] != '\0') {
            i += 2;
        } else if (i < len && p[i] == '^') {
            i++;
        } else if (i + 4 <= len && !memcmp(p + i, "(?<", 3) &&
                   (p[i + 3] == '!' || p[i + 3] == '=')) {
            size_t j = i + 4;
            for (;;) {
                if (j >= len)
                    return 0;
                char c = p[j];
                if (c == '\\') {
                    if (!plain_escape(p, len, j))
                        return 0;
                    j += 2;
                } else if (c == '[') {
                    j++;
                    if (j < len && p[j] == '^')
                        j++;
                    if (j < len && p[j] == ']')
                        j++;
                    while (j < len && p[j] != ']') {
                        if (p[j] == '[' && j + 1 < len && p[j + 1] == ':')
                            return 0;
                        if (p[j] == '\\') {
                            if (!plain_escape(p, len, j))
                                return 0;
                            j++;
                        }
                        j++;
                    }
                    if (j >= len)
                        return 0;
                    j++;
                } else if (c == '(') {
                    return 0;
                } else if (c == ')') {
                    break;
                } else {
                    j++;
                }
            }
            i = j + 1;
        } else {
            break;
        }
    }
    if (i == 0 || i >= len || strchr("*+?{", p[i]))
        return 0;
    return i;
}

/* Whether a gated rule can begin with what character cp (map value v)
 * folds to: one of its expansions, say. */
static int can_begin(const shai_db *db, const uint8_t *starts, uint32_t cp, uint32_t v)
{
    uint32_t chars[31], n = shi_folded_chars(db, cp, v, chars);
    for (uint32_t i = 0; i < n; i++)
        if (chars[i] < SHI_RULE_STARTS && (starts[chars[i]] & GATE_BITS))
            return 1;
    return 0;
}

/* Gives each rule whose first characters rule_starts can tell a bit of its
 * own (the seventh and later share the last; the eighth bit is
 * SHI_RULE_FOLDS), so that a line where none of them occurs skips the rule;
 * and derives the tables by unfolded character. NULL when out of memory. */
static shi_gates *rules_gate(const shai_db *db, const shi_rules *r)
{
    shi_gates *g = calloc(1, sizeof *g + r->n);
    uint8_t *starts = calloc(SHI_RULE_STARTS, 1);
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    if (g) {
        g->n = r->n;
        g->starts = starts;
        g->anchored = calloc(r->n, sizeof *g->anchored);
    }
    if (!g || !starts || !md || !g->anchored) {
        if (g)
            gates_free(g);
        else
            free(starts);
        pcre2_match_data_free(md);
        return NULL;
    }
    uint32_t ngated = 0, nanchored = 0;
    int nomem = 0;
    /* partial matches at about 40 ns each: a lexicon of many rules that
     * begin with Chinese characters must not make its open slow */
    uint32_t budget = SHI_GATE_TESTS;
    for (uint32_t k = 0; k < r->n; k++) {
        uint8_t bit = (uint8_t)(1u << (ngated < 6 ? ngated : 6));
        /* a rule that begins with assertions is judged by the rest */
        const shi_entry *e = &db->entries[r->entry[k]];
        const char *pat = db->strings + e->text;
        size_t skip = leading_assertions(pat, e->text_len);
        pcre2_code *rest = skip ? rule_compile(pat + skip, e->text_len - skip, 0, &nomem) : NULL;
        int wide = 0;
        int ok = rest || !skip
                     ? rule_starts(rest ? rest : r->code[k], md, starts, bit, &wide, &budget)
                     : 0;
        pcre2_code_free(rest);
        if (ok < 0 || nomem) {
            gates_free(g);
            pcre2_match_data_free(md);
            return NULL;
        }
        int plain = !contains(pat, e->text_len, "(*") && !contains(pat, e->text_len, "(?C") &&
                    !contains(pat, e->text_len, "\\G");
        if (ok) {
            g->gate[k] = (uint8_t)(bit | (plain ? GATE_PLAIN : 0));
            ngated++;
        }
        /* PCRE2 would try such a rule at most characters of Chinese text:
         * try it only where its first characters stand */
        if (ok && wide && plain && nanchored < SHI_ANCHORED_RULES) {
            pcre2_code *a = rule_compile(pat, e->text_len, PCRE2_ANCHORED, &nomem);
            if (nomem) {
                gates_free(g);
                pcre2_match_data_free(md);
                return NULL;
            }
            if (a) {
                pcre2_jit_compile(a, PCRE2_JIT_COMPLETE);
                nanchored++;
            }
            g->anchored[k] = a;
        }
    }
    pcre2_match_data_free(md);
    if (!ngated) {
        free(g->starts);
        g->starts = NULL;
    }
    /* the same bits by unfolded character, for the scanner's copy of text
     * that the fast loop took (plain characters only) */
    g->raw = malloc(SHI_RULE_STARTS);
    if (!g->raw) {
        gates_free(g);
        return NULL;
    }
    for (uint32_t cp = 0; cp < SHI_RULE_STARTS; cp++) {
        uint32_t v = db->map_bmp[cp], sym = v & SHI_MAP_SYM_MASK;
        if (v & (SHI_MAP_IGNORE | SHI_MAP_BREAK | SHI_MAP_EXPAND)) {
            g->raw[cp] = SHI_RULE_FOLDS; /* not a symbol: step() decides */
            continue;
        }
        uint32_t folded = sym ? db->sym_cp[sym] : cp;
        uint8_t b = g->starts && folded < SHI_RULE_STARTS ? g->starts[folded] : 0;
        g->raw[cp] = folded != cp ? b | SHI_RULE_FOLDS : b;
    }
    /* when every rule is gated, a line where no character has
     * SHI_MAP_RULE needs no rule at all */
    uint32_t k = 0;
    while (k < r->n && g->gate[k])
        k++;
    if (k == r->n) {
        if (!(g->map = malloc(SHI_RULE_STARTS * sizeof *g->map))) {
            gates_free(g);
            return NULL;
        }
        for (uint32_t cp = 0; cp < SHI_RULE_STARTS; cp++) {
            /* a symbol's bits are in raw; an expansion is asked */
            uint32_t v = db->map_bmp[cp];
            int begins = (v & SHI_MAP_EXPAND) ? can_begin(db, g->starts, cp, v)
                                              : (g->raw[cp] & GATE_BITS) != 0;
            g->map[cp] = v | (begins ? SHI_MAP_RULE : 0);
        }
    }
    return g;
}

/* The gates of a db's rules, or NULL when it has none. */
static const shi_gates *rules_gates(const shai_db *db)
{
    const shi_rules *r = db->rules;
    return r ? r->gates : NULL;
}

const uint8_t *shi_rules_starts(const shai_db *db)
{
    const shi_gates *g = rules_gates(db);
    return g ? g->starts : NULL;
}

const uint8_t *shi_rules_raw_starts(const shai_db *db)
{
    const shi_gates *g = rules_gates(db);
    return g ? g->raw : NULL;
}

const uint32_t *shi_rules_map(const shai_db *db)
{
    const shi_gates *g = rules_gates(db);
    return g ? g->map : NULL;
}

int shi_rules_can_begin(const shai_db *db, uint32_t cp, uint32_t v)
{
    const shi_gates *g = rules_gates(db);
    return g && g->starts && can_begin(db, g->starts, cp, v);
}

int shi_rules_compile(shai_db *db)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < db->nentries; i++)
        n += (db->entries[i].flags & SHAI_ENTRY_RULE) != 0;
    if (!n)
        return SHAI_OK;
    shi_rules *r = calloc(1, sizeof *r);
    if (!r)
        return SHAI_E_NOMEM;
    db->rules = r;
    db->free_rules = rules_free;
    r->code = calloc(n, sizeof *r->code);
    r->entry = calloc(n, sizeof *r->entry);
    r->mctx = pcre2_match_context_create(NULL);
    if (!r->code || !r->entry || !r->mctx)
        return SHAI_E_NOMEM;
    pcre2_set_match_limit(r->mctx, SHI_MATCH_LIMIT);
    pcre2_set_depth_limit(r->mctx, SHI_DEPTH_LIMIT);
    for (uint32_t i = 0; i < db->nentries; i++) {
        const shi_entry *e = &db->entries[i];
        if (!(e->flags & SHAI_ENTRY_RULE))
            continue;
        int err;
        PCRE2_SIZE off;
        pcre2_code *code = pcre2_compile((PCRE2_SPTR)(db->strings + e->text), e->text_len,
                                         SHI_RULE_OPTIONS, &err, &off, NULL);
        if (!code)
            return err == PCRE2_ERROR_HEAP_FAILED ? SHAI_E_NOMEM : SHAI_E_REGEX;
        /* JIT when the platform has it; the interpreter honours the same
         * limits otherwise */
        pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
        r->code[r->n] = code;
        r->entry[r->n] = i;
        r->n++;
    }
    r->gates = rules_gate(db, r);
    if (!r->gates)
        return SHAI_E_NOMEM;
    db->rules_bytes = rules_size(r);
    return SHAI_OK;
}

/* How many starts of one rule may give up at a limit in one line piece: a
 * start that gives up is skipped and the search goes on from the next one,
 * so that padding before a real match cannot hide it; past this many the
 * rule gives up on the rest of the piece, so that a pathological rule costs
 * at most this many limits per piece. Either way the scan reports
 * SHAI_E_MATCH_LIMIT. */
#define SHI_LIMIT_SKIPS 8
_Static_assert(2 * SHI_LIMIT_SKIPS <= SHI_RULE_LIMITS, "rules.h: SHI_RULE_LIMITS");

/* Whether rc is PCRE2 giving up on a start (a limit), not a failure. */
static int gave_up(int rc)
{
    return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
           rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
}

/* Anchored tries of one rule in one line piece before run_at_starts hands
 * the rest to PCRE2's own search: each try is a pcre2_match call with its
 * own match limit and its own setup (a scan for a required character, say),
 * so a piece full of a rule's first characters must not multiply them. */
#define SHI_ANCHORED_TRIES 64

/* The index of the first listed character from index i on that has one of
 * `bits` and stands before folded byte len, or c->n when there is none. */
static size_t cand_next(const shi_rule_cands *c, size_t i, uint8_t bits, size_t len)
{
    while (i < c->n && !(c->bits[i] & bits))
        i++;
    return i < c->n && c->at[i] < len ? i : c->n;
}

/* The search of rule k over folded[0..len), tried only where a character
 * it can begin with stands, with its anchored copy: the same matches as
 * PCRE2's unanchored search, which tries every position in turn. After
 * SHI_ANCHORED_TRIES tries, *resume is where that search is to go on from;
 * else it is len + 1. */
static int run_at_starts(const shi_rules *r, const shi_gates *g, uint32_t k, const char *folded,
                         size_t len, const shi_rule_cands *c, pcre2_match_data *md,
                         int (*fn)(size_t start, size_t end, uint32_t entry, void *user),
                         void *user, size_t *resume, uint32_t *limits)
{
    const unsigned char *t = (const unsigned char *)folded;
    const uint8_t bit = g->gate[k] & GATE_BITS;
    size_t at = 0; /* where the search goes on */
    uint32_t tries = 0;
    *resume = len + 1;
    for (size_t p = 0, i = 0; p < len;) {
        /* well-formed UTF-8, written by the scanner; above U+FFFF no gated
         * rule begins. With the scanner's list, only its characters. */
        uint32_t cp;
        if (c) {
            if ((i = cand_next(c, i, bit, len)) == c->n)
                break;
            p = c->at[i++];
        }
        size_t n = shi_utf8_decode_valid(t + p, &cp);
        if (p < at || cp >= SHI_RULE_STARTS || !(g->starts[cp] & bit)) {
            p += n;
            continue;
        }
        if (++tries > SHI_ANCHORED_TRIES) {
            *resume = p; /* the tries so far failed or ended before p */
            return SHAI_OK;
        }
        int rc = pcre2_match(g->anchored[k], t, len, p, PCRE2_NO_UTF_CHECK, md, r->mctx);
        if (gave_up(rc) && ++*limits <= SHI_LIMIT_SKIPS) {
            p += n; /* only this start gave up */
            continue;
        }
        if (rc != PCRE2_ERROR_NOMATCH) {
            if (rc < 0)
                return rc == PCRE2_ERROR_NOMEMORY ? SHAI_E_NOMEM : SHAI_E_MATCH_LIMIT;
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            size_t s = ov[0], e = ov[1];
            if (e > s && fn(s, e, r->entry[k], user))
                return SHAI_TERMINATED;
            /* on from its end; after an empty match, from the next
             * character */
            at = e > p ? e : p + n;
        }
        p += n;
    }
    return SHAI_OK;
}

/* The offset of the character after the one at `at` (at < len), or len + 1
 * at the end. */
static size_t next_char(const char *folded, size_t len, size_t at)
{
    at++;
    while (at < len && ((unsigned char)folded[at] & 0xC0) == 0x80)
        at++;
    return at;
}

/* The match limit of the tries after_limit makes. The search before it
 * found no match before the start that gave up, so a try only has to tell
 * that start: a lower limit finds it at a tenth of the cost (these tries
 * run in PCRE2's interpreter). A start it gives up on too early is skipped
 * the same way and the search goes on after it. */
#define SHI_PROBE_LIMIT (SHI_MATCH_LIMIT / 10)

/* The search of rule k from *at gave up at a limit, at a start PCRE2 does
 * not tell: the same search, one start at a time (anchored, so that each
 * start has limits of its own), up to the first start that gives up again
 * (skipped) or matches (reported). Returns SHAI_OK with *at where the
 * search goes on, PCRE2_ERROR_NOMATCH when no start is left,
 * SHAI_TERMINATED, or a PCRE2 error (too many starts gave up, or another
 * failure). */
static int after_limit(const shi_rules *r, uint32_t k, const char *folded, size_t len,
                       pcre2_match_data *md,
                       int (*fn)(size_t start, size_t end, uint32_t entry, void *user), void *user,
                       size_t *at, uint32_t *limits)
{
    /* no memory for it: the tries take the full limit */
    pcre2_match_context *probe = pcre2_match_context_copy(r->mctx);
    if (probe)
        pcre2_set_match_limit(probe, SHI_PROBE_LIMIT);
    int rc = PCRE2_ERROR_NOMATCH;
    for (size_t p = *at; p <= len; p = next_char(folded, len, p)) {
        /* PCRE2_ANCHORED at match time runs the interpreter: this path is
         * for rules that hit a limit only */
        rc = pcre2_match(r->code[k], (PCRE2_SPTR)folded, len, p,
                         PCRE2_ANCHORED | PCRE2_NO_UTF_CHECK, md, probe ? probe : r->mctx);
        if (rc == PCRE2_ERROR_NOMATCH)
            continue;
        if (gave_up(rc)) {
            if (++*limits <= SHI_LIMIT_SKIPS) {
                *at = next_char(folded, len, p);
                rc = SHAI_OK;
            }
        } else if (rc >= 0) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            size_t s = ov[0], e = ov[1];
            *at = e > p ? e : next_char(folded, len, p);
            rc = e > s && fn(s, e, r->entry[k], user) ? SHAI_TERMINATED : SHAI_OK;
        }
        break;
    }
    pcre2_match_context_free(probe);
    return rc;
}

int shi_rules_run(const shai_db *db, int which, const char *folded, size_t len, uint8_t seen,
                  const shi_rule_cands *cands, void **scratch, uint64_t *budget,
                  int (*fn)(size_t start, size_t end, uint32_t entry, void *user), void *user)
{
    shi_rules *r = db->rules;
    int status = SHAI_OK;
    if (!r || !len)
        return SHAI_OK;
    const shi_gates *g = r->gates;
    /* one pair of offsets is all a match reports: one match data serves
     * every rule, and the caller keeps it for the next line */
    pcre2_match_data *md = *scratch;
    for (uint32_t k = 0; k < r->n && status != SHAI_TERMINATED; k++) {
        int allow = (db->entries[r->entry[k]].flags & SHAI_ENTRY_ALLOW) != 0;
        if ((which == SHI_RULES_ALLOW && !allow) || (which == SHI_RULES_DENY && allow))
            continue;
        uint8_t gate = g->gate[k];
        if (gate && !(seen & gate & GATE_BITS))
            continue; /* no character it can begin with */
        size_t at = 0;
        if ((gate & GATE_PLAIN) && cands) {
            /* no match begins before the first character it can begin with */
            size_t i = cand_next(cands, 0, gate & GATE_BITS, len);
            if (i == cands->n)
                continue;
            at = cands->at[i];
        }
        if (!*budget) { /* the scan's budget is spent: no more rule work */
            status = SHAI_E_MATCH_LIMIT;
            break;
        }
        if (!md && !(md = pcre2_match_data_create(1, NULL))) {
            status = SHAI_E_NOMEM;
            break;
        }
        uint32_t limits = 0;   /* starts that gave up */
        uint32_t searches = 0; /* searches that gave up, at a start not told */
        if (g->anchored[k]) {  /* only plain gated rules have one */
            int rc = run_at_starts(r, g, k, folded, len, cands, md, fn, user, &at, &limits);
            if (rc != SHAI_OK) { /* SHAI_TERMINATED also ends the loop */
                status = rc;
                continue;
            }
        }
        while (at <= len) {
            int rc = pcre2_match(r->code[k], (PCRE2_SPTR)folded, len, at, PCRE2_NO_UTF_CHECK, md,
                                 r->mctx);
            if (gave_up(rc) && ++searches <= SHI_LIMIT_SKIPS && limits < SHI_LIMIT_SKIPS) {
                rc = after_limit(r, k, folded, len, md, fn, user, &at, &limits);
                if (rc == SHAI_OK) /* on from at */
                    continue;
                if (rc == SHAI_TERMINATED) {
                    status = rc;
                    break;
                }
            }
            if (rc == PCRE2_ERROR_NOMATCH)
                break;
            if (rc < 0) {
                status = rc == PCRE2_ERROR_NOMEMORY ? SHAI_E_NOMEM : SHAI_E_MATCH_LIMIT;
                break;
            }
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            size_t s = ov[0], e = ov[1];
            if (e > s && fn(s, e, r->entry[k], user)) {
                status = SHAI_TERMINATED;
                break;
            }
            at = e > at ? e : next_char(folded, len, at); /* on, past an empty match */
        }
        if ((limits || searches) && status == SHAI_OK)
            status = SHAI_E_MATCH_LIMIT;
        uint64_t spent = (uint64_t)limits + searches;
        *budget = spent < *budget ? *budget - spent : 0;
    }
    *scratch = md;
    return status;
}

void *shi_rules_scratch_new(void)
{
    return pcre2_match_data_create(1, NULL);
}

void shi_rules_scratch_free(void *scratch)
{
    pcre2_match_data_free(scratch);
}
