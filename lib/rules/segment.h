/* The folded line the regex rules run over. The scanner feeds it the
 * characters of a line as it reads them (or, lazily, whole runs of the
 * caller's bytes at the line's end), and at each line break runs the rules
 * over it; a match is mapped back to the original text through marks and
 * handed to the scanner's callback. The segment knows the db's rules and
 * the fold, not the scanner: the scanner embeds one and passes a callback. */
#ifndef SHAI_RULES_SEGMENT_H
#define SHAI_RULES_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/db.h"

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

/* The longest line piece the rules run over, in folded bytes: a longer
 * line is matched in pieces of this size. */
#define SHI_SEG_MAX ((size_t)1 << 20)

/* Room in the segment itself for the text of a line (bytes), its marks and
 * its list of rule starts. */
#define SHI_SEG_INLINE 2048u
#define SHI_MARKS_INLINE 64u

/* A rule match at original offsets [start, end): non-zero stops the rules. */
typedef int (*shi_seg_hit_fn)(uint64_t start, uint64_t end, uint32_t entry, void *user);

/* Called with each line piece before it is dropped, after its rules ran
 * (the variant layer, lib/scan/variants.c). */
struct shi_segment;
typedef void (*shi_seg_piece_fn)(struct shi_segment *g, void *user);
/* Lazily, whether a line its rules do not want is still to be written, by
 * its original bytes p[0..n) (valid UTF-8, no break): non-zero to write. */
typedef int (*shi_seg_want_fn)(const unsigned char *p, size_t n, void *user);

#define SHI_SEG_SAID_NOTHING 0
#define SHI_SEG_SAID_NO 1
#define SHI_SEG_SAID_YES 2

typedef struct shi_segment {
    /* what one scan sets (shi_seg_start sets each of them) */
    const shai_db *db;
    shi_seg_hit_fn fn;
    void *user;
    const int *halt;        /* the scan's status: once non-zero, no rule runs */
    uint8_t allow_first;    /* run the allow rules, then the others (violations) */
    const uint8_t *starts;  /* shi_rules_starts of the db */
    const uint8_t *raw;     /* shi_rules_raw_starts of the db */
    shi_seg_piece_fn piece; /* NULL, or called with each piece (set after shi_seg_start) */
    shi_seg_want_fn want;   /* NULL (then `piece` gets the lines the rules want), or asked
                               of the others (set after shi_seg_start) */
    uint8_t wanted;         /* the current line was written because `want` said so */
    /* a line its rules want, written whole in one write: `want` asked of
     * its original bytes too (SHI_SEG_SAID_*), for the line that starts
     * at said_at; its piece takes that answer (the folded text, where
     * full-width punctuation becomes ASCII, is slower to ask) */
    uint8_t said; /* SHI_SEG_SAID_NOTHING, _NO or _YES */
    uint64_t said_at;
    uint8_t want_upper; /* list the uppercase letters of the original (upper_at) */
    /* the current line piece: its folded text is text[0..len), its marks
     * give the original span of the character behind each folded byte */
    size_t len, nmarks;
    uint64_t origin; /* original offset where the line piece starts */
    uint8_t seen;    /* OR of starts over the piece's characters */
    /* the characters of the piece some gated rule can begin with, listed
     * in cand_at and cand_bits: their folded offsets and starts bits */
    uint8_t cand_full; /* the list does not hold them all */
    size_t ncand;
    /* lazily, the caller's current write, from which the line is written
     * at its end (NULL when none is being fed) */
    const unsigned char *src;
    uint64_t src_base; /* original offset of src[0] */
    size_t src_from;   /* src bytes before this are written (or dropped) */
    int status;        /* SHAI_E_MATCH_LIMIT / SHAI_E_NOMEM once seen */
    /* the scan's rule budget (rules.h, SHI_SCAN_LIMITS): folded bytes the
     * rules ran over, and the times they gave up at a limit */
    uint64_t ran, gave_up;
    /* the rule hits of a full piece of a line over SHI_SEG_MAX, held until
     * a word hit ends past held_end (where the next piece begins), the
     * line ends or the next piece is full: nheld triples start, end, entry */
    uint8_t holding; /* the piece being run is such a piece */
    size_t nheld;
    uint64_t held_end;
    uint64_t held_from; /* the smallest start among them */
    /* storage, kept from one scan to the next (shi_seg_init) */
    char *text;
    size_t cap;
    shi_seg_mark *marks;
    size_t marks_cap;
    uint32_t *cand_at;
    uint8_t *cand_bits;
    size_t cand_cap;
    uint64_t *allow; /* pairs of original offsets of a piece's allow matches */
    size_t allow_cap;
    uint64_t *held; /* see nheld */
    size_t held_cap;
    /* with want_upper: the folded offsets of the characters that were
     * uppercase Latin letters in the original, in order */
    uint32_t *upper_at;
    size_t nupper, upper_cap;
    void *scratch; /* shi_rules_run's */
    /* where a short line's text, marks and list live: no allocation */
    char text_inline[SHI_SEG_INLINE];
    shi_seg_mark marks_inline[SHI_MARKS_INLINE];
    uint32_t cand_at_inline[SHI_MARKS_INLINE];
    uint8_t cand_bits_inline[SHI_MARKS_INLINE];
    uint32_t upper_inline[SHI_MARKS_INLINE];
} shi_segment;

