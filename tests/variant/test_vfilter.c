/*
 * The variant prefilter (lib/variant/filter.c) against the layer without it
 * (SHI_SCAN_NO_VFILTER): the same hits, field for field, in every mode and
 * when the text comes in small writes, over
 *   - the rows of the variant test set (tests/variants/cases.tsv and its
 *     lexicon), when the tree has them;
 *   - the bundled word lists as shipped, and a sample of their entries
 *     taking every kind (`@variants all`) with allow entries;
 *   - generated texts: entries written as pinyin, homophones, near
 *     homophones, split characters, emoji, wildcards, insertions, digits,
 *     initials and leet, with noise, between lines of ordinary Chinese;
 *   - a slice of a real corpus, when SHAI_TEST_CORPUS names a text file.
 * Then the same texts against prefilters that each drop one kind of
 * trigger (or the syllable pairs that keep a one-syllable token of pinyin
 * a trigger beside a Han unit): each must be caught, or the comparison
 * proves nothing.
 *
 * Arguments: the test set's cases.tsv and lexicon.txt (absent: skipped),
 * the word lists' directory.
 */
#include "test_util.h"

#include <dirent.h>

#include "common/db.h"
#include "scan/scanner.h"
#include "unicode/utf8.h"
#include "variant/tables.h"
#include "variant/variant.h"

static const char *cases_path, *cases_lexicon_path, *wordlists_dir;

/* ------------------------------------------------------------ texts */

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static void strvec_push(strvec *s, const char *text, size_t len)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    char *t = malloc(len + 1);
    assert_non_null(t);
    memcpy(t, text, len);
    t[len] = '\0';
    s->v[s->n++] = t;
}

static void strvec_free(strvec *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static char *read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f)
        return NULL;
    char *buf = malloc(max + 1);
    assert_non_null(buf);
    *len = fread(buf, 1, max, f);
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

/* The text column of cases.tsv, escapes undone. */
static void load_cases(strvec *out)
{
    size_t len;
    char *all = read_file(cases_path, (size_t)16 << 20, &len);
    if (!all)
        return;
    for (char *line = all; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *tab1 = line[0] != '#' ? strchr(line, '\t') : NULL;
        char *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
        char *tab3 = tab2 ? strchr(tab2 + 1, '\t') : NULL;
        if (tab3) {
            char buf[4096];
            size_t k = 0;
            for (const char *p = tab2 + 1; p < tab3 && k + 1 < sizeof buf; p++) {
                if (*p == '\\' && p + 1 < tab3 && (p[1] == 'n' || p[1] == 't')) {
                    buf[k++] = p[1] == 'n' ? '\n' : '\t';
                    p++;
                } else {
                    buf[k++] = *p;
                }
            }
            strvec_push(out, buf, k);
        }
        line = nl ? nl + 1 : NULL;
    }
    free(all);
}

/* ------------------------------------------------------------ dbs */

static shai_db *compile_source(const char *src, size_t len)
{
    shai_builder *b;
    assert_status(shai_builder_new(&b), SHAI_OK);
    assert_status(shai_builder_add_source(b, "t.txt", src, len), SHAI_OK);
    shai_db *db = NULL;
    assert_status(shai_builder_compile(b, &db), SHAI_OK);
    shai_builder_free(b);
    return db;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The bundled word lists as the default db will ship them: the kinds
 * without homophones on every category but ad-law, spam, contact details
 * and rude words, and all of them (`standard`) on 80 short entries of each
 * of five categories. */
static const char *const curated[] = {"porn.txt", "gambling.txt", "drugs.txt", "politics.txt",
                                      "abuse.txt"};
static const char *const plain[] = {"ad-law.txt", "spam.txt", "contact.txt", "rude.txt",
                                    "allow.txt"};

static int listed(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(name, list[i]))
            return 1;
    return 0;
}

static int short_han(const char *line, size_t len)
{
    size_t chars = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c < 0xE4 && (c & 0xC0) != 0x80)
            return 0; /* ASCII, or outside U+4E00..U+9FFF */
        chars += (c & 0xC0) != 0x80;
    }
    return chars >= 2 && chars <= 4;
}

static void add_shipping(shai_builder *b, const char *name, const char *src, size_t len)
{
    size_t cap = len * 2 + 4096, k = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    int cur = listed(name, curated, sizeof curated / sizeof curated[0]), picked = 0;
    int keep = listed(name, plain, sizeof plain / sizeof plain[0]);
    for (const char *line = src; line < src + len;) {
        const char *nl = memchr(line, '\n', (size_t)(src + len - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(src + len - line);
        static const char none[] = "@variants none";
        if (!keep && n == sizeof none - 1 && !memcmp(line, none, n)) {
            k += (size_t)snprintf(out + k, cap - k,
                                  "@variants pinyin,split,emoji,leet,wildcard,insert\n");
        } else {
            memcpy(out + k, line, n);
            k += n;
            if (cur && picked < 80 && short_han(line, n)) {
                k += (size_t)snprintf(out + k, cap - k, "\tvariants=standard");
                picked++;
            }
            out[k++] = '\n';
        }
        line += n + 1;
    }
    assert_status(shai_builder_add_source(b, name, out, k), SHAI_OK);
    free(out);
}

static shai_db *wordlists_db(void)
{
    DIR *d = opendir(wordlists_dir);
    assert_non_null(d);
    strvec names = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n > 4 && !strcmp(e->d_name + n - 4, ".txt"))
            strvec_push(&names, e->d_name, n);
    }
    closedir(d);
    qsort(names.v, names.n, sizeof *names.v, cmp_str);
    shai_builder *b;
    assert_status(shai_builder_new(&b), SHAI_OK);
    for (size_t i = 0; i < names.n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", wordlists_dir, names.v[i]);
        size_t len = 0;
        char *src = read_file(path, (size_t)64 << 20, &len);
        assert_non_null(src);
        add_shipping(b, names.v[i], src, len);
        free(src);
    }
    strvec_free(&names);
    shai_db *db = NULL;
    assert_status(shai_builder_compile(b, &db), SHAI_OK);
    shai_builder_free(b);
    return db;
}

/* Entries of db of 2 to 8 characters with no ASCII but letters, every
 * `step`-th from `first`. */
static void sample_entries(const shai_db *db, uint32_t first, uint32_t step, strvec *out)
{
    uint32_t n = shai_db_entry_count(db);
    for (uint32_t i = first; i < n; i += step) {
        const char *t;
        size_t len;
        if (shai_db_entry_text(db, i, &t, &len) || !len || len > 64)
            continue;
        size_t chars = 0, odd = 0;
        for (size_t k = 0; k < len; k++) {
            chars += ((unsigned char)t[k] & 0xC0) != 0x80;
            odd += (unsigned char)t[k] < 0x80 && !((t[k] | 0x20) >= 'a' && (t[k] | 0x20) <= 'z');
        }
        if (chars >= 2 && chars <= 8 && !odd)
            strvec_push(out, t, len);
    }
}

