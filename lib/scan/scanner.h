/* The scanner: one pass over the code points of a text, Aho-Corasick steps
 * over the dense alphabet, hits reported at original byte offsets. Shared by
 * shai_scan, shai_scan_hits, streams, shai_check and shai_mask.
 *
 * How the scanner works
 * =====================
 *
 * Units. Each character of the text is folded (db->map: a symbol and class
 * bits) into zero, one or several units, the automaton's steps. An ignorable
 * character (zero-width space, a combining mark) makes no unit and is glued to
 * the unit before it; noise (spaces, punctuation, emoji) makes none either but
 * may be skipped only inside a possible match, at most db->max_gap in a row;
 * some noise is a boundary in some positions (a mark, SHI_MAP_MARK: a
 * second `#` on a line, or a first that another follows closely (it opens
 * a topic: core.h, topic_note; a write keeps an undecided one for the
 * next), the `@` of `//@`, a bracket or quote unless the
 * last unit came right after one) and ends every match like a break, but
 * may itself begin an entry; a second ASCII full stop in a row after
 * anything but a Latin letter (an ellipsis, 操...我) ends a match too;
 * nothing is skipped between two digits;
 * noise that an entry begins or ends with (#话题, 赌%) is skipped or
 * taken as the characters after it decide (step.c, "Noise that an entry
 * takes"): the scanner records it and looks ahead, writing nothing, then
 * replays the winning reading (overlapping scans follow the other one too,
 * as a shadow reading: step.c, "Both readings");
 * a break (line end, control, invalid byte) makes none and ends every match;
 * an expansion (①, ㈱) makes several units that all point at the one original
 * character; a doubled character (赌赌博博) joins the unit before it. A unit
 * records the original bytes it came from, so that a hit found in folded space
 * is reported in the caller's own text; an entry's length is counted in units
 * (shi_entry.units), and a hit of entry e that ends at unit f starts at unit
 * f + 1 - e->units. A doubled character joins only where no match goes on
 * through it, neither the current state's nor one its failure links reach;
 * the unit remembers where its last copy starts, so that leftmost-longest
 * selection can share it between a hit that ends there and one that starts
 * there (來自 and 自由民主黨 in 來自自由民主黨).
 *
 * The ring. Units live in sc->ring, indexed by unit number modulo SHI_RING.
 * No code reads a unit more than a few entry lengths behind the current one
 * (selection waits for the horizon, which is at most one entry behind, and
 * a violation for the horizon to pass its own end, one entry more; an allow
 * hit may reach one entry further back), which the static assertion below
 * turns into the ring's size. Nothing is allocated per unit.
 *
 * The horizon. After u units in state s, no hit that is still to be found can
 * start before unit u - depth(s) (match_from in core.h): that is sc->horizon.
 * Everything before the horizon is final, and advance() decides it in order:
 * the violations that end there (finalize_end: is an allow hit covering them?
 * the verdict) and the leftmost-longest starts (select_start). Streams and
 * shai_mask turn the horizon into an original offset (shi_scanner_horizon):
 * the caller may forget every byte before it.
 *
 * Pending outputs. A state with outputs (SHI_SLOT_OUT in its base) cannot be
 * reported when it is reached: a Latin entry needs a word boundary after it
 * (no `ass` in `class`), and that is known only when the next character is
 * seen. The unit is marked `pending`, and the next character, whatever path
 * takes it, first calls resolve() with its word flag (noise and breaks count
 * as non-word). resolve() checks boundaries and exact entries and then, by
 * mode: reports at once (overlapping), records the longest allow hit at its
 * start unit (allow_len), or the best hit starting there for leftmost-longest
 * selection (best_len, best_entry); overlapping violations wait for
 * finalize_end.
 *
 * Why allow coverage happens inside the scanner. An allow entry (禁止赌博)
 * suppresses a deny hit (赌博) it covers. Filtering afterwards would not do:
 * leftmost-longest selection of deny hits must skip covered ones *before* it
 * chooses, or a covered hit would block an uncovered one that overlaps it;
 * the verdict is the strongest uncovered deny hit, which a caller who keeps
 * only the first `cap` hits could not compute; and a stream must decide in
 * bounded memory. Inside the scanner, a deny hit ending at unit f is decided
 * once the horizon passes f: every allow hit that starts at or before f
 * has been resolved by then (an unfinished one would hold the horizon
 * back). An allow hit covers a deny hit it holds whole, or one it overlaps
 * partially when it reaches past the deny hit's end and holds more than
 * half of its units (是垃圾 under 垃圾桶); coverage depends on the deny hit's
 * end and length only (allow_covers). Leftmost-longest violations wait for
 * the horizon to pass the end of the longest hit at a start, and fall back
 * to a shorter hit at that start when an allow hit covers the longest. Regex rules run per line
 * (rules/segment.h) and apply the same coverage among their own matches.
 *
 * Three step implementations. The general step (step() in step.c) handles
 * every character and every feature. Two loops (fast.c) take the common case
 * in registers and hand everything else back to it: the fast loop (plain
 * symbols, outputs resolved inline) and, beneath it, the root loop (nothing
 * pending, the automaton in the root or one of its children, where a
 * character that does not continue a match leads to the root's child on it
 * with one load of db->rootc). They share these invariants, on which
 * tests/test_differential.c checks them against the general step
 * (SHI_SCAN_GENERAL) and the `fast_paths` build option turns them off:
 *
 *  1. Transitions: the state after a symbol is delta() of core.h (the root
 *     loop may use db->rootc only where it gives the same state); noise is
 *     skipped exactly when noise_skipped() says so, and more than max_gap
 *     skipped in a row return to the root. A mark (SHI_MAP_MARK) in the
 *     root state is recorded (mark_record); inside a match it is decided by
 *     mark_stops, which the root loop calls itself in a child of the root
 *     and the other places leave to the general step. No loop skips noise
 *     between two digits: the root loop stops before the first noise after
 *     a digit, and the fast loop keeps last_digit (the unit before the gap
 *     is a digit) and stops before a digit after such a gap. Both stop
 *     before an ASCII full stop inside a match, which the general step
 *     decides (last_dot: an ellipsis), and clear last_dot when they take
 *     anything.
 *  2. Units: every step to a state other than the root writes one unit with
 *     the same fields as step_unit() (the light instances, overlapping scans
 *     without exact entries, write only those that such a scan reads). The
 *     root loop may hold the last unit of a depth-1 state back, since only
 *     it can be part of a later hit, but writes it before it returns.
 *  3. Pending outputs are resolved with the next character's word flag
 *     before that character changes the state; a loop that stops right
 *     after a state with outputs leaves `pending` set.
 *  4. The horizon: policy scans (violations, leftmost-longest) advance it
 *     after each unit exactly as step_unit() does; plain overlapping scans,
 *     where nothing waits on it, may set it when the loop ends (until then
 *     it lags, which is safe: a smaller horizon promises less).
 *  5. Noise an entry takes or begins with, inside a match, stops the loops
 *     (the general step defers the choice), and no loop runs while a choice
 *     is deferred (defer_n), nor while a shadow reading is alive or holds
 *     hits (nshadow, nheld). With both readings (sc->both), so does noise
 *     of the alphabet that a match deeper than one unit would skip: the
 *     failure links may take it (step.c, shadow_failure_take).
 *  6. Anything a loop does not take (an ignorable, a break, an expansion, a
 *     doubled character, a sequence it does not decode, a truncated one)
 *     stops it *before* that character, and every scanner field it keeps in
 *     registers is written back, so that step() goes on as if it had done
 *     all the work itself. (The root loop of a scan without a line
 *     segment takes a line break itself, doing what step() does with it.)
 *  7. Lazy rule segments: a loop ORs the map values it reads into sc->attn,
 *     so that a line's end knows whether some rule can begin in it.
 *  8. Noise between two words (core.h, SHI_PREV_GAP): at the first noise
 *     after a unit that is not a Latin letter, the unit records the
 *     character before it (gap_mark; the loops read it from the bytes they
 *     took, or sc->recent, which the next step brings up to date from the
 *     bytes they took when it needs it, recent_sync);
 *     a resolve passes SHI_NEXT_JOIN for the character after a unit that
 *     came after noise (join_next). Selection then refuses a hit across
 *     such a gap whose first or last character makes a word with the one
 *     beyond it.
 *  9. Decoding: the root loop takes a 3-byte sequence's code point with
 *     PEXT where the CPU runs it fast (db->fast_pext), else with shifts;
 *     the validity test is the same, and the tests run both decodes
 *     (SHI_SCAN_NO_PEXT).
 *
 * Files, from the bottom up: core.h (ring, transitions, noise test), select.c
 * (resolve, allow coverage, selection, verdicts, reporting), rules/segment.c
 * (the folded line for the regex rules), fast.c (the loops), step.c (the
 * general step, feed and finish), api.c (shai_scan, shai_scan_hits,
 * streams, scratches).
 *
 * Storage. A scanner's state is reset by each scan (shi_scanner_start); its
 * storage (the segment's grown buffers, PCRE2's match data) is kept until
 * shi_scanner_release. The public calls make a scanner on the stack per
 * call; a shai_scratch is a scanner the caller keeps, so that a warm one
 * allocates nothing. */
