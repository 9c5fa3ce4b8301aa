/* Saved dbs: a position-independent image (header + 8-byte aligned
 * sections addressed by offset), opened by mmap and validated before use so
 * that no file, however corrupted, makes a scan read out of bounds. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/db.h"
#include "rules/rules.h"
#include "unicode/fold.h"

#define SHI_MAGIC "SHAIDB\r\n" /* like PNG: catches text-mode mangling */
#define SHI_FORMAT 2u          /* 2: hot slots and links split */
#define SHI_ENDIAN 0x01020304u

enum {
    SEC_STAGE1,
    SEC_STAGE2,
    SEC_EXPAND,
    SEC_SLOTS,
    SEC_LINKS,
    SEC_DEPTH,
    SEC_OUTS,
    SEC_ENTRIES,
    SEC_STRINGS,
    SEC_CATEGORIES,
    SEC_SYMCP,
    SEC_COUNT
};

typedef struct shi_file_header {
    char magic[8];
    uint32_t format;
    uint32_t endian;
    uint32_t header_size;
    uint32_t nsections;
    uint64_t file_size;
    uint64_t data_checksum;   /* of bytes [header_size, file_size) */
    uint64_t header_checksum; /* of this header with this field zero */
    char fold_version[64];
    uint32_t sizeof_slot, sizeof_entry, sizeof_out, pad0;
    uint32_t fold, max_gap, repeats, nsym;
    uint32_t map_nblocks, nexpand, nslots, nouts;
    uint32_t nentries, strings_len, ncategories, max_units;
    uint32_t max_allow_units, pad1;
    struct {
        uint64_t offset, size;
    } sect[SEC_COUNT];
} shi_file_header;

_Static_assert(sizeof(shi_file_header) % 8 == 0, "header keeps sections aligned");

/* 64-bit hash over 8-byte words in four independent lanes (fast enough to
 * check a multi-megabyte db in well under a millisecond). */
static uint64_t checksum(const unsigned char *p, size_t n)
{
    const uint64_t k = 0x9E3779B97F4A7C15ull;
    uint64_t h[4] = {k, k ^ 1, k ^ 2, k ^ 3};
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        for (int l = 0; l < 4; l++) {
            uint64_t w;
            memcpy(&w, p + i + 8 * l, 8);
            h[l] = (h[l] ^ w) * 0xFF51AFD7ED558CCDull;
            h[l] ^= h[l] >> 29;
        }
    }
    uint64_t r = (uint64_t)n * k;
    for (int l = 0; l < 4; l++)
        r = (r ^ h[l]) * 0xC4CEB9FE1A85EC53ull;
    for (; i < n; i++)
        r = (r ^ p[i]) * 0x100000001B3ull;
    return r ^ (r >> 31);
}

static void section_sizes(const shai_db *db, uint64_t size[SEC_COUNT])
{
    size[SEC_STAGE1] = (uint64_t)SHI_MAP_STAGE1_SIZE * sizeof *db->map_stage1;
    size[SEC_STAGE2] = (uint64_t)db->map_nblocks * SHI_MAP_BLOCK_SIZE * sizeof *db->map_stage2;
    size[SEC_EXPAND] = (uint64_t)db->nexpand * sizeof *db->expand;
    size[SEC_SLOTS] = (uint64_t)db->nslots * sizeof *db->slots;
    size[SEC_LINKS] = (uint64_t)db->nslots * sizeof *db->links;
    size[SEC_DEPTH] = db->nslots;
    size[SEC_OUTS] = (uint64_t)db->nouts * sizeof *db->outs;
    size[SEC_ENTRIES] = (uint64_t)db->nentries * sizeof *db->entries;
    size[SEC_STRINGS] = (uint64_t)db->strings_len + 1;
    size[SEC_CATEGORIES] = (uint64_t)db->ncategories * sizeof *db->categories;
    size[SEC_SYMCP] = (uint64_t)db->nsym * sizeof *db->sym_cp;
}

static uint64_t align8(uint64_t x)
{
    return (x + 7) & ~(uint64_t)7;
}

static uint64_t image_size(const shai_db *db, uint64_t size[SEC_COUNT], uint64_t off[SEC_COUNT])
{
    section_sizes(db, size);
    uint64_t at = sizeof(shi_file_header);
    for (int i = 0; i < SEC_COUNT; i++) {
        off[i] = at;
        at = align8(at + size[i]);
    }
    return at;
}

