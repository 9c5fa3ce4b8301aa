/* The layout of a saved db (docs/db-format.md): the file header, its
 * checksum, and the format constants. For io/dbfile.c, and for tests that
 * build damaged images on purpose. */
#ifndef SHAI_IO_DBFILE_H
#define SHAI_IO_DBFILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/db.h"

#define SHI_MAGIC "SHAIDB\r\n" /* like PNG: catches text-mode mangling */
/* 3: 16-byte entries, notes, 8-lane checksum; 4: scenes; 5: variants; 6: the variant prefilter;
 * 7: scorers */
#define SHI_FORMAT 7u
#define SHI_ENDIAN 0x01020304u

/* The sections are SHI_DB_STORED (common/db.h), in that order. Another list
 * is another format: bump SHI_FORMAT, describe it in docs/db-format.md and
 * update this count. */
_Static_assert(SHI_SEC_COUNT == 28, "the sections of format 7");
/* The prefilter is stored as it is in memory: another layout is another
 * format too. */
_Static_assert(sizeof(shi_vfilter) == 467056, "the variant prefilter of format 7");

/* The db's scalars the header keeps, in header order. */
#define SHI_HEADER_COUNTS(X)                                                                       \
    /* matching options */                                                                         \
    X(fold)                                                                                        \
    X(max_gap)                                                                                     \
    X(repeats)                                                                                     \
    /* counts */                                                                                   \
    X(nsym)                                                                                        \
    X(map_nblocks)                                                                                 \
    X(nexpand)                                                                                     \
    X(nslots)                                                                                      \
    X(nouts)                                                                                       \
    X(nentries)                                                                                    \
    X(strings_len)                                                                                 \
    X(ncategories)                                                                                 \
    X(max_units)                                                                                   \
    X(max_allow_units)                                                                             \
    X(nnotes)                                                                                      \
    X(nscenes)                                                                                     \
    X(nvnodes)                                                                                     \
    X(nvedges)                                                                                     \
    X(nvredges)                                                                                    \
    X(nvnedges)                                                                                    \
    X(nvouts)                                                                                      \
    X(nvinit)                                                                                      \
    X(nvpair)                                                                                      \
    X(nvfilter)                                                                                    \
    X(nvsolo)                                                                                      \
    X(nvchars2)                                                                                    \
    X(nscorers)                                                                                    \
    X(nscore_slots)

#define SHI_HEADER_FIELD_(name) uint32_t name;

/* Sections start 8-byte aligned: enough for the type of every array. */
#define SHI_ALIGNED_(id, field, type, count) _Static_assert(_Alignof(type) <= 8, #id " alignment");
SHI_DB_STORED(SHI_ALIGNED_)

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
    /* the variant tables the prefilter was derived with (shi_variant_tables_version) */
    char variant_version[128];
    uint32_t sizeof_slot, sizeof_entry, sizeof_out, sizeof_note;
    SHI_HEADER_COUNTS(SHI_HEADER_FIELD_)
    uint32_t zero; /* 0: keeps sect[] 8-byte aligned without padding */
    struct {
        uint64_t offset, size;
    } sect[SHI_SEC_COUNT];
} shi_file_header;

_Static_assert(sizeof(shi_file_header) % 8 == 0, "header keeps sections aligned");

/* The checksum of n bytes (both checksums of a header use it). */
uint64_t shi_db_checksum(const unsigned char *p, size_t n);

#endif
