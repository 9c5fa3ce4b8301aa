/* Screen one comment: verdict, violations at their byte offsets, masked copy.
 * Build against an installed libshai:  cc screen.c $(pkg-config --cflags --libs shai) */
#include <shai.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    static const char lexicon[] = "@category gambling\n"
                                  "赌博\n"
                                  "@allow\n"
                                  "赌博史\n";
    const char *comment = "周末一起網上賭*博吧，顺便聊聊中国赌博史";

    shai_builder *b;
    shai_db *db;
    if (shai_builder_new(&b) != SHAI_OK)
        return 1;
    if (shai_builder_add_source(b, "inline", lexicon, strlen(lexicon)) != SHAI_OK) {
        fprintf(stderr, "%s\n", shai_builder_error_message(b));
        return 1;
    }
    int rc = shai_builder_compile(b, &db);
    shai_builder_free(b);
    if (rc != SHAI_OK) {
        fprintf(stderr, "compile: %s\n", shai_status_message(rc));
        return 1;
    }

    uint32_t verdict;
    shai_hit hits[16];
    size_t n;
    rc = shai_check(db, comment, strlen(comment), 0, &verdict, hits, 16, &n);
    if (rc != SHAI_OK && rc != SHAI_E_BUFFER_TOO_SMALL)
        return 1;
    printf("verdict: %s\n", verdict == SHAI_ACTION_BLOCK    ? "block"
                            : verdict == SHAI_ACTION_REVIEW ? "review"
                                                            : "pass");
    for (size_t i = 0; i < n && i < 16; i++) {
        const char *entry;
        size_t entry_len;
        shai_db_entry_text(db, hits[i].entry, &entry, &entry_len);
        printf("  bytes %llu-%llu: %.*s (entry %.*s)\n", (unsigned long long)hits[i].start,
               (unsigned long long)hits[i].end, (int)(hits[i].end - hits[i].start),
               comment + hits[i].start, (int)entry_len, entry);
    }

    char masked[256];
    size_t masked_len;
    if (shai_mask(db, comment, strlen(comment), '*', masked, sizeof masked, &masked_len) == SHAI_OK)
        printf("masked: %s\n", masked);
    shai_db_free(db);
    return 0;
}
