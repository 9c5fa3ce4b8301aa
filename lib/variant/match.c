/* The variant matcher (variant.h): a depth-first walk of the variant trie
 * from every character of a line, each character standing for a child of
 * the current node in every way its class allows. */
#include <stdlib.h>
#include <string.h>

#include "common/latin.h"
#include "unicode/fold.h"
#include "unicode/utf8.h"
#include "variant/tables.h"
#include "variant/variant.h"

enum { C_OTHER, C_HAN, C_LATIN, C_DIGIT, C_NOISE, C_SEP, C_STOP };

/* A character of the line as the walk sees it. */
typedef struct vu {
    uint64_t bits[2]; /* its keys' bits of the node filters (Han only) */
    uint32_t cp;
    uint32_t comp;           /* what it and the next character compose (split), or 0 */
    uint32_t tok_s, tok_e;   /* the run of a-z 0-9 that holds it */
    uint32_t ltok_s, ltok_e; /* the run of letters, digits and leet symbols */
    uint16_t read[SHI_READINGS_MAX];
    uint16_t near[SHI_READINGS_MAX]; /* near key of each reading */
    uint8_t cls;
    uint8_t nread;
    uint8_t wild;  /* a placeholder for any unit; 2: one of a run inside a
                    * Latin word (f**k), each standing for one letter */
    uint8_t emoji; /* in the emoji table */
    uint8_t upper; /* the original was an uppercase letter */
    uint8_t leet;  /* a letter, digit or leet symbol (leet tokens) */
} vu;

_Static_assert(sizeof(vu) <= SHI_VUNIT_WORDS * sizeof(uint64_t), "vu fits the inline storage");

int shi_vgrow(void **buf, size_t *cap, const void *inline_buf, size_t n, size_t size)
{
    if (n <= *cap)
        return 1;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < n)
        ncap *= 2;
    void *q;
    if (*buf == inline_buf) {
        q = malloc(ncap * size);
        if (q && *cap)
            memcpy(q, *buf, *cap * size);
    } else {
        q = realloc(*buf, ncap * size);
    }
    if (!q)
        return 0;
    *buf = q;
    *cap = ncap;
    return 1;
}

/* What a match has used so far. */
typedef struct mst {
    uint32_t start;   /* its first character */
    uint32_t kinds;   /* SHI_VMASK bits of the kinds used */
    uint8_t exact;    /* units written as themselves */
    uint8_t nearu;    /* a near-homophone was used */
    uint8_t wild;     /* a wildcard was used */
    uint32_t wat;     /* the character of the text the wildcard is, when used */
    uint32_t wlast;   /* the last wildcard used (a run inside a Latin word) */
    uint8_t insert;   /* an insertion was skipped */
    uint8_t mid;      /* inside a Latin token: the next unit continues it as pinyin */
    uint8_t last_han; /* the last unit was a Han character of the text */
    uint8_t skipped;  /* noise was skipped between two units */
    uint8_t nondigit; /* some unit is not a digit of the text */
    uint8_t letters;  /* Latin letters written as themselves */
    uint8_t ntok;     /* Latin tokens the pinyin used */
    uint8_t allcap;   /* each of them is a capitalised word */
    uint8_t units;    /* units matched (up to 255) */
    uint8_t gap;      /* noise was skipped before the unit being matched */
    uint8_t gap1;     /* ... between the first unit and the second */
    uint8_t gapl;     /* ... before the last unit matched */
    uint32_t first;   /* the node of the first unit */
} mst;

typedef struct walk {
    shi_vmatcher *m;
    const shai_db *db;
    const shi_vnode *vn;
    vu *u;
    const shi_vchar *chars;
    uint32_t n;
    uint32_t max_gap;
    int vertical;
    const uint8_t *vflags; /* the prefilter's table, when the scan uses it */
    uint32_t steps;        /* units matched from the current start (WALK_STEPS) */
} walk;

/* The units a walk from one start may match. Each noise character that is
 * also a leet letter, a wildcard or an emoji is tried both as a unit and
 * as skipped noise, so an entry holding a run of them (tion*$$$$...) met
 * by the same run in the text has 2^k readings: the walk stops there, and
 * the matches it has not reached by then are not reported. Ordinary text
 * and entries take a few dozen steps a start. */
#define WALK_STEPS 4096u

static void step_into(walk *w, uint32_t child, uint32_t next, mst st);

static void add_hit(walk *w, uint32_t s, uint32_t e, uint32_t entry, uint32_t kind)
{
    shi_vmatcher *m = w->m;
    if (!shi_vgrow((void **)&m->hits, &m->hits_cap, m->hits_inline, m->nhits + 1,
                   sizeof *m->hits)) {
        m->nomem = 1;
        return;
    }
    m->hits[m->nhits++] = (shi_vhit){w->chars[s].start, w->chars[e - 1].end, entry, kind, 0};
}

/* The first edge of edges[from, to) whose key is >= key. */
static uint32_t lower_bound(const shi_vedge *e, uint32_t from, uint32_t to, uint32_t key)
{
    while (from < to) {
        uint32_t mid = from + (to - from) / 2;
        if (e[mid].key < key)
            from = mid + 1;
        else
            to = mid;
    }
    return from;
}

uint32_t shi_vtrie_child(const shai_db *db, uint32_t node, uint32_t cp)
{
    const shi_vnode *a = &db->vnodes[node], *b = a + 1;
    if (!node && !db->vroot_lookup) {
        uint32_t v = shi_map(db, cp), sym = v & SHI_MAP_SYM_MASK;
        if (v & SHI_MAP_EXPAND)
            return 0;
        uint32_t c = db->vroot_sym[sym];
        return c && db->vnodes[c].cp == cp ? c : 0;
    }
    uint32_t i = lower_bound(db->vedges, a->edge, b->edge, cp);
    return i < b->edge && db->vedges[i].key == cp ? db->vedges[i].child : 0;
}

static uint32_t find_child(const walk *w, uint32_t node, uint32_t cp)
{
    return shi_vtrie_child(w->db, node, cp);
}

/* Children of `node` in edges (vredges or vnedges, range [from, to)) with
 * keys in [lo, hi], without repeats: into out (at most 64); how many. */
static uint32_t children_by_key(const shi_vedge *e, uint32_t from, uint32_t to, uint32_t lo,
                                uint32_t hi, uint32_t tone, uint32_t out[64], uint32_t nout,
                                const shai_db *db)
{
    uint32_t i;
    if (db && from == db->vnodes[0].redge && to == db->vnodes[1].redge)
        i = lo < db->nvroot_read ? db->vroot_read[lo] : to; /* the root's index */
    else
        i = lower_bound(e, from, to, lo);
    for (; i < to && e[i].key <= hi; i++) {
        if (tone && SHI_READING_TONE(e[i].key) != tone)
            continue;
        uint32_t c = e[i].child, k = 0;
        while (k < nout && out[k] != c)
            k++;
        if (k == nout && nout < 64)
            out[nout++] = c;
    }
    return nout;
}

