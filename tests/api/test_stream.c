/*
 * Streams: any split of the text gives the one-shot hits, the horizon only
 * moves forward, and a stream ends cleanly inside a UTF-8 sequence. Uses only shai.h.
 */
#include "test_util.h"

/* UTF-8 of the characters used below, to make byte offsets easy to read:
 * 赌 E8 B5 8C, 博 E5 8D 9A, 史 E5 8F B2 (3 bytes each); é C3 A9; × C3 97;
 * 🎲 F0 9F 8E B2. */

typedef struct stream_ctx {
    hit_vec hits;
    uint64_t horizon;   /* last horizon read */
    uint64_t written;   /* bytes fed so far, including the current write */
    int horizon_broken; /* a hit started before an earlier horizon */
    int early;          /* a hit was reported before its bytes were written */
} stream_ctx;

static int stream_hit(const shai_hit *hit, void *user)
{
    stream_ctx *ctx = user;
    if (hit->start < ctx->horizon)
        ctx->horizon_broken = 1;
    if (hit->end > ctx->written)
        ctx->early = 1;
    hit_vec_push(&ctx->hits, hit);
    return ctx->hits.stop_after != 0 && ctx->hits.n >= ctx->hits.stop_after;
}

/* Streams `text` cut at `cuts` (ascending offsets) and checks the horizon
 * after every write. */
static void stream_with_cuts(const shai_db *db, uint32_t flags, const char *text, size_t len,
                             const size_t *cuts, size_t ncuts, stream_ctx *ctx)
{
    shai_stream *s = NULL;
    assert_status(shai_stream_open(db, flags, stream_hit, ctx, &s), SHAI_OK);
    uint64_t h = 99;
    assert_status(shai_stream_horizon(s, &h), SHAI_OK);
    assert_int_equal(h, 0);
    size_t pos = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t next = i < ncuts ? cuts[i] : len;
        ctx->written = next;
        assert_status(shai_stream_write(s, text + pos, next - pos), SHAI_OK);
        pos = next;
        assert_status(shai_stream_horizon(s, &h), SHAI_OK);
        assert_true(h >= ctx->horizon);
        assert_true(h <= pos);
        ctx->horizon = h;
    }
    assert_status(shai_stream_close(s), SHAI_OK);
    assert_false(ctx->horizon_broken);
    assert_false(ctx->early);
}

static void stream_splits(int raw)
{
    shai_db *db = stream_db(raw);
    const size_t len = sizeof stream_text - 1;
    for (uint32_t flags = 0; flags < 4; flags++) {
        hit_vec once = {0};
        assert_status(shai_scan(db, stream_text, len, flags, collect_hit, &once), SHAI_OK);
        assert_true(once.n > 0);

        /* One write. */
        stream_ctx ctx = {0};
        stream_with_cuts(db, flags, stream_text, len, NULL, 0, &ctx);
        assert_same_hits(&once, &ctx.hits);
        hit_vec_free(&ctx.hits);

        /* Every single cut, including inside every UTF-8 sequence. */
        for (size_t cut = 0; cut <= len; cut++) {
            stream_ctx c = {0};
            stream_with_cuts(db, flags, stream_text, len, &cut, 1, &c);
            assert_same_hits(&once, &c.hits);
            hit_vec_free(&c.hits);
        }

        /* Byte by byte. */
        size_t cuts[sizeof stream_text];
        for (size_t i = 0; i < len; i++)
            cuts[i] = i;
        stream_ctx c = {0};
        stream_with_cuts(db, flags, stream_text, len, cuts, len, &c);
        assert_same_hits(&once, &c.hits);
        hit_vec_free(&c.hits);

        /* Random cuts, empty pieces included. */
        uint64_t rng = 42 + flags;
        for (int round = 0; round < 200; round++) {
            size_t n = rng_below(&rng, 12);
            for (size_t i = 0; i < n; i++)
                cuts[i] = rng_below(&rng, (uint32_t)len + 1);
            for (size_t i = 1; i < n; i++) /* insertion sort */
                for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
                    size_t t = cuts[j];
                    cuts[j] = cuts[j - 1];
                    cuts[j - 1] = t;
                }
            stream_ctx r = {0};
            stream_with_cuts(db, flags, stream_text, len, cuts, n, &r);
            assert_same_hits(&once, &r.hits);
            hit_vec_free(&r.hits);
        }
        hit_vec_free(&once);
    }
    shai_db_free(db);
}

static void test_stream_splits_raw(void **state)
{
    (void)state;
    stream_splits(1);
}

static void test_stream_splits_default(void **state)
{
    (void)state;
    stream_splits(0);
}