int shai_db_size(const shai_db *db, size_t *bytes)
{
    if (bytes)
        *bytes = 0;
    if (!db || !bytes)
        return SHAI_E_INVALID_ARG;
    uint64_t size[SEC_COUNT], off[SEC_COUNT];
    *bytes = (size_t)image_size(db, size, off);
    return SHAI_OK;
}

int shai_db_serialize(const shai_db *db, void *out, size_t cap, size_t *size_out)
{
    if (size_out)
        *size_out = 0;
    if (!db || !size_out || (!out && cap))
        return SHAI_E_INVALID_ARG;
    uint64_t size[SEC_COUNT], off[SEC_COUNT];
    uint64_t total = image_size(db, size, off);
    *size_out = (size_t)total;
    if (cap < total)
        return SHAI_E_BUFFER_TOO_SMALL;
    unsigned char *p = out;
    memset(p, 0, (size_t)total);
    const void *src[SEC_COUNT];
    src[SEC_STAGE1] = db->map_stage1;
    src[SEC_STAGE2] = db->map_stage2;
    src[SEC_EXPAND] = db->expand;
    src[SEC_SLOTS] = db->slots;
    src[SEC_LINKS] = db->links;
    src[SEC_DEPTH] = db->depth;
    src[SEC_OUTS] = db->outs;
    src[SEC_ENTRIES] = db->entries;
    src[SEC_STRINGS] = db->strings;
    src[SEC_CATEGORIES] = db->categories;
    src[SEC_SYMCP] = db->sym_cp;
    for (int i = 0; i < SEC_COUNT; i++)
        if (size[i])
            memcpy(p + off[i], src[i], (size_t)size[i]);
    shi_file_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, SHI_MAGIC, 8);
    h.format = SHI_FORMAT;
    h.endian = SHI_ENDIAN;
    h.header_size = sizeof h;
    h.nsections = SEC_COUNT;
    h.file_size = total;
    snprintf(h.fold_version, sizeof h.fold_version, "%s", db->fold_version);
    h.sizeof_slot = sizeof(shi_slot);
    h.sizeof_entry = sizeof(shi_entry);
    h.sizeof_out = sizeof(shi_out);
    h.fold = db->fold;
    h.max_gap = db->max_gap;
    h.repeats = db->repeats;
    h.nsym = db->nsym;
    h.map_nblocks = db->map_nblocks;
    h.nexpand = db->nexpand;
    h.nslots = db->nslots;
    h.nouts = db->nouts;
    h.nentries = db->nentries;
    h.strings_len = db->strings_len;
    h.ncategories = db->ncategories;
    h.max_units = db->max_units;
    h.max_allow_units = db->max_allow_units;
    for (int i = 0; i < SEC_COUNT; i++) {
        h.sect[i].offset = off[i];
        h.sect[i].size = size[i];
    }
    h.data_checksum = checksum(p + sizeof h, (size_t)(total - sizeof h));
    h.header_checksum = checksum((const unsigned char *)&h, sizeof h);
    memcpy(p, &h, sizeof h);
    return SHAI_OK;
}

/* Recomputes the checksums of an image in place (tests use it to reach the
 * structural validation with corrupted sections). */
void shi_db_reseal(void *image, size_t len);
void shi_db_reseal(void *image, size_t len)
{
    shi_file_header h;
    if (len < sizeof h)
        return;
    memcpy(&h, image, sizeof h);
    if (h.file_size != len)
        return;
    h.data_checksum = checksum((const unsigned char *)image + sizeof h, len - sizeof h);
    h.header_checksum = 0;
    h.header_checksum = checksum((const unsigned char *)&h, sizeof h);
    memcpy(image, &h, sizeof h);
}

int shai_db_save(const shai_db *db, const char *path)
{
    if (!db || !path || !*path)
        return SHAI_E_INVALID_ARG;
    size_t n;
    shai_db_serialize(db, NULL, 0, &n);
    void *buf = malloc(n);
    if (!buf)
        return SHAI_E_NOMEM;
    shai_db_serialize(db, buf, n, &n);
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) {
        free(buf);
        return SHAI_E_NOMEM;
    }
    snprintf(tmp, plen + 16, "%s.tmp%ld", path, (long)getpid());
    int rc = SHAI_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        rc = SHAI_E_IO;
    } else {
        size_t done = 0;
        while (done < n) {
            ssize_t w = write(fd, (char *)buf + done, n - done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rc = SHAI_E_IO;
                break;
            }
            done += (size_t)w;
        }
        if (close(fd) != 0)
            rc = SHAI_E_IO;
        if (rc == SHAI_OK && rename(tmp, path) != 0)
            rc = SHAI_E_IO;
        if (rc != SHAI_OK)
            unlink(tmp);
    }
    free(tmp);
    free(buf);
    return rc;
}