/* pinyin_whole from `node`, the token read from t[i]; *budget: the
 * children it may still look at. */
static int pinyin_walk(const shai_db *db, uint32_t node, const char *t, size_t k, size_t i,
                       unsigned *budget)
{
    const shi_vnode *a = &db->vnodes[node];
    if (i == k)
        return node && a->out < a[1].out;
    uint16_t ids[8];
    uint8_t lens[8];
    unsigned np = shi_py_prefixes_at(t, k, i, ids, lens);
    for (unsigned j = 0; j < np; j++) {
        size_t e = i + lens[j];
        uint32_t tone = 0;
        if (e < k && t[e] <= '9') {
            if (t[e] < '1' || t[e] > '5')
                continue;
            tone = (uint32_t)(t[e] - '0');
            e++;
        }
        uint32_t kids[64];
        uint32_t nk = children_by_key(db->vredges, a->redge, a[1].redge, (uint32_t)ids[j] << 3,
                                      ((uint32_t)ids[j] << 3) | 7, tone, kids, 0, db);
        for (uint32_t x = 0; x < nk; x++) {
            if (!*budget)
                return 1; /* not looked into further */
            --*budget;
            if ((db->vnodes[kids[x]].below & SHI_VMASK(SHAI_VARIANT_PINYIN)) &&
                pinyin_walk(db, kids[x], t, k, e, budget))
                return 1;
        }
    }
    return 0;
}

int shi_vtrie_pinyin_whole(const shai_db *db, const char *t, size_t k)
{
    unsigned budget = 1024;
    return pinyin_walk(db, 0, t, k, 0, &budget);
}

/* Whether cp, a character other than ASCII, is one of the UTF-8 string
 * `set`. */
static int one_of(uint32_t cp, const char *set)
{
    char buf[5] = {0};
    return cp >= 0x80 && shi_utf8_encode(cp, buf) && strstr(set, buf) != NULL;
}

int shi_variant_is_counter(uint32_t cp)
{
    return one_of(cp, "元块角分年月日号时点岁个次楼层米斤克万亿千百人天周届期路室");
}

/* The Latin letters u[s..e) as lowercase ASCII into buf (at most cap). */
static uint32_t letters_at(const walk *w, uint32_t s, uint32_t e, char *buf, uint32_t cap)
{
    uint32_t k = 0;
    while (s < e && k < cap && w->u[s].cls == C_LATIN)
        buf[k++] = (char)w->u[s++].cp;
    return k;
}

/* Whether the token u[s..e) is pinyin syllables only (tone digits allowed). */
static int all_pinyin(const walk *w, uint32_t s, uint32_t e)
{
    if (e - s > 48)
        return 0;
    uint8_t ok[50];
    memset(ok, 0, sizeof ok);
    ok[e - s] = 1;
    for (uint32_t i = e; i-- > s;) {
        char buf[8];
        uint32_t k = letters_at(w, i, e, buf, sizeof buf);
        uint16_t ids[8];
        uint8_t lens[8];
        unsigned np = k ? shi_py_prefixes(buf, k, ids, lens) : 0;
        for (unsigned j = 0; j < np && !ok[i - s]; j++) {
            /* m, n, ng, hm, hng are syllables of interjections only: with
             * them, team (te a m) and online (o n li ne) would be pinyin */
            if (!strpbrk(shi_py_syllable(ids[j]), "aeiouv"))
                continue;
            uint32_t at = i + lens[j];
            if (ok[at - s])
                ok[i - s] = 1;
            else if (at < e && w->u[at].cls == C_DIGIT && w->u[at].cp >= '1' &&
                     w->u[at].cp <= '5' && ok[at + 1 - s])
                ok[i - s] = 1;
        }
    }
    return ok[0];
}

/* Whether the token that holds u[t] is a Latin word other than pinyin:
 * it has a letter and is not entirely pinyin syllables (a number is not
 * a word of English text). */
static int english_at(const walk *w, uint32_t t)
{
    uint32_t s = w->u[t].tok_s, e = w->u[t].tok_e;
    for (uint32_t k = s; k < e; k++)
        if (w->u[k].cls == C_LATIN)
            return !all_pinyin(w, s, e);
    return 0;
}

/* Whether u[s] is in a web address: the run of printable ASCII it ends
 * (no space) holds `://` or begins with `www.` (http://mapi/005vn is no
 * 妈批 in pinyin, nor www.caonima.cc a curse). */
static int in_address(const walk *w, uint32_t s)
{
    uint32_t i = s;
    while (i > 0 && s - i < 256 && w->u[i - 1].cp > ' ' && w->u[i - 1].cp < 0x7F)
        i--;
    if (s - i >= 4 && w->u[i].cp == 'w' && w->u[i + 1].cp == 'w' && w->u[i + 2].cp == 'w' &&
        w->u[i + 3].cp == '.')
        return 1;
    for (uint32_t j = i; j + 2 < s; j++)
        if (w->u[j].cp == ':' && w->u[j + 1].cp == '/' && w->u[j + 2].cp == '/')
            return 1;
    return 0;
}

/* The Latin token nearest before s (or after e), right next to it or
 * separated from it by spaces and punctuation only, is pinyin (or a number,
 * or there is none): hao圆jiao is pinyin text, `yuanjiao team` English. */
static int context_ok(const walk *w, uint32_t s, uint32_t e)
{
    uint32_t i = s;
    while (i > 0 && (w->u[i - 1].cls == C_NOISE || w->u[i - 1].cls == C_SEP))
        i--;
    if (i > 0 && (w->u[i - 1].cls == C_LATIN || w->u[i - 1].cls == C_DIGIT) && english_at(w, i - 1))
        return 0;
    i = e;
    while (i < w->n && (w->u[i].cls == C_NOISE || w->u[i].cls == C_SEP))
        i++;
    if (i < w->n && (w->u[i].cls == C_LATIN || w->u[i].cls == C_DIGIT) && english_at(w, i))
        return 0;
    return 1;
}