#ifndef SHAI_SCANNER_H
#define SHAI_SCANNER_H

#include <stdatomic.h>
#include <stdint.h>

#include "common/db.h"
#include "rules/segment.h"
#include "variant/variant.h"

/* Units still needed at any time span at most a few entry lengths. */
#define SHI_RING 512u
_Static_assert(SHI_RING >= 3 * SHAI_MAX_ENTRY_CODEPOINTS + 2, "ring too small");

/* One automaton step and where it came from in the original text. */
typedef struct shi_unit {
    uint64_t start, end; /* original byte offsets of the step's characters */
    uint32_t state;      /* automaton state after the step */
    uint32_t best_entry; /* leftmost-longest: best hit starting here */
    uint8_t prev_word;   /* SHI_PREV_* bits (below); the fast loops write
                            their flags register as it is, whose other bits
                            no one reads */
    uint8_t next_word;   /* the character after the unit is a word char (bit 0);
                            SHI_NEXT_REDUP (select.h) */
    uint8_t best_len;    /* units of best_entry, 0 = none */
    uint8_t allow_len;   /* units of the longest allow hit starting here */
    uint8_t single;      /* the unit is exactly one original character, as is (1);
                            SHI_UNIT_DOUBLED: a doubled character joined it
                            (not written by the light loops, fast.c) */
    uint32_t raw;        /* the original code point (exact entries); with
                            SHI_UNIT_DOUBLED, the last copy's offset from start */
    uint32_t before;     /* with SHI_PREV_GAP: the character before the unit's */
} shi_unit;