/* A lexicon of sampled entries taking every kind, a few allow entries. */
static shai_db *all_kinds_db(const strvec *entries)
{
    size_t cap = 1 << 20, len = 0;
    char *src = malloc(cap);
    assert_non_null(src);
    len += (size_t)snprintf(src + len, cap - len, "@category test\n@variants all\n");
    for (size_t i = 0; i < entries->n && len + 256 < cap; i++)
        len += (size_t)snprintf(src + len, cap - len, "%s\n", entries->v[i]);
    len += (size_t)snprintf(src + len, cap - len, "@allow\n");
    for (size_t i = 3; i < entries->n && len + 256 < cap; i += 37)
        len += (size_t)snprintf(src + len, cap - len, "%s史\n", entries->v[i]);
    shai_db *db = compile_source(src, len);
    free(src);
    return db;
}

/* ------------------------------------------------------------ renderings */

/* Reverse tables: characters by reading, by near key; split pairs by the
 * character they make; an emoji by a character it stands for. */
typedef struct rev {
    uint32_t *by_read; /* 8 per reading key */
    uint32_t split_a[0x10000], split_b[0x10000];
    uint32_t emoji[0x10000];
} rev;

static rev *rev_build(void)
{
    rev *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->by_read = calloc((size_t)0x10000 * 8, sizeof *r->by_read);
    assert_non_null(r->by_read);
    for (uint32_t cp = 0x4E00; cp <= 0x9FFF; cp++) {
        shi_reading rd[SHI_READINGS_MAX];
        unsigned n = shi_py_readings(cp, rd);
        for (unsigned i = 0; i < n; i++) {
            uint32_t *slot = r->by_read + (size_t)rd[i] * 8;
            for (int k = 0; k < 8; k++)
                if (!slot[k]) {
                    slot[k] = cp;
                    break;
                }
        }
    }
    uint32_t a, b, c;
    size_t rows = shi_split_row_at(0, &a, &b, &c);
    for (size_t i = 0; i < rows; i++) {
        shi_split_row_at(i, &a, &b, &c);
        if (c < 0x10000 && !r->split_a[c]) {
            r->split_a[c] = a;
            r->split_b[c] = b;
        }
    }
    for (uint32_t cp = 0x2000; cp < 0x20000; cp++) {
        uint32_t ch[4];
        unsigned n = shi_is_han(cp) ? 0 : shi_emoji_chars(cp, ch);
        for (unsigned i = 0; i < n; i++)
            if (ch[i] < 0x10000 && !r->emoji[ch[i]])
                r->emoji[ch[i]] = cp;
    }
    return r;
}

static void rev_free(rev *r)
{
    free(r->by_read);
    free(r);
}

static size_t put(char *out, size_t k, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (k + n < cap) {
        memcpy(out + k, s, n);
        k += n;
    }
    return k;
}

static size_t put_cp(char *out, size_t k, size_t cap, uint32_t cp)
{
    char b[5] = {0};
    utf8_put(cp, b);
    return put(out, k, cap, b);
}

static size_t decode(const char *s, uint32_t *cps, size_t max)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && n < max;) {
        uint32_t cp = *p;
        int k = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
        if (k > 1)
            cp &= 0x3F >> (k - 1);
        for (int i = 1; i < k && p[i]; i++)
            cp = (cp << 6) | (p[i] & 0x3F);
        cps[n++] = cp;
        p += k;
    }
    return n;
}

static const char *const leet_of[26] = {['a' - 'a'] = "4", ['b' - 'a'] = "8", ['e' - 'a'] = "3",
                                        ['i' - 'a'] = "1", ['o' - 'a'] = "0", ['s' - 'a'] = "5",
                                        ['t' - 'a'] = "7", ['g' - 'a'] = "9"};

/* Entry e written with one or more of its units another way (kind chosen
 * by the generator), into out; its length. */