/* The number context of a digit match u[s..e). */
static int digits_ok(const walk *w, uint32_t s, uint32_t e)
{
    if (e - s < 3)
        return 0;
    if (s > 0) {
        uint32_t c = w->u[s - 1].cp;
        if (w->u[s - 1].cls == C_DIGIT || w->u[s - 1].cls == C_LATIN ||
            (c && c < 0x80 && strchr("$#+-.,:/%", (int)c)) || c == 0xA5 || c == 0xFFE5)
            return 0;
    }
    if (e < w->n) {
        uint32_t c = w->u[e].cp;
        if (w->u[e].cls == C_DIGIT || w->u[e].cls == C_LATIN ||
            (c < 0x80 && c && strchr(".,:/%-", (int)c)) || c == 0x3002 || c == 0xFF0C ||
            c == 0xFF1A || shi_variant_is_counter(c))
            return 0;
    }
    return 1;
}

/* Noise between two words (docs/lexicon-format.md), as for a match of an
 * entry as itself (lib/scan, gap_joins): the match u[s..e) with noise
 * after its first unit, whose character (the entry's: 弹xing 服务 reads
 * 弹性) makes a word with the Han character right before the match, or
 * with noise before its last unit, whose character makes one with the Han
 * character right after it. Noise between two Latin units does not count
 * (可开fa piao: pinyin is written with spaces). */
static int gap_joins(const walk *w, const mst *st, uint32_t node, uint32_t e)
{
    uint32_t s = st->start;
    if (st->gap1 && s > 0 && w->u[s - 1].cls == C_HAN &&
        shi_word_pair(w->u[s - 1].cp, w->vn[st->first].cp))
        return 1;
    if (st->gapl && e < w->n && w->u[e].cls == C_HAN && shi_word_pair(w->vn[node].cp, w->u[e].cp))
        return 1;
    return 0;
}

/* Whether the match u[s..e) (of trie nodes first .. last) begins with a
 * character that makes a word with the one right before it, or ends with
 * one that makes a word with the one right after it: two words read across
 * their boundary (看不见人 is not 贱人, 服务员交代 is not 援交, 有待考察 is not
 * 代考). Where that character is a homophone (not the entry's own), the
 * first or last two characters of a longer word count too (收银员交头接耳 is
 * not 援交, 白羊座爱上 not 做爱; 百佳乐在线 is still 百家乐, though 乐在 begins
 * 乐在其中). */
static int across_words(const walk *w, uint32_t s, uint32_t e, uint32_t first, uint32_t last)
{
    const vu *u = w->u;
    return (s > 0 && u[s - 1].cls == C_HAN && u[s].cls == C_HAN &&
            shi_word_across(u[s - 1].cp, u[s].cp, u[s].cp != w->vn[first].cp, 1)) ||
           (e < w->n && u[e].cls == C_HAN && u[e - 1].cls == C_HAN &&
            shi_word_across(u[e - 1].cp, u[e].cp, u[e - 1].cp != w->vn[last].cp, 0));
}

/* A sentence-final or structural particle, which may follow a word */
static int is_particle(uint32_t cp)
{
    return one_of(cp, "的了啊吧呀吗呢哦嘛啦么");
}

/* Whether placeholder u[q] of a match that ends before u[e] stands for a
 * unit: not next to a digit, not a word of its own among Latin words, and
 * an asterisk at the match's end only before a particle or a character that
 * is not Han (花*钱 and 退我*元 mask a number; 傻*的, f*ck, 援○妹子 hide a
 * character). */
static int wild_ok(const walk *w, uint32_t q, uint32_t e)
{
    /* next to a digit: a dimension or a count (1980×1080, *2) */
    if ((q > 0 && w->u[q - 1].cls == C_DIGIT) || (q + 1 < w->n && w->u[q + 1].cls == C_DIGIT))
        return 0;
    /* a Latin letter across a space: a word of its own (Garcons x Vans) */
    uint32_t i = q;
    while (i > 0 && w->u[i - 1].cp == ' ')
        i--;
    if (i < q && i > 0 && (w->u[i - 1].cls == C_LATIN || w->u[i - 1].cls == C_DIGIT))
        return 0;
    i = q + 1;
    while (i < w->n && w->u[i].cp == ' ')
        i++;
    if (i > q + 1 && i < w->n && (w->u[i].cls == C_LATIN || w->u[i].cls == C_DIGIT))
        return 0;
    /* an asterisk ending the match before more Han text masks a number
     * (花*钱, 退我*元) unless a particle follows (傻*的) */
    if (w->u[q].cp == '*' && q + 1 == e && i < w->n && w->u[i].cls == C_HAN)
        return is_particle(w->u[i].cp);
    return 1;
}

/* Whether the scan takes u[s..e), a match of `en` as itself with noise
 * skipped, by its rule for noise inside a Latin word (shi_latin_gaps_ok,
 * on the units that noise came before). A match the scan refuses (fa lun
 * gong for falungong) holds off no variant hit (法轮功 in pinyin). */
static int spelled_as_scanned(const walk *w, uint32_t s, uint32_t e, const shi_entry *en)
{
    if (en->bound != (SHI_BOUND_START | SHI_BOUND_END) || en->units < 2)
        return 1;
    uint64_t skips = 0;
    uint32_t unit = 0;
    int gap = 0;
    for (uint32_t q = s; q < e && unit < 64; q++) {
        if (w->u[q].cls == C_NOISE || w->u[q].cls == C_SEP) {
            gap = 1;
            continue;
        }
        if (gap && unit)
            skips |= 1ull << unit;
        gap = 0;
        unit++;
    }
    return !skips || shi_latin_gaps_ok(w->db, en, skips);
}

static uint32_t kind_of(uint32_t kinds)
{
    static const uint8_t order[] = {
        SHAI_VARIANT_WILDCARD,  SHAI_VARIANT_SPLIT,    SHAI_VARIANT_EMOJI,
        SHAI_VARIANT_DIGIT,     SHAI_VARIANT_INITIALS, SHAI_VARIANT_PINYIN,
        SHAI_VARIANT_HOMOPHONE, SHAI_VARIANT_LEET,     SHAI_VARIANT_INSERT};
    for (size_t i = 0; i < sizeof order; i++)
        if (kinds & SHI_VMASK(order[i]))
            return order[i];
    return SHAI_VARIANT_NONE;
}