/* Every index the scanner follows must stay inside its array, every list
 * must end and every failure chain must reach the root. */
static int validate(shai_db *db)
{
    for (uint32_t i = 0; i < SHI_MAP_STAGE1_SIZE; i++)
        if (db->map_stage1[i] >= db->map_nblocks)
            return 0;
    uint64_t nvalues = (uint64_t)db->map_nblocks * SHI_MAP_BLOCK_SIZE;
    for (uint64_t i = 0; i < nvalues; i++) {
        uint32_t v = db->map_stage2[i];
        uint32_t sym = v & SHI_MAP_SYM_MASK;
        if (v & SHI_MAP_EXPAND) {
            if ((sym >> 5) + (sym & 31) > db->nexpand)
                return 0;
        } else if (sym >= db->nsym) {
            return 0;
        }
    }
    for (uint32_t i = 0; i < db->nexpand; i++) {
        uint32_t v = db->expand[i];
        if ((v & (SHI_MAP_EXPAND | SHI_MAP_IGNORE | SHI_MAP_BREAK)) ||
            (v & SHI_MAP_SYM_MASK) >= db->nsym)
            return 0;
    }
    if (db->nslots == 0 || db->nsym == 0 || (uint64_t)db->nsym > db->nslots ||
        db->slots[SHI_ROOT].check != SHI_ROOT || db->depth[SHI_ROOT] != 0 ||
        db->max_units > SHAI_MAX_ENTRY_CODEPOINTS || db->max_allow_units > db->max_units ||
        db->nouts == 0 || db->max_gap > SHI_MAX_GAP || db->repeats > 1 ||
        (db->fold & ~SHAI_FOLD_ALL))
        return 0;
    for (uint32_t s = 0; s < db->nslots; s++) {
        const shi_slot *sl = &db->slots[s];
        const shi_link *ln = &db->links[s];
        if (sl->check == SHI_EMPTY_CHECK)
            continue;
        if (sl->check >= db->nslots ||
            (uint64_t)(sl->base & SHI_SLOT_BASE) + db->nsym > db->nslots ||
            !(sl->base & SHI_SLOT_OUT) != !ln->out || ln->fail >= db->nslots ||
            ln->out >= db->nouts || db->depth[s] > db->max_units)
            return 0;
        if (s != SHI_ROOT && (db->depth[s] == 0 || db->depth[ln->fail] >= db->depth[s] ||
                              db->slots[ln->fail].check == SHI_EMPTY_CHECK))
            return 0;
    }
    if (db->outs[0].next != 0)
        return 0;
    for (uint32_t i = 0; i < db->nsym; i++)
        if (db->sym_cp[i] >= 0x110000)
            return 0;
    for (uint32_t o = 1; o < db->nouts; o++)
        if (db->outs[o].next >= o || db->outs[o].entry >= db->nentries)
            return 0;
    if (db->strings[db->strings_len] != '\0')
        return 0;
    for (uint32_t i = 0; i < db->ncategories; i++)
        if (db->categories[i] >= db->strings_len + 1)
            return 0;
    for (uint32_t i = 0; i < db->nentries; i++) {
        const shi_entry *e = &db->entries[i];
        if ((uint64_t)e->text + e->text_len >= (uint64_t)db->strings_len + 1 ||
            e->category >= db->ncategories || e->units > db->max_units ||
            (e->action != SHAI_ACTION_REVIEW && e->action != SHAI_ACTION_BLOCK) ||
            (e->flags & ~(SHAI_ENTRY_ALLOW | SHAI_ENTRY_EXACT | SHAI_ENTRY_RULE)) || e->bound > 3 ||
            ((e->flags & SHAI_ENTRY_RULE) && e->units) ||
            (e->tag != SHI_NO_STRING && e->tag > db->strings_len) ||
            (e->suggestion != SHI_NO_STRING && e->suggestion > db->strings_len))
            return 0;
        if ((e->flags & SHAI_ENTRY_ALLOW) && e->units > db->max_allow_units)
            return 0;
        if (e->flags & SHAI_ENTRY_EXACT)
            db->has_exact = 1;
    }
    return 1;
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
        h.nsections != SEC_COUNT || h.sizeof_slot != sizeof(shi_slot) ||
        h.sizeof_entry != sizeof(shi_entry) || h.sizeof_out != sizeof(shi_out))
        return SHAI_E_DB_VERSION;
    uint64_t hc = h.header_checksum;
    h.header_checksum = 0;
    if (checksum((const unsigned char *)&h, sizeof h) != hc || h.file_size != len)
        return SHAI_E_BAD_DB;
    db->fold = h.fold;
    db->max_gap = h.max_gap;
    db->repeats = h.repeats;
    db->nsym = h.nsym;
    db->map_nblocks = h.map_nblocks;
    db->nexpand = h.nexpand;
    db->nslots = h.nslots;
    db->nouts = h.nouts;
    db->nentries = h.nentries;
    db->strings_len = h.strings_len;
    db->ncategories = h.ncategories;
    db->max_units = h.max_units;
    db->max_allow_units = h.max_allow_units;
    memcpy(db->fold_version, h.fold_version, sizeof db->fold_version);
    db->fold_version[sizeof db->fold_version - 1] = '\0';
    if (db->strings_len == UINT32_MAX)
        return SHAI_E_BAD_DB;
    uint64_t size[SEC_COUNT];
    section_sizes(db, size);
    const void *at[SEC_COUNT];
    for (int i = 0; i < SEC_COUNT; i++) {
        uint64_t o = h.sect[i].offset, n = h.sect[i].size;
        if (n != size[i] || (o & 7) || o < sizeof h || o > len || n > len - o)
            return SHAI_E_BAD_DB;
        at[i] = p + o;
    }
    if (checksum(p + sizeof h, len - sizeof h) != h.data_checksum)
        return SHAI_E_BAD_DB;
    db->map_stage1 = at[SEC_STAGE1];
    db->map_stage2 = at[SEC_STAGE2];
    db->expand = at[SEC_EXPAND];
    db->slots = at[SEC_SLOTS];
    db->links = at[SEC_LINKS];
    db->depth = at[SEC_DEPTH];
    db->outs = at[SEC_OUTS];
    db->entries = at[SEC_ENTRIES];
    db->strings = at[SEC_STRINGS];
    db->categories = at[SEC_CATEGORIES];
    db->sym_cp = at[SEC_SYMCP];
    if (!validate(db))
        return SHAI_E_BAD_DB;
    int rc = shi_db_prepare(db);
    if (rc)
        return rc;
    rc = shi_rules_compile(db);
    return rc == SHAI_E_REGEX ? SHAI_E_BAD_DB : rc;
}