static size_t render(const rev *r, const char *e, uint64_t *rng, char *out, size_t cap)
{
    uint32_t u[16];
    size_t n = decode(e, u, 16), k = 0;
    uint32_t kind = rng_below(rng, 15), at = rng_below(rng, (uint32_t)n);
    int noise = rng_below(rng, 4) == 0;
    for (size_t i = 0; i < n; i++) {
        if (i && noise) {
            /* a space, a comma, or a combining mark that the fold drops
             * (A̱55 is a55: the prefilter must see tokens joined) */
            uint32_t w = rng_below(rng, 6);
            k = put(out, k, cap, w < 3 ? " " : w < 5 ? "、" : "\xcc\xb1");
        }
        uint32_t c = u[i];
        shi_reading rd[SHI_READINGS_MAX];
        unsigned nr = c >= 0x80 ? shi_py_readings(c, rd) : 0;
        /* kind 12: an insertion between a unit and the next, either
         * written as its split halves (弓虽z奸, 迷z米青) */
        int here = i == at || kind == 11 || ((kind == 12 || kind == 14) && i == at + 1) ||
                   (kind == 13 && (i + 1 == at || i == at + 2));
        if (c < 0x80) {
            /* a Latin entry: leet, or a wildcard for a letter */
            const char *l =
                (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? leet_of[(c | 0x20) - 'a'] : NULL;
            if (here && kind < 6 && l) {
                k = put(out, k, cap, l);
            } else if (here && kind == 6 && i && i + 2 < n && u[i + 1] < 0x80 &&
                       rng_below(rng, 3) == 0) {
                k = put(out, k, cap, "**"); /* a run inside the word: p**sy */
                i++;
            } else if (here && kind == 6 && i) {
                k = put(out, k, cap, "*");
            } else {
                k = put_cp(out, k, cap, c);
            }
            continue;
        }
        if (!here) {
            k = put_cp(out, k, cap, c);
            continue;
        }
        switch (kind) {
        case 0: /* pinyin, with a tone digit now and then */
        case 11:
            if (nr) {
                k = put(out, k, cap, shi_py_syllable(SHI_READING_SYL(rd[0])));
                if (rng_below(rng, 3) == 0) {
                    char t[2] = {(char)('0' + SHI_READING_TONE(rd[0])), 0};
                    k = put(out, k, cap, t);
                }
            } else {
                k = put_cp(out, k, cap, c);
            }
            break;
        case 1:
        case 2: { /* homophone: another character of the same reading */
            uint32_t h = 0, j0 = rng_below(rng, 8);
            for (uint32_t j = 0; j < 8 && nr && !h; j++) {
                uint32_t o = r->by_read[(size_t)rd[0] * 8 + ((j0 + j) & 7)];
                if (o && o != c)
                    h = o;
            }
            k = put_cp(out, k, cap, h && h != c ? h : c);
            break;
        }
        case 3: /* near homophone: a syllable of the same near class */
            if (nr) {
                unsigned syl = SHI_READING_SYL(rd[0]), cls = shi_py_near(syl), other = 0;
                for (unsigned s = 1; s < shi_py_nsyl && !other; s++)
                    if (s != syl && shi_py_near(s) == cls)
                        other = s;
                const uint32_t *slot =
                    other ? r->by_read + (size_t)((other << 3) | SHI_READING_TONE(rd[0])) * 8
                          : NULL;
                k = put_cp(out, k, cap, slot && slot[0] ? slot[0] : c);
            } else {
                k = put_cp(out, k, cap, c);
            }
            break;
        case 4:  /* split */
        case 14: /* two units in a row split (米青氵夜) */
            if (c < 0x10000 && r->split_a[c]) {
                k = put_cp(out, k, cap, r->split_a[c]);
                k = put_cp(out, k, cap, r->split_b[c]);
            } else {
                k = put_cp(out, k, cap, c);
            }
            break;
        case 5: /* emoji */
            k = put_cp(out, k, cap, c < 0x10000 && r->emoji[c] ? r->emoji[c] : c);
            break;
        case 6: /* wildcard */
            k = put(out, k, cap, i ? (rng_below(rng, 2) ? "*" : "○") : "");
            if (!i)
                k = put_cp(out, k, cap, c);
            break;
        case 7: /* insertion after it */
            k = put_cp(out, k, cap, c);
            k = put(out, k, cap, rng_below(rng, 2) ? "z" : "q9");
            break;
        case 13: /* an insertion after it, the units around a homophone */
            if (i == at) {
                k = put_cp(out, k, cap, c);
                k = put(out, k, cap, rng_below(rng, 2) ? "z" : "q9");
                break;
            }
            {
                uint32_t h = 0;
                for (uint32_t j = 0; j < 8 && nr && !h; j++) {
                    uint32_t o = r->by_read[(size_t)rd[0] * 8 + j];
                    if (o && o != c)
                        h = o;
                }
                k = put_cp(out, k, cap, h ? h : c);
            }
            break;
        case 12: /* split, and an insertion after the first */
            if (c < 0x10000 && r->split_a[c] && rng_below(rng, 3)) {
                k = put_cp(out, k, cap, r->split_a[c]);
                k = put_cp(out, k, cap, r->split_b[c]);
            } else {
                k = put_cp(out, k, cap, c);
            }
            if (i == at)
                k = put(out, k, cap, rng_below(rng, 2) ? "x" : "7");
            break;
        case 8: /* a digit for its syllable */
            k = put(out, k, cap, rng_below(rng, 2) ? "4" : "7");
            break;
        case 9: /* initials of the whole entry */
            if (i == at) {
                for (size_t j = 0; j < n; j++) {
                    unsigned nj = u[j] >= 0x80 ? shi_py_readings(u[j], rd) : 0;
                    char s[2] = {nj ? shi_py_syllable(SHI_READING_SYL(rd[0]))[0] : 'x', 0};
                    k = put(out, k, cap, s);
                }
                return k;
            }
            k = put_cp(out, k, cap, c);
            break;
        default: /* as itself */
            k = put_cp(out, k, cap, c);
        }
    }
    return k;
}

/* Ordinary Chinese around the renderings (or the corpus's lines). */
static const char *const filler[] = {
    "今天天气不错，我们去公园散步了。",
    "这家酒店的服务很好，房间也干净，下次还会再来",
    "快递三天就到了，包装完好，价格实惠",
    "读博士的同学说实验室很忙",
    "他在北京工作了5年，每月工资8000元",
    "女子足球队赢了比赛！",
    "弓箭手射中了靶心",
    "我14日去3号楼开会，带上X光片",
    "Professor Du Chang said it in English",
    "新冠疫情期间大家都要戴口罩😷",
    "哈哈哈哈233333 [笑cry]",
    "这款手机的4K视频很清晰，型号A1",
};

static void generate(const rev *r, const strvec *entries, const strvec *lines, uint64_t seed,
                     size_t count, strvec *out)
{
    uint64_t rng = seed;
    char buf[8192];
    for (size_t t = 0; t < count; t++) {
        size_t k = 0;
        uint32_t parts = 1 + rng_below(&rng, 6);
        for (uint32_t p = 0; p < parts; p++) {
            uint32_t what = rng_below(&rng, 4);
            if (what == 0 && lines->n)
                k = put(buf, k, sizeof buf - 8, lines->v[rng_below(&rng, (uint32_t)lines->n)]);
            else if (what == 0 || what == 1)
                k = put(buf, k, sizeof buf - 8,
                        filler[rng_below(&rng, sizeof filler / sizeof filler[0])]);
            else if (entries->n)
                k += render(r, entries->v[rng_below(&rng, (uint32_t)entries->n)], &rng, buf + k,
                            sizeof buf - 8 - k);
            if (rng_below(&rng, 3) == 0)
                k = put(buf, k, sizeof buf - 8, rng_below(&rng, 4) ? "\n" : "\r\n");
        }
        strvec_push(out, buf, k);
    }
}

/* Each entry of db of two Han characters that takes homophones, written
 * with either one a homophone, on its own: what only the whole pairs of
 * the pair context let through. */
static void whole_pairs(const rev *r, const shai_db *db, strvec *out)
{
    for (uint32_t e = 0; e < db->nentries; e++) {
        const shi_entry *en = &db->entries[e];
        uint32_t u[3];
        char text[64];
        if (!(en->variants & SHI_VMASK(SHAI_VARIANT_HOMOPHONE)) || en->text_len >= sizeof text)
            continue;
        memcpy(text, db->strings + en->text, en->text_len);
        text[en->text_len] = '\0';
        if (decode(text, u, 3) != 2 || u[0] < 0x80 || u[1] < 0x80)
            continue;
        for (int side = 0; side < 2; side++) {
            shi_reading rd[SHI_READINGS_MAX];
            if (!shi_py_readings(u[side], rd))
                continue;
            uint32_t h = 0;
            for (uint32_t j = 0; j < 8 && !h; j++) {
                uint32_t o = r->by_read[(size_t)rd[0] * 8 + j];
                if (o && o != u[side])
                    h = o;
            }
            if (!h)
                continue;
            char buf[16];
            size_t k = put_cp(buf, 0, sizeof buf, side ? u[0] : h);
            k = put_cp(buf, k, sizeof buf, side ? h : u[1]);
            strvec_push(out, buf, k);
        }
    }
}

/* ------------------------------------------------------------ comparing */

/* The hits of a scan through the scanner, fed `chunk` bytes at a time
 * (0: at once). */
static void scan(const shai_db *db, const char *text, size_t len, uint32_t flags, size_t chunk,
                 hit_vec *hv)
{
    if (flags & SHAI_SCAN_VIOLATIONS)
        flags |= SHI_SCAN_VERDICT;
    shi_scanner *sc = malloc(sizeof *sc);
    assert_non_null(sc);
    shi_scanner_init(sc);
    shi_scanner_start(sc, db, flags, collect_hit, hv);
    if (!chunk) {
        shi_scanner_feed(sc, (const unsigned char *)text, len, 1);
    } else {
        for (size_t at = 0; at < len; at += chunk) {
            size_t n = len - at < chunk ? len - at : chunk;
            shi_scanner_feed(sc, (const unsigned char *)text + at, n, at + n >= len);
        }
        if (!len)
            shi_scanner_feed(sc, (const unsigned char *)"", 0, 1);
    }
    shi_scanner_finish(sc);
    assert_status(shi_scanner_status(sc), SHAI_OK);
    shi_scanner_release(sc);
    free(sc);
}

static int same(const hit_vec *a, const hit_vec *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].start != b->v[i].start || a->v[i].end != b->v[i].end ||
            a->v[i].entry != b->v[i].entry || a->v[i].category != b->v[i].category ||
            a->v[i].action != b->v[i].action || a->v[i].flags != b->v[i].flags ||
            a->v[i].variant != b->v[i].variant || a->v[i].reserved[0] != b->v[i].reserved[0])
            return 0;
    return 1;
}

