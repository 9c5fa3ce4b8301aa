/* Saved dbs: a position-independent image (header + 8-byte aligned
 * sections addressed by offset), opened by mmap and validated before use so
 * that no file, however corrupted, makes a scan read out of bounds. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/db.h"
#include "io/dbfile.h"
#include "rules/compile.h"
#include "score/score.h"
#include "variant/tables.h"
#include "variant/variant.h"
#include "unicode/fold.h"

static uint64_t rotl64(uint64_t x, unsigned r)
{
    return (x << r) | (x >> (64 - r));
}

/* 64-bit hash in eight independent lanes of two 8-byte words each, one
 * multiply per 16 bytes, so that it runs near memory speed. A lane's step
 * h = (rotl(h ^ a, 29) + b) * odd is a bijection of h, of a and of b, and so
 * is every later step and the final mix: a change confined to one 8-byte word
 * (any corrupted byte) always changes the result. */
uint64_t shi_db_checksum(const unsigned char *p, size_t n)
{
    const uint64_t k = 0x9E3779B97F4A7C15ull, m = 0xFF51AFD7ED558CCDull;
    uint64_t h[8];
    for (int l = 0; l < 8; l++)
        h[l] = k * (uint64_t)(l + 1);
    size_t i = 0;
    for (; i + 128 <= n; i += 128) {
        for (int l = 0; l < 8; l++) {
            uint64_t a, b;
            memcpy(&a, p + i + 16 * l, 8);
            memcpy(&b, p + i + 16 * l + 8, 8);
            h[l] = (rotl64(h[l] ^ a, 29) + b) * m;
        }
    }
    uint64_t r = (uint64_t)n * k;
    for (int l = 0; l < 8; l++) {
        r = (r ^ h[l] ^ (h[l] >> 32)) * 0xC4CEB9FE1A85EC53ull;
        r ^= r >> 29;
    }
    for (; i < n; i++)
        r = (r ^ p[i]) * 0x100000001B3ull;
    return r ^ (r >> 31);
}

static uint64_t align8(uint64_t x)
{
    return (x + 7) & ~(uint64_t)7;
}

static uint64_t image_size(const shai_db *db, uint64_t size[SHI_SEC_COUNT],
                           uint64_t off[SHI_SEC_COUNT])
{
    shi_db_section_sizes(db, size);
    uint64_t at = sizeof(shi_file_header);
    for (int i = 0; i < SHI_SEC_COUNT; i++) {
        off[i] = at;
        at = align8(at + size[i]);
    }
    return at;
}