int shai_db_from_buffer(const void *buf, size_t len, uint32_t flags, shai_db **out)
{
    if (out)
        *out = NULL;
    if (!out || (!buf && len) || (flags & ~SHAI_DB_BORROW) ||
        ((flags & SHAI_DB_BORROW) && ((uintptr_t)buf & 7)))
        return SHAI_E_INVALID_ARG;
    shai_db *db = calloc(1, sizeof *db);
    if (!db)
        return SHAI_E_NOMEM;
    const unsigned char *p = buf;
    if (!(flags & SHAI_DB_BORROW)) {
        void *copy = malloc(len ? len : 1);
        if (!copy) {
            free(db);
            return SHAI_E_NOMEM;
        }
        if (len)
            memcpy(copy, buf, len);
        db->alloc[9] = copy;
        p = copy;
    }
    int rc = load(db, p, len);
    if (rc) {
        shai_db_free(db);
        return rc;
    }
    *out = db;
    return SHAI_OK;
}

int shai_db_open(const char *path, shai_db **out)
{
    if (out)
        *out = NULL;
    if (!path || !out)
        return SHAI_E_INVALID_ARG;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return SHAI_E_IO;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return SHAI_E_IO;
    }
    size_t len = (size_t)st.st_size;
    if (len < sizeof(shi_file_header)) {
        close(fd);
        return SHAI_E_BAD_DB;
    }
    void *map = mmap(NULL, len, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return SHAI_E_IO;
    shai_db *db = calloc(1, sizeof *db);
    if (!db) {
        munmap(map, len);
        return SHAI_E_NOMEM;
    }
    db->mapping = map;
    db->mapping_len = len;
    int rc = load(db, map, len);
    if (rc) {
        shai_db_free(db);
        return rc;
    }
    *out = db;
    return SHAI_OK;
}