typedef struct tally {
    size_t texts, differ, variant_hits;
    uint32_t kinds; /* SHI_VMASK of the kinds the reference found */
} tally;

/* Compares the prefiltered scans of each text with the reference in every
 * mode; with `quiet`, counts the texts that differ rather than failing. */
static void compare(const shai_db *db, const strvec *texts, int quiet, tally *t)
{
    static const uint32_t modes[] = {0, SHAI_SCAN_OVERLAPPING, SHAI_SCAN_VIOLATIONS,
                                     SHAI_SCAN_VIOLATIONS | SHAI_SCAN_OVERLAPPING};
    for (size_t i = 0; i < texts->n; i++) {
        const char *text = texts->v[i];
        size_t len = strlen(text);
        int bad = 0;
        for (size_t m = 0; m < sizeof modes / sizeof modes[0] && !bad; m++) {
            hit_vec ref = {0}, got = {0}, chunked = {0};
            scan(db, text, len, modes[m] | SHI_SCAN_NO_VFILTER, 0, &ref);
            scan(db, text, len, modes[m], 0, &got);
            scan(db, text, len, modes[m], 1 + (i % 11), &chunked);
            if (!same(&ref, &got) || !same(&ref, &chunked)) {
                bad = 1;
                if (!quiet) {
                    print_error("prefilter differs (mode 0x%x, %zu vs %zu/%zu hits) on: %s\n",
                                (unsigned)modes[m], ref.n, got.n, chunked.n, text);
                    for (size_t h = 0; h < ref.n; h++)
                        print_error("  ref [%llu,%llu) entry %u kind %u\n",
                                    (unsigned long long)ref.v[h].start,
                                    (unsigned long long)ref.v[h].end, ref.v[h].entry,
                                    ref.v[h].variant);
                    for (size_t h = 0; h < got.n; h++)
                        print_error("  got [%llu,%llu) entry %u kind %u\n",
                                    (unsigned long long)got.v[h].start,
                                    (unsigned long long)got.v[h].end, got.v[h].entry,
                                    got.v[h].variant);
                    for (size_t h = 0; h < chunked.n; h++)
                        print_error("  chunked [%llu,%llu) entry %u kind %u\n",
                                    (unsigned long long)chunked.v[h].start,
                                    (unsigned long long)chunked.v[h].end, chunked.v[h].entry,
                                    chunked.v[h].variant);
                }
            }
            if (m == 1)
                for (size_t h = 0; h < ref.n; h++)
                    if (ref.v[h].variant) {
                        t->variant_hits++;
                        t->kinds |= SHI_VMASK(ref.v[h].variant);
                    }
            hit_vec_free(&ref);
            hit_vec_free(&got);
            hit_vec_free(&chunked);
        }
        t->texts++;
        t->differ += (size_t)bad;
        if (bad && !quiet)
            fail();
    }
}

/* ------------------------------------------------------------ the tests */

typedef struct fixture {
    shai_db *lists, *all;
    strvec entries, lines, texts;
    rev *r;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->lists = wordlists_db();
    sample_entries(f->lists, 7, 53, &f->entries);
    f->all = all_kinds_db(&f->entries);
    f->r = rev_build();
    /* a slice of a real corpus: its first lines */
    size_t len = 0;
    char *corpus = read_file(getenv("SHAI_TEST_CORPUS"), (size_t)1 << 20, &len);
    if (corpus) {
        char *line = corpus;
        for (char *nl; (nl = strchr(line, '\n')) && f->lines.n < 2000; line = nl + 1)
            if (nl > line)
                strvec_push(&f->lines, line, (size_t)(nl - line));
        free(corpus);
    }
    /* not scaled down under sanitizers: test_damage_is_caught needs texts
     * enough that each damaged part of the prefilter changes some hit */
    generate(f->r, &f->entries, &f->lines, 0x5EED, 1500, &f->texts);
    whole_pairs(f->r, f->lists, &f->texts);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    shai_db_free(f->lists);
    shai_db_free(f->all);
    strvec_free(&f->entries);
    strvec_free(&f->lines);
    strvec_free(&f->texts);
    rev_free(f->r);
    free(f);
    return 0;
}

static void test_cases(void **state)
{
    (void)state;
    size_t len = 0;
    char *lex = read_file(cases_lexicon_path, (size_t)4 << 20, &len);
    strvec texts = {0};
    load_cases(&texts);
    if (!lex || !texts.n) {
        free(lex);
        strvec_free(&texts);
        skip(); /* the tree has no test set */
    }
    shai_db *db = compile_source(lex, len);
    tally t = {0};
    compare(db, &texts, 0, &t);
    print_message("cases: %zu texts, %zu variant hits, kinds 0x%x\n", t.texts, t.variant_hits,
                  (unsigned)t.kinds);
    assert_true(t.variant_hits > 100);
    shai_db_free(db);
    /* with a rule, shai_scan's whole-buffer path reads each line's bytes
     * (the prefilter's first stage) before its folded characters */
    char *lex2 = malloc(len + 32);
    assert_non_null(lex2);
    memcpy(lex2, lex, len);
    static const char rule[] = "\nre:b[a-z]+c\n";
    memcpy(lex2 + len, rule, sizeof rule - 1);
    db = compile_source(lex2, len + sizeof rule - 1);
    size_t differ = 0;
    for (size_t i = 0; i < texts.n; i++)
        for (uint32_t m = 0; m < 2; m++) {
            uint32_t flags = m ? SHAI_SCAN_OVERLAPPING : 0;
            hit_vec ref = {0}, got = {0};
            scan(db, texts.v[i], strlen(texts.v[i]), flags | SHI_SCAN_NO_VFILTER, 0, &ref);
            assert_status(shai_scan(db, texts.v[i], strlen(texts.v[i]), flags, collect_hit, &got),
                          SHAI_OK);
            if (!same(&ref, &got)) {
                print_error("shai_scan (mode 0x%x) differs from the reference on: %s\n",
                            (unsigned)flags, texts.v[i]);
                differ++;
            }
            hit_vec_free(&ref);
            hit_vec_free(&got);
        }
    assert_int_equal(differ, 0);
    shai_db_free(db);
    free(lex2);
    free(lex);
    strvec_free(&texts);
}