/* The entries of `node`, a match of u[st.start .. e). */
static void at_end(walk *w, uint32_t node, uint32_t e, const mst *st)
{
    const shi_vnode *a = &w->vn[node];
    uint32_t kinds = st->kinds, need = kinds | (st->nearu ? SHI_VMASK_NEAR : 0);
    if (kinds) {
        /* the guards that do not depend on the entry */
        if ((st->gap1 || st->gapl) && gap_joins(w, st, node, e))
            return;
        if (kinds == SHI_VMASK(SHAI_VARIANT_HOMOPHONE) &&
            (!st->exact || across_words(w, st->start, e, st->first, node)))
            return; /* all-Han homophones keep a unit as written, within words */
        if ((kinds & SHI_VMASK(SHAI_VARIANT_WILDCARD)) && (!st->exact || !wild_ok(w, st->wat, e)))
            return;
        if ((kinds & SHI_VMASK(SHAI_VARIANT_DIGIT)) &&
            (st->nondigit || st->skipped || !digits_ok(w, st->start, e)))
            return;
        if ((kinds & SHI_VMASK(SHAI_VARIANT_PINYIN)) &&
            ((st->ntok && st->allcap) || !context_ok(w, st->start, e)))
            return;
        if ((kinds & (SHI_VMASK(SHAI_VARIANT_PINYIN) | SHI_VMASK(SHAI_VARIANT_LEET))) &&
            w->u[st->start].cls != C_HAN && in_address(w, st->start))
            return;
        /* leet: a whole token with a real letter, and at least 3 long (2B,
         * 5B and 4K are grades and sizes, not sb) */
        if ((kinds & SHI_VMASK(SHAI_VARIANT_LEET)) &&
            (st->skipped || !st->letters || e - st->start < 3 ||
             w->u[st->start].ltok_s != st->start || w->u[e - 1].ltok_e != e))
            return;
    }
    for (uint32_t o = a->out; o < a[1].out; o++) {
        uint32_t entry = w->db->vouts[o];
        const shi_entry *en = &w->db->entries[entry];
        if (!kinds) {
            if (!w->vertical && st->skipped && !spelled_as_scanned(w, st->start, e, en))
                continue;
            add_hit(w, st->start, e, entry,
                    w->vertical ? SHAI_VARIANT_VERTICAL : SHAI_VARIANT_NONE);
            continue;
        }
        if (need & ~en->variants)
            continue;
        add_hit(w, st->start, e, entry, kind_of(kinds));
    }
}

/* The most common reading of a unit, 0 when it has none: homophones are
 * of the readings a character has in most words (麻 is má, though 麻麻亮
 * says mā; 妈 is mā, so 大妈 is not 大麻). */
static uint16_t primary_reading(uint32_t cp)
{
    shi_reading r[SHI_READINGS_MAX];
    return shi_py_readings(cp, r) ? r[0] : 0;
}

/* Whether text character t has r as its most common reading (near: as
 * the near key of it). */
static int reads_as(const vu *t, uint16_t r, int near)
{
    return t->nread && r && (near ? t->near[0] : t->read[0]) == r;
}

static uint16_t near_key(uint16_t r)
{
    return (uint16_t)((shi_py_near(SHI_READING_SYL(r)) << 3) | SHI_READING_TONE(r));
}

/* Whether Han character t may stand for a child of `node` (its filter):
 * as itself, by a reading, a near key or what it composes with the next. */
static int may_continue(const walk *w, uint32_t node, const vu *t)
{
    const uint64_t *b = w->vn[node].bloom;
    return ((b[0] & t->bits[0]) | (b[1] & t->bits[1])) != 0;
}

static void bloom_add(uint64_t bits[2], uint32_t key)
{
    uint32_t bit = shi_vbloom_bit(key);
    bits[bit >> 6] |= 1ull << (bit & 63);
}

/* The first character a match that has just taken a unit ending before q
 * goes on with, when that is a Han character right there or after noise;
 * else NULL (anything else: no filter applies). */
static const vu *next_han(const walk *w, uint32_t q)
{
    uint32_t gap = 0;
    while (q < w->n && w->u[q].cls == C_NOISE && !w->u[q].emoji && !w->u[q].wild && !w->u[q].leet &&
           gap++ < w->max_gap)
        q++;
    return q < w->n && w->u[q].cls == C_HAN ? &w->u[q] : NULL;
}

/* Whether a root child of reading r may go on with Han character t (the
 * pair filter). */
static int pair_may(const walk *w, uint32_t r, const vu *t)
{
    const shai_db *db = w->db;
    uint32_t keys[10], nk = 0;
    keys[nk++] = t->cp;
    if (t->comp)
        keys[nk++] = t->comp;
    int near = (w->vn[0].below & SHI_VMASK_NEAR) != 0;
    for (uint32_t j = 0; j < t->nread; j++) {
        keys[nk++] = SHI_VKEY_READING | t->read[j];
        if (near)
            keys[nk++] = SHI_VKEY_NEAR | t->near[j];
    }
    for (uint32_t j = 0; j < nk; j++) {
        uint64_t bit = shi_vpair_bit(r, keys[j], db->nvpair);
        if ((db->vpair[bit >> 6] >> (bit & 63)) & 1)
            return 1;
    }
    return 0;
}

/* Pinyin syllables at q (a token's start, or where the last syllable
 * ended inside it) for the children of node. */
static void try_pinyin(walk *w, uint32_t node, uint32_t q, mst st)
{
    const vu *t = &w->u[q];
    char buf[8];
    uint32_t k = letters_at(w, q, t->tok_e, buf, sizeof buf);
    if (!k)
        return;
    uint16_t ids[8];
    uint8_t lens[8];
    unsigned np = shi_py_prefixes(buf, k, ids, lens);
    if (!np)
        return;
    if (q == t->tok_s) {
        st.ntok++;
        uint32_t q1 = q + 1;
        int cap = t->upper && q1 < t->tok_e && w->u[q1].cls == C_LATIN && !w->u[q1].upper;
        if (!cap)
            st.allcap = 0;
    } else if (t->upper) {
        st.allcap = 0; /* a capital inside the word: DuChang is no name */
    }
    const shi_vnode *a = &w->vn[node];
    st.kinds |= SHI_VMASK(SHAI_VARIANT_PINYIN);
    st.last_han = 0;
    st.nondigit = 1;
    for (unsigned j = 0; j < np; j++) {
        uint32_t e = q + lens[j], tone = 0;
        if (e < t->tok_e && w->u[e].cls == C_DIGIT) {
            if (w->u[e].cp < '1' || w->u[e].cp > '5')
                continue;
            tone = w->u[e].cp - '0';
            e++;
        }
        st.mid = e < t->tok_e;
        if (st.mid && w->u[e].cls != C_LATIN)
            continue;
        uint32_t kids[64];
        uint32_t nk = children_by_key(w->db->vredges, a->redge, a[1].redge, (uint32_t)ids[j] << 3,
                                      ((uint32_t)ids[j] << 3) | 7, tone, kids, 0, w->db);
        for (uint32_t i = 0; i < nk; i++)
            step_into(w, kids[i], e, st);
    }
}

