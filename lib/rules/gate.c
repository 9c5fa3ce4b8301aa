/* The rules' gates, derived when a db is compiled or opened: which rules
 * each character can begin (so that a line without one skips the rule,
 * and the scan loops can tell a line that needs no rule at all), and
 * anchored copies tried only where a rule's first characters stand. */
#include <stdlib.h>
#include <string.h>

#include "rules/internal.h"
#include "rules/rules.h"
#include "unicode/utf8.h"

void shi_gates_free(shi_gates *g)
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
shi_gates *shi_rules_gate(const shai_db *db, const shi_rules *r)
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
            shi_gates_free(g);
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
        pcre2_code *rest =
            skip ? shi_rule_compile(pat + skip, e->text_len - skip, 0, &nomem) : NULL;
        int wide = 0;
        int ok = rest || !skip
                     ? rule_starts(rest ? rest : r->code[k], md, starts, bit, &wide, &budget)
                     : 0;
        pcre2_code_free(rest);
        if (ok < 0 || nomem) {
            shi_gates_free(g);
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
            pcre2_code *a = shi_rule_compile(pat, e->text_len, PCRE2_ANCHORED, &nomem);
            if (nomem) {
                shi_gates_free(g);
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
        shi_gates_free(g);
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
            shi_gates_free(g);
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