/* shi_unit.single of a unit that a doubled character joined (来自自): a hit
 * that starts at the unit may start at its last copy instead (select.c). */
#define SHI_UNIT_DOUBLED 2

/* shi_unit.prev_word: the character before the unit is a word character;
 * something was skipped between the previous unit and this one (noise or
 * an ignorable: the unit is not adjacent); noise follows the unit (core.h,
 * the word test); a doubled character joined the unit (as single's
 * SHI_UNIT_DOUBLED, for every kind of scan). The first two are the fast
 * loops' F_WORD and F_SKIP (fast.c). */
#define SHI_PREV_WORD 0x01
#define SHI_PREV_SKIP 0x08
#define SHI_PREV_GAP 0x40
#define SHI_PREV_DOUBLED 0x80

/* Internal scan flag: accumulate the verdict (needs SHAI_SCAN_VIOLATIONS). */
#define SHI_SCAN_VERDICT 0x100u
/* Internal scan flag: the general step only, never the fast loops; the
 * reference the tests hold the loops to. */
#define SHI_SCAN_GENERAL 0x200u
/* Internal scan flag: no variant prefilter (every line walked from every
 * character); the reference the tests hold the prefilter to. */
#define SHI_SCAN_NO_VFILTER 0x400u
/* Internal scan flag: overlapping, the one reading of each deferred noise
 * gap that the other modes build on (no shadow readings, step.c). */
#define SHI_SCAN_ONE_READING 0x800u
/* Internal scan flag: the root loop decodes without PEXT even where the
 * CPU has it fast (db->fast_pext); the tests run both decodes. */