/* Character q standing for a child of node, every way its class allows;
 * han_only: only as a Han character (after an insertion). */
static void try_at(walk *w, uint32_t node, uint32_t q, mst st, int han_only)
{
    const vu *t = &w->u[q];
    const shi_vnode *a = &w->vn[node];
    const shai_db *db = w->db;
    uint32_t below = a->below, c;
    uint32_t kids[64], nk;
    if (t->cls == C_HAN) {
        mst s2 = st;
        s2.last_han = 1;
        s2.nondigit = 1;
        if ((c = find_child(w, node, t->cp))) {
            mst s3 = s2;
            s3.exact++;
            step_into(w, c, q + 1, s3);
        }
        if (below & (SHI_VMASK(SHAI_VARIANT_HOMOPHONE) | SHI_VMASK_NEAR)) {
            mst s3 = s2;
            s3.kinds |= SHI_VMASK(SHAI_VARIANT_HOMOPHONE);
            nk = 0;
            /* from the root, only readings whose pairs the next Han
             * character may continue (a depth-1 node ends no entry) */
            const vu *nx = node ? NULL : next_han(w, q + 1);
            int last = !node && q + 1 >= w->n;
            /* characters sound as their most common readings, in the entry
             * and in the text: 麻 is má, though 麻麻亮 says mā (大妈 is not
             * 大麻); 大 is dà, though 大夫 says dài (大考 is not 代考) */
            uint32_t tread = t->nread ? 1 : 0;
            for (uint32_t r = 0; r < tread && !last; r++)
                if (!nx || pair_may(w, t->read[r], nx))
                    nk = children_by_key(db->vredges, a->redge, a[1].redge, t->read[r], t->read[r],
                                         0, kids, nk, db);
            for (uint32_t i = 0; i < nk; i++)
                if (w->vn[kids[i]].cp != t->cp &&
                    reads_as(t, primary_reading(w->vn[kids[i]].cp), 0))
                    step_into(w, kids[i], q + 1, s3);
            if ((below & SHI_VMASK_NEAR) && a->nedge < a[1].nedge) {
                uint32_t exact_kids = nk;
                for (uint32_t r = 0; r < tread; r++) {
                    uint32_t key = t->near[r];
                    nk = children_by_key(db->vnedges, a->nedge, a[1].nedge, key, key, 0, kids, nk,
                                         NULL);
                }
                s3.nearu = 1;
                for (uint32_t i = exact_kids; i < nk; i++)
                    if (w->vn[kids[i]].cp != t->cp &&
                        reads_as(t, near_key(primary_reading(w->vn[kids[i]].cp)), 1))
                        step_into(w, kids[i], q + 1, s3);
            }
        }
        if ((below & SHI_VMASK(SHAI_VARIANT_SPLIT)) && t->comp) {
            uint32_t cc = t->comp;
            if ((c = find_child(w, node, cc))) {
                mst s3 = s2;
                s3.kinds |= SHI_VMASK(SHAI_VARIANT_SPLIT);
                step_into(w, c, q + 2, s3);
            }
        }
        if (han_only)
            return;
    } else if (han_only) {
        return;
    } else {
        mst s2 = st;
        s2.last_han = 0;
        if (t->cls != C_DIGIT)
            s2.nondigit = 1;
        if (t->cls == C_LATIN && q == t->tok_s && (below & SHI_VMASK(SHAI_VARIANT_PINYIN)))
            try_pinyin(w, node, q, s2);
        if ((c = find_child(w, node, t->cp))) {
            mst s3 = s2;
            s3.exact++;
            if (t->cls == C_LATIN && s3.letters < 255)
                s3.letters++;
            step_into(w, c, q + 1, s3);
        }
        if (below & SHI_VMASK(SHAI_VARIANT_LEET)) {
            const char *l = t->cls == C_LATIN ? NULL : shi_leet_letters(t->cp);
            for (; l && *l; l++)
                if ((c = find_child(w, node, (uint32_t)(unsigned char)*l))) {
                    mst s3 = s2;
                    s3.kinds |= SHI_VMASK(SHAI_VARIANT_LEET);
                    s3.nondigit = 1;
                    step_into(w, c, q + 1, s3);
                }
        }
        if (t->cls == C_DIGIT && (below & SHI_VMASK(SHAI_VARIANT_DIGIT))) {
            uint16_t syl[4];
            unsigned ns = shi_digit_syllables(t->cp - '0', syl);
            nk = 0;
            for (unsigned j = 0; j < ns; j++)
                nk = children_by_key(db->vredges, a->redge, a[1].redge, (uint32_t)syl[j] << 3,
                                     ((uint32_t)syl[j] << 3) | 7, 0, kids, nk, db);
            mst s3 = s2;
            s3.kinds |= SHI_VMASK(SHAI_VARIANT_DIGIT);
            for (uint32_t i = 0; i < nk; i++)
                step_into(w, kids[i], q + 1, s3);
        }
    }
    if (t->emoji && (below & SHI_VMASK(SHAI_VARIANT_EMOJI))) {
        uint32_t chars[4];
        unsigned ne = shi_emoji_chars(t->cp, chars);
        mst s3 = st;
        s3.kinds |= SHI_VMASK(SHAI_VARIANT_EMOJI);
        s3.last_han = 0;
        s3.nondigit = 1;
        nk = 0;
        for (unsigned j = 0; j < ne; j++) {
            if ((c = find_child(w, node, chars[j]))) {
                uint32_t k = 0;
                while (k < nk && kids[k] != c)
                    k++;
                if (k == nk && nk < 64)
                    kids[nk++] = c;
            }
            shi_reading r[SHI_READINGS_MAX];
            unsigned nr = shi_py_readings(chars[j], r);
            for (unsigned i = 0; i < nr; i++)
                nk =
                    children_by_key(db->vredges, a->redge, a[1].redge, r[i], r[i], 0, kids, nk, db);
        }
        for (uint32_t i = 0; i < nk; i++)
            step_into(w, kids[i], q + 1, s3);
    }
    if (t->wild && node && (!st.wild || (t->wild == 2 && st.wlast + 1 == q)) &&
        (below & SHI_VMASK(SHAI_VARIANT_WILDCARD))) {
        mst s3 = st;
        s3.kinds |= SHI_VMASK(SHAI_VARIANT_WILDCARD);
        if (!st.wild)
            s3.wat = q;
        s3.wild = 1;
        s3.wlast = q;
        s3.last_han = 0;
        s3.nondigit = 1;
        /* the unit it would stand for, written right after it: 赌*博 is
         * noise inside the entry, not a wildcard (a run inside a Latin
         * word stands for as many letters: p**sy) */
        uint32_t r = q + 1, gap = 0;
        while (t->wild != 2 && r < w->n && w->u[r].cls == C_NOISE && gap++ < w->max_gap)
            r++;
        uint32_t after = t->wild != 2 && r < w->n ? w->u[r].cp : 0;
        for (uint32_t i = a->edge; i < a[1].edge; i++)
            if (db->vedges[i].key != after)
                step_into(w, db->vedges[i].child, q + 1, s3);
    }
}

