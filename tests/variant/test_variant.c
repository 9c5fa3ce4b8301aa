/*
 * The variant layer: each kind, the guards, allow coverage of variant hits,
 * scenes and policies mapping kinds, SHAI_SCAN_NO_VARIANTS, vertical text,
 * the lexicon syntax, and saved dbs (round trip; damaged variant sections,
 * which is the one part that reads the db's layout through io/dbfile.h).
 */
#include "test_util.h"

#include "io/dbfile.h"

static const char lexicon[] = "@category gambling\n"
                              "赌场\n"
                              "赌博\n"
                              "@category porn\n"
                              "援交\n"
                              "代孕\n"
                              "精液\n"
                              "迷奸\n"
                              "我日\n"
                              "sb\n"
                              "@category abuse\n"
                              "@action review\n"
                              "牛逼\n"
                              "混蛋\n"
                              "bastard\n"
                              "神经病\tvariants=standard,initials\n"
                              "去死吧\tvariants=digit\n"
                              "翻墙\tvariants=pinyin\n"
                              "傻逼\texact\n"
                              "@allow\n"
                              "赌博史\n";

static shai_db *db;

static int setup(void **state)
{
    (void)state;
    shai_builder *b;
    if (shai_builder_new(&b) || shai_builder_add_source(b, "v.txt", lexicon, strlen(lexicon)))
        return -1;
    int rc = shai_builder_compile(b, &db);
    shai_builder_free(b);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    shai_db_free(db);
    return 0;
}

/* The hits of text (violations, leftmost-longest unless flags say), as
 * "text=entry/kind" joined by spaces; kind "-" for none. */
static const char *hits_of(const shai_db *d, const char *text, uint32_t flags)
{
    static char out[1024];
    hit_vec hv = {0};
    assert_status(shai_scan(d, text, strlen(text), flags, collect_hit, &hv), SHAI_OK);
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < hv.n; i++) {
        const char *e;
        size_t len;
        assert_status(shai_db_entry_text(d, hv.v[i].entry, &e, &len), SHAI_OK);
        const char *kind = hv.v[i].variant ? shai_variant_name(hv.v[i].variant) : "-";
        assert_non_null(kind);
        int w =
            snprintf(out + used, sizeof out - used, "%s%.*s=%.*s/%s", i ? " " : "",
                     (int)(hv.v[i].end - hv.v[i].start), text + hv.v[i].start, (int)len, e, kind);
        assert_true(w > 0 && (size_t)w < sizeof out - used);
        used += (size_t)w;
    }
    hit_vec_free(&hv);
    return out;
}

typedef struct vcase {
    const char *text, *expect;
} vcase;

static void run(const shai_db *d, const vcase *c, size_t n, uint32_t flags)
{
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        const char *got = hits_of(d, c[i].text, flags);
        if (strcmp(got, c[i].expect) != 0) {
            print_error("\"%s\": got \"%s\", expected \"%s\"\n", c[i].text, got, c[i].expect);
            failed = 1;
        }
    }
    assert_false(failed);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_kinds(void **state)
{
    (void)state;
    static const vcase cases[] = {
        {"我想去duchang玩", "duchang=赌场/pinyin"},
        {"du chang", "du chang=赌场/pinyin"},
        {"du3chang3", "du3chang3=赌场/pinyin"},
        {"ＤＵＣＨＡＮＧ开了", "ＤＵＣＨＡＮＧ=赌场/pinyin"},
        {"迷jian", "迷jian=迷奸/pinyin"},
        {"mi奸", "mi奸=迷奸/pinyin"},
        {"这人sjb", "sjb=神经病/initials"},
        {"找个圆交", "圆交=援交/homophone"},
        {"带孕", "带孕=代孕/homophone"},
        {"米青液", "米青液=精液/split"},
        {"🐮🍺", "🐮🍺=牛逼/emoji"},
        {"你748", "748=去死吧/digit"},
        {"b@stard", "b@stard=bastard/leet"},
        {"混X", "混X=混蛋/wildcard"},
        {"混○", "混○=混蛋/wildcard"},
        {"迷z奸", "迷z奸=迷奸/insert"},
        /* the folded text itself: the scanner's hit, not a variant */
        {"赌场", "赌场=赌场/-"},
    };
    run(db, cases, N(cases), SHAI_SCAN_VIOLATIONS);
}