/* Readies the segment's storage (in the segment itself: no allocation);
 * shi_seg_start sets the rest. Inline: a short scan feels every call. */
static inline void shi_seg_init(shi_segment *g)
{
    g->text = g->text_inline;
    g->cap = SHI_SEG_INLINE;
    g->marks = g->marks_inline;
    g->marks_cap = SHI_MARKS_INLINE;
    g->cand_at = g->cand_at_inline;
    g->cand_bits = g->cand_bits_inline;
    g->cand_cap = SHI_MARKS_INLINE;
    g->allow = NULL;
    g->allow_cap = 0;
    g->held = NULL;
    g->held_cap = 0;
    g->upper_at = g->upper_inline;
    g->upper_cap = SHI_MARKS_INLINE;
    g->scratch = NULL;
}
/* Starts a scan with db's rules, keeping the storage of the scans before:
 * fn gets the matches, `halt` points at the caller's status. */
void shi_seg_start(shi_segment *g, const shai_db *db, int allow_first, shi_seg_hit_fn fn,
                   void *user, const int *halt);
/* Makes what running the rules needs (PCRE2's match data) ahead of the
 * first line. Returns SHAI_OK or SHAI_E_NOMEM. */
int shi_seg_ready(shi_segment *g);
/* Frees what the segment allocated. */
void shi_seg_release(shi_segment *g);

/* Appends what character cp, of map value v, at original [off, off + len)
 * folds to: nothing when it is ignorable (or a break), its expansion, or its
 * symbol's character. */
void shi_seg_put_char(shi_segment *g, uint32_t cp, uint32_t v, uint64_t off, uint32_t len);

/* Appends the folded form of the characters [from, to) of p (valid UTF-8,
 * no break), the first at original offset off, as shi_seg_put_char would
 * one by one: runs of characters that fold to themselves are copied. */
void shi_seg_catch_up(shi_segment *g, const unsigned char *p, size_t from, size_t to, uint64_t off);

/* Lazily: writes the line up to original offset `upto` from g->src
 * (declared above). */

/* Lazily, at a line break [off, off + len): writes the line when `wanted`
 * (a rule can begin somewhere in it) or `want` says so (or an earlier
 * write put some of it), else drops what an earlier write put; what
 * follows the break is the next line. */
void shi_seg_line_end(shi_segment *g, int wanted, uint64_t off, uint32_t len);

/* At the line's end: reports the held hits of the line's last full piece,
 * runs the rules over the line piece collected so far and starts a new
 * one. */
void shi_seg_run(shi_segment *g);

/* Reports the held hits of a full piece (see nheld). */
void shi_seg_flush(shi_segment *g);

/* Before the scanner reports a word hit that ends at original offset
 * `end`: the rule hits of a line's full piece come after the word hits
 * that end within it and before those that end past it, however the text
 * was written. So, lazily, the segment is written up to `end` when that
 * can fill a piece, and a held piece that ends before `end` is reported.
 * Inline: on every word hit of a db with rules. */
void shi_seg_write(shi_segment *g, uint64_t upto);
static inline void shi_seg_before_word(shi_segment *g, uint64_t end)
{
    /* a character folds to at most 31 characters of 4 bytes, and takes
     * at least 2 bytes when it folds to more than one */
    if (g->src && end > g->src_base + g->src_from &&
        g->len + 62 * (end - g->src_base - g->src_from) >= SHI_SEG_MAX)
        shi_seg_write(g, end);
    if (g->nheld && end > g->held_end)
        shi_seg_flush(g);
}

#endif
