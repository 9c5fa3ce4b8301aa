/* The scanner: one pass over code points, Aho-Corasick steps over the dense
 * alphabet, hits reported at original byte offsets. Shared by shai_scan,
 * streams, shai_check and shai_mask. */
#ifndef SHAI_SCANNER_H
#define SHAI_SCANNER_H

#include <stdint.h>

#include "common/db.h"

/* Units still needed at any time span at most a few entry lengths. */
#define SHI_RING 512u
_Static_assert(SHI_RING >= 3 * SHAI_MAX_ENTRY_CODEPOINTS + 2, "ring too small");

/* One automaton step and where it came from in the original text. */
typedef struct shi_unit {
    uint64_t start, end; /* original byte offsets of the step's characters */
    uint32_t state;      /* automaton state after the step */
    uint32_t best_entry; /* leftmost-longest: best hit starting here */
    uint8_t prev_word;   /* the character before the unit is a word char */
    uint8_t next_word;   /* the character after the unit is a word char */
    uint8_t best_len;    /* units of best_entry, 0 = none */
    uint8_t allow_len;   /* units of the longest allow hit starting here */
    uint8_t single;      /* the unit is exactly one original character, as is */
    uint8_t adjacent;    /* nothing was skipped between the previous unit and this one */
    uint32_t raw;        /* the original code point (exact entries) */
} shi_unit;

/* Where the folded bytes of a line piece came from, from byte `at` of the
 * piece up to the next mark. `len` 0: characters of the same length as
 * their folded form, one after the other, the first at `off` (folded byte
 * at + k stands for original byte off + k). Otherwise: one original
 * character [off, off + len), the source of every folded byte up to the
 * next mark (a fold to a longer or shorter form, or an expansion). */
typedef struct shi_seg_mark {
    uint64_t off;
    uint32_t at, len;
} shi_seg_mark;

/* Room in the scanner itself for the rule segment of a line (bytes), its
 * marks and its list of rule starts. */
#define SHI_SEG_INLINE 2048u
#define SHI_MARKS_INLINE 64u

/* Internal scan flag: accumulate the verdict (needs SHAI_SCAN_VIOLATIONS). */
#define SHI_SCAN_VERDICT 0x100u

typedef struct shi_scanner {
    const shai_db *db;
    uint32_t flags;
    shai_hit_fn fn;
    void *user;
    int status;           /* SHAI_OK or SHAI_TERMINATED */
    uint32_t state;       /* current automaton state */
    uint32_t verdict;     /* with SHI_SCAN_VERDICT */
    uint8_t last_word;    /* the last character was a word char */
    uint8_t pending;      /* outputs of unit (unit - 1) not resolved yet */
    uint8_t ncarry;       /* stream: bytes of a split UTF-8 sequence */
    uint8_t skipped;      /* noise or ignorable characters since the last unit */
    uint8_t last_is_unit; /* the last character seen made or joined a unit */
    uint32_t gap;         /* noise characters skipped since the last unit */
    uint32_t last_sym;    /* symbol of the last unit (repeats) */
    uint8_t last_latin;   /* the last unit is a Latin letter (clause punctuation) */
    unsigned char carry[4];
    uint64_t pos;         /* offset of the next byte */
    uint64_t unit;        /* number of units so far */
    uint64_t horizon;     /* no future hit starts before this unit */
    uint64_t fin_next;    /* next end unit to finalize (violations) */
    uint64_t sel_next;    /* next start unit to select (leftmost-longest) */
    uint64_t sel_block;   /* starts below this are inside a reported hit */
    uint64_t allow_reach; /* selection: end unit + 1 of the farthest allow hit */
    /* regex rules: the folded text of the current line (heap, only when the
     * db has rules), and marks that give the original span of the character
     * behind each folded byte */
    char *seg;
    size_t seg_len, seg_cap;
    shi_seg_mark *marks;
    size_t nmarks, marks_cap;
    uint64_t seg_origin;        /* original offset where the line piece starts */
    const uint8_t *rule_starts; /* shi_rules_starts of the db */
    const uint8_t *raw_starts;  /* shi_rules_raw_starts of the db */
    uint8_t seg_seen;           /* OR of rule_starts over the piece's characters */
    /* the map the scan loops read: shi_rules_map when a line without a
     * SHI_MAP_RULE character needs no rule (then `lazy`), else db->map_bmp.
     * Lazily, the rule segment of a line is written only at its end, from
     * the bytes of the current write from lz_from on, and only when `attn`
     * (the OR of the line's map values) has SHI_MAP_RULE. */
    const uint32_t *bmp;
    uint8_t lazy;
    uint32_t attn;
    const unsigned char *lz_p; /* the current write, while one is being fed */
    uint64_t lz_base;          /* original offset of lz_p[0] */
    size_t lz_from;
    uint8_t cand_full;  /* the list below does not hold them all */
    uint32_t *cand_at;  /* folded offsets of the piece's characters with */
    uint8_t *cand_bits; /* rule_starts bits, and those bits */
    size_t ncand, cand_cap;
    int rule_status;    /* SHAI_E_MATCH_LIMIT / SHAI_E_NOMEM once seen */
    void *rule_scratch; /* shi_rules_run's, kept across lines */
    shi_unit ring[SHI_RING];
    /* where a short line's segment, marks and list live: no allocation */
    char seg_inline[SHI_SEG_INLINE];
    shi_seg_mark marks_inline[SHI_MARKS_INLINE];
    uint32_t cand_at_inline[SHI_MARKS_INLINE];
    uint8_t cand_bits_inline[SHI_MARKS_INLINE];
} shi_scanner;

/* The flags the public scan calls accept. */
#define SHI_SCAN_FLAGS (SHAI_SCAN_OVERLAPPING | SHAI_SCAN_VIOLATIONS)

/* Hits into a caller's array (shai_scan_hits, shai_check): the first `cap`
 * are kept, all are counted. */
typedef struct shi_collect {
    shai_hit *hits;
    size_t cap, count;
} shi_collect;
int shi_collect_hit(const shai_hit *hit, void *user);

/* Frees what the scanner allocated (rule segments). */
void shi_scanner_release(shi_scanner *sc);

void shi_scanner_init(shi_scanner *sc, const shai_db *db, uint32_t flags, shai_hit_fn fn,
                      void *user);
/* Feeds bytes; with `final`, a truncated sequence at the end is invalid
 * bytes rather than carried to the next call. */
void shi_scanner_feed(shi_scanner *sc, const unsigned char *p, size_t n, int final);
/* Reports the remaining hits. */
void shi_scanner_finish(shi_scanner *sc);
/* Smallest byte offset at which a hit not yet reported can start. */
uint64_t shi_scanner_horizon(const shi_scanner *sc);

#endif