/* A Latin entry that the variant matcher reads across noise the scan
 * refuses (fa lun gong is not falungong: noise between some letters of a
 * Latin word, not all) holds off no other entry's variant hit; one the
 * scan takes (f u c k, every letter spaced) still does. */
static void test_latin_entry_as_scanned(void **state)
{
    (void)state;
    shai_db *d = db_from_source("法轮功\nfalungong\nfuck\n福克\n");
    static const vcase cases[] = {
        {"练fa lun gong的人", "fa lun gong=法轮功/pinyin"},
        {"falun gong", "falun gong=法轮功/pinyin"},
        {"falungong", "falungong=falungong/-"},
        {"f u c k", "f u c k=fuck/-"},
        {"fu ke", "fu ke=福克/pinyin"},
    };
    run(d, cases, N(cases), 0);
    run(d, cases, N(cases), SHAI_SCAN_OVERLAPPING);
    shai_db_free(d);
}

/* Pinyin and leet inside a web address are none (http://mapi/005vn is
 * no 妈批); the same token elsewhere is. */
static void test_web_addresses(void **state)
{
    (void)state;
    shai_db *d = db_from_source("妈批\nasshole\n");
    static const vcase cases[] = {
        {"看 http://mapi/005vnhZY", ""},     {"www.mapi.cc", ""},
        {"http://t.cn/a55hole", ""},         {"你这个mapi", "mapi=妈批/pinyin"},
        {"a55hole", "a55hole=asshole/leet"},
    };
    run(d, cases, N(cases), SHAI_SCAN_OVERLAPPING);
    shai_db_free(d);
}

/* Where one span spells several entries in variants, the default mode
 * reports the one that is a word (赌博, not the list's homophone 赌波,
 * listed first); the overlapping mode all, by entry index. */
static void test_word_entry_first(void **state)
{
    (void)state;
    shai_db *d = db_from_source("赌波\n赌博\n冰读\n冰毒\n草拟妈\n操你妈\n");
    static const vcase cases[] = {
        {"du bo", "du bo=赌博/pinyin"},
        {"去bing du", "bing du=冰毒/pinyin"},
        /* longer entries by their index */
        {"cao ni ma", "cao ni ma=草拟妈/pinyin"},
    };
    run(d, cases, N(cases), 0);
    static const vcase all[] = {
        {"du bo", "du bo=赌波/pinyin du bo=赌博/pinyin"},
    };
    run(d, all, N(all), SHAI_SCAN_OVERLAPPING);
    shai_db_free(d);
}

static void test_guards(void **state)
{
    (void)state;
    static const vcase cases[] = {
        {"读博", ""},                    /* 读 dú is not 赌 dǔ */
        {"戴运", ""},                    /* all-Han homophones keep a unit as written */
        {"Du Bois wrote", ""},           /* a capitalised name */
        {"dubonnet", ""},                /* inside a longer word */
        {"Professor du chang said", ""}, /* English context */
        {"XX公司", ""},                  /* a run of placeholders */
        {"X光", ""},                     /* never the first unit */
        {"赌****博", ""},                /* a gap, not a wildcard */
        {"价格748元", ""},               /* a number */
        {"电话7481234", ""},             /* a longer number */
        {"file.sjb", ""},                /* initials after a dot */
        {"4k video", ""},                /* leet needs the whole token */
        {"5B铅笔", ""},                  /* and 3 characters: a grade, not sb */
        {"我14日出发", ""},              /* a date, not an insertion */
        {"fanqiang", ""},                /* 翻墙 allows pinyin only: this is pinyin... */
    };
    /* ...and so it is a hit: check it apart */
    run(db, cases, N(cases) - 1, SHAI_SCAN_VIOLATIONS);
    assert_string_equal(hits_of(db, "fanqiang", 0), "fanqiang=翻墙/pinyin");
    /* 翻墙 takes pinyin only: no homophone (番墙), no wildcard */
    assert_string_equal(hits_of(db, "番墙", 0), "");
    assert_string_equal(hits_of(db, "翻X", 0), "");
    /* exact entries never get variants */
    assert_string_equal(hits_of(db, "沙逼", 0), "");
    /* 去死吧 takes digits only (and 748 is three digits on their own) */
    assert_string_equal(hits_of(db, "qusiba", 0), "");
}