/* A unit matched: the match is at `child`, its next character at `next`. */
static void step_into(walk *w, uint32_t child, uint32_t next, mst st)
{
    const shi_vnode *a = &w->vn[child];
    if (++w->steps > WALK_STEPS)
        return; /* see WALK_STEPS */
    if (st.kinds & ~(uint32_t)a->below & SHI_VMASK_ALL)
        return; /* no entry below takes every kind used */
    /* a unit matched (st.gap: with noise skipped before it) */
    if (st.units < 255)
        st.units++;
    if (st.units == 1)
        st.first = child;
    if (st.units == 2)
        st.gap1 = st.gap;
    st.gapl = st.gap;
    st.gap = 0;
    if (!st.mid && a->out < a[1].out)
        at_end(w, child, next, &st);
    if (a->edge == a[1].edge || next >= w->n || w->m->nomem)
        return;
    if (st.mid) {
        try_pinyin(w, child, next, st);
        return;
    }
    int after_latin = next > 0 && w->u[next - 1].cls == C_LATIN;
    uint32_t gap = 0;
    for (uint32_t q = next; q < w->n; q++) {
        const vu *t = &w->u[q];
        mst s2 = st;
        if (q > next) {
            s2.skipped = 1;
            /* a space between two syllables of pinyin is how pinyin is
             * written (fa piao), not noise between two words */
            s2.gap =
                !(next > 0 && (w->u[next - 1].cls == C_LATIN || w->u[next - 1].cls == C_DIGIT) &&
                  t->cls == C_LATIN);
        }
        int skip = t->cls == C_NOISE || (t->cls == C_SEP && after_latin);
        if (!skip && t->cls == C_HAN && !may_continue(w, child, t))
            break;
        if (!skip) {
            if ((t->cls != C_SEP && t->cls != C_STOP) || t->wild || t->emoji || t->leet)
                try_at(w, child, q, s2, 0);
            break;
        }
        if (t->wild || t->emoji || t->leet)
            try_at(w, child, q, s2, 0);
        if (++gap > w->max_gap)
            break;
    }
    /* an insertion: 1-2 letters or digits between two Han characters, but
     * not a number before a unit or counter (我14日, 3号楼) */
    const vu *t = &w->u[next];
    if (st.last_han && !st.insert && (a->below & SHI_VMASK(SHAI_VARIANT_INSERT)) &&
        (t->cls == C_LATIN || t->cls == C_DIGIT) && t->tok_s == next && t->tok_e - next <= 2 &&
        t->tok_e < w->n && w->u[t->tok_e].cls == C_HAN &&
        !(w->u[t->tok_e - 1].cls == C_DIGIT && shi_variant_is_counter(w->u[t->tok_e].cp))) {
        mst s2 = st;
        s2.insert = 1;
        s2.kinds |= SHI_VMASK(SHAI_VARIANT_INSERT);
        try_at(w, child, t->tok_e, s2, 1);
    }
}

/* Whether entry `entry` is, character for character, the Han text units
 * u[s-a..s), then k more (those the token's letters stand for), then
 * u[e..e+b). */
static int mixed_entry(const walk *w, uint32_t entry, uint32_t s, uint32_t e, uint32_t a,
                       uint32_t k, uint32_t b)
{
    const shai_db *db = w->db;
    const shi_entry *en = &db->entries[entry];
    const unsigned char *t = (const unsigned char *)db->strings + en->text;
    uint32_t i = 0;
    for (size_t x = 0; x < en->text_len; i++) {
        uint32_t cp;
        size_t need;
        x += shi_utf8_decode(t + x, en->text_len - x, &cp, &need);
        cp = shi_variant_fold_free(db, cp);
        if (i < a && cp != w->u[s - a + i].cp)
            return 0;
        if (i >= a + k && (i >= a + k + b || cp != w->u[e + i - a - k].cp))
            return 0;
    }
    return i == a + k + b;
}

/* A whole token of letters that stands for some syllables of an entry by
 * their initials, the others written right before and after it as Han
 * characters (牛B, 傻b了, TM的, 你M的 for 牛逼, 傻逼, 他妈的, 你妈的): at
 * least one on either side, at most 3 on each. */
static void mixed_initials(walk *w, uint32_t s, uint32_t e, const char *letters)
{
    const shai_db *db = w->db;
    uint32_t k = e - s, na = 0, nb = 0;
    while (na < 3 && na < s && w->u[s - 1 - na].cls == C_HAN)
        na++;
    while (nb < 3 && e + nb < w->n && w->u[e + nb].cls == C_HAN)
        nb++;
    for (uint32_t a = 0; a <= na; a++)
        for (uint32_t b = a ? 0 : 1; b <= nb && a + k + b <= SHI_VINIT_MAX; b++) {
            /* the initials of the Han units, each by its readings (at most
             * 8 spellings) */
            char keys[SHI_VINIT_SPELLINGS][SHI_VINIT_MAX];
            uint32_t nkeys = 1;
            memset(keys[0], 0, SHI_VINIT_MAX);
            memcpy(keys[0] + a, letters, k);
            for (uint32_t i = 0; i < a + b && nkeys; i++) {
                uint32_t at = i < a ? s - a + i : e + (i - a);
                if (!shi_vinit_letter(keys, &nkeys, i < a ? i : k + i, w->u[at].cp))
                    nkeys = 0;
            }
            for (uint32_t j = 0; j < nkeys; j++) {
                uint32_t end, lo = shi_vinit_find(db, keys[j], &end);
                for (; lo < end; lo++) {
                    uint32_t entry = db->vinit[lo].entry;
                    if ((db->entries[entry].variants & SHI_VMASK(SHAI_VARIANT_INITIALS)) &&
                        mixed_entry(w, entry, s, e, a, k, b))
                        add_hit(w, s - a, e + b, entry, SHAI_VARIANT_INITIALS);
                }
            }
        }
}