#define SHI_SCAN_NO_PEXT 0x1000u

/* What the skip reading changes while a choice is deferred (step.c,
 * "Noise that an entry takes"): restored when the take reading wins. */
typedef struct shi_defer_snap {
    uint64_t slash_end, pair_end, pair_ok;
    uint32_t gap;
    uint8_t last_word, last_is_unit, skipped, last_digit, last_dot, line_topic;
    uint32_t recent[2];
} shi_defer_snap;

/* A character seen while a choice is deferred. */
typedef struct shi_defer_char {
    uint64_t off;
    uint32_t cp, v, len;
} shi_defer_char;

/* Characters a deferred choice may span: the noise of one gap, the
 * ignorable characters among it and the characters looked ahead past it. */
#define SHI_DEFER_MAX 16

/* Topic marks (core.h, topic_note): a line's first `#` opens a Weibo topic
 * when another follows it within SHI_TOPIC_LOOK characters on the line (a
 * topic is at most 20 characters long on Weibo, 99.9% of those in the
 * bundled posts); the decisions of the last SHI_TOPIC_CACHE marks are kept
 * for the readings that ask later. A write that ends before a mark is
 * decided leaves the mark and what follows it for the next write (at most
 * SHI_CARRY_MAX bytes, with a split UTF-8 sequence). */
#define SHI_TOPIC_LOOK 32
#define SHI_TOPIC_CACHE 32
#define SHI_CARRY_MAX (4 * SHI_TOPIC_LOOK + 8)

/* Overlapping scans report both readings of a deferred choice (step.c,
 * "Noise that an entry takes"): where a reading skips noise that an entry
 * could take, a shadow reading takes it and reports only the hits that
 * hold that unit. At most SHI_SHADOW_MAX at once. */
#define SHI_SHADOW_MAX 4
#define SHI_SHADOW_UNITS SHAI_MAX_ENTRY_CODEPOINTS
_Static_assert((SHI_SHADOW_UNITS & (SHI_SHADOW_UNITS - 1)) == 0, "a power of 2");
typedef struct shi_shadow {
    uint32_t state;
    uint32_t k;        /* its units since the one it took, that one included */
    uint32_t n;        /* units written to start[] / bits[] */
    uint32_t gap;      /* noise skipped since its last unit */
    uint64_t last_end; /* where its last unit ends */
    uint32_t last_sym; /* symbol of its last unit */
    uint64_t seen_end; /* where the last character it had ends */
    uint32_t prev_cp;  /* the last character it had that is not ignorable */
    uint8_t pending, last_word, last_is_unit, skipped, last_latin, last_digit, last_dot, dead;
    uint64_t start[SHI_SHADOW_UNITS];
    uint8_t bits[SHI_SHADOW_UNITS]; /* SHI_SHADOW_* (step.c) */
} shi_shadow;

/* The scanner's record of marks (core.h, mark_stops). */
typedef struct shi_marks {
    uint64_t slash_end, pair_end, pair_ok;
    uint8_t line_topic;
} shi_marks;