static void test_generated(void **state)
{
    fixture *f = *state;
    tally t = {0};
    compare(f->all, &f->texts, 0, &t);
    print_message("all kinds: %zu texts, %zu variant hits, kinds 0x%x\n", t.texts, t.variant_hits,
                  (unsigned)t.kinds);
    /* the texts hold what the comparison is about */
    static const uint32_t kinds[] = {
        SHAI_VARIANT_PINYIN, SHAI_VARIANT_HOMOPHONE, SHAI_VARIANT_SPLIT, SHAI_VARIANT_WILDCARD,
        SHAI_VARIANT_INSERT, SHAI_VARIANT_INITIALS,  SHAI_VARIANT_EMOJI};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!(t.kinds & SHI_VMASK(kinds[i])))
            fail_msg("no %s hit in the generated texts", shai_variant_name(kinds[i]));
    tally l = {0};
    compare(f->lists, &f->texts, 0, &l);
    print_message("word lists: %zu texts, %zu variant hits\n", l.texts, l.variant_hits);
    assert_true(l.variant_hits > 0);
}

static void test_corpus(void **state)
{
    fixture *f = *state;
    if (!f->lines.n)
        skip(); /* SHAI_TEST_CORPUS names no file */
    /* each line on its own, then all of them as one text */
    strvec one = {0};
    size_t total = 0;
    for (size_t i = 0; i < f->lines.n; i++)
        total += strlen(f->lines.v[i]) + 1;
    char *all = malloc(total + 1);
    assert_non_null(all);
    size_t k = 0;
    for (size_t i = 0; i < f->lines.n; i++) {
        size_t n = strlen(f->lines.v[i]);
        memcpy(all + k, f->lines.v[i], n);
        k += n;
        all[k++] = '\n';
    }
    strvec_push(&one, all, k);
    free(all);
    tally t = {0};
    compare(f->lists, &f->lines, 0, &t);
    compare(f->all, &f->lines, 0, &t);
    compare(f->lists, &one, 0, &t);
    print_message("corpus: %zu texts, %zu variant hits\n", t.texts, t.variant_hits);
    strvec_free(&one);
}

/* A prefilter that drops a trigger the layer needs must be caught: each
 * damage below makes some generated text differ. */
static void damage(shi_vfilter *vf, int d)
{
    switch (d) {
    case 0:
        memset(vf->pair, 0, sizeof vf->pair);
        break;
    case 1:
        for (uint32_t cp = 0; cp < 0x10000; cp++)
            vf->flags[cp] &= (uint8_t)~SHI_VF_SPLIT;
        break;
    case 2:
        vf->kinds &= ~SHI_VMASK(SHAI_VARIANT_PINYIN);
        break;
    case 3:
        vf->kinds &= ~SHI_VMASK(SHAI_VARIANT_INSERT);
        break;
    case 4:
        memset(vf->bigram, 0, sizeof vf->bigram);
        break;
    case 5:
        for (uint32_t cp = 0x80; cp < 0x10000; cp++)
            if ((vf->flags[cp] & SHI_VF_TRIG) && !shi_is_han(cp))
                vf->flags[cp] = 0;
        break;
    case 6:
        for (uint32_t cp = 0; cp < 0x10000; cp++)
            vf->flags[cp] &= (uint8_t) ~(SHI_VF_FIRST | SHI_VF_SECOND);
        break;
    }
}

/* A character the fold drops between two tokens joins them for the
 * matcher: A̱55 is a55, the leet spelling of ass, though neither A nor 55
 * triggers alone (found by fuzz-scan: the stream, which sees the folded
 * line, found it and the whole-buffer scan did not). */
static int count_hit(const shai_hit *h, void *user)
{
    (void)h;
    ++*(size_t *)user;
    return 0;
}

/* Each of texts[0..n) has one hit on db, without the prefilter (the
 * reference) and with it. */
static void one_hit_either_way(const shai_db *db, const char *const *texts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hit_vec ref = {0};
        size_t got = 0;
        scan(db, texts[i], strlen(texts[i]), SHI_SCAN_NO_VFILTER, 0, &ref);
        assert_status(shai_scan(db, texts[i], strlen(texts[i]), 0, count_hit, &got), SHAI_OK);
        if (ref.n != 1 || got != 1)
            fail_msg("%s: %zu hits without the prefilter, %zu with it", texts[i], ref.n, got);
        hit_vec_free(&ref);
    }
}

static void test_ignorable_joins_tokens(void **state)
{
    (void)state;
    /* with a rule, whole-buffer scans read each line's bytes first */
    static const char lex[] = "ass\nshit\nre:b[a-z]+c\n";
    shai_db *db = compile_source(lex, sizeof lex - 1);
    static const char *const texts[] = {"A\xcc\xb1"
                                        "55",
                                        "x a\xe2\x80\x8b"
                                        "55 y",
                                        "5\xcc\xb1"
                                        "h1t",
                                        "s\xcc\xb1"
                                        "h17"};
    one_hit_either_way(db, texts, sizeof texts / sizeof texts[0]);
    strvec v = {0};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        strvec_push(&v, texts[i], strlen(texts[i]));
    tally t = {0};
    compare(db, &v, 0, &t);
    assert_int_equal(t.variant_hits, 4);
    strvec_free(&v);
    shai_db_free(db);
}

/* An insertion right before a unit written split (限7八厶司 for 有限公司):
 * its token is no trigger (the character after it is no unit), the split
 * pair is, and the region of that trigger reaches back across the
 * insertion to where the match begins. */
static void test_insert_beside_split(void **state)
{
    (void)state;
    static const char lex[] = "皇冠博彩有限公司\n";
    shai_db *db = compile_source(lex, sizeof lex - 1);
    static const char *const texts[] = {"皇冠博彩有限7八厶司", "看皇冠博彩有限q八厶司吧",
                                        "皇冠博彩有7限八厶司"};
    one_hit_either_way(db, texts, sizeof texts / sizeof texts[0]);
    shai_db_free(db);
}

/* The prefilter of db passes each of pass[0..npass) and drops each of
 * drop[0..ndrop), which it passes without the derived table *table (what:
 * its name). */
static void check_precision(shai_db *db, const char *const *pass, size_t npass,
                            const char *const *drop, size_t ndrop, const uint64_t **table,
                            const char *what)
{
    for (size_t i = 0; i < npass; i++)
        if (!shi_variant_filter_bytes(db, (const unsigned char *)pass[i], strlen(pass[i])))
            fail_msg("the prefilter drops '%s'", pass[i]);
    const uint64_t *keep = *table;
    assert_non_null(keep);
    for (size_t i = 0; i < ndrop; i++) {
        const unsigned char *t = (const unsigned char *)drop[i];
        if (shi_variant_filter_bytes(db, t, strlen(drop[i])))
            fail_msg("the prefilter lets '%s' through", drop[i]);
        *table = NULL;
        int loose = shi_variant_filter_bytes(db, t, strlen(drop[i]));
        *table = keep;
        if (!loose)
            fail_msg("'%s' proves nothing: dropped without the %s too", drop[i], what);
    }
}

/* Room for the overlapping hits of one short text: a placeholder after
 * 傻 is every two-character entry 傻? that takes wildcards (傻○). */
#define HITS_CAP 64

/* The number of hits of db on text (in every mode alike here). */
static size_t hits_on(const shai_db *db, const char *text)
{
    shai_hit hits[HITS_CAP];
    size_t n = 0;
    assert_status(shai_scan_hits(db, text, strlen(text), SHAI_SCAN_OVERLAPPING, hits, HITS_CAP, &n),
                  SHAI_OK);
    return n;
}