/* Whole Latin tokens that are an entry's initials. */
static void initials(walk *w, uint32_t from, uint32_t to)
{
    const shai_db *db = w->db;
    if (!db->nvinit)
        return;
    for (uint32_t i = 0; i < w->n;) {
        const vu *t = &w->u[i];
        if (t->cls != C_LATIN && t->cls != C_DIGIT) {
            i++;
            continue;
        }
        uint32_t s = t->tok_s, e = t->tok_e;
        i = e;
        if (s < from || s >= to || e - s > SHI_VINIT_MAX)
            continue;
        char key[SHI_VINIT_MAX] = {0};
        if (letters_at(w, s, e, key, SHI_VINIT_MAX) != e - s)
            continue;
        if (s > 0 && (w->u[s - 1].cp == '.' || w->u[s - 1].cp == '@' || w->u[s - 1].cp == '/'))
            continue;
        /* a piece of a code, a name or an address (sjb-200, HR_sjb,
         * sjb.com, sjb@mail): joined to letters or digits */
        if ((s > 1 && (w->u[s - 1].cp == '-' || w->u[s - 1].cp == '_') &&
             (w->u[s - 2].cls == C_LATIN || w->u[s - 2].cls == C_DIGIT)) ||
            (e + 1 < w->n && w->u[e].cp < 0x80 && w->u[e].cp && strchr("-_.@/", (int)w->u[e].cp) &&
             (w->u[e + 1].cls == C_LATIN || w->u[e + 1].cls == C_DIGIT)))
            continue;
        if (e - s < SHI_VINIT_MAX &&
            shi_vinit_holds(db, key, e - s, s > 0 && w->u[s - 1].cls == C_HAN ? w->u[s - 1].cp : 0,
                            e < w->n && w->u[e].cls == C_HAN ? w->u[e].cp : 0))
            mixed_initials(w, s, e, key);
        if (e - s < 2)
            continue;
        uint32_t end, lo = shi_vinit_find(db, key, &end);
        for (; lo < end; lo++) {
            uint32_t entry = db->vinit[lo].entry;
            if (db->entries[entry].variants & SHI_VMASK(SHAI_VARIANT_INITIALS))
                add_hit(w, s, e, entry, SHAI_VARIANT_INITIALS);
        }
    }
}

void shi_vmatcher_init(shi_vmatcher *m)
{
    m->units = m->units_inline;
    m->units_cap = SHI_VLINE_INLINE;
    m->hits = m->hits_inline;
    m->hits_cap = SHI_VHITS_INLINE;
    m->nhits = 0;
    m->nomem = 0;
}

void shi_vmatcher_release(shi_vmatcher *m)
{
    if (m->units != m->units_inline)
        free(m->units);
    if (m->hits != m->hits_inline)
        free(m->hits);
    shi_vmatcher_init(m);
}

/* The classes of the line's characters and their tokens. */
/* The folded form of a Han character the segment left as it was (one
 * outside the db's alphabet), or cp. */
uint32_t shi_variant_fold_free(const shai_db *db, uint32_t cp)
{
    /* one no stage changes folds to itself (the prefilter lists them) */
    const shi_vfilter *vf = db->vfilter;
    if (vf && cp < 0x10000 && !((vf->mapped[cp >> 6] >> (cp & 63)) & 1))
        return cp;
    uint32_t out[SHI_FOLD_MAX];
    if (!(shi_map(db, cp) & (SHI_MAP_SYM_MASK | SHI_MAP_EXPAND)) &&
        shi_fold_cp(db->fold, cp, out) == 1)
        return out[0];
    return cp;
}

/* What Han characters a then b of the text compose by the split table, or
 * 0; vf, the prefilter's flags (or NULL), says which may begin a pair.
 * Components outside the alphabet come unfolded: 弓雖 is 弓虽. */
static uint32_t compose(const shai_db *db, const uint8_t *vf, uint32_t a, uint32_t b)
{
    /* the flags hold a character's split halves by its full fold */
    if (vf && a < 0x10000 && !(vf[a] & SHI_VF_SPLIT))
        return 0;
    uint32_t c = shi_split_compose(a, b);
    if (!c) {
        uint32_t fa = shi_variant_fold_free(db, a), fb = shi_variant_fold_free(db, b);
        if (fa != a || fb != b)
            c = shi_split_compose(fa, fb);
    }
    return c;
}

/* The classes of chars [0, n); the readings, filter bits and split
 * compositions of the Han characters of [lo, hi) only (the others have
 * none): the walk reads them nowhere else when it starts in [lo, hi) and
 * no match from there reaches past hi. */