/* A hit held until no hit of the main reading sorts before it. */
typedef struct shi_held_hit {
    uint64_t start, end;
    uint32_t entry;
} shi_held_hit;
#define SHI_SHADOW_HELD 32

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
    uint8_t ncarry;       /* stream: bytes carried to the next write (carry) */
    uint8_t skipped;      /* noise or ignorable characters since the last unit */
    uint8_t last_is_unit; /* the last character seen made or joined a unit */
    uint32_t gap;         /* noise characters skipped since the last unit */
    uint32_t last_sym;    /* symbol of the last unit (repeats) */
    uint8_t last_latin;   /* the last unit is a Latin letter (clause punctuation) */
    uint8_t last_digit;   /* while gap > 0: the unit before the gap is a digit */
    uint8_t line_topic;   /* a `#` was seen on this line (topic marks) */
    uint8_t last_dot;     /* the last character was a skipped ASCII full stop */
    /* the bytes of the current write, for the look-ahead of topic marks:
     * ahead[0..ahead_n) from offset ahead_base; ahead_final when nothing
     * follows them */
    const unsigned char *ahead;
    size_t ahead_n;
    uint64_t ahead_base;
    uint8_t ahead_final;
    /* how many topic marks were decided (topic_off) */
    uint32_t ntopic;
    /* the last two characters stepped that are neither ignorable nor a
     * break (0 after a break), the last first: the word test of noise
     * after a unit (core.h, SHI_PREV_GAP) */
    uint32_t recent[2];
    /* set when sc->recent is behind: a loop took the characters of the
     * current write from recent_from to recent_to, and sc->recent holds the
     * two before them (the loops leave the decoding to the next step that
     * needs it, recent_sync; a break needs none) */
    const unsigned char *recent_from, *recent_to;
    uint64_t pos;       /* offset of the next byte */
    uint64_t unit;      /* number of units so far */
    uint64_t horizon;   /* no future hit starts before this unit */
    uint64_t fin_next;  /* next end unit to finalize (violations) */
    uint64_t sel_next;  /* next start unit to select (leftmost-longest) */
    uint64_t sel_block; /* starts below this are inside a reported hit */
    uint64_t slash_end; /* offset after the last `/` (the repost mark //@) */
    uint64_t pair_end;  /* offset after the last bracket or quote */
    uint64_t pair_ok;   /* start + 1 of a last unit after which brackets are
                           skipped (【赌】【博】) */
    /* leftmost-longest: a selected hit whose last unit a doubled character
     * joined waits until the hits starting at that unit are known (held_len
     * units from held_from, held_entry; 0: none); split_at + 1 is a unit
     * whose hit starts at its last copy (0: none) */
    uint64_t held_from;
    uint32_t held_entry, held_len;
    uint64_t split_at;
    /* a deferred choice between skipping noise and an entry taking it:
     * the characters since (0: none), the state before them, and whether
     * the take reading is being replayed */
    uint32_t defer_n;
    uint32_t defer_gap;      /* of them, the gap's; the rest are looked ahead */
    uint32_t defer_state;    /* the skip reading's state past the gap */
    uint32_t defer_last;     /* map value of its last unit looked ahead */
    uint32_t defer_skips;    /* noise it skipped since that unit */
    uint32_t defer_k;        /* its units past the gap */
    uint8_t defer_end;       /* it has a hit if no word character follows */
    uint8_t defer_join;      /* ... if the next character makes no word with */
    uint32_t defer_join_cp;  /* ... this one, its last (core.h, join_pair) */
    uint8_t defer_marks;     /* it looked ahead across a mark (defer_snap2) */
    uint64_t defer_last_off; /* where its last unit looked ahead starts */
    uint8_t replaying;
    /* both readings (overlapping scans): the shadow readings alive,
     * the hits they found that wait (sorted), and whether the scan has had
     * any (then every hit is checked against the last ones reported) */
    uint8_t both, shadow_used;
    uint32_t nshadow, nheld, nseen;
    uint64_t seen_end; /* the largest end of the hits reported since */
    /* the characters the outermost replay of a deferred choice goes
     * through, and the one after them (an ignorable one: not known yet) */
    const shi_defer_char *rp;
    uint32_t rp_n;
    uint32_t rp_next_cp, rp_next_v;
    shi_marks rp_marks; /* the record of marks before them */
    /* the map the scan loops read: shi_rules_map when a line without a
     * SHI_MAP_RULE character needs no rule (then `lazy`), else db->map_bmp.
     * Lazily, the rule segment of a line is written only at its end, from
     * the bytes of the current write (seg.src), and only when `attn` (the
     * OR of the line's map values) has SHI_MAP_RULE. */
    const uint32_t *bmp;
    uint8_t lazy;
    uint8_t pext; /* the root loop decodes with PEXT (db->fast_pext) */
    uint32_t attn;
    /* a policy's scene: per category, SHAI_SCENE_OFF, SHAI_ACTION_* or
     * SHAI_SCENE_KEEP for deny hits (off: not found); NULL for none. Set
     * after shi_scanner_start, which clears it. */
    const uint8_t *scene;
    /* the line segment is kept: the db has rules, or variants are on */
    uint8_t seg_on;
    /* variant hits (lib/scan/variants.c): the db has a variant trie and
     * the scan does not say SHAI_SCAN_NO_VARIANTS; vertical: the scan says
     * SHAI_SCAN_VERTICAL */
    uint8_t variants, vertical;
    /* vertical: the one-character lines of the current run (in vrun), and
     * the last two line breaks (an empty line ends a run, CR LF does not) */
    size_t nvrun;
    uint32_t brk_prev, brk_cur;
    shi_unit ring[SHI_RING];
    /* not reset by shi_scanner_start (what comes before `ring` is): */
    /* stream: a split UTF-8 sequence, or a topic mark whose look-ahead the
     * write cut and the characters after it (ncarry of SHI_CARRY_MAX) */
    unsigned char carry[SHI_CARRY_MAX];
    /* the last topic marks decided (the first ntopic, at most
     * SHI_TOPIC_CACHE): offset, whether it opens a topic */
    uint8_t topic_open[SHI_TOPIC_CACHE];
    uint64_t topic_off[SHI_TOPIC_CACHE];
    /* the storage of the line segment and the variant layer is ready
     * (shi_scanner_storage): a scan with rules or variants was started, or
     * rules' match data made; shi_scanner_release may have to free it */
    uint8_t may_alloc;
    /* a deferred choice (defer_n): the state before the gap and past it,
     * and the characters recorded (not reset by shi_scanner_start) */
    shi_defer_snap defer_snap;
    shi_defer_snap defer_snap2; /* the state past the gap, before the marks */
    shi_defer_char defer[SHI_DEFER_MAX];
    shi_shadow shadow[SHI_SHADOW_MAX];
    shi_held_hit held[SHI_SHADOW_HELD];
    shi_held_hit seen[SHI_SHADOW_HELD];
    /* regex rules: the folded text of the current line (only when the db
     * has rules) */
    shi_segment seg;
    /* variant matching: the matcher's storage, the characters of a line,
     * the current vertical run, the hits of a line being selected */
    shi_vmatcher vm;
    shi_vchar *vchars;
    size_t vchars_cap;
    shi_vchar *vrun;
    size_t vrun_cap;
    shi_vhit *vsel;
    size_t vsel_cap;
    /* where a short line's characters and hits live: no allocation */
    shi_vchar vchars_inline[SHI_VLINE_INLINE];
    shi_vhit vsel_inline[SHI_VHITS_INLINE];
} shi_scanner;

