/* The automaton: a trie of the entries' units, placed in a double array,
 * with Aho-Corasick failure links and output lists that share tails. */
#include <stdlib.h>
#include <string.h>

#include "build/compile.h"

static uint32_t new_node(shi_compile *c, uint32_t sym, uint32_t depth)
{
    if (c->nnodes == c->nodes_cap) {
        uint32_t ncap = c->nodes_cap ? c->nodes_cap * 2 : 1024;
        tnode *q = realloc(c->nodes, (size_t)ncap * sizeof *q);
        if (!q)
            return 0;
        c->nodes = q;
        c->nodes_cap = ncap;
    }
    tnode *n = &c->nodes[c->nnodes];
    memset(n, 0, sizeof *n);
    n->sym = sym;
    n->depth = depth;
    n->first_entry = UINT32_MAX;
    return c->nnodes++;
}

typedef struct sort_key {
    const uint32_t *units;
    uint32_t len, entry;
} sort_key;

static int by_units(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    for (uint32_t i = 0; i < n; i++)
        if (x->units[i] != y->units[i])
            return x->units[i] < y->units[i] ? -1 : 1;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* Trie from entries sorted by their units: a node's next child is always a
 * new last child, so insertion is linear in the total length. */
int shi_build_trie(shi_compile *c)
{
    uint32_t n = c->b->nentries;
    sort_key *order = malloc(((size_t)n + 1) * sizeof *order);
    c->entry_next = malloc(((size_t)n + 1) * sizeof *c->entry_next);
    if (!order || !c->entry_next) {
        free(order);
        return SHAI_E_NOMEM;
    }
    /* by first symbol (a counting sort), then each bucket by the rest */
    uint32_t *start = calloc((size_t)c->nsym + 1, sizeof *start);
    if (!start) {
        free(order);
        return SHAI_E_NOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = c->unit_off[i + 1] - c->unit_off[i];
        start[len ? c->units[c->unit_off[i]] + 1 : 0]++;
    }
    /* key 0: entries that fold to nothing; key sym + 1: first symbol sym */
    for (uint32_t key = 1; key <= c->nsym; key++)
        start[key] += start[key - 1]; /* the end of each bucket */
    for (uint32_t key = c->nsym; key > 0; key--)
        start[key] = start[key - 1]; /* ... made its start */
    start[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = c->unit_off[i + 1] - c->unit_off[i];
        uint32_t key = len ? c->units[c->unit_off[i]] + 1 : 0;
        order[start[key]++] = (sort_key){c->units + c->unit_off[i], len, i};
    }
    for (uint32_t key = 0, from = 0; key <= c->nsym; key++) {
        uint32_t to = start[key];
        if (to - from > 1)
            qsort(order + from, to - from, sizeof *order, by_units);
        from = to;
    }
    free(start);
    /* the root, node 0: new_node's 0 cannot tell that it failed */
    new_node(c, 0, 0);
    if (c->nnodes != 1) {
        free(order);
        return SHAI_E_NOMEM;
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t e = order[k].entry;
        uint32_t node = 0;
        if (order[k].len == 0)
            continue; /* folds to nothing: can never match (shai lint reports it) */
        for (uint32_t i = c->unit_off[e]; i < c->unit_off[e + 1]; i++) {
            uint32_t sym = c->units[i];
            uint32_t lc = c->nodes[node].last_child;
            if (lc && c->nodes[lc].sym == sym) {
                node = lc;
                continue;
            }
            uint32_t child = new_node(c, sym, c->nodes[node].depth + 1);
            if (!child) {
                free(order);
                return SHAI_E_NOMEM;
            }
            if (lc)
                c->nodes[lc].next_sibling = child;
            else
                c->nodes[node].first_child = child;
            c->nodes[node].last_child = child;
            node = child;
        }
        /* entries with equal units arrive in index order: append */
        c->entry_next[e] = UINT32_MAX;
        if (c->nodes[node].first_entry == UINT32_MAX) {
            c->nodes[node].first_entry = e;
        } else {
            uint32_t t = c->nodes[node].first_entry;
            while (c->entry_next[t] != UINT32_MAX)
                t = c->entry_next[t];
            c->entry_next[t] = e;
        }
    }
    free(order);
    return SHAI_OK;
}

static int grow_slots(shi_compile *c, uint32_t need)
{
    if (need <= c->slots_cap)
        return SHAI_OK;
    uint64_t ncap = c->slots_cap ? c->slots_cap : 4096;
    while (ncap < need)
        ncap *= 2;
    if (ncap > UINT32_MAX / 2)
        return SHAI_E_TOO_LARGE;
    build_slot *q = realloc(c->slots, (size_t)ncap * sizeof *q);
    if (!q)
        return SHAI_E_NOMEM;
    c->slots = q;
    /* zero words past the array let a placement window read beyond it */
    size_t pad = c->nsym / 64 + 4;
    uint64_t *u = realloc(c->used, (size_t)(ncap / 64 + pad) * sizeof *u);
    if (!u)
        return SHAI_E_NOMEM;
    c->used = u;
    memset(u + c->slots_cap / 64, 0, ((size_t)(ncap - c->slots_cap) / 64 + pad) * sizeof *u);
    for (uint64_t i = c->slots_cap; i < ncap; i++)
        q[i] = (build_slot){0, SHI_EMPTY_CHECK, 0, 0};
    c->slots_cap = (uint32_t)ncap;
    return SHAI_OK;
}

/* The used bits of slots pos..pos+63, bit i for slot pos + i. Slots past
 * the array are free: the bitmap has zero words past its end for every
 * window a placement can try (base < slots_cap + 64, symbol < nsym). */
static inline uint64_t used_at(const shi_compile *c, uint64_t pos)
{
    const uint64_t *w = c->used + pos / 64;
    unsigned sh = (unsigned)(pos % 64);
    return (w[0] >> sh) | ((w[1] << 1) << (63 - sh));
}

/* The first free slot at or after i (slots past the array are free). */
static uint32_t next_free(const shi_compile *c, uint32_t i)
{
    uint32_t w = i / 64;
    if (i >= c->slots_cap)
        return i;
    uint64_t bits = ~c->used[w] & (~0ull << (i % 64));
    while (!bits) {
        if (++w >= c->slots_cap / 64)
            return c->slots_cap;
        bits = ~c->used[w];
    }
    return w * 64 + (uint32_t)__builtin_ctzll(bits);
}

/* Finds the first base for the children of trie node `n` and claims their
 * slots. Candidate bases are tested 64 at a time: a base fits when the slot
 * of every child is free, so the fitting bases of a window are the AND of
 * the free bits each child sees from it. */
static int place(shi_compile *c, uint32_t n)
{
    tnode *node = &c->nodes[n];
    uint32_t k = 0;
    for (uint32_t ch = node->first_child; ch; ch = c->nodes[ch].next_sibling)
        c->syms[k++] = c->nodes[ch].sym;
    uint32_t top = c->syms[k - 1];
    uint64_t base = 0;
    if (n != 0) {
        const uint32_t *sym = c->syms;
        uint32_t last = 0; /* the child that ruled out the last window */
        uint32_t h = k < SHI_HINTS ? k : SHI_HINTS - 1;
        uint64_t from = c->first_free;
        if (h >= SHI_HINT_MIN && c->hint[h] > from + SHI_HINT_SLACK)
            from = c->hint[h] - SHI_HINT_SLACK;
        for (base = from > sym[0] ? from - sym[0] : 0;; base += 64) {
            uint64_t fit = ~used_at(c, base + sym[last]);
            for (uint32_t i = 0; i < k && fit; i++) {
                fit &= ~used_at(c, base + sym[i]);
                if (!fit)
                    last = i;
            }
            if (fit) {
                base += (uint64_t)__builtin_ctzll(fit);
                break;
            }
        }
    }
    if (base + top >= UINT32_MAX / 2)
        return SHAI_E_TOO_LARGE;
    int rc = grow_slots(c, (uint32_t)base + top + 1);
    if (rc)
        return rc;
    node->base = (uint32_t)base;
    for (uint32_t ch = node->first_child; ch; ch = c->nodes[ch].next_sibling) {
        uint32_t s = node->base + c->nodes[ch].sym;
        c->used[s / 64] |= 1ull << (s % 64);
        c->nodes[ch].slot = s;
        if (s + 1 > c->slots_hi)
            c->slots_hi = s + 1;
    }
    {
        uint32_t h = k < SHI_HINTS ? k : SHI_HINTS - 1;
        c->hint[h] = (uint32_t)base + c->syms[0];
    }
    c->first_free = next_free(c, c->first_free);
    return SHAI_OK;
}

static uint32_t go(const shi_compile *c, uint32_t s, uint32_t sym)
{
    uint32_t t = c->slots[s].base + sym;
    return (t < c->slots_cap && c->slots[t].check == s) ? t : UINT32_MAX;
}

int shi_build_automaton(shi_compile *c)
{
    int rc = grow_slots(c, c->nsym + 1);
    if (rc)
        return rc;
    c->slots[SHI_ROOT].check = SHI_ROOT; /* the root is its own parent */
    c->used[0] |= 1;
    c->slots_hi = 1;
    c->first_free = 1;
    c->bfs = malloc((size_t)c->nnodes * sizeof *c->bfs);
    c->syms = malloc((size_t)c->nsym * sizeof *c->syms);
    if (!c->bfs || !c->syms)
        return SHAI_E_NOMEM;
    /* Level order: the order of placement, of parent links and of failure
     * links. */
    uint32_t head = 0, tail = 0;
    c->bfs[tail++] = 0;
    while (head < tail)
        for (uint32_t ch = c->nodes[c->bfs[head++]].first_child; ch; ch = c->nodes[ch].next_sibling)
            c->bfs[tail++] = ch;
    /* Children sets are placed in level order, each at the first base
     * where its whole pattern fits. (Largest-first placement measured no
     * denser and slower on the jieba 100k lexicon.) A node's own slot is
     * not needed to place its children; parents are linked afterwards. */
    for (uint32_t i = 0; i < c->nnodes; i++)
        if (c->nodes[c->bfs[i]].first_child && (rc = place(c, c->bfs[i])))
            return rc;
    c->nodes[0].slot = SHI_ROOT;
    for (uint32_t i = 0; i < c->nnodes; i++) {
        const tnode *node = &c->nodes[c->bfs[i]];
        if (!node->first_child)
            continue;
        c->slots[node->slot].base = node->base;
        for (uint32_t ch = node->first_child; ch; ch = c->nodes[ch].next_sibling)
            c->slots[c->nodes[ch].slot].check = node->slot;
    }
    /* Every base + symbol must stay inside the array: no bounds check at
     * scan time. */
    uint32_t nslots = c->slots_hi;
    for (uint32_t i = 0; i < c->slots_hi; i++)
        if (c->slots[i].check != SHI_EMPTY_CHECK && c->slots[i].base + c->nsym > nslots)
            nslots = c->slots[i].base + c->nsym;
    if ((rc = grow_slots(c, nslots)))
        return rc;

    /* Failure links and output lists, in BFS order. */
    uint32_t nent = c->b->nentries;
    shi_out *outs = malloc(((size_t)nent + 1) * sizeof *outs);
    uint8_t *depth = calloc(nslots, 1);
    if (!outs || !depth) {
        free(outs);
        free(depth);
        return SHAI_E_NOMEM;
    }
    c->db->outs = outs;
    c->db->depth = depth;
    uint32_t nouts = 1;
    outs[0] = (shi_out){0, 0};
    for (uint32_t k = 0; k < c->nnodes; k++) {
        tnode *node = &c->nodes[c->bfs[k]];
        uint32_t s = node->slot;
        depth[s] = (uint8_t)node->depth;
        uint32_t fail = SHI_ROOT;
        if (node->depth > 1) {
            uint32_t f = c->slots[c->slots[s].check].fail;
            for (;;) {
                uint32_t t = go(c, f, node->sym);
                if (t != UINT32_MAX) {
                    fail = t;
                    break;
                }
                if (f == SHI_ROOT)
                    break;
                f = c->slots[f].fail;
            }
        }
        c->slots[s].fail = fail;
        uint32_t out = node->depth ? c->slots[fail].out : 0;
        /* own entries first (in index order), then the fail state's; every
         * node links to a smaller index, so no list can loop */
        uint32_t k_own = 0;
        for (uint32_t e = node->first_entry; e != UINT32_MAX; e = c->entry_next[e])
            k_own++;
        uint32_t j = 0;
        for (uint32_t e = node->first_entry; e != UINT32_MAX; e = c->entry_next[e], j++) {
            uint32_t at = nouts + k_own - 1 - j;
            outs[at] = (shi_out){e, j + 1 == k_own ? out : at - 1};
        }
        if (k_own) {
            out = nouts + k_own - 1;
            nouts += k_own;
        }
        c->slots[s].out = out;
    }
    c->db->nouts = nouts;
    shi_slot *hot = malloc((size_t)nslots * sizeof *hot);
    shi_link *cold = malloc((size_t)nslots * sizeof *cold);
    c->db->slots = hot;
    c->db->links = cold;
    if (!hot || !cold)
        return SHAI_E_NOMEM;
    for (uint32_t i = 0; i < nslots; i++) {
        hot[i] =
            (shi_slot){c->slots[i].base | (c->slots[i].out ? SHI_SLOT_OUT : 0), c->slots[i].check};
        cold[i] = (shi_link){c->slots[i].fail, c->slots[i].out};
    }
    c->db->nslots = nslots;
    return SHAI_OK;
}