/* The variant hits of db on text. */
static size_t variant_hits(const shai_db *db, const char *text)
{
    shai_hit hits[HITS_CAP];
    size_t n = 0, v = 0;
    assert_status(shai_scan_hits(db, text, strlen(text), SHAI_SCAN_OVERLAPPING, hits, HITS_CAP, &n),
                  SHAI_OK);
    for (size_t i = 0; i < n; i++)
        v += hits[i].variant != SHAI_VARIANT_NONE;
    return v;
}

/* On db, each of pass[0..npass) has a variant hit and passes the
 * prefilter; each of drop[0..ndrop) has none, and the prefilter drops it. */
static void pass_and_drop(const shai_db *db, const char *const *pass, size_t npass,
                          const char *const *drop, size_t ndrop)
{
    for (size_t i = 0; i < npass; i++) {
        if (!variant_hits(db, pass[i]))
            fail_msg("'%s': no variant hit", pass[i]);
        if (!shi_variant_filter_bytes(db, (const unsigned char *)pass[i], strlen(pass[i])))
            fail_msg("the prefilter drops '%s'", pass[i]);
    }
    for (size_t i = 0; i < ndrop; i++) {
        if (variant_hits(db, drop[i]))
            fail_msg("'%s': a variant hit", drop[i]);
        if (shi_variant_filter_bytes(db, (const unsigned char *)drop[i], strlen(drop[i])))
            fail_msg("the prefilter lets '%s' through", drop[i]);
    }
}

/* The texts a[0..na) and b[0..nb), the same hits with and without the
 * prefilter in every mode (compare), some of them variant hits. */
static void compare_texts(const shai_db *db, const char *const *a, size_t na, const char *const *b,
                          size_t nb)
{
    strvec v = {0};
    for (size_t i = 0; i < na + nb; i++) {
        const char *x = i < na ? a[i] : b[i - na];
        strvec_push(&v, x, strlen(x));
    }
    tally t = {0};
    compare(db, &v, 0, &t);
    assert_true(t.variant_hits > 0);
    strvec_free(&v);
}

/* Tokens of letters and digits, and placeholders, with the word lists as
 * shipped: a digit is a leet letter only where every two characters of the
 * token may be adjacent units and the token is a whole entry or goes on
 * into one beside it (n95, win10, 4g, 75mm are not); a token between two
 * Han characters is an insertion only where they may be adjacent units of
 * an entry, Han both (a split half beside it is a trigger of its own); a
 * placeholder stands for a unit only on its own, away from digits and from
 * Latin words across spaces, between units that an entry has around a
 * unit, or after one that it has before its last (强*杀 is none), or in a
 * run of three at most inside a Latin word (f**k); a split pair only
 * where the unit it makes may have the character beside it next to it in an
 * entry (女子 of 女子足球 is no 好). The evasions pass and are found; the
 * ordinary lines are dropped and hold no variant hit (the same lines passed
 * the prefilter that took any digit in a token for leet, any placeholder
 * for a unit and any split pair for one). */
static void test_token_precision(void **state)
{
    fixture *f = *state;
    static const char *const pass[] = {
        "a55hole",       "你是c0ck", "sh1t啊",   "迷z奸",  "援q交",     "b@stard", "王八*",
        "what the f**k", "你个傻○",  "身寸米青", "米青液", "你个混X！", "这个傻*"};
    static const char *const drop[] = {
        "买了一盒n95口罩",   "升级到win10系统",    "这台电脑1g内存",      "镜头75mm很好用",
        "这是4g网络",        "电话138****5678",    "尺寸1920×1080的屏幕", "卫生：****酒店设施不错",
        "房间**很大",        "女子足球队赢了比赛", "上下班高峰",          "东费县强*杀人案",
        "Garcons x Vans联名"};
    pass_and_drop(f->lists, pass, sizeof pass / sizeof pass[0], drop, sizeof drop / sizeof drop[0]);
}

/* A whole token that is some entry's initials and a deny entry as itself
 * (tmd, sb): that entry, which the matcher finds over the token, holds off
 * every initials match of it, so the line needs no other look; an allow
 * entry spelled so holds off nothing, and the line is looked into. The
 * same hits either way, in every mode, with the token alone in a line or
 * beside other triggers. */
static void test_initials_as_itself(void **state)
{
    (void)state;
    static const char lex[] = "@variants initials,pinyin\n傻逼\n他妈的\n你妈的\ntmd\n"
                              "@allow\nnmd\n";
    shai_db *db = compile_source(lex, sizeof lex - 1);
    static const char *const texts[] = {"你真是tmd烦", "tmd",           "TMD!",       "好nmd啊",
                                        "nmd",         "tmd走了，sb了", "tmd tamade", "nmd sb",
                                        "他tmd的",     "tmd.com",       "a tmd b",    "shabi tmd"};
    compare_texts(db, texts, sizeof texts / sizeof texts[0], NULL, 0);
    /* tmd alone holds no reportable variant match, and is dropped; nmd is
     * an allow entry's spelling, 你妈的's initials, and passes */
    assert_false(shi_variant_filter_bytes(db, (const unsigned char *)"你真是tmd烦", 14));
    assert_true(shi_variant_filter_bytes(db, (const unsigned char *)"好nmd啊", 9));
    assert_true(variant_hits(db, "好nmd啊") > 0);
    shai_db_free(db);
}

/* A token of pinyin is in a match only as a whole entry (duchang) or in
 * one that goes on beside it: a syllable beside a Latin token only as
 * pinyin (du chang) or as an entry's Latin unit right beside the
 * syllable's unit (g dian for G点, a pian for A片), beside a Han character
 * only where an entry has the two side by side. English words around a
 * syllable (Lucy chang said, love du), or a run of syllables that is no
 * entry among them (the changlao said), hold no match, and the prefilter
 * drops the line. The same hits with and without it, in every mode. */
static void test_syllable_beside_latin(void **state)
{
    (void)state;
    static const char lex[] = "@variants pinyin\nG点\nK粉\nA片\n赌场\n赌场老板\n";
    shai_db *db = compile_source(lex, sizeof lex - 1);
    static const char *const pass[] = {"找个g dian", "买点 k fen 吧", "去du chang玩",
                                       "看A pian",   "du chang",      "duchang",
                                       "du3chang3",  "赌changlao板"};
    static const char *const drop[] = {"Lucy chang said", "I love du",         "the dian is",
                                       "hello fen world", "Lucy Chang 说",     "the changlao said",
                                       "changlao",        "我们changlao了好久"};
    pass_and_drop(db, pass, sizeof pass / sizeof pass[0], drop, sizeof drop / sizeof drop[0]);
    compare_texts(db, pass, sizeof pass / sizeof pass[0], drop, sizeof drop / sizeof drop[0]);
    shai_db_free(db);
}