/* Built with the fast loops (meson option fast_paths); without them every
 * character takes the general step. */
#ifndef SHI_FAST_PATHS
#define SHI_FAST_PATHS 1
#endif

/* The flags the public scan calls accept. */
#define SHI_SCAN_FLAGS                                                                             \
    (SHAI_SCAN_OVERLAPPING | SHAI_SCAN_VIOLATIONS | SHAI_SCAN_NO_VARIANTS | SHAI_SCAN_VERTICAL)
/* The flags of the variant layer, which the scanner keeps apart from
 * sc->flags (the steps compare sc->flags with the others). */
#define SHI_SCAN_VARIANT_FLAGS (SHAI_SCAN_NO_VARIANTS | SHAI_SCAN_VERTICAL | SHI_SCAN_NO_VFILTER)
/* The flags the scanner keeps apart from sc->flags: the variant layer's,
 * and the decode's (sc->pext). */
#define SHI_SCAN_APART_FLAGS (SHI_SCAN_VARIANT_FLAGS | SHI_SCAN_NO_PEXT)

/* Hits into a caller's array (shai_scan_hits, shai_check): the first `cap`
 * are kept, all are counted. */
typedef struct shi_collect {
    shai_hit *hits;
    size_t cap, count;
} shi_collect;
int shi_collect_hit(const shai_hit *hit, void *user);

/* The storage of the line segment and the variant layer, made ready the
 * first time a scan needs it (shi_scanner_start, shi_scanner_ready). */
static inline void shi_scanner_storage(shi_scanner *sc)
{
    sc->may_alloc = 1;
    shi_seg_init(&sc->seg);
    shi_vmatcher_init(&sc->vm);
    sc->vchars = sc->vchars_inline;
    sc->vchars_cap = SHI_VLINE_INLINE;
    sc->vrun = NULL;
    sc->vrun_cap = 0;
    sc->vsel = sc->vsel_inline;
    sc->vsel_cap = SHI_VHITS_INLINE;
}