static void test_allow_covers_variants(void **state)
{
    (void)state;
    /* 赌博史 (allow) written as itself or as a variant covers the variant
     * hit of 赌博 inside it */
    assert_string_equal(hits_of(db, "dubo", SHAI_SCAN_VIOLATIONS), "dubo=赌博/pinyin");
    assert_string_equal(hits_of(db, "dubo史", SHAI_SCAN_VIOLATIONS), "");
    assert_string_equal(hits_of(db, "dubo shi", SHAI_SCAN_VIOLATIONS), "");
    /* without violations, the allow entry's variant match is not a hit of
     * its own */
    assert_string_equal(hits_of(db, "dubo shi", 0), "dubo=赌博/pinyin");
    uint32_t verdict = 99;
    size_t n = 0;
    shai_hit hits[4];
    assert_status(shai_check(db, LIT("dubo史"), 0, &verdict, hits, 4, &n), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    /* without a scene a variant hit is review, whatever the entry says */
    assert_status(shai_check(db, LIT("duchang"), 0, &verdict, hits, 4, &n), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_REVIEW);
    assert_int_equal(n, 1);
    assert_status(shai_check(db, LIT("赌场"), 0, &verdict, hits, 4, &n), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
}

static void test_actions_and_policies(void **state)
{
    (void)state;
    shai_hit hits[4];
    size_t n = 0;
    uint32_t verdict;
    /* wildcard hits review without a scene, whatever the entry says */
    shai_db *d = db_from_source("@action block\n混蛋\n");
    assert_status(shai_check(d, LIT("混X"), 0, &verdict, hits, 4, &n), SHAI_OK);
    assert_int_equal(n, 1);
    assert_int_equal(hits[0].variant, SHAI_VARIANT_WILDCARD);
    assert_int_equal(hits[0].action, SHAI_ACTION_REVIEW);
    assert_int_equal(verdict, SHAI_ACTION_REVIEW);
    shai_policy *p;
    assert_status(shai_policy_new(d, &p), SHAI_OK);
    assert_status(shai_policy_set_variant(p, SHAI_VARIANT_WILDCARD, SHAI_ACTION_BLOCK), SHAI_OK);
    assert_status(shai_check_policy(d, p, NULL, LIT("混X"), 0, &verdict, hits, 4, &n), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    assert_status(shai_policy_set_variant(p, SHAI_VARIANT_WILDCARD, SHAI_SCENE_OFF), SHAI_OK);
    assert_status(shai_check_policy(d, p, NULL, LIT("混X"), 0, &verdict, hits, 4, &n), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    assert_int_equal(n, 0);
    /* the exact hit is not a variant: the kind's mapping does not touch it */
    assert_status(shai_check_policy(d, p, NULL, LIT("混蛋"), 0, &verdict, hits, 4, &n), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    assert_status(shai_policy_set_variant(p, 0, SHAI_ACTION_BLOCK), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_policy_set_variant(p, SHAI_VARIANT_MAX + 1, SHAI_ACTION_BLOCK),
                  SHAI_E_OUT_OF_RANGE);
    assert_status(shai_policy_set_variant(p, SHAI_VARIANT_PINYIN, 9), SHAI_E_INVALID_ARG);
    assert_status(shai_policy_set_variant(NULL, SHAI_VARIANT_PINYIN, SHAI_ACTION_BLOCK),
                  SHAI_E_INVALID_ARG);
    shai_policy_free(p);
    shai_db_free(d);

    /* scenes map kinds */
    d = db_from_source("@category gambling\n@action block\n赌场\n"
                       "@scene strict\nvariant:pinyin review\nvariant:homophone off\n@end\n");
    uint32_t scene;
    assert_status(shai_db_scene(d, LIT("strict"), &scene), SHAI_OK);
    assert_status(shai_policy_new(d, &p), SHAI_OK);
    assert_status(shai_policy_set_scene(p, scene), SHAI_OK);
    assert_status(shai_check_policy(d, p, NULL, LIT("duchang"), 0, &verdict, hits, 4, &n), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_REVIEW);
    assert_int_equal(hits[0].variant, SHAI_VARIANT_PINYIN);
    assert_status(shai_check_policy(d, p, NULL, LIT("赌厂"), 0, &verdict, hits, 4, &n), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    assert_status(shai_check(d, LIT("赌厂"), 0, &verdict, hits, 4, &n), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_REVIEW);
    assert_int_equal(hits[0].variant, SHAI_VARIANT_HOMOPHONE);
    /* a scene that maps a kind to keep gives the entry's action */
    shai_policy_free(p);
    shai_db_free(d);
    d = db_from_source("@category gambling\n@action block\n赌场\n"
                       "@scene strict\nvariant:homophone keep\n@end\n");
    assert_status(shai_db_scene(d, LIT("strict"), &scene), SHAI_OK);
    assert_status(shai_policy_new(d, &p), SHAI_OK);
    assert_status(shai_policy_set_scene(p, scene), SHAI_OK);
    assert_status(shai_check_policy(d, p, NULL, LIT("赌厂"), 0, &verdict, hits, 4, &n), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    assert_status(shai_check_policy(d, p, NULL, LIT("duchang"), 0, &verdict, hits, 4, &n), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_REVIEW);
    shai_policy_free(p);
    shai_db_free(d);
}

static void test_no_variants_flag(void **state)
{
    (void)state;
    assert_string_equal(hits_of(db, "duchang 赌场", SHAI_SCAN_NO_VARIANTS), "赌场=赌场/-");
    /* a line's variant hits come at its end, after its word hits (as
     * rule hits do) */
    assert_string_equal(hits_of(db, "duchang 赌场", 0), "赌场=赌场/- duchang=赌场/pinyin");
    /* @variants none: no variant trie at all */
    shai_db *d = db_from_source("@variants none\n赌场\n");
    assert_string_equal(hits_of(d, "duchang", 0), "");
    uint32_t mask = 99;
    assert_status(shai_db_entry_variants(d, 0, &mask), SHAI_OK);
    assert_int_equal(mask, 0);
    shai_db_free(d);
    /* a builder option sets what entries that do not say get */
    shai_builder *b = new_builder();
    assert_status(shai_builder_set_option(b, SHAI_OPT_VARIANTS, 0), SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("赌场"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    d = compile_builder(b);
    shai_builder_free(b);
    assert_string_equal(hits_of(d, "duchang", 0), "");
    shai_db_free(d);
}

static void test_vertical(void **state)
{
    (void)state;
    const char *text = "看这里\n翻\n墙\n好";
    hit_vec hv = {0};
    assert_status(shai_scan(db, text, strlen(text), SHAI_SCAN_VERTICAL, collect_hit, &hv), SHAI_OK);
    assert_int_equal(hv.n, 1);
    assert_int_equal(hv.v[0].start, 10); /* 翻 */
    assert_int_equal(hv.v[0].end, 17);   /* 墙 and the break between */
    assert_int_equal(hv.v[0].variant, SHAI_VARIANT_VERTICAL);
    assert_int_equal(hv.v[0].entry, entry_of(db, "翻墙", 0));
    hit_vec_free(&hv);
    /* CR LF is one break; spaces around the character are fine */
    assert_string_equal(hits_of(db, " 翻 \r\n墙", SHAI_SCAN_VERTICAL), "翻 \r\n墙=翻墙/vertical");
    /* not without the flag, not across an empty line, not with variants off */
    assert_string_equal(hits_of(db, "翻\n墙", 0), "");
    assert_string_equal(hits_of(db, "翻\n\n墙", SHAI_SCAN_VERTICAL), "");
    assert_string_equal(hits_of(db, "翻\n墙", SHAI_SCAN_VERTICAL | SHAI_SCAN_NO_VARIANTS), "");
    /* ordinary short lines */
    assert_string_equal(hits_of(db, "好\n的\n吧", SHAI_SCAN_VERTICAL), "");
    /* a stream reads it across writes */
    shai_stream *s;
    hv = (hit_vec){0};
    assert_status(shai_stream_open(db, SHAI_SCAN_VERTICAL, collect_hit, &hv, &s), SHAI_OK);
    assert_status(shai_stream_write(s, "翻\n", 4), SHAI_OK);
    assert_status(shai_stream_write(s, "墙\n", 4), SHAI_OK);
    assert_status(shai_stream_close(s), SHAI_OK);
    assert_int_equal(hv.n, 1);
    assert_int_equal(hv.v[0].start, 0);
    assert_int_equal(hv.v[0].end, 7);
    hit_vec_free(&hv);
}

static void test_lexicon_syntax(void **state)
{
    (void)state;
    shai_db *d = db_from_source("@variants pinyin,near\n赌场\n"
                                "@variants all\n神经病\n"
                                "代孕\tvariants=none\n"
                                "@variants standard\n援交\n");
    uint32_t mask;
    assert_status(shai_db_entry_variants(d, entry_of(d, "赌场", 0), &mask), SHAI_OK);
    assert_int_equal(mask, (1u << SHAI_VARIANT_PINYIN) | (1u << SHAI_VARIANT_HOMOPHONE) |
                               SHAI_VARIANTS_NEAR);
    assert_status(shai_db_entry_variants(d, entry_of(d, "神经病", 0), &mask), SHAI_OK);
    assert_int_equal(mask, SHAI_VARIANTS_ALL);
    assert_status(shai_db_entry_variants(d, entry_of(d, "代孕", 0), &mask), SHAI_OK);
    assert_int_equal(mask, 0);
    assert_status(shai_db_entry_variants(d, entry_of(d, "援交", 0), &mask), SHAI_OK);
    assert_int_equal(mask, SHAI_VARIANTS_STANDARD);
    assert_status(shai_db_entry_variants(d, 99, &mask), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_db_entry_variants(NULL, 0, &mask), SHAI_E_INVALID_ARG);
    assert_status(shai_db_entry_variants(d, 0, NULL), SHAI_E_INVALID_ARG);
    shai_db_free(d);

    static const struct {
        const char *src;
        uint32_t line, column;
    } bad[] = {
        {"@variants pinyin,bogus\n", 1, 18},
        {"赌场\tvariants=pinyin,,homophone\n", 1, 20},
        {"@variants\n", 1, 1},
        {"@scene s\nvariant:bogus review\n@end\n", 2, 9},
        {"@scene s\nvariant:pinyin maybe\n@end\n", 2, 16},
    };
    for (size_t i = 0; i < N(bad); i++) {
        shai_builder *b = new_builder();
        assert_status(shai_builder_add_source(b, "bad.txt", bad[i].src, strlen(bad[i].src)),
                      SHAI_E_LEXICON);
        uint32_t line, column;
        assert_status(SHAI_E_LEXICON, SHAI_E_LEXICON);
        line = shai_builder_error_line(b);
        column = shai_builder_error_column(b);
        if (line != bad[i].line || column != bad[i].column)
            print_error("'%s': %u:%u (%s)\n", bad[i].src, line, column,
                        shai_builder_error_message(b));
        assert_int_equal(line, bad[i].line);
        assert_int_equal(column, bad[i].column);
        shai_builder_free(b);
    }
    assert_string_equal(shai_variant_name(SHAI_VARIANT_NONE), "none");
    assert_string_equal(shai_variant_name(SHAI_VARIANT_HOMOPHONE), "homophone");
    assert_string_equal(shai_variant_name(SHAI_VARIANT_VERTICAL), "vertical");
    assert_null(shai_variant_name(SHAI_VARIANT_MAX + 1));
}

/* A stream gives the hits of one scan however the text is cut, with a
 * rule in the db (the lazy segment) and a sequence that a write leaves
 * truncated and the next one makes invalid: the line before it was dropped
 * from the segment (found by fuzz-scan). */
static void test_stream_cuts(void **state)
{
    (void)state;
    static const char src[] =
        "赌场\n迷奸\n翻墙\tvariants=pinyin\nab\tvariants=wildcard\nre:(?:加|扣扣)\\s*\\d{5,}\n";
    shai_db *d = db_from_source(src);
    static const char *const texts[] = {"x a*\xe9\n", "看 duchang\xe9\xd5好\n",
                                        "迷z奸\xe8\x80\n加123456 fan qiang\xe9",
                                        "米\xe9 duchang\r\nmi奸\xf0\x9f", "a*\351a*\351\325a*\n"};
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        const char *text = texts[t];
        size_t n = strlen(text);
        hit_vec one = {0};
        assert_status(shai_scan(d, text, n, 0, collect_hit, &one), SHAI_OK);
        assert_true(one.n > 0);
        for (size_t cut = 0; cut <= n; cut++) {
            hit_vec two = {0};
            shai_stream *s;
            assert_status(shai_stream_open(d, 0, collect_hit, &two, &s), SHAI_OK);
            assert_status(shai_stream_write(s, text, cut), SHAI_OK);
            assert_status(shai_stream_write(s, text + cut, n - cut), SHAI_OK);
            assert_status(shai_stream_close(s), SHAI_OK);
            assert_int_equal(two.n, one.n);
            for (size_t i = 0; i < one.n; i++) {
                assert_int_equal(two.v[i].start, one.v[i].start);
                assert_int_equal(two.v[i].end, one.v[i].end);
                assert_int_equal(two.v[i].entry, one.v[i].entry);
                assert_int_equal(two.v[i].variant, one.v[i].variant);
            }
            hit_vec_free(&two);
        }
        hit_vec_free(&one);
    }
    shai_db_free(d);
}

/* An entry holding a long run of characters that are both noise and leet
 * letters or wildcards, met by the same run in the text, has 2^k readings
 * for the variant walk: it stops after a bounded number of steps (found by
 * fuzz-lexicon; before, a line of 97 bytes took minutes). The entry as
 * written is still found by the scanner itself. */
static void test_walk_bounded(void **state)
{
    (void)state;
    char src[128], text[256];
    snprintf(src, sizeof src, "on\n6*6ac\ntion*%.*s\n*\n6*6\n", 60,
             "$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$");
    shai_db *d = db_from_source(src);
    /* the lexicon scanned as text, as the fuzzer did, and the run doubled */
    snprintf(text, sizeof text, "%s%s", src, src);
    for (uint32_t flags = 0; flags < 2; flags++) {
        hit_vec hv = {0};
        assert_status(
            shai_scan(d, text, strlen(text), flags ? SHAI_SCAN_OVERLAPPING : 0, collect_hit, &hv),
            SHAI_OK);
        size_t whole = 0;
        for (size_t i = 0; i < hv.n; i++)
            whole += hv.v[i].end - hv.v[i].start == 65 && hv.v[i].variant == SHAI_VARIANT_NONE;
        assert_int_equal(whole, 2);
        hit_vec_free(&hv);
    }
    shai_db_free(d);
}

static void test_saved_db(void **state)
{
    (void)state;
    size_t size;
    assert_status(shai_db_serialize(db, NULL, 0, &size), SHAI_E_BUFFER_TOO_SMALL);
    void *image = malloc(size);
    assert_non_null(image);
    assert_status(shai_db_serialize(db, image, size, &size), SHAI_OK);
    shai_db *opened;
    assert_status(shai_db_from_buffer(image, size, 0, &opened), SHAI_OK);
    static const char *const texts[] = {"我想去duchang玩", "圆交", "米青液", "🐮🍺",    "sjb",
                                        "b@stard",         "混X",  "迷z奸",  "你748", "dubo史"};
    for (size_t i = 0; i < N(texts); i++) {
        char want[1024];
        snprintf(want, sizeof want, "%s", hits_of(db, texts[i], SHAI_SCAN_VIOLATIONS));
        assert_string_equal(hits_of(opened, texts[i], SHAI_SCAN_VIOLATIONS), want);
    }
    /* the prefilter is the file's, not derived again, and the same */
    assert_int_equal(opened->vfilter_derived, 0);
    assert_int_equal(opened->nvfilter, 1);
    assert_true((const unsigned char *)opened->vfilter > opened->image &&
                (const unsigned char *)opened->vfilter < opened->image + opened->image_len);
    assert_memory_equal(opened->vfilter, db->vfilter, sizeof *db->vfilter);
    assert_int_equal(opened->nvsolo, db->nvsolo);
    assert_int_equal(opened->nvchars2, db->nvchars2);
    assert_true(db->nvsolo > 0 && db->nvchars2 > 0);
    assert_memory_equal(opened->vsolo, db->vsolo, db->nvsolo * sizeof *db->vsolo);
    assert_memory_equal(opened->vchars2, db->vchars2, db->nvchars2 * sizeof *db->vchars2);
    shai_db_free(opened);
    free(image);
}

/* Reseals an image after a change: right checksums, so that the change
 * reaches the structural checks behind them (as an attacker's would). */
static void reseal(unsigned char *image, size_t len)
{
    shi_file_header h;
    memcpy(&h, image, sizeof h);
    h.data_checksum = shi_db_checksum(image + sizeof h, len - sizeof h);
    h.header_checksum = 0;
    h.header_checksum = shi_db_checksum((const unsigned char *)&h, sizeof h);
    memcpy(image, &h, sizeof h);
}

/* Where section `sec` of an image starts, and its size. */
static unsigned char *section(unsigned char *image, int sec, size_t *size)
{
    shi_file_header h;
    memcpy(&h, image, sizeof h);
    *size = (size_t)h.sect[sec].size;
    return image + h.sect[sec].offset;
}

/* A file whose prefilter was derived with other fold or variant tables
 * (another library) is opened with one derived from this library's, the
 * same as a compile makes, in the db's own memory; a file of format 5
 * (which had no prefilter) is refused as another version. */
static void test_prefilter_of_other_tables(void **state)
{
    (void)state;
    size_t size;
    assert_status(shai_db_serialize(db, NULL, 0, &size), SHAI_E_BUFFER_TOO_SMALL);
    unsigned char *image = malloc(size);
    assert_non_null(image);
    for (int other = 0; other < 3; other++) {
        assert_status(shai_db_serialize(db, image, size, &size), SHAI_OK);
        shi_file_header h;
        memcpy(&h, image, sizeof h);
        if (other == 0)
            h.variant_version[0] ^= 1;
        else if (other == 1)
            snprintf(h.fold_version, sizeof h.fold_version, "shai-fold-1 unicode 14.0 icu 70.1");
        else
            h.format = 5;
        memcpy(image, &h, sizeof h);
        reseal(image, size);
        shai_db *opened = NULL;
        if (other == 2) {
            assert_status(shai_db_from_buffer(image, size, 0, &opened), SHAI_E_DB_VERSION);
            assert_null(opened);
            continue;
        }
        assert_status(shai_db_from_buffer(image, size, 0, &opened), SHAI_OK);
        assert_int_equal(opened->vfilter_derived, 1);
        assert_true((const unsigned char *)opened->vfilter < opened->image ||
                    (const unsigned char *)opened->vfilter >= opened->image + opened->image_len);
        assert_memory_equal(opened->vfilter, db->vfilter, sizeof *db->vfilter);
        assert_int_equal(opened->nvsolo, db->nvsolo);
        assert_int_equal(opened->nvchars2, db->nvchars2);
        assert_memory_equal(opened->vsolo, db->vsolo, db->nvsolo * sizeof *db->vsolo);
        assert_memory_equal(opened->vchars2, db->vchars2, db->nvchars2 * sizeof *db->vchars2);
        size_t bytes, file_bytes;
        assert_status(shai_db_size(opened, &bytes), SHAI_OK);
        assert_true(bytes > size + sizeof *db->vfilter);
        /* saved again, it is a file of this library's tables */
        assert_status(shai_db_serialize(opened, NULL, 0, &file_bytes), SHAI_E_BUFFER_TOO_SMALL);
        unsigned char *again = malloc(file_bytes);
        assert_non_null(again);
        assert_status(shai_db_serialize(opened, again, file_bytes, &file_bytes), SHAI_OK);
        shai_db *reopened;
        assert_status(shai_db_from_buffer(again, file_bytes, 0, &reopened), SHAI_OK);
        assert_int_equal(reopened->vfilter_derived, other == 1);
        static const char text[] = "我想去duchang玩 圆交 米青液 sjb";
        char want[1024];
        snprintf(want, sizeof want, "%s", hits_of(db, text, SHAI_SCAN_VIOLATIONS));
        assert_true(strstr(want, "圆交=援交") != NULL);
        assert_string_equal(hits_of(reopened, text, SHAI_SCAN_VIOLATIONS), want);
        assert_string_equal(hits_of(opened, text, SHAI_SCAN_VIOLATIONS), want);
        shai_db_free(reopened);
        free(again);
        shai_db_free(opened);
    }
    free(image);
}

/* A saved db whose variant sections are damaged is refused, never scanned:
 * each damage below, resealed, gives SHAI_E_BAD_DB; and random damage to
 * them gives SHAI_E_BAD_DB or a db that scans without fault (ASan). */
static void test_corrupt_variant_sections(void **state)
{
    (void)state;
    shai_db *d = db_from_source("赌场\n援交\n神经病\tvariants=all\n@allow\n赌场里\n");
    size_t size, n;
    assert_status(shai_db_serialize(d, NULL, 0, &size), SHAI_E_BUFFER_TOO_SMALL);
    unsigned char *image = malloc(size), *copy = malloc(size);
    assert_non_null(image);
    assert_non_null(copy);
    assert_status(shai_db_serialize(d, image, size, &size), SHAI_OK);
    shai_db_free(d);
    assert_status(shai_db_from_buffer(image, size, 0, &d), SHAI_OK);
    shai_db_free(d);
    /* a db without variants has no prefilter, in the file or opened */
    shai_db *plain = db_from_source("@variants none\n赌场\nabc\n"), *opened;
    assert_null(plain->vfilter);
    assert_status(shai_db_serialize(plain, NULL, 0, &n), SHAI_E_BUFFER_TOO_SMALL);
    unsigned char *plain_image = malloc(n);
    assert_non_null(plain_image);
    assert_status(shai_db_serialize(plain, plain_image, n, &n), SHAI_OK);
    assert_status(shai_db_from_buffer(plain_image, n, 0, &opened), SHAI_OK);
    assert_int_equal(opened->nvfilter, 0);
    assert_null(opened->vfilter);
    shai_db_free(opened);
    shai_db_free(plain);
    free(plain_image);

    for (int damage = 0; damage < 9; damage++) {
        memcpy(copy, image, size);
        shi_vnode *nodes = (shi_vnode *)(void *)section(copy, SHI_SEC_VNODES, &n);
        size_t nnodes = n / sizeof *nodes;
        assert_true(nnodes > 3);
        shi_vedge *edges = (shi_vedge *)(void *)section(copy, SHI_SEC_VEDGES, &n);
        uint32_t *outs = (uint32_t *)(void *)section(copy, SHI_SEC_VOUTS, &n);
        shi_entry *entries = (shi_entry *)(void *)section(copy, SHI_SEC_ENTRIES, &n);
        shi_vinit *init = (shi_vinit *)(void *)section(copy, SHI_SEC_VINIT, &n);
        uint64_t *solo = (uint64_t *)(void *)section(copy, SHI_SEC_VSOLO, &n);
        size_t nsolo = n / sizeof *solo;
        shi_file_header h;
        switch (damage) {
        case 0:
            edges[0].child = 0xFFFFFF;
            break; /* out of bounds */
        case 1:
            edges[0].child = 0;
            break; /* a cycle */
        case 2:
            nodes[1].edge = 0xFFFFFFF;
            break; /* a range past the end */
        case 3:
            outs[0] = 0x7FFFFFFF;
            break; /* no such entry */
        case 4:
            nodes[2].depth = 200;
            break; /* depth and parent disagree */
        case 5:
            entries[0].variants = 0x8000;
            break; /* an unknown kind */
        case 6:
            init[0].entry = 1000;
            break; /* no such entry */
        case 7:
            assert_true(nsolo > 1);
            solo[0] = solo[nsolo - 1];
            break; /* the solo pairs out of order */
        case 8:
            memcpy(&h, copy, sizeof h);
            h.nvfilter = h.nvchars2 = 0;
            h.sect[SHI_SEC_VFILTER].size = h.sect[SHI_SEC_VCHARS2].size = 0;
            memcpy(copy, &h, sizeof h);
            break; /* solo pairs without a prefilter */
        }
        reseal(copy, size);
        d = NULL;
        if (shai_db_from_buffer(copy, size, 0, &d) != SHAI_E_BAD_DB)
            print_error("damage %d was not refused\n", damage);
        assert_null(d);
    }

    uint64_t rng = 42;
    static const char *const texts[] = {"duchang里", "圆交", "sjb", "赌X", "赌场里"};
    for (int round = 0; round < (int)test_scale(2000); round++) {
        memcpy(copy, image, size);
        int sec = SHI_SEC_VNODES + (int)rng_below(&rng, SHI_SEC_VCHARS2 - SHI_SEC_VNODES + 1);
        unsigned char *p = section(copy, sec, &n);
        if (!n)
            continue;
        p[rng_below(&rng, (uint32_t)n)] ^= (unsigned char)(1u << rng_below(&rng, 8));
        reseal(copy, size);
        d = NULL;
        int rc = shai_db_from_buffer(copy, size, 0, &d);
        assert_true(rc == SHAI_OK || rc == SHAI_E_BAD_DB);
        for (size_t i = 0; d && i < N(texts); i++) {
            hit_vec hv = {0};
            assert_status(
                shai_scan(d, texts[i], strlen(texts[i]), SHAI_SCAN_VERTICAL, collect_hit, &hv),
                SHAI_OK);
            hit_vec_free(&hv);
        }
        shai_db_free(d);
    }
    free(image);
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_latin_entry_as_scanned),
        cmocka_unit_test(test_word_entry_first),
        cmocka_unit_test(test_web_addresses),
        cmocka_unit_test(test_guards),
        cmocka_unit_test(test_allow_covers_variants),
        cmocka_unit_test(test_actions_and_policies),
        cmocka_unit_test(test_no_variants_flag),
        cmocka_unit_test(test_vertical),
        cmocka_unit_test(test_lexicon_syntax),
        cmocka_unit_test(test_stream_cuts),
        cmocka_unit_test(test_walk_bounded),
        cmocka_unit_test(test_saved_db),
        cmocka_unit_test(test_prefilter_of_other_tables),
        cmocka_unit_test(test_corrupt_variant_sections),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