/* A token of one syllable beside a Han character that an entry has next
 * to the syllable's unit, inside a longer entry (和A of 我占有了妈妈和阿姨,
 * 了N of 屄爽死了嗯嗯快快): a match goes on past that character or on the
 * token's other side, else the line is dropped (我和A同学, 买了N次). An
 * entry of the two units alone (迷jian) and a match on both sides of the
 * token are found. */
static void test_syllable_in_longer_entry(void **state)
{
    (void)state;
    static const char lex[] = "@variants pinyin\n我占有了妈妈和阿姨\n屄爽死了嗯嗯快快\n迷奸\n"
                              "网上赌场\n";
    shai_db *db = compile_source(lex, sizeof lex - 1);
    static const char *const pass[] = {"我占有了妈妈和a姨", "屄爽死了n嗯快快", "迷jian药",
                                       "去网上du场", "网上赌chang"};
    static const char *const drop[] = {"我和A同学去", "买了N次", "他们的A，", "好了n"};
    pass_and_drop(db, pass, sizeof pass / sizeof pass[0], drop, sizeof drop / sizeof drop[0]);
    compare_texts(db, pass, sizeof pass / sizeof pass[0], drop, sizeof drop / sizeof drop[0]);
    shai_db_free(db);
}

/* A homophone pair read across two words (服务员交代 is no 援交, 白羊座爱上
 * no 做爱, 人扎堆 no 人渣, 设置障碍 no 智障): the matcher holds the match
 * off, and so does the prefilter, which then drops the line, where every
 * entry the pair may be in begins or ends at the word's boundary: all of
 * a two-unit entry, or a longer one with units beside it on one side only
 * (不知那些 may be in 支那些… for all the prefilter knows). The same pairs
 * elsewhere are found. With the word lists as shipped. */
static void test_pair_across_words(void **state)
{
    fixture *f = *state;
    static const char *const pass[] = {"他就是个知那猪", "找个圆交妹", "你个置障", "出来座爱"};
    static const char *const drop[] = {
        "别的服务员交代了",  "白羊座爱上了他", "你没被男人扎堆儿追过", "只见收银员交头接耳",
        "期800人扎堆赏山樱", "不得再设置障碍", "自己在编织那些舍不得"};
    pass_and_drop(f->lists, pass, sizeof pass / sizeof pass[0], drop, sizeof drop / sizeof drop[0]);
}

/* The entries of the word lists that take homophones, each unit written
 * as itself, as a character of the same most common reading or as pinyin
 * (with or without spaces), between common characters that may make a
 * word with the entry's first or last unit (the prefilter holds off a
 * pair read across two words, filter.c: pair_held_off): the same hits
 * with and without the prefilter. */
static void test_homophones_between_words(void **state)
{
    fixture *f = *state;
    static const char common[] =
        "的一是在不了有和人这中大为上个我以要他时来们生到作地出就分对成会可"
        "发年动同工也能下过子说产种面而方后多定行学法所民得经进着等部度家电"
        "力里如水化高自理起小物现实加量都两体制机当使点从业本去把性好应开合"
        "还因由其些然前外天政日那社事平形相全表间样与关各重新线内数正心反你"
        "明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者"
        "药材扎堆障碍交代爱上考察";
    uint32_t cps[256], ncp = 0;
    for (const unsigned char *q = (const unsigned char *)common; *q && ncp < 256;)
        q += shi_utf8_decode_valid(q, &cps[ncp++]);
    const shai_db *db = f->lists;
    uint64_t rng = 17;
    strvec texts = {0};
    for (uint32_t e = 0; e < db->nentries; e++) {
        const shi_entry *en = &db->entries[e];
        if (!(en->variants & SHI_VMASK(SHAI_VARIANT_HOMOPHONE)) || (en->flags & SHAI_ENTRY_ALLOW))
            continue;
        const unsigned char *t = (const unsigned char *)db->strings + en->text;
        uint32_t u[32], nu = 0;
        for (size_t x = 0; x < en->text_len && nu < 32;)
            x += shi_utf8_decode_valid(t + x, &u[nu++]);
        for (int rep = 0; rep < 30; rep++) {
            char buf[512];
            size_t k = 0;
            for (uint32_t i = rng_below(&rng, 3); i > 0; i--)
                k = put_cp(buf, k, sizeof buf - 16, cps[rng_below(&rng, ncp)]);
            for (uint32_t i = 0; i < nu; i++) {
                shi_reading r[SHI_READINGS_MAX];
                uint32_t how = rng_below(&rng, 4), c = u[i];
                int has = shi_py_readings(c, r) != 0;
                if (how == 0 && has) { /* a character of its most common reading */
                    uint32_t o = f->r->by_read[(size_t)r[0] * 8 + rng_below(&rng, 8)];
                    c = o ? o : c;
                }
                if (how == 1 && has) {
                    k = put(buf, k, sizeof buf - 16, rng_below(&rng, 2) ? " " : "");
                    k = put(buf, k, sizeof buf - 16, shi_py_syllable(SHI_READING_SYL(r[0])));
                    k = put(buf, k, sizeof buf - 16, rng_below(&rng, 2) ? " " : "");
                    continue;
                }
                k = put_cp(buf, k, sizeof buf - 16, c);
            }
            for (uint32_t i = rng_below(&rng, 3); i > 0; i--)
                k = put_cp(buf, k, sizeof buf - 16, cps[rng_below(&rng, ncp)]);
            strvec_push(&texts, buf, k);
        }
    }
    assert_true(texts.n > 1000);
    tally tl = {0};
    compare(db, &texts, 0, &tl);
    assert_true(tl.variant_hits > texts.n / 4);
    strvec_free(&texts);
}

/* What the prefilter lets through on ordinary text, with the word lists as
 * shipped (the comparisons above prove it misses nothing): a token of one
 * syllable needs a unit beside it that some entry has beside that syllable,
 * a token of more syllables must read as syllables that follow each other
 * in some entry, and a placeholder or an emoji is a trigger only when some
 * entry takes them; a homophone pair of a longer entry needs a unit of it
 * beside it. Each negative is let through by a prefilter without the
 * syllable pairs (or the pairs' context), so each can fail. */
static void test_precision(void **state)
{
    fixture *f = *state;
    static const char *const pass[] = {"网上duchang开户", "怎么fan墙", "迷jian药哪里有",
                                       "du chang在哪", "fa lun gong"};
    static const char *const drop[] = {"瞬间火爆O网页链接", "昨晚的NBA总决赛",  "NASA的火箭发射了",
                                       "打车taxi很方便",    "价格还是很nice的", "标准A区"};
    check_precision(f->lists, pass, sizeof pass / sizeof pass[0], drop,
                    sizeof drop / sizeof drop[0], &f->lists->vsyl_pairs, "syllable pairs");
    /* a homophone pair of units of a longer entry (网上 of 网上赌场, 了个 of
     * 你妈了个逼, 一夜 of 一夜情) lets its line through only with a unit of
     * the entry beside it */
    static const char *const pair_pass[] = {"往上赌场", "你妈了各逼", "一页情"};
    static const char *const pair_drop[] = {"我们往上走吧", "他说了各种事", "我一页都没看"};
    check_precision(f->lists, pair_pass, sizeof pair_pass / sizeof pair_pass[0], pair_drop,
                    sizeof pair_drop / sizeof pair_drop[0], &f->lists->vpair_ctx, "pair context");
}

