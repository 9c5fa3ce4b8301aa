/* The variant prefilter (common/db.h, shi_vfilter): what each character
 * can be in a variant match, derived from the trie when a db is compiled or
 * opened, and the test of a line (its original bytes, or its folded
 * characters) for the triggers a variant match needs. */
#include <stdlib.h>
#include <string.h>

#include "unicode/fold.h"
#include "unicode/utf8.h"
#include "variant/tables.h"
#include "variant/variant.h"

/* What the matcher (match.c, classify) makes of code point cp, original or
 * folded: the segment's folded characters (out, how many), and a character
 * outside the db's alphabet that is neither ASCII nor Han folded on its
 * own. */
/* Whether code point y of the BMP is one some fold stage changes, by the
 * bitmap `mapped` (NULL: may be). */
static inline int may_fold(const uint64_t *mapped, uint32_t y)
{
    return !mapped || y >= 0x10000 || ((mapped[y >> 6] >> (y & 63)) & 1);
}

/* view() with the bitmap of the code points the fold changes, so that a
 * character no stage changes is not folded (deriving the flags of the
 * whole BMP at open). */
static uint32_t view_m(const shai_db *db, uint32_t cp, uint32_t out[31], const uint64_t *mapped)
{
    uint32_t v = shi_map(db, cp);
    uint32_t n = shi_folded_chars(db, cp, v, out);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t y = out[i];
        if (y >= 'A' && y <= 'Z')
            out[i] = y + 32;
        if (y >= 0x80 && !shi_is_han(y) && may_fold(mapped, y))
            out[i] = shi_variant_fold_free(db, y);
    }
    return n;
}

static uint32_t view(const shai_db *db, uint32_t cp, uint32_t out[31])
{
    return view_m(db, cp, out, NULL);
}

/* The keys of a character of the text: its most common reading (and its
 * near key with `near`), the only one the matcher hears a character of the
 * text by (match.c: 大 is dà, so 大考 is not 代考), or the character itself
 * when it has none. */
static uint32_t keys_of(uint32_t cp, int near, uint32_t keys[2 * SHI_READINGS_MAX])
{
    shi_reading r[SHI_READINGS_MAX];
    unsigned nr = shi_is_han(cp) ? shi_py_readings(cp, r) : 0;
    uint32_t n = 0;
    if (!nr)
        keys[n++] = cp;
    for (unsigned i = 0; i < nr && i < 1; i++) {
        keys[n++] = SHI_VKEY_READING | r[i];
        if (near)
            keys[n++] =
                SHI_VKEY_NEAR | (shi_py_near(SHI_READING_SYL(r[i])) << 3) | SHI_READING_TONE(r[i]);
    }
    return n;
}

/* The same for a node of the trie, from the readings it was built with:
 * its most common one only (they come first), the one the matcher hears a
 * homophone of the unit by (match.c, try_at: a text character stands for
 * it when their most common readings are the same, or their near keys). */
static uint32_t node_keys(const shi_vnode *d, int near, uint32_t keys[2 * SHI_READINGS_MAX])
{
    uint32_t n = 0;
    if (d->read[0]) {
        keys[n++] = SHI_VKEY_READING | d->read[0];
        if (near)
            keys[n++] = SHI_VKEY_NEAR | (shi_py_near(SHI_READING_SYL(d->read[0])) << 3) |
                        SHI_READING_TONE(d->read[0]);
    }
    if (!n)
        keys[n++] = d->cp;
    return n;
}

/* Small sets of keys or characters while deriving: hashed bits. */
#define KBITS 16
static uint32_t kbit(uint32_t key)
{
    return (uint32_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> (64 - KBITS));
}
static void kset(uint64_t *s, uint32_t key)
{
    uint32_t b = kbit(key);
    s[b >> 6] |= 1ull << (b & 63);
}
static int khas(const uint64_t *s, uint32_t key)
{
    uint32_t b = kbit(key);
    return (int)((s[b >> 6] >> (b & 63)) & 1);
}

typedef struct derive {
    const uint64_t *fk, *sk, *fe, *se; /* keys of first and second units, the units */
    const uint64_t *sf, *sb;           /* split halves */
    int near;
    int digits;   /* some entry takes digit syllables: every digit is a trigger */
    int wildcard; /* some entry takes wildcards: a placeholder is a trigger */
    /* some entry reads digits as units (digit syllables, leet, insertions):
     * a character that folds to a digit is a trigger; else only one that
     * folds to a letter (a pinyin tone after it is one anyway) */
    int digit_units;
    const uint64_t *emoji;  /* the emoji of the table in the BMP, by code point (NULL: no
                               entry takes emoji) */
    const uint64_t *mapped; /* the code points of the BMP some fold stage changes */
} derive;

static void set_mapped(uint32_t cp, void *user)
{
    uint64_t *mapped = user;
    if (cp < 0x10000)
        mapped[cp >> 6] |= 1ull << (cp & 63);
}