static void classify(walk *w, uint32_t lo, uint32_t hi)
{
    const shai_db *db = w->db;
    vu *u = w->u;
    int split = (w->vn[0].below & SHI_VMASK(SHAI_VARIANT_SPLIT)) != 0;
    int near = (w->vn[0].below & SHI_VMASK_NEAR) != 0;
    /* a Han character of the text stands only for itself when no entry
     * takes homophones or split characters: no readings then, and one
     * outside the alphabet (not folded by the segment) is none of the
     * entries' units either way */
    int sound =
        w->vertical || (w->vn[0].below & (SHI_VMASK(SHAI_VARIANT_HOMOPHONE) | SHI_VMASK_NEAR));
    /* the prefilter's table says which characters may be the first half
     * of a split pair, and which have a reading some homophone unit has */
    const uint8_t *vf = w->vflags;
    for (uint32_t i = 0; i < w->n; i++) {
        uint32_t cp = w->chars[i].cp;
        vu *t = &u[i];
        int walked = i >= lo && i < hi;
        if (cp >= 0x4E00 && cp <= 0x9FFF &&
            (!walked || !sound || (vf && !(vf[cp] & (SHI_VF_FIRST | SHI_VF_SECOND))))) {
            t->cp = cp;
            t->cls = C_HAN;
            t->comp = 0;
            t->nread = t->wild = t->emoji = t->leet = t->upper = 0;
            t->bits[0] = t->bits[1] = 0;
            bloom_add(t->bits, cp);
            if (walked && split && i + 1 < w->n && shi_is_han(w->chars[i + 1].cp))
                t->comp = compose(db, vf, cp, w->chars[i + 1].cp);
            if (t->comp)
                bloom_add(t->bits, t->comp);
            continue;
        }
        if (cp >= 0x80 && !shi_is_han(cp)) {
            /* the segment folds the characters of the db's alphabet only:
             * fold the others here (ｄｕ is du). A Han character outside it
             * folds to none of the entries' units, and its readings are
             * those of its simplified form: left as it is. */
            cp = shi_variant_fold_free(db, cp);
        }
        t->upper = (uint8_t)(w->chars[i].upper != 0);
        if (cp >= 'A' && cp <= 'Z') {
            cp += 32;
            t->upper = 1;
        }
        t->cp = cp;
        t->comp = 0;
        t->nread = 0;
        t->wild = 0;
        t->emoji = 0;
        t->leet = 0;
        if (cp >= 'a' && cp <= 'z') {
            t->cls = C_LATIN;
            t->leet = 1;
            t->wild = cp == 'x'; /* on its own only: see below */
        } else if (cp >= '0' && cp <= '9') {
            t->cls = C_DIGIT;
            t->leet = 1;
        } else if (shi_is_han(cp)) {
            t->cls = C_HAN;
            shi_reading r[SHI_READINGS_MAX];
            unsigned nr = walked ? shi_py_readings(cp, r) : 0;
            for (unsigned k = 0; k < nr && k < SHI_READINGS_MAX; k++)
                t->read[k] = r[k];
            t->nread = (uint8_t)(nr < SHI_READINGS_MAX ? nr : SHI_READINGS_MAX);
            t->bits[0] = t->bits[1] = 0;
            bloom_add(t->bits, cp);
            for (unsigned k = 0; k < t->nread; k++) {
                bloom_add(t->bits, SHI_VKEY_READING | r[k]);
                t->near[k] = 0;
                if (near) {
                    t->near[k] = (uint16_t)((shi_py_near(SHI_READING_SYL(r[k])) << 3) |
                                            SHI_READING_TONE(r[k]));
                    bloom_add(t->bits, SHI_VKEY_NEAR | t->near[k]);
                }
            }
            if (walked && split && i + 1 < w->n && shi_is_han(w->chars[i + 1].cp))
                t->comp = compose(db, vf, cp, w->chars[i + 1].cp);
            if (t->comp)
                bloom_add(t->bits, t->comp);
        } else {
            uint32_t v = shi_map(db, cp);
            t->cls = (v & (SHI_MAP_BREAK | SHI_MAP_MARK)) ? C_STOP
                     : (v & SHI_MAP_SEP)                  ? C_SEP
                     : (v & SHI_MAP_NOISE)                ? C_NOISE
                                                          : C_OTHER;
            if (cp >= 0x80) {
                uint32_t chars[4];
                t->emoji = shi_emoji_chars(cp, chars) != 0;
            }
            t->wild = (uint8_t)(shi_is_wildcard(cp) != 0);
            t->leet = shi_leet_letters(cp) != NULL;
        }
    }
    /* tokens, and `x` as a wildcard only on its own */
    for (uint32_t i = 0; i < w->n;) {
        uint32_t j = i;
        if (u[i].cls == C_LATIN || u[i].cls == C_DIGIT) {
            while (j < w->n && (u[j].cls == C_LATIN || u[j].cls == C_DIGIT))
                j++;
            for (uint32_t k = i; k < j; k++) {
                u[k].tok_s = i;
                u[k].tok_e = j;
            }
            if (j - i > 1)
                for (uint32_t k = i; k < j; k++)
                    if (u[k].cp == 'x')
                        u[k].wild = 0;
        } else {
            u[i].tok_s = i;
            u[i].tok_e = i + 1;
            j = i + 1;
        }
        i = j;
    }
    /* a run of placeholders (XX, ***, ○○) masks an unknown length or
     * decorates: none of them is a wildcard, unless it is a run of at
     * most 3 symbols inside a Latin word (f**k, b***h): each is a letter */
    for (uint32_t i = 0; i + 1 < w->n; i++)
        if (u[i].wild && shi_is_wildcard(u[i + 1].cp)) {
            uint32_t j = i;
            while (j < w->n && shi_is_wildcard(u[j].cp))
                j++;
            int inner =
                j - i <= 3 && i > 0 && u[i - 1].cls == C_LATIN && j < w->n && u[j].cls == C_LATIN;
            for (uint32_t k = i; k < j; k++)
                u[k].wild = (uint8_t)(inner && u[k].cp != 'x' ? 2 : 0);
            i = j - 1;
        }
    for (uint32_t i = 0; i < w->n;) {
        uint32_t j = i;
        while (j < w->n && u[j].leet)
            j++;
        if (j == i)
            j = i + 1;
        for (uint32_t k = i; k < j; k++) {
            u[k].ltok_s = i;
            u[k].ltok_e = j;
        }
        i = j;
    }
}

int shi_variant_match(shi_vmatcher *m, const shai_db *db, const shi_vchar *chars, size_t n,
                      size_t from, size_t to, int how)
{
    m->nhits = 0;
    m->nomem = 0;
    if (!db->nvnodes || n == 0)
        return SHAI_OK;
    if (n > UINT32_MAX - 2)
        n = UINT32_MAX - 2;
    if (!shi_vgrow(&m->units, &m->units_cap, m->units_inline, n, sizeof(vu)))
        return SHAI_E_NOMEM;
    int vertical = (how & SHI_VMATCH_VERTICAL) != 0;
    walk w = {.m = m,
              .db = db,
              .vn = db->vnodes,
              .u = m->units,
              .chars = chars,
              .n = (uint32_t)n,
              .max_gap = db->max_gap,
              .vertical = vertical};
    int near_triggers = (how & SHI_VMATCH_TRIGGERS) && !vertical && db->vfilter;
    w.vflags = near_triggers ? db->vfilter->flags : NULL;
    /* with triggers: the walk starts in the regions around them (filter.c),
     * and reads no further past the last start than a match of the
     * longest entry (a unit: a syllable and its tone, a split pair, an
     * insertion, each after max_gap noise at most), or its guards, reach */
    if (to > w.n)
        to = w.n;
    uint32_t lo = 0, hi = w.n;
    if (near_triggers) {
        lo = (uint32_t)to;
        hi = (uint32_t)from;
        for (uint32_t q = (uint32_t)from; q < to; q++)
            if (chars[q].trig) {
                if (q < lo)
                    lo = q;
                hi = q + 1;
            }
        uint64_t reach = 2 * ((uint64_t)db->max_units * (db->max_gap + 8) + 16);
        hi = hi + reach < w.n ? (uint32_t)(hi + reach) : w.n;
    }
    classify(&w, lo, hi);
    for (uint32_t q = (uint32_t)from; q < to && !m->nomem; q++) {
        if (near_triggers && !chars[q].trig)
            continue;
        uint8_t cls = w.u[q].cls;
        if (cls == C_NOISE || cls == C_SEP || cls == C_STOP) {
            if (!w.u[q].emoji && !w.u[q].leet)
                continue;
        }
        mst st = {.start = q, .allcap = 1};
        w.steps = 0;
        try_at(&w, 0, q, st, 0);
    }
    initials(&w, (uint32_t)from, (uint32_t)to);
    return m->nomem ? SHAI_E_NOMEM : SHAI_OK;
}