static void test_stream_horizon(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    assert_status(add_plain(b, LIT("ass")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    stream_ctx ctx = {0};
    shai_stream *s = NULL;
    assert_status(shai_stream_open(db, 0, stream_hit, &ctx, &s), SHAI_OK);
    uint64_t h = 0;
    /* "as" could still become "ass": its start cannot have been dropped. */
    ctx.written = 5;
    assert_status(shai_stream_write(s, LIT("xyz a")), SHAI_OK);
    assert_status(shai_stream_horizon(s, &h), SHAI_OK);
    assert_true(h <= 4);
    ctx.horizon = h;
    ctx.written = 6;
    assert_status(shai_stream_write(s, LIT("s")), SHAI_OK);
    assert_status(shai_stream_horizon(s, &h), SHAI_OK);
    assert_true(h >= ctx.horizon && h <= 4);
    ctx.horizon = h;
    /* 赌 cut after its first byte. */
    ctx.written = 9;
    assert_status(shai_stream_write(s, LIT("s \xe8")), SHAI_OK);
    assert_status(shai_stream_horizon(s, &h), SHAI_OK);
    assert_true(h >= ctx.horizon && h <= 8);
    ctx.horizon = h;
    ctx.written = 14;
    assert_status(shai_stream_write(s, LIT("\xb5\x8c博")), SHAI_OK);
    assert_status(shai_stream_horizon(s, &h), SHAI_OK);
    assert_true(h >= ctx.horizon && h <= 14);
    ctx.horizon = h;
    assert_status(shai_stream_close(s), SHAI_OK);
    assert_false(ctx.horizon_broken);
    assert_false(ctx.early);
    assert_string_equal(render_hits(db, ctx.hits.v, ctx.hits.n), "4-7:ass 8-14:赌博");
    hit_vec_free(&ctx.hits);
    shai_db_free(db);
}

static void test_stream_terminated_state(void **state)
{
    (void)state;
    shai_db *db = stream_db(1);
    for (uint32_t flags = 0; flags < 4; flags++) {
        stream_ctx ctx = {0};
        ctx.hits.stop_after = 1;
        ctx.written = UINT64_MAX;
        shai_stream *s = NULL;
        assert_status(shai_stream_open(db, flags, stream_hit, &ctx, &s), SHAI_OK);
        int rc = SHAI_OK;
        size_t i = 0;
        /* Byte by byte until the callback stops the stream. */
        for (; i < sizeof stream_text - 1 && rc == SHAI_OK; i++)
            rc = shai_stream_write(s, stream_text + i, 1);
        assert_status(rc, SHAI_TERMINATED);
        assert_int_equal(ctx.hits.n, 1);
        assert_status(shai_stream_write(s, stream_text + i, 1), SHAI_E_STATE);
        assert_status(shai_stream_write(s, LIT("赌博赌博")), SHAI_E_STATE);
        assert_int_equal(ctx.hits.n, 1);
        shai_stream_close(s);
        assert_int_equal(ctx.hits.n, 1);
        hit_vec_free(&ctx.hits);
    }
    shai_db_free(db);
}

static void test_stream_close_reports_last(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("ass")), SHAI_OK);
    assert_status(add_plain(b, LIT("赌")), SHAI_OK);
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    /* Whether "ass" ends a word is only known at the end of the text. */
    hit_vec hv = {0};
    shai_stream *s = NULL;
    assert_status(shai_stream_open(db, 0, collect_hit, &hv, &s), SHAI_OK);
    assert_status(shai_stream_write(s, LIT("an ass")), SHAI_OK);
    assert_int_equal(hv.n, 0);
    assert_status(shai_stream_close(s), SHAI_OK);
    assert_string_equal(render_hits(db, hv.v, hv.n), "3-6:ass");
    hit_vec_free(&hv);

    /* Leftmost-longest: 赌 may still grow into 赌博. */
    assert_status(shai_stream_open(db, 0, collect_hit, &hv, &s), SHAI_OK);
    assert_status(shai_stream_write(s, LIT("x赌")), SHAI_OK);
    assert_int_equal(hv.n, 0);
    assert_status(shai_stream_close(s), SHAI_OK);
    assert_string_equal(render_hits(db, hv.v, hv.n), "1-4:赌");
    hit_vec_free(&hv);

    /* A callback that stops on a hit reported by close. */
    hv.stop_after = 1;
    assert_status(shai_stream_open(db, 0, collect_hit, &hv, &s), SHAI_OK);
    assert_status(shai_stream_write(s, LIT("ass")), SHAI_OK);
    assert_status(shai_stream_close(s), SHAI_TERMINATED);
    assert_int_equal(hv.n, 1);
    hit_vec_free(&hv);
    shai_db_free(db);
}

static void test_stream_ends_inside_a_sequence(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    static const char *const pieces[][3] = {
        {"赌博", "\xe8", NULL},
        {"赌博\xe8", "\xb5", NULL},
        {"\xe5\x8d", NULL, NULL},
        {"赌", "博\xf0\x9f", "\x8e"},
    };
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        hit_vec hv = {0};
        shai_stream *s = NULL;
        assert_status(shai_stream_open(db, 0, collect_hit, &hv, &s), SHAI_OK);
        for (size_t k = 0; k < 3 && pieces[i][k]; k++)
            assert_status(shai_stream_write(s, pieces[i][k], strlen(pieces[i][k])), SHAI_OK);
        assert_status(shai_stream_close(s), SHAI_OK);
        assert_string_equal(render_hits(db, hv.v, hv.n), i == 2 ? "" : "0-6:赌博");
        hit_vec_free(&hv);
    }
    shai_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_splits_raw),
        cmocka_unit_test(test_stream_splits_default),
        cmocka_unit_test(test_stream_horizon),
        cmocka_unit_test(test_stream_terminated_state),
        cmocka_unit_test(test_stream_close_reports_last),
        cmocka_unit_test(test_stream_ends_inside_a_sequence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