int shai_db_serialize(const shai_db *db, void *out, size_t cap, size_t *size_out)
{
    if (size_out)
        *size_out = 0;
    if (!db || !size_out || (!out && cap))
        return SHAI_E_INVALID_ARG;
    uint64_t size[SHI_SEC_COUNT], off[SHI_SEC_COUNT];
    uint64_t total = image_size(db, size, off);
    *size_out = (size_t)total;
    if (cap < total)
        return SHAI_E_BUFFER_TOO_SMALL;
    unsigned char *p = out;
    memset(p, 0, (size_t)total);
#define SHI_WRITE_(id, field, type, count)                                                         \
    if (size[SHI_SEC_##id])                                                                        \
        memcpy(p + off[SHI_SEC_##id], db->field, (size_t)size[SHI_SEC_##id]);
    SHI_DB_STORED(SHI_WRITE_)
#undef SHI_WRITE_
    shi_file_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, SHI_MAGIC, 8);
    h.format = SHI_FORMAT;
    h.endian = SHI_ENDIAN;
    h.header_size = sizeof h;
    h.nsections = SHI_SEC_COUNT;
    h.file_size = total;
    snprintf(h.fold_version, sizeof h.fold_version, "%s", db->fold_version);
    /* a compiled db's prefilter was derived with this library's tables, and
     * so was an opened one's unless it was taken from the file, which it is
     * only when the file was made with these tables */
    snprintf(h.variant_version, sizeof h.variant_version, "%s", shi_variant_tables_version);
    h.sizeof_slot = sizeof(shi_slot);
    h.sizeof_entry = sizeof(shi_entry);
    h.sizeof_out = sizeof(shi_out);
    h.sizeof_note = sizeof(shi_note);
#define SHI_PUT_(name) h.name = db->name;
    SHI_HEADER_COUNTS(SHI_PUT_)
#undef SHI_PUT_
    for (int i = 0; i < SHI_SEC_COUNT; i++) {
        h.sect[i].offset = off[i];
        h.sect[i].size = size[i];
    }
    h.data_checksum = shi_db_checksum(p + sizeof h, (size_t)(total - sizeof h));
    h.header_checksum = shi_db_checksum((const unsigned char *)&h, sizeof h);
    memcpy(p, &h, sizeof h);
    return SHAI_OK;
}

/* Writes n bytes to fd; -1 on error. */
static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Creates a new file "<path>.tmp-XXXXXX" next to `path` (name written to
 * tmp, which has room for it) and returns its descriptor, or -1. O_EXCL and
 * O_NOFOLLOW: nothing planted at that name (a symlink, a FIFO) is opened or
 * followed, and mode 0666 lets the umask decide, as for any new file. */
static int create_temp(const char *path, char *tmp, size_t cap)
{
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    static _Atomic unsigned long counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 40) ^
                 (uint64_t)(uintptr_t)tmp;
    for (int attempt = 0; attempt < 100; attempt++) {
        /* splitmix64: a different name at each attempt, in each thread */
        uint64_t z = (x += 0x9E3779B97F4A7C15u + (uint64_t)++counter);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
        z ^= z >> 31;
        char suffix[7];
        for (int i = 0; i < 6; i++, z /= 36)
            suffix[i] = digits[z % 36];
        suffix[6] = '\0';
        snprintf(tmp, cap, "%s.tmp-%s", path, suffix);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

/* fsync of the directory that holds `path`, so that a rename into it is
 * durable. Best effort: some file systems refuse it. */
static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    if (!slash)
        dir = strdup(".");
    else if (slash == path)
        dir = strdup("/");
    else if ((dir = malloc((size_t)(slash - path) + 1)) != NULL) {
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
    }
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

int shai_db_save(const shai_db *db, const char *path)
{
    if (!db || !path || !*path)
        return SHAI_E_INVALID_ARG;
    /* only a regular file (or a symlink, replaced itself) is ever replaced:
     * never a device, a FIFO, a socket or a directory */
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : EEXIST;
        return SHAI_E_IO;
    }
    size_t n;
    shai_db_serialize(db, NULL, 0, &n);
    void *buf = malloc(n);
    if (!buf)
        return SHAI_E_NOMEM;
    shai_db_serialize(db, buf, n, &n);
    size_t cap = strlen(path) + 16;
    char *tmp = malloc(cap);
    if (!tmp) {
        free(buf);
        return SHAI_E_NOMEM;
    }
    int rc = SHAI_OK;
    int fd = create_temp(path, tmp, cap);
    if (fd < 0) {
        rc = SHAI_E_IO;
    } else {
        if (write_all(fd, buf, n) != 0 || fsync(fd) != 0)
            rc = SHAI_E_IO;
        if (close(fd) != 0)
            rc = SHAI_E_IO;
        if (rc == SHAI_OK && rename(tmp, path) != 0)
            rc = SHAI_E_IO;
        if (rc != SHAI_OK) {
            int err = errno;
            unlink(tmp);
            errno = err;
        } else {
            sync_parent(path);
        }
    }
    free(tmp);
    free(buf);
    return rc;
}

/* The two validation loops over the largest arrays run faster with AVX2
 * (wider compares, cheaper strided loads): on x86-64 they are built twice
 * and the loader picks the copy this CPU can run (an ifunc, hence glibc).
 * Not under ThreadSanitizer: the ifunc's resolver runs while the library is
 * relocated, before the sanitizer's runtime, and crashes there. */
#if defined(__has_feature) /* clang says it so; GCC defines __SANITIZE_THREAD__ */
#if __has_feature(thread_sanitizer)
#define SHI_THREAD_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define SHI_THREAD_SANITIZER 1
#endif
#if defined(__x86_64__) && defined(__ELF__) && defined(__GLIBC__) && defined(__has_attribute) &&   \
    !defined(SHI_THREAD_SANITIZER)
#if __has_attribute(target_clones)
#define SHI_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef SHI_AVX2_CLONES
#define SHI_AVX2_CLONES
#endif

/* Every index the scanner follows must stay inside its array and every
 * list must end (the scanner bounds failure chains, see delta() in scan/core.h).
 * The loops over the large arrays gather their checks into one flag instead
 * of branching on each. */
static int validate_map(const shai_db *db)
{
    uint32_t bad = 0;
    for (uint32_t i = 0; i < SHI_MAP_STAGE1_SIZE; i++)
        bad |= db->map_stage1[i] >= db->map_nblocks;
    uint64_t nvalues = (uint64_t)db->map_nblocks * SHI_MAP_BLOCK_SIZE;
    for (uint64_t i = 0; i < nvalues; i++) {
        uint32_t v = db->map_stage2[i];
        uint32_t sym = v & SHI_MAP_SYM_MASK;
        bad |= (v & SHI_MAP_EXPAND) ? (sym >> 5) + (sym & 31) > db->nexpand : sym >= db->nsym;
    }
    for (uint32_t i = 0; i < db->nexpand; i++) {
        uint32_t v = db->expand[i];
        bad |= (v & (SHI_MAP_EXPAND | SHI_MAP_IGNORE | SHI_MAP_BREAK)) != 0;
        bad |= (v & SHI_MAP_SYM_MASK) >= db->nsym;
    }
    for (uint32_t i = 0; i < db->nsym; i++)
        bad |= db->sym_cp[i] >= 0x110000;
    return !bad;
}

/* A slot is used (a state) when its check is not SHI_EMPTY_CHECK. Every
 * state but the root has a depth of at least 1; every free slot is all
 * zeros (but its check) with a depth of 0. One pass, no indirection: where
 * failure links lead is not checked (see delta() in scan/core.h). */
SHI_AVX2_CLONES static int validate_automaton(const shai_db *db)
{
    const shi_slot *slots = db->slots;
    const shi_link *links = db->links;
    const uint8_t *depth = db->depth;
    uint32_t n = db->nslots, nouts = db->nouts, max_units = db->max_units;
    uint32_t max_base = n - db->nsym; /* base + nsym <= nslots */
    if (slots[SHI_ROOT].check != SHI_ROOT || depth[SHI_ROOT] != 0 ||
        (slots[SHI_ROOT].base & SHI_SLOT_BASE) > max_base ||
        !(slots[SHI_ROOT].base & SHI_SLOT_OUT) != !links[SHI_ROOT].out ||
        links[SHI_ROOT].fail != SHI_ROOT || links[SHI_ROOT].out >= nouts)
        return 0;
    uint32_t bad = 0;
    for (uint32_t s = 1; s < n; s++) {
        uint32_t check = slots[s].check, base = slots[s].base;
        uint32_t fail = links[s].fail, out = links[s].out, d = depth[s];
        uint32_t used_bad = (check >= n) | ((base & SHI_SLOT_BASE) > max_base) |
                            ((base >> 31) ^ (out != 0)) | (fail >= n) | (out >= nouts) |
                            (d - 1 >= max_units);
        uint32_t free_bad = (base | fail | out | d) != 0;
        bad |= check != SHI_EMPTY_CHECK ? used_bad : free_bad;
    }
    /* Failure links are in bounds; that they lead to the root is not
     * checked here (a random read per state): the scanner bounds the length
     * of a failure chain instead. */
    if (bad || db->outs[0].next != 0)
        return 0;
    for (uint32_t o = 1; o < nouts; o++)
        bad |= (db->outs[o].next >= o) | (db->outs[o].entry >= db->nentries);
    return !bad;
}

SHI_AVX2_CLONES static int validate_entries(shai_db *db, uint32_t *nrules)
{
    if (db->strings[db->strings_len] != '\0')
        return 0;
    uint32_t bad = 0;
    for (uint32_t i = 0; i < db->ncategories; i++)
        bad |= db->categories[i] >= db->strings_len + 1;
    uint32_t slen = db->strings_len, ncat = db->ncategories;
    uint32_t rules = 0, exact = 0, max_units = db->max_units, max_allow = db->max_allow_units;
    /* entries as 32-bit words, so that the loop vectorizes: text,
     * category, then text_len, action, flags and bound, units, zero in host
     * byte order (a db file is in host byte order) */
    _Static_assert(sizeof(shi_entry) == 16 && offsetof(shi_entry, text_len) == 8 &&
                       offsetof(shi_entry, action) == 10 && offsetof(shi_entry, flags) == 11 &&
                       offsetof(shi_entry, bound) == 12 && offsetof(shi_entry, units) == 13,
                   "entry layout");
    const uint32_t *ew = (const uint32_t *)(const void *)db->entries;
    for (uint32_t i = 0; i < db->nentries; i++) {
        uint32_t text = ew[4 * i], category = ew[4 * i + 1];
        uint32_t w2 = ew[4 * i + 2], w3 = ew[4 * i + 3];
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        uint32_t len = w2 >> 16, action = (w2 >> 8) & 0xFF, flags = w2 & 0xFF;
        uint32_t bound = w3 >> 24, units = (w3 >> 16) & 0xFF;
#else
        uint32_t len = w2 & 0xFFFF, action = (w2 >> 16) & 0xFF, flags = w2 >> 24;
        uint32_t bound = w3 & 0xFF, units = (w3 >> 8) & 0xFF;
#endif
        uint32_t rule = (flags & SHAI_ENTRY_RULE) != 0, allow = flags & SHAI_ENTRY_ALLOW;
        /* the text and its NUL inside strings: text + len <= strings_len
         * (slen - text wraps only when text > slen, caught first) */
        bad |= (text > slen) | (len > slen - text) | (category >= ncat) | (units > max_units) |
               (action - SHAI_ACTION_REVIEW > 1u) | (flags > 7u) | (bound > 3u) |
               (allow & (units > max_allow)) | (rule & (units != 0));
        rules += rule;
        exact |= flags & SHAI_ENTRY_EXACT;
    }
    for (uint32_t i = 0; i < db->nnotes; i++) {
        const shi_note *n = &db->notes[i];
        bad |= (n->entry >= db->nentries) | (i && n->entry <= db->notes[i - 1].entry) |
               ((n->tag != SHI_NO_STRING) & (n->tag > db->strings_len)) |
               ((n->suggestion != SHI_NO_STRING) & (n->suggestion > db->strings_len));
    }
    for (uint32_t i = 0; i < db->nscenes; i++)
        bad |= db->scenes[i] >= db->strings_len;
    for (uint64_t i = 0; i < (uint64_t)db->nscenes * ncat; i++)
        bad |= db->scene_actions[i] > SHAI_SCENE_KEEP;
    for (uint64_t i = 0; i < (uint64_t)db->nscenes * SHI_VKINDS; i++)
        bad |= db->scene_variants[i] > SHAI_SCENE_KEEP;
    for (uint64_t i = 0; i < (uint64_t)db->nscenes * db->nscorers; i++)
        bad |= db->scene_scores[i] > SHAI_ACTION_BLOCK;
    db->has_exact = exact != 0;
    *nrules = rules;
    return !bad;
}

static int validate(shai_db *db, uint32_t *nrules)
{
    if (db->nslots == 0 || db->nsym == 0 || (uint64_t)db->nsym > db->nslots ||
        db->max_units > SHAI_MAX_ENTRY_CODEPOINTS || db->max_allow_units > db->max_units ||
        db->nouts == 0 || db->max_gap > SHI_MAX_GAP || db->repeats > 1 ||
        (db->fold & ~SHAI_FOLD_ALL))
        return 0;
    return validate_map(db) && validate_automaton(db) && validate_entries(db, nrules) &&
           shi_variant_valid(db) && shi_variant_filter_valid(db) && shi_score_valid(db);
}

/* Whether a header's version field (cap bytes) holds the string v. */
static int same_version(const char *field, size_t cap, const char *v)
{
    size_t n = strlen(v);
    return n < cap && memcmp(field, v, n + 1) == 0;
}

/* The prefilter a file stores is what the library that wrote it derived
 * from its fold and variant tables, which the variant layer of this one
 * reads while it scans: when either differs, this library's tables make
 * the prefilter again, as a compile does, into the db's own memory. */
static int prefilter_of_tables(shai_db *db, const shi_file_header *h)
{
    if (same_version(h->fold_version, sizeof h->fold_version, shai_fold_table_version()) &&
        same_version(h->variant_version, sizeof h->variant_version, shi_variant_tables_version))
        return SHAI_OK;
    db->vfilter = NULL;
    db->vsolo = NULL;
    db->vchars2 = NULL;
    db->nvfilter = db->nvsolo = db->nvchars2 = 0;
    db->vfilter_derived = 1;
    return shi_variant_prepare(db);
}

static int load(shai_db *db, const unsigned char *p, size_t len)
{
    shi_file_header h;
    if (len < sizeof h || ((uintptr_t)p & 7))
        return SHAI_E_BAD_DB;
    memcpy(&h, p, sizeof h);
    if (memcmp(h.magic, SHI_MAGIC, 8) != 0)
        return SHAI_E_BAD_DB;
    if (h.endian != SHI_ENDIAN || h.format != SHI_FORMAT || h.header_size != sizeof h ||
        h.nsections != SHI_SEC_COUNT || h.sizeof_slot != sizeof(shi_slot) ||
        h.sizeof_entry != sizeof(shi_entry) || h.sizeof_out != sizeof(shi_out) ||
        h.sizeof_note != sizeof(shi_note))
        return SHAI_E_DB_VERSION;
    uint64_t hc = h.header_checksum;
    h.header_checksum = 0;
    if (shi_db_checksum((const unsigned char *)&h, sizeof h) != hc || h.file_size != len)
        return SHAI_E_BAD_DB;
#define SHI_GET_(name) db->name = h.name;
    SHI_HEADER_COUNTS(SHI_GET_)
#undef SHI_GET_
    memcpy(db->fold_version, h.fold_version, sizeof db->fold_version);
    db->fold_version[sizeof db->fold_version - 1] = '\0';
    if (db->strings_len == UINT32_MAX)
        return SHAI_E_BAD_DB;
    uint64_t size[SHI_SEC_COUNT];
    shi_db_section_sizes(db, size);
    for (int i = 0; i < SHI_SEC_COUNT; i++) {
        uint64_t o = h.sect[i].offset, n = h.sect[i].size;
        if (n != size[i] || (o & 7) || o < sizeof h || o > len || n > len - o)
            return SHAI_E_BAD_DB;
    }
    if (shi_db_checksum(p + sizeof h, len - sizeof h) != h.data_checksum)
        return SHAI_E_BAD_DB;
#define SHI_AT_(id, field, type, count)                                                            \
    db->field = (const type *)(const void *)(p + h.sect[SHI_SEC_##id].offset);
    SHI_DB_STORED(SHI_AT_)
#undef SHI_AT_
    if (!db->nvfilter)
        db->vfilter = NULL; /* the scanner tests the pointer: none, not one of 0 bytes */
    uint32_t nrules;
    if (!validate(db, &nrules))
        return SHAI_E_BAD_DB;
    int rc = shi_db_prepare(db);
    if (!rc)
        rc = prefilter_of_tables(db, &h);
    if (!rc)
        rc = shi_variant_derive(db);
    if (rc || !nrules)
        return rc;
    rc = shi_rules_compile(db);
    return rc == SHAI_E_REGEX ? SHAI_E_BAD_DB : rc;
}

/* Opens the image p[0..len) into a new db, which holds it as `origin`
 * says (SHI_ORIGIN_*): a copy or a mapping is released with the db, or here
 * when the image is refused. */
static int open_image(const unsigned char *p, size_t len, uint32_t origin, shai_db **out)
{
    shai_db *db = calloc(1, sizeof *db);
    if (!db) {
        if (origin == SHI_ORIGIN_COPY)
            free((void *)p);
        else if (origin == SHI_ORIGIN_MAPPED)
            munmap((void *)p, len);
        return SHAI_E_NOMEM;
    }
    db->image = p;
    db->image_len = len;
    db->origin = origin;
    int rc = load(db, p, len);
    if (rc) {
        shai_db_free(db);
        return rc;
    }
    *out = db;
    return SHAI_OK;
}

int shai_db_from_buffer(const void *buf, size_t len, uint32_t flags, shai_db **out)
{
    if (out)
        *out = NULL;
    if (!out || (!buf && len) || (flags & ~SHAI_DB_BORROW) ||
        ((flags & SHAI_DB_BORROW) && ((uintptr_t)buf & 7)))
        return SHAI_E_INVALID_ARG;
    if (flags & SHAI_DB_BORROW)
        return open_image(buf, len, SHI_ORIGIN_BORROWED, out);
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy)
        return SHAI_E_NOMEM;
    if (len)
        memcpy(copy, buf, len);
    return open_image(copy, len, SHI_ORIGIN_COPY, out);
}

/* Reads the len bytes of the file fd into a new heap buffer (8-byte
 * aligned, as malloc's are); *got is less than len when the file was
 * truncated meanwhile (load then refuses the image). */
static int read_image(int fd, size_t len, unsigned char **out, size_t *got, int32_t *os_error)
{
    unsigned char *buf = malloc(len);
    if (!buf)
        return SHAI_E_NOMEM;
    size_t done = 0;
    while (done < len) {
        ssize_t r = read(fd, buf + done, len - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            *os_error = errno;
            free(buf);
            return SHAI_E_IO;
        }
        if (r == 0)
            break;
        done += (size_t)r;
    }
    *out = buf;
    *got = done;
    return SHAI_OK;
}

int shai_db_open_flags(const char *path, uint32_t flags, shai_db **out, int32_t *os_error)
{
    int32_t ignored;
    if (!os_error)
        os_error = &ignored;
    *os_error = 0;
    if (out)
        *out = NULL;
    if (!path || !out || (flags & ~SHAI_DB_COPY))
        return SHAI_E_INVALID_ARG;
    /* O_NONBLOCK: a FIFO (or a device) given as a db is refused below
     * rather than waited on; it changes nothing for a regular file */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        *os_error = errno;
        return SHAI_E_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        *os_error = errno;
        close(fd);
        return SHAI_E_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        *os_error = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        close(fd);
        return SHAI_E_IO;
    }
    size_t len = (size_t)st.st_size;
    if (len < sizeof(shi_file_header)) {
        close(fd);
        return SHAI_E_BAD_DB;
    }
    if (flags & SHAI_DB_COPY) {
        unsigned char *copy;
        int rc = read_image(fd, len, &copy, &len, os_error);
        close(fd);
        return rc ? rc : open_image(copy, len, SHI_ORIGIN_COPY, out);
    }
    void *map = mmap(NULL, len, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (map == MAP_FAILED)
        *os_error = errno;
    close(fd);
    if (map == MAP_FAILED)
        return SHAI_E_IO;
    return open_image(map, len, SHI_ORIGIN_MAPPED, out);
}

int shai_db_open(const char *path, shai_db **out)
{
    return shai_db_open_flags(path, 0, out, NULL);
}