/* Readies a scanner; then any number of scans, one at a time, each begun
 * by shi_scanner_start, and shi_scanner_release. */
static inline void shi_scanner_init(shi_scanner *sc)
{
    sc->may_alloc = 0;
}
/* Makes ahead what scans with regex rules need (PCRE2's match data).
 * Returns SHAI_OK or SHAI_E_NOMEM. */
int shi_scanner_ready(shi_scanner *sc);
/* Frees what the scanner allocated (rule segments, PCRE2's match data). */
void shi_scanner_release(shi_scanner *sc);

/* Begins a scan of db: resets everything but the storage that earlier
 * scans grew, which this one reuses. */
void shi_scanner_start(shi_scanner *sc, const shai_db *db, uint32_t flags, shai_hit_fn fn,
                       void *user);
/* Feeds bytes; with `final`, a truncated sequence at the end is invalid
 * bytes rather than carried to the next call. */
void shi_scanner_feed(shi_scanner *sc, const unsigned char *p, size_t n, int final);
/* Reports the remaining hits. */
void shi_scanner_finish(shi_scanner *sc);
/* Smallest byte offset at which a hit not yet reported can start. */
uint64_t shi_scanner_horizon(const shi_scanner *sc);
/* A scratch (shai.h): a scanner whose storage is kept from one call to the
 * next, and a flag that refuses a second user at the same time. */
struct shai_scratch {
    atomic_flag busy;
    shi_scanner sc;
};

/* The scratch's scanner for one call, or NULL when another call (another
 * thread, or a callback of this one) has it; shi_scratch_put gives it back. */
shi_scanner *shi_scratch_take(shai_scratch *s);
void shi_scratch_put(shai_scratch *s);

/* Opens a stream under a scene (NULL: none); shai_stream_open and
 * shai_stream_open_policy. Arguments checked. */
int shi_stream_open(const shai_db *db, const uint8_t *scene, uint32_t flags, shai_hit_fn fn,
                    void *user, shai_stream **out);

/* The action a deny hit of entry e counts with under the scan's scene:
 * SHAI_SCENE_OFF (0: not found), SHAI_ACTION_REVIEW or _BLOCK; allow
 * entries and scans without a scene keep the entry's own. */
static inline uint32_t shi_scene_action(const shi_scanner *sc, const shi_entry *e)
{
    if (!sc->scene || (e->flags & SHAI_ENTRY_ALLOW))
        return e->action;
    uint32_t a = sc->scene[e->category];
    return a == SHAI_SCENE_KEEP ? e->action : a;
}

/* The action a variant hit of kind `kind` counts with (SHAI_SCENE_OFF: not
 * found), given its entry's action under the scene (shi_scene_action). */
static inline uint32_t shi_variant_action(const shi_scanner *sc, uint32_t kind, uint32_t action)
{
    uint32_t a = sc->scene                       ? sc->scene[sc->db->ncategories + kind]
                 : kind == SHAI_VARIANT_VERTICAL ? SHAI_SCENE_KEEP
                                                 : SHAI_ACTION_REVIEW;
    return a == SHAI_SCENE_KEEP || !action ? action : a;
}

/* The line piece the segment hands over (shi_seg_piece_fn; user is the
 * scanner): its variant hits (scan/variants.c). */
void shi_variant_piece(shi_segment *g, void *user);
/* Whether a line's original bytes may hold a variant match (shi_seg_want_fn;
 * user is the scanner): the prefilter. */
int shi_variant_want(const unsigned char *p, size_t n, void *user);
/* At the end of a scan: the vertical run still open. */
void shi_variant_finish(shi_scanner *sc);
/* Releases the variant storage of a scanner. */
void shi_variant_release(shi_scanner *sc);

/* The status a finished scan returns: SHAI_TERMINATED, else what the rules
 * ran into (SHAI_E_MATCH_LIMIT, SHAI_E_NOMEM), else SHAI_OK. */
static inline int shi_scanner_status(const shi_scanner *sc)
{
    return sc->status ? sc->status : sc->seg.status;
}

#endif
