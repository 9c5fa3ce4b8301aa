/*
 * A failing allocator for end-to-end tests, loaded with LD_PRELOAD: the
 * allocation numbered SHAI_FAIL_ALLOC (from 1, counted over malloc, calloc
 * and realloc since the program started) returns NULL with errno ENOMEM;
 * every other one goes to glibc's allocator. Unset or 0: none fails. When
 * SHAI_FAIL_ALLOC_COUNT names a file, the number of allocations made is
 * written there at exit.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);

static long fail_at = -1; /* -1: not read yet */
static long made;

/* Whether this allocation is the one that fails. */
static int fails(void)
{
    if (fail_at < 0) {
        const char *e = getenv("SHAI_FAIL_ALLOC");
        fail_at = e ? atol(e) : 0;
    }
    made++;
    if (made == fail_at) {
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

void *malloc(size_t size)
{
    return fails() ? NULL : __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    return fails() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
    return fails() ? NULL : __libc_realloc(p, size);
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("SHAI_FAIL_ALLOC_COUNT");
    if (!path)
        return;
    long n = made;
    fail_at = 0; /* what follows allocates */
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%ld\n", n);
        fclose(f);
    }
}