/* The matcher hears a homophone by its most common reading, in the entry
 * as in the text (match.c, try_at), and so do the prefilter's flags: from
 * the reading table, a unit u whose second reading is the most common one
 * of another character h, and a character h2 whose most common reading is
 * u's. The entries 他u and u他 take h2 for u, never h; only h2 may begin or
 * end a homophone pair. */
static void test_primary_reading(void **state)
{
    (void)state;
    uint32_t u = 0, h = 0, h2 = 0;
    shi_reading r[SHI_READINGS_MAX], q[SHI_READINGS_MAX];
    for (uint32_t cp = 0x4E00; cp <= 0x9FFF && !u; cp++) {
        if (shi_py_readings(cp, r) < 2 || r[1] == r[0])
            continue;
        uint32_t a = 0, b = 0;
        for (uint32_t x = 0x4E00; x <= 0x9FFF && (!a || !b); x++) {
            if (x == cp || !shi_py_readings(x, q))
                continue;
            if (!a && q[0] == r[1])
                a = x;
            if (!b && q[0] == r[0])
                b = x;
        }
        if (a && b) {
            u = cp;
            h = a;
            h2 = b;
        }
    }
    assert_true(u != 0);
    char lex[64], text[4][16];
    char su[8], sh[8], sh2[8];
    su[shi_utf8_encode(u, su)] = '\0';
    sh[shi_utf8_encode(h, sh)] = '\0';
    sh2[shi_utf8_encode(h2, sh2)] = '\0';
    int len =
        snprintf(lex, sizeof lex, "他%s\tvariants=homophone\n%s他\tvariants=homophone\n", su, su);
    shai_db *db = compile_source(lex, (size_t)len);
    snprintf(text[0], sizeof text[0], "他%s", sh2);
    snprintf(text[1], sizeof text[1], "%s他", sh2);
    snprintf(text[2], sizeof text[2], "他%s", sh);
    snprintf(text[3], sizeof text[3], "%s他", sh);
    for (int i = 0; i < 4; i++)
        if (hits_on(db, text[i]) != (i < 2))
            fail_msg("'%s': %zu hits (entries 他%s, %s他)", text[i], hits_on(db, text[i]), su, su);
    const uint8_t *flags = db->vfilter->flags;
    assert_true((flags[h2] & SHI_VF_FIRST) && (flags[h2] & SHI_VF_SECOND));
    if (flags[h] & (SHI_VF_FIRST | SHI_VF_SECOND))
        fail_msg("%s, whose most common reading is another of %s's, begins or ends a homophone "
                 "pair: flags %02x",
                 sh, su, flags[h]);
    shai_db_free(db);
}

static void test_damage_is_caught(void **state)
{
    fixture *f = *state;
    shai_db *dbs[2] = {f->all, f->lists};
    static const char *const what[] = {"homophone pairs",       "split halves",
                                       "pinyin tokens",         "insertions",
                                       "unit pairs (regions)",  "emoji and wildcards",
                                       "reading keys",          "syllable pairs",
                                       "whole homophone pairs", "units beside homophone pairs"};
    shi_vfilter *keep = malloc(sizeof *keep);
    assert_non_null(keep);
    for (int d = 0; d < 10; d++) {
        size_t differ = 0;
        for (int i = 0; i < 2; i++) {
            shi_vfilter *vf = (shi_vfilter *)(uintptr_t)dbs[i]->vfilter;
            /* the syllable pairs (a pinyin syllable beside a Han unit):
             * none set, so only the tokens beside anything else trigger */
            uint64_t *sp = (uint64_t *)(uintptr_t)dbs[i]->vsyl_pairs;
            uint64_t *keep_sp = NULL;
            if (d == 7 && sp) {
                keep_sp = malloc(SHI_VSYL_WORDS * sizeof *sp);
                assert_non_null(keep_sp);
                memcpy(keep_sp, sp, SHI_VSYL_WORDS * sizeof *sp);
                memset(sp, 0, SHI_VSYL_WORDS * sizeof *sp);
            }
            /* the homophone pairs' context (whole entries of two units,
             * the units beside a pair): none set, so only the pairs the
             * other part lets through trigger */
            uint64_t *ctx = (uint64_t *)(uintptr_t)dbs[i]->vpair_ctx, *keep_ctx = NULL;
            if (d >= 8 && ctx) {
                uint64_t *part = ctx + (d == 9 ? SHI_VCTX_WORDS : 0);
                keep_ctx = malloc(SHI_VCTX_WORDS * sizeof *ctx);
                assert_non_null(keep_ctx);
                memcpy(keep_ctx, part, SHI_VCTX_WORDS * sizeof *ctx);
                memset(part, 0, SHI_VCTX_WORDS * sizeof *ctx);
            }
            uint64_t *chars2 = (uint64_t *)(uintptr_t)dbs[i]->vchars2;
            size_t n2 = (size_t)dbs[i]->nvchars2 * sizeof *chars2;
            uint64_t *keep2 = malloc(n2 ? n2 : 1);
            assert_non_null(keep2);
            memcpy(keep, vf, sizeof *vf);
            if (n2)
                memcpy(keep2, chars2, n2);
            damage(vf, d);
            if (d == 0 && n2)
                memset(chars2, 0, n2); /* the pairs spelled out too */
            tally t = {0};
            compare(dbs[i], &f->texts, 1, &t);
            memcpy(vf, keep, sizeof *vf);
            if (n2)
                memcpy(chars2, keep2, n2);
            if (keep_sp) {
                memcpy(sp, keep_sp, SHI_VSYL_WORDS * sizeof *sp);
                free(keep_sp);
            }
            if (keep_ctx) {
                memcpy(ctx + (d == 9 ? SHI_VCTX_WORDS : 0), keep_ctx, SHI_VCTX_WORDS * sizeof *ctx);
                free(keep_ctx);
            }
            free(keep2);
            print_message("without %s (%s): %zu of %zu texts differ\n", what[d],
                          i ? "word lists" : "all kinds", t.differ, t.texts);
            differ += t.differ;
        }
        if (!differ)
            fail_msg("a prefilter without %s went unnoticed", what[d]);
    }
    free(keep);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s CASES.tsv LEXICON.txt WORDLISTS_DIR\n", argv[0]);
        return 2;
    }
    cases_path = argv[1];
    cases_lexicon_path = argv[2];
    wordlists_dir = argv[3];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_generated),
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_ignorable_joins_tokens),
        cmocka_unit_test(test_precision),
        cmocka_unit_test(test_token_precision),
        cmocka_unit_test(test_primary_reading),
        cmocka_unit_test(test_damage_is_caught),
        cmocka_unit_test(test_insert_beside_split),
        cmocka_unit_test(test_initials_as_itself),
        cmocka_unit_test(test_syllable_beside_latin),
        cmocka_unit_test(test_syllable_in_longer_entry),
        cmocka_unit_test(test_pair_across_words),
        cmocka_unit_test(test_homophones_between_words),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
