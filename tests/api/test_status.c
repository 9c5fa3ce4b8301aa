/*
 * Version, status names and messages, and free(NULL). Uses only shai.h.
 */
#include "test_util.h"

#include <limits.h>

/* --------------------------------------------------------------- version */

static void test_version(void **state)
{
    (void)state;
    assert_int_equal(shai_version_number(), SHAI_VERSION_NUMBER);
    assert_int_equal(SHAI_VERSION_NUMBER,
                     SHAI_VERSION_MAJOR * 10000 + SHAI_VERSION_MINOR * 100 + SHAI_VERSION_PATCH);
    assert_non_null(shai_version_string());
    assert_string_equal(shai_version_string(), SHAI_VERSION_STRING);

    char expect[32];
    snprintf(expect, sizeof expect, "%d.%d.%d", SHAI_VERSION_MAJOR, SHAI_VERSION_MINOR,
             SHAI_VERSION_PATCH);
    assert_string_equal(SHAI_VERSION_STRING, expect);
}

/* --------------------------------------------------------------- status */

static void test_status_names_and_messages(void **state)
{
    (void)state;
#define CHECK_STATUS(name, value, message)                                                         \
    assert_int_equal(SHAI_##name, value);                                                          \
    assert_non_null(shai_status_name(value));                                                      \
    assert_string_equal(shai_status_name(value), #name);                                           \
    assert_non_null(shai_status_message(value));                                                   \
    assert_string_equal(shai_status_message(value), message);
    SHAI_STATUS_LIST(CHECK_STATUS)
#undef CHECK_STATUS
}

static void test_status_unknown(void **state)
{
    (void)state;
    int lo = 0, hi = 0;
#define STATUS_RANGE(name, value, message)                                                         \
    if ((value) < lo)                                                                              \
        lo = (value);                                                                              \
    if ((value) > hi)                                                                              \
        hi = (value);
    SHAI_STATUS_LIST(STATUS_RANGE)
#undef STATUS_RANGE
    const int unknown[] = {hi + 1, hi + 2,  lo - 1,  lo - 2,     100,
                           -100,   INT_MAX, INT_MIN, INT_MIN + 1};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *name = shai_status_name(unknown[i]);
        const char *message = shai_status_message(unknown[i]);
        assert_non_null(name);
        assert_string_equal(name, "UNKNOWN");
        assert_non_null(message);
        assert_true(message[0] != '\0');
        assert_null(strchr(message, '\n'));
    }
}

/* ------------------------------------------------------------ free(NULL) */

static void test_free_null_is_noop(void **state)
{
    (void)state;
    shai_builder_free(NULL);
    shai_db_free(NULL);
    assert_status(shai_stream_close(NULL), SHAI_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_status_names_and_messages),
        cmocka_unit_test(test_status_unknown),
        cmocka_unit_test(test_free_null_is_noop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