static int is_alnum(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int ascii_alnum(uint32_t c)
{
    return c < 0x80 && is_alnum(c);
}

/* The folded form of a Han character the segment leaves as it is (one
 * outside the db's alphabet), as the matcher composes split pairs. */
static uint32_t split_fold_m(const shai_db *db, uint32_t y, const uint64_t *mapped)
{
    return shi_is_han(y) && may_fold(mapped, y) ? shi_variant_fold_free(db, y) : y;
}

static uint32_t split_fold(const shai_db *db, uint32_t y)
{
    return split_fold_m(db, y, NULL);
}

/* SHI_VF_* of code point cp. */
static uint8_t flags_of(const shai_db *db, const derive *d, uint32_t cp)
{
    uint32_t v = shi_map(db, cp), out[31];
    if (v & SHI_MAP_IGNORE)
        return SHI_VF_IGNORE;
    uint32_t n = view_m(db, cp, out, d->mapped);
    if (!n)
        return SHI_VF_IGNORE;
    if (n > 1)
        return SHI_VF_TRIG;
    uint32_t y = out[0], e[4];
    uint8_t f = SHI_VF_UNIT;
    if (cp < 0x80 && is_alnum(cp) && (cp > '9' || !d->digits))
        ; /* a trigger by its token (filter.c), else a unit as itself */
    else if ((is_alnum(y) && (y > '9' || d->digit_units)) || (d->wildcard && shi_is_wildcard(y)) ||
             (d->emoji && y >= 0x80 &&
              (y < 0x10000 ? (d->emoji[y >> 6] >> (y & 63)) & 1 : shi_emoji_chars(y, e) != 0)))
        return SHI_VF_TRIG;
    if (!shi_is_han(y)) {
        /* noise, a separator, a break: skipped or ending a walk; else
         * a unit as itself only */
        uint32_t w = shi_map(db, y);
        if (w & (SHI_MAP_BREAK | SHI_MAP_MARK | SHI_MAP_SEP | SHI_MAP_NOISE))
            return 0;
    } else if (y >= 0x10000 && d->sf) {
        return SHI_VF_TRIG; /* split halves are looked up in the BMP only */
    }
    uint32_t keys[2 * SHI_READINGS_MAX], nk = keys_of(y, d->near, keys);
    for (uint32_t i = 0; i < nk; i++) {
        if (d->fk && khas(d->fk, keys[i]))
            f |= SHI_VF_FIRST;
        if (d->sk && khas(d->sk, keys[i]))
            f |= SHI_VF_SECOND;
    }
    if (d->fe && khas(d->fe, y))
        f |= SHI_VF_FIRST_EXACT;
    if (d->se && khas(d->se, y))
        f |= SHI_VF_SECOND_EXACT;
    /* split halves by their full fold: the segment leaves a character
     * outside the alphabet unfolded, the matcher folds it to compose (弓雖) */
    uint32_t ys = split_fold_m(db, y, d->mapped);
    if (d->sf && ys < 0x10000 && khas(d->sf, ys))
        f |= SHI_VF_SPLIT;
    if (d->sb && ys < 0x10000 && khas(d->sb, ys))
        f |= SHI_VF_SPLIT2;
    return f;
}

static void set_combo(shi_vfilter *vf, uint32_t k1, uint32_t k2)
{
    uint64_t h = shi_vf_pair_hash(k1, k2);
    uint32_t b1 = SHI_VF_PAIR_BIT1(h), b2 = SHI_VF_PAIR_BIT2(h);
    vf->pair[b1 >> 6] |= 1ull << (b1 & 63);
    vf->pair[b2 >> 6] |= 1ull << (b2 & 63);
}

static int has_combo(const shi_vfilter *vf, uint32_t k1, uint32_t k2)
{
    uint64_t h = shi_vf_pair_hash(k1, k2);
    uint32_t b1 = SHI_VF_PAIR_BIT1(h), b2 = SHI_VF_PAIR_BIT2(h);
    return ((vf->pair[b1 >> 6] >> (b1 & 63)) & (vf->pair[b2 >> 6] >> (b2 & 63)) & 1) != 0;
}

/* Homophone pairs: at most this many are looked into for vsolo (a db
 * with more has none: every pair the filter passes is a trigger). */
#define SOLO_MAX 16384u

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The combinations of a and b the pair filter holds, as the text's
 * characters have them: a key of a with b itself, a with a key of b; into
 * out (at most 64); how many. */
static uint32_t combos(uint32_t a, uint32_t b, int near, uint64_t out[64])
{
    uint32_t ka[2 * SHI_READINGS_MAX], kb[2 * SHI_READINGS_MAX];
    uint32_t na = keys_of(a, near, ka), nb = keys_of(b, near, kb), n = 0;
    for (uint32_t x = 0; x < na; x++)
        out[n++] = ((uint64_t)ka[x] << 32) | b;
    for (uint32_t y = 0; y < nb; y++)
        out[n++] = ((uint64_t)a << 32) | kb[y];
    return n;
}

/* db->vsolo: the pairs of units (a, b) of homophone entries such that
 * every combination of the keys of a and b that some pair of units has is
 * theirs alone. Written as themselves in the text, such a pair is no
 * homophone of any pair: a match there writes another pair some other way,
 * and that one is its trigger. */
static int solo_pairs(shai_db *db, uint64_t *pairs, size_t npairs)
{
    const shi_vfilter *vf = db->vfilter;
    qsort(pairs, npairs, sizeof *pairs, cmp_u64);
    size_t n = 0;
    for (size_t i = 0; i < npairs; i++)
        if (!n || pairs[i] != pairs[n - 1])
            pairs[n++] = pairs[i];
    /* combination -> the pair it comes from, or SIZE_MAX for several:
     * open addressing, keys + 1 (0: empty) */
    size_t cap = 1024; /* at most 4 * SHI_READINGS_MAX combinations a pair */
    while (cap < n * 8 * SHI_READINGS_MAX)
        cap <<= 1;
    uint64_t *key = calloc(cap, sizeof *key);
    size_t *from = malloc(cap * sizeof *from);
    uint64_t *solo = malloc((n ? n : 1) * sizeof *solo);
    if (!key || !from || !solo) {
        free(key);
        free(from);
        free(solo);
        return SHAI_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t c[64];
        uint32_t nc = combos((uint32_t)(pairs[i] >> 32), (uint32_t)pairs[i], (int)vf->near, c);
        for (uint32_t j = 0; j < nc; j++) {
            size_t h = (size_t)((c[j] * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
            while (key[h] && key[h] != c[j] + 1)
                h = (h + 1) & (cap - 1);
            if (!key[h]) {
                key[h] = c[j] + 1;
                from[h] = i;
            } else if (from[h] != i) {
                from[h] = SIZE_MAX;
            }
        }
    }
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t c[64];
        uint32_t nc = combos((uint32_t)(pairs[i] >> 32), (uint32_t)pairs[i], (int)vf->near, c);
        int alone = 1;
        for (uint32_t j = 0; j < nc && alone; j++) {
            size_t h = (size_t)((c[j] * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
            while (key[h] && key[h] != c[j] + 1)
                h = (h + 1) & (cap - 1);
            alone = !key[h] || from[h] == i;
        }
        if (alone)
            solo[ns++] = pairs[i];
    }
    free(key);
    free(from);
    db->vsolo = solo;
    db->nvsolo = (uint32_t)ns;
    return SHAI_OK;
}

/* Characters of the BMP that vchars2 spells out (outside them a pair is
 * tested by its keys). */
static int han_bmp(uint32_t cp)
{
    return cp < 0x10000 && shi_is_han(cp);
}

/* At most this many pairs of characters are spelled out, else none. */
#define CHARS2_MAX (1u << 21)
/* and so vchars2 has at most this many words (a power of 2 that holds 32
 * bits a pair) */
#define CHARS2_WORDS_MAX (CHARS2_MAX / 2)

/* db->vchars2: for each pair of units (u, v) of a homophone entry, u with
 * every character of the BMP that has a key of v, and every one that has
 * a key of u with v. */
static int chars2(shai_db *db)
{
    const shi_vfilter *vf = db->vfilter;
    const shi_vnode *vn = db->vnodes;
    uint32_t nn = db->nvnodes - 1;
    /* characters by key: reading keys (and near keys) of 16 bits */
    uint32_t *count = calloc(2u << 16, sizeof *count);
    if (!count)
        return SHAI_E_NOMEM;
    for (uint32_t c = 0x3400; c < 0x10000; c++) {
        if (!shi_is_han(c))
            continue;
        uint32_t k[2 * SHI_READINGS_MAX], nk = keys_of(c, (int)vf->near, k);
        for (uint32_t i = 0; i < nk; i++)
            if (k[i] & (SHI_VKEY_READING | SHI_VKEY_NEAR))
                count[((k[i] & SHI_VKEY_NEAR) ? 0x10000u : 0) | (k[i] & 0xFFFFu)]++;
    }
    uint32_t *start = malloc(((2u << 16) + 1) * sizeof *start);
    if (!start) {
        free(count);
        return SHAI_E_NOMEM;
    }
    start[0] = 0;
    for (uint32_t i = 0; i < (2u << 16); i++)
        start[i + 1] = start[i] + count[i];
    uint32_t *chars = malloc(((size_t)start[2u << 16] + 1) * sizeof *chars);
    if (!chars) {
        free(count);
        free(start);
        return SHAI_E_NOMEM;
    }
    memset(count, 0, (2u << 16) * sizeof *count);
    for (uint32_t c = 0x3400; c < 0x10000; c++) {
        if (!shi_is_han(c))
            continue;
        uint32_t k[2 * SHI_READINGS_MAX], nk = keys_of(c, (int)vf->near, k);
        for (uint32_t i = 0; i < nk; i++) {
            if (!(k[i] & (SHI_VKEY_READING | SHI_VKEY_NEAR)))
                continue;
            uint32_t slot = ((k[i] & SHI_VKEY_NEAR) ? 0x10000u : 0) | (k[i] & 0xFFFFu);
            chars[start[slot] + count[slot]++] = c;
        }
    }
    free(count);
    /* how many pairs, then the bits */
    uint64_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        uint64_t *bits = (uint64_t *)(uintptr_t)db->vchars2;
        uint32_t mask = db->nvchars2 ? db->nvchars2 * 64 - 1 : 0;
        for (uint32_t k = 1; k < nn && (pass || total <= CHARS2_MAX); k++) {
            const shi_vnode *a = &vn[k];
            for (uint32_t i = a->edge; i < a[1].edge; i++) {
                const shi_vnode *c = &vn[db->vedges[i].child];
                if (!(c->below & (SHI_VMASK(SHAI_VARIANT_HOMOPHONE) | SHI_VMASK_NEAR)))
                    continue;
                int near = (c->below & SHI_VMASK_NEAR) != 0;
                for (int side = 0; side < 2; side++) {
                    const shi_vnode *keyed = side ? c : a;
                    uint32_t kk[2 * SHI_READINGS_MAX], nk = node_keys(keyed, near, kk);
                    for (uint32_t j = 0; j < nk; j++) {
                        uint32_t one = kk[j], *from = &one, nfrom = 1;
                        if (kk[j] & (SHI_VKEY_READING | SHI_VKEY_NEAR)) {
                            uint32_t slot =
                                ((kk[j] & SHI_VKEY_NEAR) ? 0x10000u : 0) | (kk[j] & 0xFFFFu);
                            from = chars + start[slot];
                            nfrom = start[slot + 1] - start[slot];
                        }
                        if (!pass) {
                            total += nfrom;
                            continue;
                        }
                        for (uint32_t h = 0; h < nfrom; h++) {
                            uint32_t x = side ? a->cp : from[h], y = side ? from[h] : c->cp;
                            uint64_t hash = shi_vf_pair_hash(x, y);
                            uint32_t b1 = (uint32_t)(hash >> 32) & mask, b2 = (uint32_t)hash & mask;
                            bits[b1 >> 6] |= 1ull << (b1 & 63);
                            bits[b2 >> 6] |= 1ull << (b2 & 63);
                        }
                    }
                }
            }
        }
        if (pass)
            break;
        if (total > CHARS2_MAX) {
            free(start);
            free(chars);
            return SHAI_OK; /* too many: keys are read */
        }
        uint32_t words = 1024;
        while ((uint64_t)words * 64 < total * 32)
            words <<= 1;
        db->vchars2 = calloc(words, sizeof *db->vchars2);
        if (!db->vchars2) {
            free(start);
            free(chars);
            return SHAI_E_NOMEM;
        }
        db->nvchars2 = words;
    }
    free(start);
    free(chars);
    return SHAI_OK;
}

int shi_variant_prepare(shai_db *db)
{
    if (!db->nvnodes)
        return SHAI_OK;
    /* With homophones on more pairs of units than SOLO_MAX (every entry
     * of a big list), nearly every line of Chinese holds a trigger (99% of
     * the UGC corpus): the filter would cost more than it saves. Such a db
     * has none, and the layer walks every line. */
    uint32_t homophone_pairs = 0;
    for (uint32_t k = 1; k + 1 < db->nvnodes && homophone_pairs < SOLO_MAX; k++)
        for (uint32_t i = db->vnodes[k].edge; i < db->vnodes[k + 1].edge; i++)
            homophone_pairs += (db->vnodes[db->vedges[i].child].below &
                                (SHI_VMASK(SHAI_VARIANT_HOMOPHONE) | SHI_VMASK_NEAR)) != 0;
    if (homophone_pairs >= SOLO_MAX)
        return SHAI_OK;
    shi_vfilter *vf = calloc(1, sizeof *vf);
    uint64_t *sets = calloc(7u << (KBITS - 6), sizeof *sets);
    if (!vf || !sets) {
        free(vf);
        free(sets);
        return SHAI_E_NOMEM;
    }
    uint64_t *fk = sets, *sk = sets + (1u << (KBITS - 6)), *su = sets + (2u << (KBITS - 6));
    uint64_t *fe = sets + (5u << (KBITS - 6)), *se = sets + (6u << (KBITS - 6));
    uint64_t *pairs = malloc(SOLO_MAX * sizeof *pairs);
    size_t npairs = 0;
    if (!pairs) {
        free(vf);
        free(sets);
        return SHAI_E_NOMEM;
    }
    const shi_vnode *vn = db->vnodes;
    uint32_t nn = db->nvnodes - 1; /* the sentinel closes the ranges */
    int homophone = 0, split = 0;
    vf->near = (vn[0].below & SHI_VMASK_NEAR) != 0;
    for (uint32_t k = 1; k < nn; k++) {
        const shi_vnode *a = &vn[k];
        if (a->depth > vf->depth)
            vf->depth = a->depth;
        if (a->below & SHI_VMASK(SHAI_VARIANT_PINYIN))
            for (unsigned j = 0; j < 4 && a->read[j]; j++) {
                unsigned syl = SHI_READING_SYL(a->read[j]);
                if (syl < 512)
                    vf->syl[syl >> 6] |= 1ull << (syl & 63);
            }
        if (a->below & SHI_VMASK(SHAI_VARIANT_SPLIT)) {
            kset(su, a->cp);
            split = 1;
        }
        for (uint32_t i = a->edge; i < a[1].edge; i++) {
            const shi_vnode *c = &vn[db->vedges[i].child];
            uint32_t g = shi_vf_bigram_bit(a->cp, c->cp);
            vf->bigram[g >> 6] |= 1ull << (g & 63);
            if (c->below & SHI_VMASK(SHAI_VARIANT_PINYIN)) {
                int la = a->cp < 0x80 && is_alnum(a->cp), lc = c->cp < 0x80 && is_alnum(c->cp);
                if (la && !lc) {
                    vf->mixed = 1;
                    vf->la_before[a->cp >> 6] |= 1ull << (a->cp & 63);
                } else if (lc && !la) {
                    vf->mixed = 1;
                    vf->la_after[c->cp >> 6] |= 1ull << (c->cp & 63);
                }
            }
            if (!(c->below & (SHI_VMASK(SHAI_VARIANT_HOMOPHONE) | SHI_VMASK_NEAR)))
                continue;
            int near = (c->below & SHI_VMASK_NEAR) != 0;
            uint32_t ka[2 * SHI_READINGS_MAX], kc[2 * SHI_READINGS_MAX];
            uint32_t na = node_keys(a, near, ka), nc = node_keys(c, near, kc);
            /* an all-Han homophone match keeps a unit as written: it has
             * two units side by side, one as itself, the other not */
            for (uint32_t x = 0; x < na; x++) {
                kset(fk, ka[x]);
                set_combo(vf, ka[x], c->cp);
                for (uint32_t y = 0; y < nc; y++) {
                    uint32_t b = SHI_VF_PAIR_BIT1(shi_vf_pair_hash(ka[x], kc[y]));
                    vf->keys2[b >> 6] |= 1ull << (b & 63);
                }
            }
            for (uint32_t y = 0; y < nc; y++) {
                kset(sk, kc[y]);
                set_combo(vf, a->cp, kc[y]);
            }
            kset(fe, a->cp);
            kset(se, c->cp);
            if (npairs < SOLO_MAX)
                pairs[npairs++] = ((uint64_t)a->cp << 32) | c->cp;
            homophone = 1;
        }
    }
    /* the first halves of the split pairs that make a unit of a split entry */
    uint64_t *sf = sets + (3u << (KBITS - 6)), *sb = sets + (4u << (KBITS - 6));
    if (split) {
        uint32_t a, b, c;
        size_t rows = shi_split_row_at(0, &a, &b, &c);
        for (size_t i = 0; i < rows; i++) {
            shi_split_row_at(i, &a, &b, &c);
            if (khas(su, c)) {
                kset(sf, a);
                kset(sb, b);
            }
        }
    }
    derive d = {homophone ? fk : NULL,
                homophone ? sk : NULL,
                homophone ? fe : NULL,
                homophone ? se : NULL,
                split ? sf : NULL,
                split ? sb : NULL,
                (int)vf->near,
                (vn[0].below & SHI_VMASK(SHAI_VARIANT_DIGIT)) != 0,
                (vn[0].below & SHI_VMASK(SHAI_VARIANT_WILDCARD)) != 0,
                (vn[0].below & (SHI_VMASK(SHAI_VARIANT_DIGIT) | SHI_VMASK(SHAI_VARIANT_LEET) |
                                SHI_VMASK(SHAI_VARIANT_INSERT))) != 0,
                NULL,
                NULL};
    uint64_t *emoji = calloc(0x10000 / 64, sizeof *emoji);
    if (!emoji) {
        free(sets);
        free(pairs);
        free(vf);
        return SHAI_E_NOMEM;
    }
    uint32_t ecp;
    for (size_t i = 0, rows = shi_emoji_row_at(0, &ecp); i < rows; i++) {
        shi_emoji_row_at(i, &ecp);
        if (ecp < 0x10000)
            emoji[ecp >> 6] |= 1ull << (ecp & 63);
    }
    if (vn[0].below & SHI_VMASK(SHAI_VARIANT_EMOJI))
        d.emoji = emoji;
    shi_fold_each_mapped(set_mapped, vf->mapped);
    d.mapped = vf->mapped;
    vf->kinds = vn[0].below;
    for (uint32_t cp = 0; cp < 0x10000; cp++)
        vf->flags[cp] = (cp >= 0xD800 && cp < 0xE000) ? SHI_VF_TRIG : flags_of(db, &d, cp);
    free(sets);
    free(emoji);
    db->vfilter = vf;
    db->nvfilter = 1;
    int rc = npairs < SOLO_MAX ? solo_pairs(db, pairs, npairs) : SHAI_OK;
    free(pairs);
    if (!rc && homophone)
        rc = chars2(db);
    return rc;
}

/* Filters of key pairs (k1, k2) with two bits each, 2^nbits bits: the
 * character filter of db->vsyl_pairs and the pair context. */
static void key2_bits(uint32_t k1, uint32_t k2, unsigned nbits, uint32_t bit[2])
{
    uint64_t h = shi_vf_pair_hash(k1, k2);
    uint32_t mask = (1u << nbits) - 1;
    bit[0] = (uint32_t)h & mask;
    bit[1] = (uint32_t)(h >> 32) & mask;
}

static int key2_has(const uint64_t *bits, unsigned nbits, uint32_t k1, uint32_t k2)
{
    uint32_t bit[2];
    key2_bits(k1, k2, nbits, bit);
    return ((bits[bit[0] >> 6] >> (bit[0] & 63)) & (bits[bit[1] >> 6] >> (bit[1] & 63)) & 1) != 0;
}

static void key2_set(uint64_t *bits, unsigned nbits, uint32_t k1, uint32_t k2)
{
    uint32_t bit[2];
    key2_bits(k1, k2, nbits, bit);
    bits[bit[0] >> 6] |= 1ull << (bit[0] & 63);
    bits[bit[1] >> 6] |= 1ull << (bit[1] & 63);
}

static int derive_syllable_pairs(shai_db *db)
{
    /* (syllable ids index the pair bits: none if the table had more) */
    if (!(db->vnodes[0].below & SHI_VMASK(SHAI_VARIANT_PINYIN)) || shi_py_nsyl > SHI_VSYL_MAX)
        return SHAI_OK;
    uint64_t *sp = calloc(SHI_VSYL_WORDS, sizeof *sp);
    if (!sp)
        return SHAI_E_NOMEM;
    uint64_t *homophone = sp + SHI_VSYL_PAIR_WORDS, *chars = sp + 2 * SHI_VSYL_PAIR_WORDS;
    uint64_t *whole = sp + SHI_VSYL_WHOLE;
    const shi_vnode *vn = db->vnodes;
    for (uint32_t k = 1; k + 1 < db->nvnodes; k++) {
        const shi_vnode *a = &vn[k];
        for (uint32_t i = a->edge; i < a[1].edge; i++) {
            const shi_vnode *c = &vn[db->vedges[i].child];
            if (!(c->below & SHI_VMASK(SHAI_VARIANT_PINYIN)))
                continue;
            int homo = (c->below & SHI_VMASK(SHAI_VARIANT_HOMOPHONE)) != 0;
            /* a and c all of an entry */
            int all = a->depth == 1 && c->out < c[1].out;
            for (unsigned y = 0; all && y < 4 && c->read[y]; y++)
                key2_set(whole, SHI_VSYL_WHOLE_BITS, a->cp,
                         SHI_READING_SYL(c->read[y]) | SHI_VSYL_TAG);
            for (unsigned x = 0; x < 4 && a->read[x]; x++) {
                uint32_t sa = SHI_READING_SYL(a->read[x]);
                if (all)
                    key2_set(whole, SHI_VSYL_WHOLE_BITS, sa | SHI_VSYL_TAG, c->cp);
                key2_set(chars, SHI_VSYL_CHAR_BITS, sa | SHI_VSYL_TAG, c->cp);
                for (unsigned y = 0; y < 4 && c->read[y]; y++) {
                    uint32_t b = shi_vsyl_pair_bit(sa, SHI_READING_SYL(c->read[y]));
                    sp[b >> 6] |= 1ull << (b & 63);
                    if (homo)
                        homophone[b >> 6] |= 1ull << (b & 63);
                }
            }
            for (unsigned y = 0; y < 4 && c->read[y]; y++)
                key2_set(chars, SHI_VSYL_CHAR_BITS, a->cp,
                         SHI_READING_SYL(c->read[y]) | SHI_VSYL_TAG);
        }
    }
    db->vsyl_pairs = sp;
    return SHAI_OK;
}

/* The key of a unit's most common reading, the only one a homophone is
 * heard by (match.c, primary_reading; its readings come most common
 * first), or the unit itself when it has none. */
static uint32_t primary_key(const shi_vnode *d)
{
    return d->read[0] ? SHI_VKEY_READING | d->read[0] : d->cp;
}

/* One key for a homophone pair (its first unit as k1, its second as k2:
 * each a unit or its key), for the beside filter, where it goes with the
 * unit or key beside the pair. */
static uint32_t ctx_pair_key(uint32_t k1, uint32_t k2)
{
    return (uint32_t)(shi_vf_pair_hash(k1, k2) >> 32);
}

/* A homophone pair a, c (trie nodes) and the unit u beside it, on `side`,
 * into the beside filter: each as itself or by its key, as the text may
 * write them (one of the pair as itself, the other a homophone). */
static void ctx_set_beside(uint64_t *bits, const shi_vnode *a, const shi_vnode *c,
                           const shi_vnode *u, uint32_t side)
{
    uint32_t pairs[2] = {ctx_pair_key(primary_key(a), c->cp), ctx_pair_key(a->cp, primary_key(c))};
    for (int i = 0; i < 2; i++) {
        key2_set(bits, SHI_VCTX_BITS, pairs[i], u->cp | side << 31);
        key2_set(bits, SHI_VCTX_BITS, pairs[i], primary_key(u) ^ side << 30);
    }
}

/* The tag of a whole entry in the contexts below (no unit is it). */
#define INS_WHOLE 0xFFFFFFFFu

/* A context's bits from edge a -> c of the trie (before: the unit before
 * a in its entries, NULL when a is their first; aux: the caller's). */
typedef void (*edge_fn)(const shai_db *db, const shi_vnode *a, const shi_vnode *c,
                        const shi_vnode *before, uint64_t *ctx, const void *aux);

/* A context: fn on each edge a -> c of the trie whose entries take one of
 * `kinds`, into a table of `words` words that becomes *out. */
static int derive_edges(shai_db *db, uint32_t kinds, size_t words, edge_fn fn, const void *aux,
                        const uint64_t **out)
{
    const shi_vnode *vn = db->vnodes;
    uint32_t nn = db->nvnodes - 1;
    uint32_t *parent = calloc(nn, sizeof *parent);
    uint64_t *ctx = calloc(words, sizeof *ctx);
    if (!parent || !ctx) {
        free(parent);
        free(ctx);
        return SHAI_E_NOMEM;
    }
    for (uint32_t k = 0; k < nn; k++)
        for (uint32_t i = vn[k].edge; i < vn[k + 1].edge; i++)
            parent[db->vedges[i].child] = k;
    for (uint32_t k = 1; k < nn; k++)
        for (uint32_t i = vn[k].edge; i < vn[k + 1].edge; i++) {
            const shi_vnode *c = &vn[db->vedges[i].child];
            if (c->below & kinds)
                fn(db, &vn[k], c, vn[k].depth > 1 ? &vn[parent[k]] : NULL, ctx, aux);
        }
    free(parent);
    *out = ctx;
    return SHAI_OK;
}

/* db->vpair_ctx: for each homophone pair of units a, c (an edge of the
 * trie whose entries take homophones), its combinations (a's key with c, a
 * with c's key) when a and c are a whole entry; and with the units before
 * a and after c in the entries, on their side. None with near-homophones. */
static void pair_edge(const shai_db *db, const shi_vnode *a, const shi_vnode *c,
                      const shi_vnode *before, uint64_t *ctx, const void *aux)
{
    uint64_t *whole = ctx, *beside = ctx + SHI_VCTX_WORDS;
    (void)aux;
    if (a->depth == 1 && c->out < c[1].out) {
        /* a whole entry of two units (the pairs of pair_in, by the most
         * common readings, as the matcher hears them) */
        key2_set(whole, SHI_VCTX_BITS, primary_key(a), c->cp);
        key2_set(whole, SHI_VCTX_BITS, a->cp, primary_key(c));
    }
    if (before)
        ctx_set_beside(beside, a, c, before, 0);
    for (uint32_t j = c->edge; j < c[1].edge; j++)
        ctx_set_beside(beside, a, c, &db->vnodes[db->vedges[j].child], 1);
}

/* db->vins_ctx (common/db.h): each two adjacent units a, c of an entry
 * that takes insertions, as themselves, with the units beside them by their
 * most common readings (a unit itself has its own). */
static void insert_edge(const shai_db *db, const shi_vnode *a, const shi_vnode *c,
                        const shi_vnode *before, uint64_t *ctx, const void *aux)
{
    uint32_t pair = ctx_pair_key(a->cp, c->cp);
    (void)aux;
    if (a->depth == 1 && c->out < c[1].out)
        key2_set(ctx, SHI_VINS_BITS, pair, INS_WHOLE);
    if (before)
        key2_set(ctx, SHI_VINS_BITS, pair, primary_key(before));
    for (uint32_t j = c->edge; j < c[1].edge; j++)
        key2_set(ctx, SHI_VINS_BITS, pair,
                 primary_key(&db->vnodes[db->vedges[j].child]) ^ 1u << 30);
}

/* Whether code point cp is in `bits`, a bitmap of the BMP. */
static int bmp_has(const uint64_t *bits, uint32_t cp)
{
    return cp < 0x10000 && ((bits[cp >> 6] >> (cp & 63)) & 1);
}

/* db->vsplit_ctx (common/db.h): a unit of an entry that takes split
 * characters, which the split table composes (aux: those of the BMP, by
 * bits), with the unit beside it by its most common reading. */
static void split_edge(const shai_db *db, const shi_vnode *a, const shi_vnode *c,
                       const shi_vnode *before, uint64_t *ctx, const void *aux)
{
    const uint64_t *composed = aux;
    (void)db;
    (void)before;
    if (bmp_has(composed, a->cp))
        key2_set(ctx, SHI_VSPLIT_BITS, a->cp, primary_key(c) ^ 1u << 30);
    if (bmp_has(composed, c->cp))
        key2_set(ctx, SHI_VSPLIT_BITS, c->cp, primary_key(a));
}

/* db->vwild_ctx (common/db.h): units a, d two apart in an entry that
 * takes wildcards, and a before the entry's last unit c. */
static void wild_edge(const shai_db *db, const shi_vnode *a, const shi_vnode *c,
                      const shi_vnode *before, uint64_t *ctx, const void *aux)
{
    (void)before;
    (void)aux;
    if (c->out < c[1].out)
        key2_set(ctx, SHI_VWILD_BITS, primary_key(a), INS_WHOLE);
    for (uint32_t j = c->edge; j < c[1].edge; j++)
        key2_set(ctx, SHI_VWILD_BITS, primary_key(a),
                 primary_key(&db->vnodes[db->vedges[j].child]));
}

/* The contexts, by the units' most common readings: none where some
 * entry takes near-homophones (a unit beside may be written as one). */
static int derive_contexts(shai_db *db)
{
    uint32_t below = db->vnodes[0].below;
    if (db->vfilter->near)
        return SHAI_OK;
    int rc = derive_edges(db, SHI_VMASK(SHAI_VARIANT_HOMOPHONE), 2 * SHI_VCTX_WORDS, pair_edge,
                          NULL, &db->vpair_ctx);
    if (!rc && (below & SHI_VMASK(SHAI_VARIANT_INSERT)))
        rc = derive_edges(db, SHI_VMASK(SHAI_VARIANT_INSERT), SHI_VINS_WORDS, insert_edge, NULL,
                          &db->vins_ctx);
    if (!rc && (below & SHI_VMASK(SHAI_VARIANT_WILDCARD)))
        rc = derive_edges(db, SHI_VMASK(SHAI_VARIANT_WILDCARD), SHI_VWILD_WORDS, wild_edge, NULL,
                          &db->vwild_ctx);
    if (rc || !(below & SHI_VMASK(SHAI_VARIANT_SPLIT)))
        return rc;
    /* the units the split table composes, and which alone are an entry */
    uint64_t *composed = calloc(0x10000 / 64, sizeof *composed);
    if (!composed)
        return SHAI_E_NOMEM;
    uint32_t sa, sb, sc;
    for (size_t i = 0, rows = shi_split_row_at(0, &sa, &sb, &sc); i < rows; i++) {
        shi_split_row_at(i, &sa, &sb, &sc);
        if (sc < 0x10000)
            composed[sc >> 6] |= 1ull << (sc & 63);
    }
    rc = derive_edges(db, SHI_VMASK(SHAI_VARIANT_SPLIT), SHI_VSPLIT_WORDS, split_edge, composed,
                      &db->vsplit_ctx);
    const shi_vnode *vn = db->vnodes;
    for (uint32_t i = vn[0].edge; !rc && i < vn[1].edge; i++) {
        const shi_vnode *a = &vn[db->vedges[i].child];
        if (a->out < a[1].out && (a->below & SHI_VMASK(SHAI_VARIANT_SPLIT)) &&
            bmp_has(composed, a->cp))
            key2_set((uint64_t *)(uintptr_t)db->vsplit_ctx, SHI_VSPLIT_BITS, a->cp, INS_WHOLE);
    }
    free(composed);
    return rc;
}

/* db->vinit_letters (common/db.h). None with a spelling of another letter. */
static int derive_initials_letters(shai_db *db)
{
    if (!db->nvinit)
        return SHAI_OK;
    uint64_t *bits = calloc(SHI_VINIT_LETTER_WORDS, sizeof *bits);
    if (!bits)
        return SHAI_E_NOMEM;
    for (uint32_t i = 0; i < db->nvinit; i++) {
        const char *l = db->vinit[i].letters;
        for (size_t j = 0; j < SHI_VINIT_MAX && l[j]; j++) {
            if (l[j] < 'a' || l[j] > 'z' ||
                (j + 1 < SHI_VINIT_MAX && l[j + 1] && (l[j + 1] < 'a' || l[j + 1] > 'z'))) {
                free(bits);
                return SHAI_OK;
            }
            uint32_t x = (uint32_t)(l[j] - 'a'), b = 26 * 26 + x;
            bits[b >> 6] |= 1ull << (b & 63);
            if (j + 1 < SHI_VINIT_MAX && l[j + 1]) {
                b = 26 * x + (uint32_t)(l[j + 1] - 'a');
                bits[b >> 6] |= 1ull << (b & 63);
            }
        }
    }
    db->vinit_letters = bits;
    return SHAI_OK;
}

int shi_variant_derive(shai_db *db)
{
    db->vsyl_pairs = NULL;
    db->vpair_ctx = NULL;
    db->vinit_letters = NULL;
    db->vins_ctx = NULL;
    db->vsplit_ctx = NULL;
    db->vwild_ctx = NULL;
    if (!db->vfilter || !db->nvnodes)
        return SHAI_OK;
    int rc = derive_syllable_pairs(db);
    if (!rc)
        rc = derive_contexts(db);
    return rc ? rc : derive_initials_letters(db);
}

int shi_variant_filter_valid(const shai_db *db)
{
    if (db->nvfilter > 1 || (db->nvfilter && !db->nvnodes) ||
        (!db->nvfilter && (db->nvsolo || db->nvchars2)) || (db->nvchars2 & (db->nvchars2 - 1)) ||
        db->nvchars2 > CHARS2_WORDS_MAX)
        return 0;
    uint32_t bad = 0;
    for (uint32_t i = 1; i < db->nvsolo; i++)
        bad |= db->vsolo[i] <= db->vsolo[i - 1];
    return !bad;
}

/* SHI_VF_* of a character above the BMP: what it folds to in the BMP, or
 * noise, or else a trigger (a Han character there has no split half or
 * pair key of its own here). */
static uint8_t flags_above(const shai_db *db, uint32_t cp)
{
    uint32_t v = shi_map(db, cp), out[31], e[4];
    if (v & SHI_MAP_IGNORE)
        return SHI_VF_IGNORE;
    uint32_t n = view(db, cp, out);
    if (!n)
        return SHI_VF_IGNORE;
    if (n > 1)
        return SHI_VF_TRIG;
    uint32_t y = out[0];
    if (y < 0x10000)
        return db->vfilter->flags[y];
    if (shi_is_han(y) || shi_emoji_chars(y, e) || shi_is_wildcard(y))
        return SHI_VF_TRIG;
    uint32_t w = shi_map(db, y);
    return (w & (SHI_MAP_BREAK | SHI_MAP_MARK | SHI_MAP_SEP | SHI_MAP_NOISE)) ? 0 : SHI_VF_TRIG;
}

static inline uint8_t flags_at(const shai_db *db, uint32_t cp)
{
    return cp < 0x10000 ? db->vfilter->flags[cp] : flags_above(db, cp);
}

/* Whether the keys of a and b, characters of the text with these flags,
 * make a pair of adjacent units of some homophone entry. */
/* view() of a Han character of the BMP that folds to one (0 otherwise). */
static inline uint32_t view_han(const shai_db *db, uint32_t cp)
{
    if (cp >= 0x10000 || !shi_is_han(cp))
        return 0;
    /* one no fold stage changes (vf->mapped, 8 KB) is itself, without the
     * fold map's loads: most of the Han text */
    if (!((db->vfilter->mapped[cp >> 6] >> (cp & 63)) & 1))
        return cp;
    uint32_t v = db->map_bmp[cp];
    if (v & (SHI_MAP_IGNORE | SHI_MAP_BREAK | SHI_MAP_EXPAND))
        return 0;
    uint32_t sym = v & SHI_MAP_SYM_MASK, y = sym ? db->sym_cp[sym] : cp;
    return shi_is_han(y) ? y : 0;
}

static int pair_in(const shai_db *db, uint32_t a, uint32_t b, int a_key, int b_key)
{
    const shi_vfilter *vf = db->vfilter;
    uint32_t va[31], vb[31];
    va[0] = view_han(db, a);
    vb[0] = view_han(db, b);
    if ((!va[0] && view(db, a, va) != 1) || (!vb[0] && view(db, b, vb) != 1))
        return 1;
    uint32_t k[2 * SHI_READINGS_MAX], nk;
    int hit = 0;
    if (db->nvchars2 && han_bmp(va[0]) && han_bmp(vb[0])) {
        /* spelled out: one load says no; a yes, which may be a collision
         * of the hash (洗发 with 洗钱's pairs), the keys confirm */
        uint64_t hash = shi_vf_pair_hash(va[0], vb[0]);
        uint32_t mask = db->nvchars2 * 64 - 1;
        uint32_t b1 = (uint32_t)(hash >> 32) & mask, b2 = (uint32_t)hash & mask;
        if (!((db->vchars2[b1 >> 6] >> (b1 & 63)) & (db->vchars2[b2 >> 6] >> (b2 & 63)) & 1))
            return 0;
    }
    if (a_key) { /* a homophone, then b as itself */
        nk = keys_of(va[0], (int)vf->near, k);
        for (uint32_t x = 0; x < nk && !hit; x++)
            hit = has_combo(vf, k[x], vb[0]);
    }
    if (b_key && !hit) { /* a as itself, then a homophone */
        nk = keys_of(vb[0], (int)vf->near, k);
        for (uint32_t y = 0; y < nk && !hit; y++)
            hit = has_combo(vf, va[0], k[y]);
    }
    if (!hit)
        return 0;
    /* a pair of units as itself, which no other pair shares a reading with */
    uint64_t ab = ((uint64_t)va[0] << 32) | vb[0];
    size_t lo = 0, hi = db->nvsolo;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (db->vsolo[mid] < ab)
            lo = mid + 1;
        else
            hi = mid;
    }
    return !(lo < db->nvsolo && db->vsolo[lo] == ab);
}

/* Whether a homophone pair that pair_in found, a then b in the text, may
 * be a whole entry of two units (db->vpair_ctx). */
static int pair_whole(const shai_db *db, uint32_t a, uint32_t b, int a_key, int b_key)
{
    const uint64_t *whole = db->vpair_ctx;
    uint32_t va = view_han(db, a), vb = view_han(db, b);
    if (!va || !vb)
        return 1; /* not looked into */
    uint32_t k[2 * SHI_READINGS_MAX], nk;
    if (a_key) {
        nk = keys_of(va, 0, k);
        for (uint32_t x = 0; x < nk; x++)
            if (key2_has(whole, SHI_VCTX_BITS, k[x], vb))
                return 1;
    }
    if (b_key) {
        nk = keys_of(vb, 0, k);
        for (uint32_t y = 0; y < nk; y++)
            if (key2_has(whole, SHI_VCTX_BITS, va, k[y]))
                return 1;
    }
    return 0;
}

/* Where a token is: bytes p[from, to) of a line p[0, n), or characters
 * c[from, to) of c[0, n). */
typedef struct token_at {
    const unsigned char *p;
    const shi_vchar *c;
    size_t n, from, to;
} token_at;

/* The character of line l before position *at (back) or at it, moving *at
 * past it; 0 at the line's start or end. */
static int line_step(const token_at *l, size_t *at, int back, uint32_t *cp)
{
    if (back ? *at == 0 : *at >= l->n)
        return 0;
    if (l->c) {
        *cp = l->c[back ? --*at : (*at)++].cp;
    } else if (back) {
        while (--*at > 0 && (l->p[*at] & 0xC0) == 0x80)
            ;
        shi_utf8_decode_valid(l->p + *at, cp);
    } else {
        *at += shi_utf8_decode_valid(l->p + *at, cp);
    }
    return 1;
}

/* What lies next to a token on one side, where a match through it would
 * go on (char_beside): nothing, a Han character, or anything else (another
 * token, a trigger, a unit of another script). */
typedef struct beside {
    uint32_t kind; /* BESIDE_* */
    uint32_t cp;   /* BESIDE_HAN: the character */
    size_t at;     /* where it is: its start (before the token) or its end (after) */
} beside;
#define BESIDE_NONE 0u
#define BESIDE_HAN 1u
#define BESIDE_ANY 2u

/* The first character that a match may go on to from position *at of
 * line l, before it (back) or from it on: a Han character, a Latin letter
 * or digit, a trigger or another unit; ignorables skipped, and at most the
 * max gap of noise. 0 when there is none (the line ends first, or more
 * noise). *at moves past it. */
static int char_beside_at(const shai_db *db, const token_at *l, size_t *at, int back, uint32_t *cp)
{
    for (uint32_t gap = 0; line_step(l, at, back, cp);) {
        uint8_t f = flags_at(db, *cp);
        if ((f & SHI_VF_IGNORE) == SHI_VF_IGNORE)
            continue;
        if (shi_is_han(*cp) || ascii_alnum(*cp) || (f & (SHI_VF_TRIG | SHI_VF_UNIT)))
            return 1;
        if (++gap > db->max_gap)
            return 0;
    }
    return 0;
}

static int char_beside(const shai_db *db, const token_at *l, size_t at, int back, uint32_t *cp)
{
    return char_beside_at(db, l, &at, back, cp);
}

/* What a match may go on to from position *at of line l (char_beside_at):
 * BESIDE_NONE; BESIDE_ANY, no Han character (a token, a trigger: any unit
 * may be one); or BESIDE_HAN, and the key of its most common reading (the
 * character itself has it too) in *key. *cp: the character; *at moves past
 * it. */
static uint32_t key_beside(const shai_db *db, const token_at *l, size_t *at, int back, uint32_t *cp,
                           uint32_t *key)
{
    if (!char_beside_at(db, l, at, back, cp))
        return BESIDE_NONE;
    uint32_t v = view_han(db, *cp), k[2 * SHI_READINGS_MAX];
    if (!shi_is_han(*cp) || !v)
        return BESIDE_ANY;
    keys_of(v, 0, k);
    *key = k[0];
    return BESIDE_HAN;
}

/* The character of line l before position *at (back) or from it on, past
 * the ignorables (the segment drops them: the matcher sees the characters
 * either side of them next to each other), moving *at past it; 0 when the
 * line ends first. */
static int unit_char(const shai_db *db, const token_at *l, size_t *at, int back, uint32_t *cp)
{
    while (line_step(l, at, back, cp))
        if ((flags_at(db, *cp) & SHI_VF_IGNORE) != SHI_VF_IGNORE)
            return 1;
    return 0;
}

/* Character cp as the matcher classifies it (match.c, classify): what it
 * folds to, a capital letter lowercase; 0 for anything that is not one
 * character. */
static uint32_t classified(const shai_db *db, uint32_t cp)
{
    uint32_t v[31];
    if (view(db, cp, v) != 1)
        return 0;
    return v[0] >= 'A' && v[0] <= 'Z' ? v[0] + 32 : v[0];
}

/* Whether the placeholder at [from, to) of line l has units around it that
 * an entry taking wildcards has around a unit (db->vwild_ctx): a unit
 * before it (a match never begins with one), within the max gap, and the
 * unit after it, or none for the entry's last; each by its most common
 * reading, and anything but a Han character may be one. */
static int wild_context(const shai_db *db, const token_at *l, size_t from, size_t to)
{
    const uint64_t *ctx = db->vwild_ctx;
    size_t b = from, a = to;
    uint32_t cp, kb, ka;
    if (!ctx)
        return 1;
    uint32_t r = key_beside(db, l, &b, 1, &cp, &kb);
    if (r != BESIDE_HAN)
        return r == BESIDE_ANY;
    if (key2_has(ctx, SHI_VWILD_BITS, kb, INS_WHOLE))
        return 1;
    r = key_beside(db, l, &a, 0, &cp, &ka);
    return r == BESIDE_ANY || (r == BESIDE_HAN && key2_has(ctx, SHI_VWILD_BITS, kb, ka));
}

/* Whether the placeholder at [from, to) of line l may stand for a unit, as
 * the matcher takes one (match.c: classify, wild_ok): not one of a run of
 * placeholders (***, XX), unless of three at most inside a Latin word
 * (f**k), and not next to a digit (1980×1080, 138****5678). */
static int wild_stands(const shai_db *db, const token_at *l, size_t from, size_t to)
{
    uint32_t before = 0, after = 0, cp;
    size_t b = from, a = to;
    int hb = unit_char(db, l, &b, 1, &before), ha = unit_char(db, l, &a, 0, &after);
    before = hb ? classified(db, before) : 0;
    after = ha ? classified(db, after) : 0;
    if (shi_is_wildcard(before) || shi_is_wildcard(after)) {
        /* a run: its length, and what is on either side of it */
        size_t len = 1;
        while (before && shi_is_wildcard(before) && len <= 3) {
            len++;
            before = unit_char(db, l, &b, 1, &cp) ? classified(db, cp) : 0;
        }
        while (after && shi_is_wildcard(after) && len <= 3) {
            len++;
            after = unit_char(db, l, &a, 0, &cp) ? classified(db, cp) : 0;
        }
        return len <= 3 && before >= 'a' && before <= 'z' && after >= 'a' && after <= 'z';
    }
    if ((before >= '0' && before <= '9') || (after >= '0' && after <= '9'))
        return 0;
    /* a Latin letter or digit across spaces: a word of its own (Garcons x
     * Vans) */
    for (int back = 0; back < 2; back++) {
        size_t at = back ? from : to, spaces = 0;
        while (unit_char(db, l, &at, back, &cp) && cp == ' ')
            spaces++;
        cp = classified(db, cp);
        if (spaces && ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')))
            return 0;
    }
    return wild_context(db, l, from, to);
}

/* The text's homophone pair, a then b, as the keys of the beside filter
 * (ctx_pair_key): b as itself after a homophone of a unit, a as itself
 * before a homophone; 0 for a way it is not read. */
static void ctx_text_pairs(const shai_db *db, uint32_t a, uint32_t b, int a_key, int b_key,
                           uint32_t pairs[2])
{
    uint32_t va = view_han(db, a), vb = view_han(db, b), k[2 * SHI_READINGS_MAX];
    pairs[0] = pairs[1] = 0;
    if (a_key && keys_of(va, 0, k))
        pairs[0] = ctx_pair_key(k[0], vb);
    if (b_key && keys_of(vb, 0, k))
        pairs[1] = ctx_pair_key(va, k[0]);
}

/* Whether character cp, beside the text's homophone pair (pairs: its keys;
 * char_beside) on `side`, may be the unit of a longer entry next to that
 * pair: one the beside filter of db->vpair_ctx has with the pair, as
 * itself or by its most common reading; anything but a Han character may. */
static int pair_neighbour(const shai_db *db, const uint32_t pairs[2], uint32_t cp, uint32_t side)
{
    /* (half of a unit written split: its pair is a trigger of its own) */
    if (!shi_is_han(cp))
        return 1; /* a token, a trigger */
    const uint64_t *beside = db->vpair_ctx + SHI_VCTX_WORDS;
    uint32_t v = view_han(db, cp), k[2 * SHI_READINGS_MAX];
    if (!v)
        return 1;
    uint32_t nk = keys_of(v, 0, k);
    for (int i = 0; i < 2; i++)
        if (pairs[i] && (key2_has(beside, SHI_VCTX_BITS, pairs[i], v | side << 31) ||
                         (nk && key2_has(beside, SHI_VCTX_BITS, pairs[i], k[0] ^ side << 30))))
            return 1;
    return 0;
}

/* Beside a homophone pair of the text, its first unit a and its second b,
 * the character of three bytes at p[x] (a is the last unit before it):
 * whether the character before a (side[0]) and the one after b (side[1])
 * may be the unit of a longer entry next to that pair, and where a is
 * (*at_a). 0 when that is not looked into (any may be). */
static int pair_sides(const shai_db *db, const unsigned char *p, size_t n, size_t x, uint32_t a,
                      uint32_t b, int a_key, int b_key, int side[2], size_t *at_a)
{
    uint32_t pairs[2], cp;
    ctx_text_pairs(db, a, b, a_key, b_key, pairs);
    if (!pairs[0] && !pairs[1])
        return 0;
    token_at line = {p, NULL, n, x, x + 3};
    side[1] = char_beside(db, &line, x + 3, 0, &cp) && pair_neighbour(db, pairs, cp, 1);
    /* back to the first unit, then beside it */
    size_t at = x;
    for (;;) {
        if (!line_step(&line, &at, 1, &cp))
            return 0; /* no first unit found */
        uint8_t f = flags_at(db, cp);
        if ((f & SHI_VF_UNIT) && !(f & SHI_VF_TRIG))
            break;
    }
    *at_a = at;
    side[0] = char_beside(db, &line, at, 1, &cp) && pair_neighbour(db, pairs, cp, 0);
    return 1;
}

/* Whether a homophone pair (as pair_sides) may be in a longer entry: a
 * unit of it may be beside the pair on one side. */
static __attribute__((noinline)) int pair_beside(const shai_db *db, const unsigned char *p,
                                                 size_t n, size_t x, uint32_t a, uint32_t b,
                                                 int a_key, int b_key)
{
    int side[2];
    size_t at_a;
    return !pair_sides(db, p, n, x, a, b, a_key, b_key, side, &at_a) || side[0] || side[1];
}

/* The unit that a and b, adjacent characters of the text, compose to by
 * the split table (as the matcher sees them): 0 for none, UINT32_MAX when
 * not looked into. */
static uint32_t split_unit(const shai_db *db, uint32_t a, uint32_t b)
{
    uint32_t va[31], vb[31];
    if (view(db, a, va) != 1 || view(db, b, vb) != 1)
        return UINT32_MAX;
    uint32_t c = shi_split_compose(va[0], vb[0]);
    return c ? c : shi_split_compose(split_fold(db, va[0]), split_fold(db, vb[0]));
}

/* Whether a and b, adjacent characters of the text, compose by the split
 * table. */
static int split_in(const shai_db *db, uint32_t a, uint32_t b)
{
    return split_unit(db, a, b) != 0;
}

/* For the flags f of a unit, the flags of the unit before that make the two
 * a possible pair (scan_flags): a split pair, a homophone then a unit as
 * itself, a unit as itself then a homophone. 0 for anything but a unit. */
#define PAIR_NEEDS(f)                                                                              \
    (((f)&SHI_VF_TRIG) || !((f)&SHI_VF_UNIT)                                                       \
         ? 0                                                                                       \
         : (((f)&SHI_VF_SPLIT2) ? SHI_VF_SPLIT : 0) |                                              \
               (((f)&SHI_VF_SECOND_EXACT) ? SHI_VF_FIRST : 0) |                                    \
               (((f)&SHI_VF_SECOND) ? SHI_VF_FIRST_EXACT : 0))
#define PN4(f) PAIR_NEEDS(f), PAIR_NEEDS((f) + 1), PAIR_NEEDS((f) + 2), PAIR_NEEDS((f) + 3)
#define PN16(f) PN4(f), PN4((f) + 4), PN4((f) + 8), PN4((f) + 12)
#define PN64(f) PN16(f), PN16((f) + 16), PN16((f) + 32), PN16((f) + 48)
static const uint8_t pair_needs[256] = {PN64(0), PN64(64), PN64(128), PN64(192)};
#undef PN64
#undef PN16
#undef PN4

/* The scan of a line: the state between two characters. */
typedef struct vscan {
    uint32_t prev;  /* the last unit character */
    uint8_t pflags; /* its flags; 0 when a pair cannot begin there */
    uint32_t gap;   /* characters of noise since */
} vscan;

/* Noise, or a trigger, between two units: a pair may go on over max_gap
 * of it, a split pair not. */
static inline void scan_gap(const shai_db *db, vscan *s)
{
    s->pflags &= (uint8_t)~SHI_VF_SPLIT;
    if (++s->gap > db->max_gap)
        s->pflags = 0;
}

/* The flags of a unit that a pair may begin with. */
#define PAIR_BEGIN (SHI_VF_SPLIT | SHI_VF_FIRST | SHI_VF_FIRST_EXACT)

/* One character of the line: SCAN_TRIG when it is a trigger, SCAN_PAIR
 * when the unit before it begins a pair with it, SCAN_UNIT when it is a
 * unit (the one before the next). */
#define SCAN_TRIG 1
#define SCAN_PAIR 2
#define SCAN_UNIT 4
static inline int scan_flags(const shai_db *db, vscan *s, uint32_t cp, uint8_t f)
{
    if ((f & SHI_VF_IGNORE) == SHI_VF_IGNORE)
        return 0;
    if (f & SHI_VF_TRIG) {
        /* an emoji or a wildcard may be skipped as noise by a match */
        scan_gap(db, s);
        return SCAN_TRIG;
    }
    if (!(f & SHI_VF_UNIT)) {
        scan_gap(db, s);
        return 0;
    }
    int r = SCAN_UNIT;
    if (!(s->pflags & PAIR_BEGIN))
        ; /* no pair begins before it: the common case */
    else if ((s->pflags & SHI_VF_SPLIT) && (f & SHI_VF_SPLIT2) && split_in(db, s->prev, cp))
        r |= SCAN_PAIR;
    else {
        int a_key = (s->pflags & SHI_VF_FIRST) && (f & SHI_VF_SECOND_EXACT);
        int b_key = (s->pflags & SHI_VF_FIRST_EXACT) && (f & SHI_VF_SECOND);
        if ((a_key || b_key) && pair_in(db, s->prev, cp, a_key, b_key))
            r |= SCAN_PAIR;
    }
    s->prev = cp;
    s->pflags = f;
    s->gap = 0;
    return r;
}

static inline int scan_char(const shai_db *db, vscan *s, uint32_t cp)
{
    return scan_flags(db, s, cp, flags_at(db, cp));
}

static int is_leet_symbol(uint32_t c)
{
    return c && !ascii_alnum(c) && shi_leet_letters(c) != NULL;
}

/* What character c of a token (a lowercase letter or a digit) may be in
 * a match: itself, and a digit each letter it stands for in leet (5 is s):
 * into out, NUL-terminated. */
static void leet_forms(char c, char out[8])
{
    const char *l = c <= '9' ? shi_leet_letters((uint32_t)(unsigned char)c) : NULL;
    size_t n = 0;
    out[n++] = c;
    for (; l && *l && n < 7; l++)
        out[n++] = *l;
    out[n] = '\0';
}

/* Whether x then y, each a code point or (0) any of the forms of a token's
 * character (xs, ys), may be two adjacent units of the trie (its bigram
 * filter). */
static int leet_pair(const shai_db *db, uint32_t x, const char *xs, uint32_t y, const char *ys)
{
    const uint64_t *bigram = db->vfilter->bigram;
    for (size_t i = 0; x ? i == 0 : xs[i] != '\0'; i++)
        for (size_t j = 0; y ? j == 0 : ys[j] != '\0'; j++) {
            uint32_t g = shi_vf_bigram_bit(x ? x : (uint32_t)(unsigned char)xs[i],
                                           y ? y : (uint32_t)(unsigned char)ys[j]);
            if ((bigram[g >> 6] >> (g & 63)) & 1)
                return 1;
        }
    return 0;
}

/* Whether the whole token t[0..k) spells some entry of the trie from node
 * on at t[i], each character in one of its forms (leet_forms), a letter
 * for a digit only below an entry that takes leet; *budget: the steps
 * left, any when they run out. */
static int leet_walk(const shai_db *db, const char *t, size_t k, size_t i, uint32_t node,
                     unsigned *budget)
{
    if (i == k)
        return db->vnodes[node].out < db->vnodes[node + 1].out;
    if (!*budget)
        return 1;
    --*budget;
    char forms[8];
    leet_forms(t[i], forms);
    for (size_t j = 0; forms[j]; j++) {
        uint32_t c = shi_vtrie_child(db, node, (uint32_t)(unsigned char)forms[j]);
        if (c && (!j || (db->vnodes[c].below & SHI_VMASK(SHAI_VARIANT_LEET))) &&
            leet_walk(db, t, k, i + 1, c, budget))
            return 1;
    }
    return 0;
}

/* Whether a match may go on from the token's end character tc (its forms)
 * to cp, the character beside it (before it: before), without skipping
 * noise: a trigger may; noise, a separator or the line's end not. */
static int leet_beside(const shai_db *db, uint32_t cp, char tc, int before)
{
    uint8_t f = cp ? flags_at(db, cp) : 0;
    if (f & SHI_VF_TRIG)
        return 1;
    if (!(f & SHI_VF_UNIT))
        return 0;
    uint32_t v[31];
    if (view(db, cp, v) != 1)
        return 1;
    char forms[8];
    leet_forms(tc, forms);
    return before ? leet_pair(db, v[0], NULL, 0, forms) : leet_pair(db, 0, forms, v[0], NULL);
}

/* Whether the token t[0..k) of letters and digits, between `before` and
 * `after`, may be in a match with leet (a55hole, 法l9 for 法lg): such a
 * match is never part of the token, nor has noise (match.c, at_end), so
 * every two characters of the token may be adjacent units, and either the
 * token is a whole entry or the match goes on beside it. */
static int leet_in(const shai_db *db, const char *t, size_t k, uint32_t before, uint32_t after)
{
    char a[8], b[8];
    for (size_t i = 0; i + 1 < k; i++) {
        leet_forms(t[i], a);
        leet_forms(t[i + 1], b);
        if (!leet_pair(db, 0, a, 0, b))
            return 0;
    }
    unsigned budget = 4096;
    return (k >= 3 && leet_walk(db, t, k, 0, 0, &budget)) || leet_beside(db, before, t[0], 1) ||
           leet_beside(db, after, t[k - 1], 0);
}

/* Whether the letters t[0..k) hold a pinyin syllable (all: are syllables,
 * tone digits after them allowed). */
static int latin_in(const uint64_t set[2], char c)
{
    unsigned u = (unsigned char)c;
    return u < 128 && ((set[u >> 6] >> (u & 63)) & 1);
}

/* Whether the token t[0..k) (lowercase letters and digits) may hold
 * pinyin: a run of syllables of units (tone digits after them allowed)
 * that starts at its start or after a Latin unit that some entry has
 * right before a pinyin unit, and ends at its end or before one that some
 * entry has right after one. `whole`: the token is the matcher's, which
 * reads pinyin only as a whole token of syllables (apian is not A片, a
 * pian is): the run is all of it. */
static int pinyin_in(const shi_vfilter *vf, const char *t, size_t k, int whole)
{
    if (k >= 64)
        return 1;
    /* forward, from where a run may start: only the positions some run
     * reaches are looked at (most of an English word is none) */
    uint64_t todo = 1, seen = 1;
    if (!whole)
        for (size_t i = 1; i < k; i++)
            if (latin_in(vf->la_before, t[i - 1]))
                todo |= 1ull << i;
    while (todo) {
        size_t i = (size_t)__builtin_ctzll(todo);
        todo &= todo - 1;
        uint16_t ids[8];
        uint8_t lens[8];
        unsigned np = shi_py_prefixes_at(t, k, i, ids, lens);
        for (unsigned j = 0; j < np; j++) {
            /* a syllable of some unit (the digit syllables are another kind) */
            if (ids[j] >= 512 || !((vf->syl[ids[j] >> 6] >> (ids[j] & 63)) & 1))
                continue;
            for (size_t at = i + lens[j], tone = 0; tone < 2 && at <= k; tone++, at++) {
                if (at == k || (!whole && latin_in(vf->la_after, t[at])))
                    return 1;
                if (!((seen >> at) & 1)) {
                    seen |= 1ull << at;
                    todo |= 1ull << at;
                }
                if (t[at] < '1' || t[at] > '5')
                    break;
            }
        }
    }
    return 0;
}

/* Whether units a, c (as the matcher classifies them) on either side of
 * the inserted token at `at` may be two of an entry that takes insertions,
 * the units around them included (db->vins_ctx): a whole entry, or the
 * character beside a (before it) or c (after it), within the max gap, may
 * be that entry's unit there, as itself or by its most common reading;
 * anything but a Han character may (a token, a trigger). */
static int insert_context(const shai_db *db, const token_at *at, uint32_t a, uint32_t c)
{
    const uint64_t *ctx = db->vins_ctx;
    if (!ctx)
        return 1;
    uint32_t pair = ctx_pair_key(a, c), cp;
    if (key2_has(ctx, SHI_VINS_BITS, pair, INS_WHOLE))
        return 1;
    for (uint32_t side = 0; side < 2; side++) {
        /* past the character on that side of the token, then beside it */
        size_t x = side ? at->to : at->from;
        uint32_t key, r = unit_char(db, at, &x, !side, &cp)
                              ? key_beside(db, at, &x, !side, &cp, &key)
                              : BESIDE_NONE;
        if (r == BESIDE_ANY ||
            (r == BESIDE_HAN && key2_has(ctx, SHI_VINS_BITS, pair, key ^ side << 30)))
            return 1;
    }
    return 0;
}

/* Whether the characters before and after an inserted token may be two
 * units of an entry, one after the other: Han characters (the matcher
 * inserts between those only), as themselves (a pair of the trie), or
 * either a homophone. Either may be half of a unit written split (弓虽z奸),
 * but then the split pair is a trigger of the line by itself, as a
 * trigger beside the token is. */
static int units_around(const shai_db *db, const token_at *at, uint32_t before, uint32_t after)
{
    const shi_vfilter *vf = db->vfilter;
    uint8_t fb = flags_at(db, before), fa = flags_at(db, after);
    if ((fb & SHI_VF_TRIG) || (fa & SHI_VF_TRIG))
        return 1;
    uint32_t va[31], vb[31];
    if (view(db, before, vb) != 1 || view(db, after, va) != 1)
        return 1;
    if (!shi_is_han(vb[0]) || !shi_is_han(va[0]))
        return 0;
    uint32_t g = shi_vf_bigram_bit(vb[0], va[0]);
    if (((vf->bigram[g >> 6] >> (g & 63)) & 1) && insert_context(db, at, vb[0], va[0]))
        return 1;
    if (!(fb & (SHI_VF_FIRST | SHI_VF_FIRST_EXACT)) ||
        !(fa & (SHI_VF_SECOND | SHI_VF_SECOND_EXACT)))
        return 0;
    /* two homophones, or one and a unit as itself */
    uint32_t ka[2 * SHI_READINGS_MAX + 1], kb[2 * SHI_READINGS_MAX + 1];
    uint32_t nb = keys_of(vb[0], (int)vf->near, kb), na = keys_of(va[0], (int)vf->near, ka);
    for (uint32_t x = 0; x < nb; x++)
        for (uint32_t y = 0; y < na; y++) {
            uint32_t b = SHI_VF_PAIR_BIT1(shi_vf_pair_hash(kb[x], ka[y]));
            if ((vf->keys2[b >> 6] >> (b & 63)) & 1)
                return 1;
        }
    return 0;
}

/* Whether the letters t[0..k) are the initials of some entry (db->vinit,
 * as the matcher looks them up). */
/* Whether the letters t[0..k) may be in some spelling of initials: each
 * letter, and each two in a row, are in one (db->vinit_letters). */
static int initials_letters(const shai_db *db, const char *t, size_t k)
{
    const uint64_t *bits = db->vinit_letters;
    if (!bits)
        return 1;
    for (size_t i = 0; i < k; i++) {
        if (t[i] < 'a' || t[i] > 'z')
            return 0;
        uint32_t x = (uint32_t)(t[i] - 'a'), b = 26 * 26 + x;
        if (!((bits[b >> 6] >> (b & 63)) & 1))
            return 0;
        if (i + 1 < k && t[i + 1] >= 'a' && t[i + 1] <= 'z') {
            b = 26 * x + (uint32_t)(t[i + 1] - 'a');
            if (!((bits[b >> 6] >> (b & 63)) & 1))
                return 0;
        }
    }
    return 1;
}

static int initials_of_some(const shai_db *db, const char *t, size_t k)
{
    if (!initials_letters(db, t, k))
        return 0;
    char key[SHI_VINIT_MAX] = {0};
    memcpy(key, t, k);
    uint32_t end, lo = shi_vinit_find(db, key, &end);
    return lo < end;
}

/* Whether the whole token t[0..k) is a deny entry of the trie as itself.
 * The matcher finds it over the token, and the scan then drops every
 * initials match of the token (scan/variants.c, report): they cover no
 * more than it. */
static int deny_as_itself(const shai_db *db, const char *t, size_t k)
{
    uint32_t node = 0;
    for (size_t i = 0; i < k; i++)
        if (!(node = shi_vtrie_child(db, node, (uint32_t)(unsigned char)t[i])))
            return 0;
    const shi_vnode *a = &db->vnodes[node];
    for (uint32_t o = a->out; o < a[1].out; o++)
        if (!(db->entries[db->vouts[o]].flags & SHAI_ENTRY_ALLOW))
            return 1;
    return 0;
}

/* The code point at index i of entry e's text, folded, or 0. */
static uint32_t entry_char(const shai_db *db, const shi_entry *e, uint32_t i)
{
    const unsigned char *t = (const unsigned char *)db->strings + e->text;
    for (size_t x = 0; x < e->text_len;) {
        uint32_t cp;
        size_t need;
        x += shi_utf8_decode(t + x, e->text_len - x, &cp, &need);
        if (!i--)
            return shi_variant_fold_free(db, cp);
    }
    return 0;
}

/* Whether the letters t[0..k) are initials inside those of some entry,
 * next to a character of it that the text has right before (before) or
 * after (after) them, as the matcher may read them (牛B); any, for a db
 * with very many. */
int shi_vinit_holds(const shai_db *db, const char *t, size_t k, uint32_t before, uint32_t after)
{
    if (db->nvinit > 4096)
        return 1;
    if (!initials_letters(db, t, k))
        return 0;
    before = shi_is_han(before) ? shi_variant_fold_free(db, before) : 0;
    after = shi_is_han(after) ? shi_variant_fold_free(db, after) : 0;
    for (uint32_t i = 0; i < db->nvinit; i++) {
        const char *l = db->vinit[i].letters;
        const shi_entry *e = &db->entries[db->vinit[i].entry];
        for (size_t j = 0; j + k <= SHI_VINIT_MAX && l[j]; j++)
            if (!memcmp(l + j, t, k) &&
                ((before && j && entry_char(db, e, (uint32_t)j - 1) == before) ||
                 (after && j + k < SHI_VINIT_MAX && l[j + k] &&
                  entry_char(db, e, (uint32_t)(j + k)) == after)))
                return 1;
    }
    return 0;
}

/* The most letters and digits of a token that are looked into. */
#define TOKEN_CAP 48

/* The lowercase ASCII letter or digit a character of a line is, folded
 * (á is a, Ｄ is d), or 0. */
static uint32_t latin_of(const shai_db *db, uint32_t cp)
{
    if (cp < 0x80)
        return ascii_alnum(cp) ? (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp) : 0;
    /* one that folds to a letter or digit is a trigger (flags_of): the
     * others, punctuation above all, need no fold here */
    if (shi_is_han(cp) || !(flags_at(db, cp) & SHI_VF_TRIG))
        return 0;
    uint32_t out[31];
    if (view(db, cp, out) == 1 && ascii_alnum(out[0]))
        return out[0] >= 'A' && out[0] <= 'Z' ? out[0] + 32 : out[0];
    return 0;
}

/* What lies before a token (side[0]) and after it (side[1]). */
static void sides_of(const shai_db *db, const token_at *at, beside side[2])
{
    for (int i = 0; i < 2; i++) {
        uint32_t cp = 0;
        size_t x = i ? at->to : at->from;
        side[i].kind = !char_beside_at(db, at, &x, !i, &cp) ? BESIDE_NONE
                       : shi_is_han(cp)                     ? BESIDE_HAN
                                                            : BESIDE_ANY;
        side[i].cp = cp;
        side[i].at = x;
    }
}

/* The token of ASCII letters and digits that ends (before) or begins
 * with the character beside a token, side b of line l, lowercase into
 * t[0..TOKEN_CAP): its length; 0 when it is no such token as the matcher
 * sees it (a character next to it that the fold makes a letter or digit,
 * or an ignorable, may make it longer; or it is too long). */
static size_t latin_beside(const shai_db *db, const token_at *l, const beside *b, int before,
                           char t[TOKEN_CAP])
{
    if (b->kind != BESIDE_ANY || !ascii_alnum(b->cp))
        return 0;
    char buf[TOKEN_CAP];
    size_t k = 0, x = b->at;
    uint32_t cp = b->cp;
    for (;;) {
        if (k == TOKEN_CAP)
            return 0;
        buf[k++] = (char)latin_of(db, cp);
        if (!line_step(l, &x, before, &cp))
            break;
        if (!ascii_alnum(cp)) {
            if ((flags_at(db, cp) & SHI_VF_IGNORE) == SHI_VF_IGNORE || latin_of(db, cp))
                return 0;
            break;
        }
    }
    for (size_t i = 0; i < k; i++) /* read away from the token: in order */
        t[i] = before ? buf[k - 1 - i] : buf[i];
    return k;
}

/* Whether a unit of syllable syl (a token of pinyin) may have the one
 * beside it in an entry: a Han character as itself (the character filter
 * of db->vsyl_pairs), or as a homophone (its most common reading's
 * syllable with syl, where an entry takes homophones); a Latin token as
 * pinyin or as a Latin unit; anything else may. SYL_INNER (non-zero) for
 * a Han character as itself that no entry of those two units alone has
 * there, only longer ones (和A of 我占有了妈妈和阿姨). */
#define SYL_INNER 2
static int syllable_beside(const shai_db *db, const token_at *l, uint32_t syl, const beside *b,
                           int before)
{
    const uint64_t *chars = db->vsyl_pairs + 2 * SHI_VSYL_PAIR_WORDS;
    char t[TOKEN_CAP];
    size_t k;
    if (b->kind == BESIDE_ANY && (k = latin_beside(db, l, b, before, t))) {
        /* a Latin token: the match goes on to a Latin unit of the entry
         * (A片 in `a pian`), or the token is pinyin itself (du chang) */
        uint32_t c = (unsigned char)t[before ? k - 1 : 0];
        return (before ? key2_has(chars, SHI_VSYL_CHAR_BITS, c, syl | SHI_VSYL_TAG)
                       : key2_has(chars, SHI_VSYL_CHAR_BITS, syl | SHI_VSYL_TAG, c)) ||
               pinyin_in(db->vfilter, t, k, 1);
    }
    if (b->kind != BESIDE_HAN)
        return b->kind != BESIDE_NONE;
    /* (half of a unit written split: its pair is a trigger of its own) */
    uint32_t h = view_han(db, b->cp);
    shi_reading r[SHI_READINGS_MAX];
    unsigned nr = h ? shi_py_readings(h, r) : 0;
    if (!nr)
        return 1; /* as itself only: not looked into */
    uint32_t o = SHI_READING_SYL(r[0]);
    uint32_t bit = before ? shi_vsyl_pair_bit(o, syl) : shi_vsyl_pair_bit(syl, o);
    if ((db->vsyl_pairs[SHI_VSYL_PAIR_WORDS + (bit >> 6)] >> (bit & 63)) & 1)
        return 1;
    if (!(before ? key2_has(chars, SHI_VSYL_CHAR_BITS, h, syl | SHI_VSYL_TAG)
                 : key2_has(chars, SHI_VSYL_CHAR_BITS, syl | SHI_VSYL_TAG, h)))
        return 0;
    /* as itself: an entry of the two units alone, or only inside longer ones */
    const uint64_t *whole = db->vsyl_pairs + SHI_VSYL_WHOLE;
    return (before ? key2_has(whole, SHI_VSYL_WHOLE_BITS, h, syl | SHI_VSYL_TAG)
                   : key2_has(whole, SHI_VSYL_WHOLE_BITS, syl | SHI_VSYL_TAG, h))
               ? 1
               : SYL_INNER;
}

/* Whether a match may go on past the Han character beside a token (side
 * b, before or after it): the character past it, within the max gap, is
 * no Han character, or it and that character are two adjacent units of
 * some entry as themselves (the trie's bigram filter), or it may be a
 * homophone or half of a split pair there. */
static int goes_on(const shai_db *db, const token_at *l, const beside *b, int before)
{
    size_t x = b->at; /* its start before the token, its end after */
    uint32_t cp;
    if (!char_beside_at(db, l, &x, before, &cp))
        return 0;
    if (!shi_is_han(cp))
        return 1;
    uint8_t f = flags_at(db, cp);
    if (f & (before ? SHI_VF_FIRST | SHI_VF_FIRST_EXACT | SHI_VF_SPLIT2
                    : SHI_VF_SECOND | SHI_VF_SECOND_EXACT | SHI_VF_SPLIT))
        return 1;
    uint32_t h = view_han(db, b->cp), y = view_han(db, cp);
    if (!h || !y)
        return 1;
    uint32_t g = before ? shi_vf_bigram_bit(y, h) : shi_vf_bigram_bit(h, y);
    return (db->vfilter->bigram[g >> 6] >> (g & 63)) & 1;
}

/* Whether the whole token t[0..k) reads as two syllables of units or more
 * (each with its tone digit or not) of which every two in a row are the
 * syllables of two adjacent units of some entry that takes pinyin
 * (db->vsyl_pairs): a token the matcher reads as pinyin is all in one
 * match (pinyin_in, whole). nba, nasa, taxi are not. ends[0]: the bits of
 * the syllables such a reading may begin with, ends[1] of those it may end
 * with (all when the token is too long to look into). */
static int pinyin_chain(const shai_db *db, const char *t, size_t k, uint64_t ends[2][8])
{
    const shi_vfilter *vf = db->vfilter;
    uint16_t first[64][8]; /* the first syllables of the readings of t[i..k) */
    uint8_t nfirst[64] = {0};
    memset(ends, k >= 64 ? 0xFF : 0, 2 * 8 * sizeof ends[0][0]);
    if (k >= 64)
        return 1;
    for (size_t i = k; i-- > 0;) {
        uint16_t ids[8];
        uint8_t lens[8];
        unsigned np = shi_py_prefixes_at(t, k, i, ids, lens);
        for (unsigned j = 0; j < np && nfirst[i] < 8; j++) {
            uint32_t id = ids[j];
            if (id >= SHI_VSYL_MAX || !((vf->syl[id >> 6] >> (id & 63)) & 1))
                continue;
            int ok = 0;
            for (size_t at = i + lens[j], tone = 0; tone < 2 && at <= k && !ok; tone++, at++) {
                if (at == k && i > 0) {
                    ok = 1; /* the whole token: two syllables or more */
                    ends[1][id >> 6] |= 1ull << (id & 63);
                }
                for (unsigned x = 0; at < k && x < nfirst[at] && !ok; x++) {
                    uint32_t b = shi_vsyl_pair_bit(id, first[at][x]);
                    ok = (db->vsyl_pairs[b >> 6] >> (b & 63)) & 1;
                }
                if (at == k || t[at] < '1' || t[at] > '5')
                    break;
            }
            if (ok)
                first[i][nfirst[i]++] = (uint16_t)id;
        }
    }
    for (unsigned x = 0; x < nfirst[0]; x++)
        ends[0][first[0][x] >> 6] |= 1ull << (first[0][x] & 63);
    return nfirst[0] > 0;
}

/* The syllable of a unit that the whole token t[0..k) is (its tone digit
 * after it or not), 0 when none. */
static uint32_t one_syllable(const shi_vfilter *vf, const char *t, size_t k)
{
    size_t l = 0;
    while (l < k && t[l] > '9')
        l++;
    if (!l || !(l == k || (l + 1 == k && t[l] >= '1' && t[l] <= '5')))
        return 0;
    uint16_t ids[8];
    uint8_t lens[8];
    unsigned np = shi_py_prefixes(t, l, ids, lens);
    for (unsigned j = 0; j < np; j++)
        if (lens[j] == l && ids[j] < SHI_VSYL_MAX && ((vf->syl[ids[j] >> 6] >> (ids[j] & 63)) & 1))
            return ids[j];
    return 0;
}

/* Whether the ASCII token t[0..k) (letters and digits, lowercase), after
 * the character `before` and before `after` (0: the line's start or end),
 * may be in a variant match as one: an insertion (1-2 between characters
 * that may be Han, not a number before a counter: 3号楼), a wildcard `x`,
 * initials, leet (a digit in it, or a leet symbol next to it), pinyin
 * (syllables; with entries that mix Latin units and pinyin, any syllable
 * in it). Else its letters and digits are units as themselves. `whole`:
 * the matcher sees the token as it is (no ignorable or folded character
 * next to it could make it longer), so initials are the entries' own and
 * pinyin is all of it; else any letters may be initials, and pinyin may
 * begin or end next to a Latin unit of an entry. `at`: where the token is,
 * to look beside it. */
static int token_trigger(const shai_db *db, const char *t, size_t k, uint32_t before,
                         uint32_t after, int whole, const token_at *at)
{
    const shi_vfilter *vf = db->vfilter;
    uint32_t kinds = vf->kinds;
    int letters = 0, digits = 0;
    for (size_t i = 0; i < k; i++) {
        if (t[i] > '9')
            letters = 1;
        else
            digits = 1;
    }
    if ((kinds & SHI_VMASK(SHAI_VARIANT_INSERT)) && k <= 2 && before >= 0x80 && after >= 0x80 &&
        !(t[k - 1] <= '9' && shi_variant_is_counter(after)) && units_around(db, at, before, after))
        return 1;
    /* an ignorable character next to it (A̱55): the matcher may see it
     * joined to the next token, letters to digits */
    if (!whole && (kinds & SHI_VMASK(SHAI_VARIANT_LEET)))
        return 1;
    if (!letters)
        return 0;
    if ((kinds & SHI_VMASK(SHAI_VARIANT_WILDCARD)) && k == 1 && t[0] == 'x' &&
        wild_stands(db, at, at->from, at->to))
        return 1;
    /* a line's initials, unless the token is a deny entry as itself, which
     * holds off every initials match of the token (the regions of a line
     * that passes still take it: the matcher finds that entry from it) */
    if ((kinds & SHI_VMASK(SHAI_VARIANT_INITIALS)) && !digits && k >= 2 && k <= SHI_VINIT_MAX &&
        (!whole || (initials_of_some(db, t, k) && !(at->p && deny_as_itself(db, t, k)))))
        return 1;
    if ((kinds & SHI_VMASK(SHAI_VARIANT_INITIALS)) && !digits && k < SHI_VINIT_MAX &&
        (shi_is_han(before) || shi_is_han(after)) && shi_vinit_holds(db, t, k, before, after))
        return 1;
    /* leet: a symbol next to it may be a letter of the same word (b@stard);
     * else a digit in it may be a letter (leet_in) */
    if ((kinds & SHI_VMASK(SHAI_VARIANT_LEET)) &&
        (is_leet_symbol(before) || is_leet_symbol(after) ||
         (digits && leet_in(db, t, k, before, after))))
        return 1;
    if (!(kinds & SHI_VMASK(SHAI_VARIANT_PINYIN)) || !pinyin_in(vf, t, k, whole))
        return 0;
    /* a whole token that the matcher reads as pinyin is in one match, of
     * an entry of two units or more: two syllables or more that follow
     * each other in some entry (pinyin_chain), or one that a match goes
     * on from to a unit beside it, which the entry has beside that
     * syllable (not o in o(∩_∩)o, nor nba, nasa, taxi) */
    if (!whole || !db->vsyl_pairs || vf->near)
        return 1;
    uint64_t ends[2][8]; /* the syllables the chains of the token begin and end with */
    beside side[2];
    if (pinyin_chain(db, t, k, ends)) {
        /* an entry of its own, or one that goes on beside it, as for a
         * single syllable (which the token may be too: na, n a) */
        if (shi_vtrie_pinyin_whole(db, t, k))
            return 1;
        uint32_t one = one_syllable(vf, t, k);
        for (uint32_t end = 0; one && end < 2; end++)
            ends[end][one >> 6] |= 1ull << (one & 63);
        sides_of(db, at, side);
        for (uint32_t end = 0; end < 2; end++)
            for (uint32_t w = 0; w < 8; w++)
                for (uint64_t bits = ends[end][w]; bits; bits &= bits - 1)
                    if (syllable_beside(db, at, w * 64 + (uint32_t)__builtin_ctzll(bits),
                                        &side[end], !end))
                        return 1;
        return 0;
    }
    uint32_t syl = one_syllable(vf, t, k);
    if (!syl)
        return 0;
    sides_of(db, at, side);
    int b0 = syllable_beside(db, at, syl, &side[0], 1),
        b1 = syllable_beside(db, at, syl, &side[1], 0);
    if (b0 && b1)
        return 1;
    /* a unit on one side only, a Han character that some entry has next to
     * the syllable's unit: all of that entry, or the match goes on past the
     * character (了N次 is not 屄爽死了嗯嗯快快) */
    return b0 == 1 || b1 == 1 || (b0 == SYL_INNER && goes_on(db, at, &side[0], 1)) ||
           (b1 == SYL_INNER && goes_on(db, at, &side[1], 0));
}

/* Whether the last unit before, prev with flags pf, and the unit cp with
 * flags f, the character of three bytes at p[x] of line p[0, n), make a
 * pair that a variant match may hold (pf & pair_needs[f] is set): a split
 * pair, or a homophone pair (pair_in) in its context (pair_whole,
 * pair_beside). */
/* Whether split pair a, b, the second at p[x, x + 3) of line p[0, n), that
 * composes to a unit u of an entry that takes split characters (split_in),
 * has beside it a character that may be that entry's unit next to u (db->
 * vsplit_ctx), within the max gap: as itself or by its most common
 * reading; anything but a Han character may, as may half of another split
 * pair; or u is a whole entry. (女子足球 is not 好, 上下 no 卡.) */
static int split_context(const shai_db *db, const unsigned char *p, size_t n, size_t x, uint32_t a,
                         uint32_t b)
{
    const uint64_t *ctx = db->vsplit_ctx;
    uint32_t u = split_unit(db, a, b), cp;
    if (!u)
        return 0;
    if (!ctx || u >= 0x10000 || key2_has(ctx, SHI_VSPLIT_BITS, u, INS_WHOLE))
        return 1;
    token_at line = {p, NULL, n, x, x + 3};
    for (uint32_t side = 0; side < 2; side++) {
        /* after b; or before a (back past b, then a) */
        size_t at = x + 3;
        if (!side) {
            at = x;
            if (!unit_char(db, &line, &at, 1, &cp) || cp != a)
                return 1; /* not where it should be: not looked into */
        }
        uint32_t key, r = key_beside(db, &line, &at, !side, &cp, &key), far;
        if (r == BESIDE_ANY ||
            (r == BESIDE_HAN && key2_has(ctx, SHI_VSPLIT_BITS, u, key ^ side << 30)))
            return 1;
        /* or the split pair it makes with the one past it */
        if (r == BESIDE_HAN && (flags_at(db, cp) & (side ? SHI_VF_SPLIT : SHI_VF_SPLIT2)) &&
            unit_char(db, &line, &at, !side, &far)) {
            uint32_t w = side ? split_unit(db, cp, far) : split_unit(db, far, cp),
                     k[2 * SHI_READINGS_MAX];
            if (w == UINT32_MAX ||
                (w && keys_of(w, 0, k) && key2_has(ctx, SHI_VSPLIT_BITS, u, k[0] ^ side << 30)))
                return 1;
        }
    }
    return 0;
}

/* Whether the matcher holds off a match over the homophone pair a, b of
 * the text (a at p[at_a], b at p[x, x + 3); fa, fb their flags) as two
 * words read across their boundary (match.c, across_words; shi_word_across):
 * at its start, when the match begins at a, with the character right
 * before a; at its end, when it ends at b, with the one right after b.
 * Where a is the first unit of no pair as itself (b the second), it is a
 * homophone in every such match. */
static int pair_across(const shai_db *db, const unsigned char *p, size_t n, size_t x, size_t at_a,
                       uint32_t a, uint32_t b, uint32_t fa, uint32_t fb, int end)
{
    token_at line = {p, NULL, n, x, x + 3};
    uint32_t va = view_han(db, a), vb = view_han(db, b), cp, v;
    size_t at = end ? x + 3 : at_a;
    if (!va || !vb || !unit_char(db, &line, &at, !end, &cp) || !(v = view_han(db, cp)))
        return 0;
    return end ? shi_word_across(vb, v, !(fb & SHI_VF_SECOND_EXACT), 0)
               : shi_word_across(v, va, !(fa & SHI_VF_FIRST_EXACT), 1);
}

/* Of a pair that run_pair found (a, b, as there): whether every match it
 * may be in is held off as read across two words (pair_across). A match of
 * a two-unit entry is all of the pair: held off at its start or its end; a
 * longer entry with a unit before a that may be beside it (pair_sides) and
 * none after b ends at b, and one with a unit after b and none before a
 * begins at a; one with both is not looked into, nor a split pair. Out of
 * the loop of run_pair, which it leaves as it is. */
static __attribute__((noinline)) int pair_held_off(const shai_db *db, const unsigned char *p,
                                                   size_t n, size_t x, uint32_t pf, uint32_t f,
                                                   uint32_t a, uint32_t b)
{
    int a_key = (pf & SHI_VF_FIRST) && (f & SHI_VF_SECOND_EXACT);
    int b_key = (pf & SHI_VF_FIRST_EXACT) && (f & SHI_VF_SECOND);
    int side[2];
    size_t at_a;
    if (((pf & SHI_VF_SPLIT) && (f & SHI_VF_SPLIT2)) || !db->vpair_ctx ||
        !pair_sides(db, p, n, x, a, b, a_key, b_key, side, &at_a) || (side[0] && side[1]))
        return 0;
    int start = pair_across(db, p, n, x, at_a, a, b, pf, f, 0),
        end = pair_across(db, p, n, x, at_a, a, b, pf, f, 1);
    return (!pair_whole(db, a, b, a_key, b_key) || start || end) && (!side[0] || end) &&
           (!side[1] || start);
}

static inline __attribute__((always_inline)) int run_pair(const shai_db *db, const unsigned char *p,
                                                          size_t n, size_t x, uint32_t pf,
                                                          uint32_t f, uint32_t prev, uint32_t cp)
{
    int a_key = (pf & SHI_VF_FIRST) && (f & SHI_VF_SECOND_EXACT);
    int b_key = (pf & SHI_VF_FIRST_EXACT) && (f & SHI_VF_SECOND);
    if ((pf & SHI_VF_SPLIT) && (f & SHI_VF_SPLIT2) && split_context(db, p, n, x, prev, cp))
        return 1;
    return (a_key || b_key) && pair_in(db, prev, cp, a_key, b_key) &&
           (!db->vpair_ctx || pair_whole(db, prev, cp, a_key, b_key) ||
            pair_beside(db, p, n, x, prev, cp, a_key, b_key));
}

/* The token at p[*at..) of line p[0, n): its letters and digits, ASCII
 * and those the fold makes of others (ｄｕ, ①), as the matcher reads them.
 * Whether it is a trigger (token_trigger), or a pair with the unit before
 * it (s); else *at moves past it, and *last to its last character. `ign`:
 * an ignorable was right before it. */
static inline __attribute__((always_inline)) int line_token(const shai_db *db,
                                                            const unsigned char *p, size_t n,
                                                            size_t *at, vscan *s, uint32_t *last,
                                                            int ign)
{
    char t[TOKEN_CAP];
    size_t x = *at, e = x, k = 0;
    uint32_t cp, l, end = 0;
    for (;;) {
        /* ASCII byte by byte (nearly every token is), then one the fold
         * makes a letter or digit of */
        for (; e < n && ascii_alnum(p[e]); e++, k++) {
            if (k < TOKEN_CAP)
                t[k] = (char)(p[e] | (p[e] > '9' ? 0x20 : 0));
            end = p[e];
        }
        if (e >= n || p[e] < 0x80)
            break;
        size_t len = shi_utf8_decode_valid(p + e, &cp);
        if (!(l = latin_of(db, cp)))
            break;
        if (k < TOKEN_CAP)
            t[k] = (char)l;
        k++;
        end = cp;
        e += len;
    }
    /* a long token is not looked into; one that begins with a trigger (a
     * digit, where some entry takes digit syllables) is one */
    if (!k || k > TOKEN_CAP || (flags_at(db, (uint32_t)(unsigned char)t[0]) & SHI_VF_TRIG))
        return 1;
    uint32_t after = 0;
    if (e < n)
        shi_utf8_decode_valid(p + e, &after);
    /* the folded text drops an ignorable next to the token: the matcher
     * may see it longer */
    int whole = !ign && (e == n || (flags_at(db, after) & SHI_VF_IGNORE) != SHI_VF_IGNORE);
    token_at tok = {p, NULL, n, x, e};
    if (token_trigger(db, t, k, *last, after, whole, &tok))
        return 1;
    /* its characters as units: ASCII as written, the others as the fold
     * makes them */
    for (size_t y = x; y < e;) {
        uint32_t u = p[y];
        y += u < 0x80 ? 1 : shi_utf8_decode_valid(p + y, &u);
        if (scan_char(db, s, u < 0x80 ? u : latin_of(db, u)) & SCAN_PAIR)
            return 1;
    }
    *at = e;
    *last = end;
    return 0;
}

int shi_variant_filter_bytes(const shai_db *db, const unsigned char *p, size_t n)
{
    const uint8_t *flags = db->vfilter->flags;
    vscan s = {0, 0, 0};
    uint32_t last = 0; /* the character before, ignorables aside */
    int ign = 0;       /* the character right before was ignorable */
    for (size_t x = 0; x < n;) {
        uint32_t c = p[x];
        if (c < 0x80) {
            /* ASCII: a letter or a wildcard is a trigger, digits by their
             * token */
            uint8_t f = flags[c];
            if ((f & SHI_VF_IGNORE) == SHI_VF_IGNORE) {
                x++;
                ign = 1;
                continue;
            }
            if (f & SHI_VF_TRIG) {
                token_at at = {p, NULL, n, x, x + 1};
                if (c != '*' || wild_stands(db, &at, x, x + 1))
                    return 1;
                /* a placeholder standing for nothing here: noise */
                x++;
                last = c;
                ign = 0;
                scan_gap(db, &s);
                continue;
            }
            if (ascii_alnum(c)) { /* not a trigger by itself */
                if (line_token(db, p, n, &x, &s, &last, ign))
                    return 1;
                ign = 0;
                continue;
            }
            x++;
            last = c;
            ign = 0;
            if (f & SHI_VF_UNIT) {
                if (scan_char(db, &s, c) & SCAN_PAIR)
                    return 1;
            } else {
                scan_gap(db, &s);
            }
            continue;
        }
        uint32_t cp;
        uint8_t f;
        if ((c & 0xF0) == 0xE0 && x + 4 <= n) {
            /* most of Chinese text: a run of characters of three bytes, one
             * word load each, that are units or noise. scan_flags without
             * its branches, which the text decides at random (whether a
             * character is a unit, whether it may begin a pair); only a
             * possible pair (rare) is looked up. A trigger, an ignorable
             * or anything else leaves the run. */
            uint32_t pf = s.pflags, prev = s.prev;
            size_t x0 = x;
            int found = 0;
            while (x + 4 <= n) {
                uint32_t w = shi_load_le32(p + x);
                if ((w & 0xC0C0F0) != 0x8080E0)
                    break;
                cp = ((w & 0x0F) << 12) | ((w & 0x3F00) >> 2) | ((w >> 16) & 0x3F);
                f = flags[cp];
                if (f & SHI_VF_TRIG)
                    break;
                if (__builtin_expect((pf & pair_needs[f]) != 0, 0) &&
                    run_pair(db, p, n, x, pf, f, prev, cp)) {
                    found = 1;
                    break;
                }
                /* unlike scan_gap, the noise between two units is not
                 * counted here: a pair after more than max_gap of it is
                 * looked up too (rare), and never missed */
                uint32_t unit = f & SHI_VF_UNIT;
                pf = unit ? f : pf & ~(uint32_t)SHI_VF_SPLIT;
                prev = unit ? cp : prev;
                x += 3;
            }
            if (found && !pair_held_off(db, p, n, x, pf, f, prev, cp))
                return 1;
            if (found) {
                /* on past the pair, a unit */
                s.pflags = f;
                s.prev = cp;
                s.gap = 0;
                last = cp;
                ign = 0;
                x += 3;
                continue;
            }
            s.pflags = (uint8_t)pf;
            s.prev = prev;
            if (x > x0) {
                s.gap = 0;
                shi_utf8_decode_valid(p + x - 3, &last);
                ign = 0;
            }
            if (x >= n)
                break;
            c = p[x];
            if (c < 0x80)
                continue;
        }
        size_t at0 = x;
        x += shi_utf8_decode_valid(p + x, &cp);
        f = flags_at(db, cp);
        if ((f & SHI_VF_IGNORE) == SHI_VF_TRIG && latin_of(db, cp)) {
            /* one the fold makes a letter or digit of (ｄ, ①): in a token */
            x = at0;
            if (line_token(db, p, n, &x, &s, &last, ign))
                return 1;
            ign = 0;
            continue;
        }
        uint32_t y = (f & SHI_VF_IGNORE) == SHI_VF_TRIG ? classified(db, cp) : 0, e[4];
        if (y != 'x' && shi_is_wildcard(y) && !shi_emoji_chars(y, e)) {
            /* a placeholder (○, ＊): a trigger where it may stand for a unit */
            token_at at = {p, NULL, n, at0, x};
            if (wild_stands(db, &at, at0, x))
                return 1;
            scan_gap(db, &s);
            last = cp;
            ign = 0;
            continue;
        }
        if (x - at0 == 3 && (f & SHI_VF_IGNORE) == SHI_VF_UNIT) {
            /* a unit of three bytes the run's loop left (the line's last):
             * as the loop takes it, its pairs in their context */
            if ((s.pflags & pair_needs[f]) && run_pair(db, p, n, at0, s.pflags, f, s.prev, cp))
                return 1;
            s.prev = cp;
            s.pflags = f;
            s.gap = 0;
            last = cp;
            ign = 0;
            continue;
        }
        if (scan_flags(db, &s, cp, f) & (SCAN_TRIG | SCAN_PAIR))
            return 1;
        ign = (f & SHI_VF_IGNORE) == SHI_VF_IGNORE;
        if (!ign)
            last = cp;
    }
    return 0;
}

/* Whether a character next to a token may be read as a letter or digit
 * by the matcher: one the fold may make one of (a trigger by itself). */
static int folds_latin(const shai_db *db, uint32_t cp)
{
    return cp >= 0x80 && !shi_is_han(cp) && (flags_at(db, cp) & SHI_VF_TRIG);
}

/* A character of the text as a key of the bigram filter; 0 when it is
 * not looked up (then any pair with it may be one). */
static inline uint32_t bigram_key(uint32_t cp)
{
    if (cp >= 'A' && cp <= 'Z')
        return cp + 32;
    return cp < 0x80 || shi_is_han(cp) ? cp : 0;
}

/* Whether character c of a line is a unit of the regions: a trigger
 * (marked), or a unit by its flags (not noise). */
static inline int is_region_unit(const shai_db *db, const shi_vchar *c)
{
    return c->trig || (flags_at(db, c->cp) & SHI_VF_UNIT);
}

/* Whether units c[a] and c[b] of a line, b after a with at most max_gap
 * noise between, are linked: a trigger on either side, or a pair of units
 * of the trie. */
static inline int linked(const shai_db *db, const shi_vchar *c, size_t a, size_t b)
{
    if (c[a].trig == 2 || c[b].trig == 2)
        return 1;
    uint32_t ka = bigram_key(c[a].cp), kb = bigram_key(c[b].cp);
    if (!ka || !kb)
        return 1;
    /* a letter or digit next to a Han unit may be an insertion, which the
     * matcher skips, even where its token is no trigger (限7八厶司: the
     * unit after it is written split) */
    if ((db->vfilter->kinds & SHI_VMASK(SHAI_VARIANT_INSERT)) &&
        ((ka < 0x80 && shi_is_han(kb)) || (kb < 0x80 && shi_is_han(ka))))
        return 1;
    uint32_t g = shi_vf_bigram_bit(ka, kb);
    return (db->vfilter->bigram[g >> 6] >> (g & 63)) & 1;
}

size_t shi_variant_filter_mark(const shai_db *db, shi_vchar *c, size_t n)
{
    const shi_vfilter *vf = db->vfilter;
    const uint8_t *flags = vf->flags;
    vscan s = {0, 0, 0};
    size_t found = 0, prev = 0;
    /* the triggers (2): characters, both of a pair, all of a token */
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = c[i].cp;
        c[i].trig = 0;
        uint32_t l = latin_of(db, cp);
        if (l && !(flags[l] & SHI_VF_TRIG) && (!i || !latin_of(db, c[i - 1].cp))) {
            /* a token: letters and digits, the ones the fold makes of
             * others too (touwán, ｄｕ), as the matcher reads it */
            char t[TOKEN_CAP];
            size_t e = i, k = 0;
            int whole = 1; /* ASCII, as the matcher takes it too */
            for (uint32_t le; e < n && (le = latin_of(db, c[e].cp)); e++) {
                if (k < TOKEN_CAP)
                    t[k++] = (char)le;
                whole &= c[e].cp < 0x80;
            }
            uint32_t before = i ? c[i - 1].cp : 0, after = e < n ? c[e].cp : 0;
            whole = whole && !folds_latin(db, before) && !folds_latin(db, after);
            token_at at = {NULL, c, n, i, e};
            if (e - i > TOKEN_CAP || token_trigger(db, t, k, before, after, whole, &at)) {
                for (size_t j = i; j < e; j++)
                    c[j].trig = 2;
                found++;
            }
        }
        int r = scan_char(db, &s, cp);
        if (r & SCAN_TRIG)
            c[i].trig = 2;
        if (r & SCAN_PAIR)
            c[prev].trig = c[i].trig = 2;
        if (r & (SCAN_TRIG | SCAN_PAIR))
            found++;
        if (r & SCAN_UNIT)
            prev = i;
    }
    if (!found)
        return 0;
    /* The regions (1): runs of characters, noise between them at most
     * max_gap in a row, each linked to the one before by a trigger on
     * either side or by being a pair of units of the trie. A variant match
     * and a match as itself that overlaps it lie in one region that holds
     * a trigger; the walk starts only in those, and max_gap + 1 characters
     * around them (a leet symbol or an emoji a match may begin with). */
    /* Only the regions that hold a trigger are marked, so only their
     * links are looked up: from each trigger, back to where its region
     * begins (not before where the one before ended), then on to where
     * it ends. A region's marks may reach past its end: the characters
     * after it are read as they are then. */
    size_t reach = db->max_gap + 1, lo = 0;
    for (size_t t = 0; t < n; t++) {
        if (c[t].trig != 2)
            continue;
        size_t from = t, gap = 0;
        for (size_t j = t; j-- > lo;) {
            if (!is_region_unit(db, &c[j])) {
                gap++;
                continue;
            }
            if (gap > db->max_gap || !linked(db, c, j, from))
                break;
            from = j;
            gap = 0;
        }
        size_t last = t, i = t + 1;
        for (gap = 0; i < n; i++) {
            if (!is_region_unit(db, &c[i])) {
                gap++;
                continue;
            }
            if (gap > db->max_gap || !linked(db, c, last, i))
                break;
            last = i;
            gap = 0;
        }
        /* the region [from, last] */
        size_t s0 = from > reach ? from - reach : 0, e0 = last + reach;
        for (size_t j = s0; j <= e0 && j < n; j++)
            if (!c[j].trig)
                c[j].trig = 1;
        /* the next region begins at i at the earliest */
        lo = i;
        t = i - 1;
    }
    return found;
}
