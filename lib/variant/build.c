/* The variant trie of a db (variant.h), built when the db is compiled, and
 * its checks when a saved db is opened. */
#include <stdlib.h>
#include <string.h>

#include "variant/tables.h"
#include "variant/variant.h"

typedef struct bnode {
    uint32_t cp, first_child, next_sibling, first_entry, depth, index;
    uint16_t below;
} bnode;

typedef struct vbuild {
    bnode *nodes;
    uint32_t n, cap;
    uint32_t *hash; /* (parent, cp) -> node + 1 */
    uint32_t hash_mask;
    uint32_t *entry_next;
} vbuild;

static uint32_t hash_pc(uint32_t parent, uint32_t cp)
{
    uint64_t h = ((uint64_t)parent << 21 | cp) * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(h >> 32);
}

static uint32_t child_of(vbuild *v, uint32_t parent, uint32_t cp)
{
    uint32_t h = hash_pc(parent, cp) & v->hash_mask;
    while (v->hash[h]) {
        bnode *c = &v->nodes[v->hash[h] - 1];
        if (c->cp == cp && c->index == parent)
            return v->hash[h] - 1;
        h = (h + 1) & v->hash_mask;
    }
    uint32_t id = v->n++;
    bnode *p = &v->nodes[parent];
    v->nodes[id] = (bnode){.cp = cp,
                           .first_child = 0,
                           .next_sibling = p->first_child,
                           .first_entry = UINT32_MAX,
                           .depth = p->depth + 1,
                           .index = parent};
    p->first_child = id;
    v->hash[h] = id + 1;
    return id;
}

static int cmp_edge(const void *a, const void *b)
{
    const shi_vedge *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->child < y->child ? -1 : x->child > y->child;
}

static int cmp_init(const void *a, const void *b)
{
    const shi_vinit *x = a, *y = b;
    int c = memcmp(x->letters, y->letters, SHI_VINIT_MAX);
    if (c)
        return c;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* Whether entry e of units u[0..n) belongs in the trie. */
static int in_trie(const shi_entry *e, uint32_t n)
{
    if (n < 2 || n > UINT16_MAX || (e->flags & (SHAI_ENTRY_EXACT | SHAI_ENTRY_RULE)))
        return 0;
    return e->variants != 0 || (e->flags & SHAI_ENTRY_ALLOW);
}

int shi_vinit_letter(char keys[][SHI_VINIT_MAX], uint32_t *n, uint32_t pos, uint32_t cp)
{
    shi_reading r[SHI_READINGS_MAX];
    unsigned nr = shi_py_readings(cp, r);
    char letters[SHI_READINGS_MAX];
    uint32_t nl = 0;
    for (unsigned k = 0; k < nr; k++) {
        char c = shi_py_syllable(SHI_READING_SYL(r[k]))[0];
        if (c && !memchr(letters, c, nl))
            letters[nl++] = c;
    }
    if (!nl)
        return 0;
    uint32_t have = *n;
    for (uint32_t k = 1; k < nl && *n < SHI_VINIT_SPELLINGS; k++)
        for (uint32_t j = 0; j < have && *n < SHI_VINIT_SPELLINGS; j++) {
            memcpy(keys[*n], keys[j], SHI_VINIT_MAX);
            keys[(*n)++][pos] = letters[k];
        }
    for (uint32_t j = 0; j < have; j++)
        keys[j][pos] = letters[0];
    return 1;
}

uint32_t shi_vinit_find(const shai_db *db, const char *key, uint32_t *end)
{
    uint32_t lo = 0, hi = db->nvinit;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (memcmp(db->vinit[mid].letters, key, SHI_VINIT_MAX) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint32_t e = lo;
    while (e < db->nvinit && memcmp(db->vinit[e].letters, key, SHI_VINIT_MAX) == 0)
        e++;
    *end = e;
    return lo;
}

/* The initials of entry e (units u[0..n)) into out[] (at most 8
 * spellings, one per choice of readings with other first letters);
 * returns how many. */
static uint32_t initials(const uint32_t *u, uint32_t n,
                         char out[SHI_VINIT_SPELLINGS][SHI_VINIT_MAX])
{
    if (n > SHI_VINIT_MAX)
        return 0;
    uint32_t count = 1;
    memset(out[0], 0, SHI_VINIT_MAX);
    for (uint32_t i = 0; i < n; i++)
        if (!shi_vinit_letter(out, &count, i, u[i]))
            return 0;
    return count;
}

int shi_variant_build(shai_db *db, const uint32_t *cp_units, const uint32_t *unit_off)
{
    /* the tables are of Simplified characters: without that fold stage
     * (and so without folding at all), no variants either */
    if (!(db->fold & SHAI_FOLD_T2S))
        return SHAI_OK;
    uint64_t total = 1;
    int any = 0;
    uint32_t ninit = 0;
    for (uint32_t i = 0; i < db->nentries; i++) {
        const shi_entry *e = &db->entries[i];
        uint32_t n = unit_off[i + 1] - unit_off[i];
        if (!in_trie(e, n))
            continue;
        total += n;
        any |= e->variants != 0 && !(e->flags & SHAI_ENTRY_ALLOW);
        if (e->variants & SHI_VMASK(SHAI_VARIANT_INITIALS))
            ninit += SHI_VINIT_SPELLINGS;
    }
    if (!any)
        return SHAI_OK;
    if (total > UINT32_MAX / 8)
        return SHAI_E_TOO_LARGE;
    vbuild v = {0};
    uint32_t hcap = 16;
    while (hcap < 2 * total)
        hcap <<= 1;
    v.nodes = malloc(total * sizeof *v.nodes);
    v.hash = calloc(hcap, sizeof *v.hash);
    v.hash_mask = hcap - 1;
    v.entry_next = malloc(((size_t)db->nentries + 1) * sizeof *v.entry_next);
    uint32_t *order = malloc(total * sizeof *order);
    shi_vinit *init = malloc(((size_t)ninit + 1) * sizeof *init);
    int rc = SHAI_E_NOMEM;
    shi_vnode *nodes = NULL;
    shi_vedge *edges = NULL, *redges = NULL, *nedges = NULL;
    uint32_t *outs = NULL;
    uint64_t *pair = NULL;
    if (!v.nodes || !v.hash || !v.entry_next || !order || !init)
        goto done;
    v.nodes[0] = (bnode){.first_entry = UINT32_MAX};
    v.n = 1;
    ninit = 0;
    uint32_t nouts = 0;
    for (uint32_t i = 0; i < db->nentries; i++) {
        const shi_entry *e = &db->entries[i];
        const uint32_t *u = cp_units + unit_off[i];
        uint32_t n = unit_off[i + 1] - unit_off[i];
        if (!in_trie(e, n))
            continue;
        uint32_t s = 0;
        for (uint32_t k = 0; k < n; k++)
            s = child_of(&v, s, u[k]);
        v.entry_next[i] = v.nodes[s].first_entry;
        v.nodes[s].first_entry = i;
        v.nodes[s].below |= e->variants;
        nouts++;
        if (e->variants & SHI_VMASK(SHAI_VARIANT_INITIALS)) {
            char sp[SHI_VINIT_SPELLINGS][SHI_VINIT_MAX];
            uint32_t k = initials(u, n, sp);
            for (uint32_t j = 0; j < k; j++) {
                init[ninit].entry = i;
                memcpy(init[ninit++].letters, sp[j], SHI_VINIT_MAX);
            }
        }
    }
    /* breadth first: children after their parent */
    uint32_t head = 0, tail = 0;
    order[tail++] = 0;
    while (head < tail) {
        uint32_t id = order[head++];
        v.nodes[id].index = head - 1;
        for (uint32_t c = v.nodes[id].first_child; c; c = v.nodes[c].next_sibling)
            order[tail++] = c;
    }
    /* below: OR over the subtree, children before parents */
    {
        uint32_t *parent = v.hash; /* reuse: parent of each node by id */
        memset(parent, 0, (size_t)hcap * sizeof *parent);
        for (uint32_t id = 0; id < v.n; id++)
            for (uint32_t c = v.nodes[id].first_child; c; c = v.nodes[c].next_sibling)
                parent[c] = id;
        for (uint32_t k = v.n; k-- > 1;) {
            uint32_t id = order[k];
            v.nodes[parent[id]].below |= v.nodes[id].below;
        }
    }
    uint32_t nn = v.n;
    nodes = calloc((size_t)nn + 1, sizeof *nodes);
    edges = malloc((size_t)nn * sizeof *edges);
    redges = malloc((size_t)nn * SHI_READINGS_MAX * sizeof *redges);
    nedges = malloc((size_t)nn * SHI_READINGS_MAX * sizeof *nedges);
    outs = malloc(((size_t)nouts + 1) * sizeof *outs);
    if (!nodes || !edges || !redges || !nedges || !outs)
        goto done;
    uint32_t ne = 0, nr = 0, nne = 0, no = 0;
    for (uint32_t k = 0; k < nn; k++) {
        const bnode *b = &v.nodes[order[k]];
        shi_vnode *d = &nodes[k];
        d->cp = b->cp;
        d->depth = (uint16_t)b->depth;
        d->below = b->below;
        if (k) {
            shi_reading r[SHI_READINGS_MAX];
            unsigned n = shi_py_readings(b->cp, r);
            for (unsigned j = 0; j < n && j < 4; j++)
                d->read[j] = r[j];
        }
        d->edge = ne;
        d->redge = nr;
        d->nedge = nne;
        d->out = no;
        uint32_t e0 = ne, r0 = nr, n0 = nne;
        for (uint32_t c = b->first_child; c; c = v.nodes[c].next_sibling) {
            const bnode *cb = &v.nodes[c];
            uint32_t ci = cb->index;
            edges[ne++] = (shi_vedge){cb->cp, ci};
            shi_reading r[SHI_READINGS_MAX];
            unsigned n = shi_py_readings(cb->cp, r);
            for (unsigned j = 0; j < n && j < 4; j++) {
                redges[nr++] = (shi_vedge){r[j], ci};
                if (cb->below & SHI_VMASK_NEAR)
                    nedges[nne++] = (shi_vedge){
                        (shi_py_near(SHI_READING_SYL(r[j])) << 3) | SHI_READING_TONE(r[j]), ci};
            }
        }
        qsort(edges + e0, ne - e0, sizeof *edges, cmp_edge);
        qsort(redges + r0, nr - r0, sizeof *redges, cmp_edge);
        qsort(nedges + n0, nne - n0, sizeof *nedges, cmp_edge);
        uint32_t o0 = no;
        for (uint32_t en = b->first_entry; en != UINT32_MAX; en = v.entry_next[en])
            outs[no++] = en;
        /* entries in index order */
        for (uint32_t i = o0 + 1; i < no; i++)
            for (uint32_t j = i; j > o0 && outs[j - 1] > outs[j]; j--) {
                uint32_t t = outs[j];
                outs[j] = outs[j - 1];
                outs[j - 1] = t;
            }
    }
    nodes[nn] = (shi_vnode){.edge = ne, .redge = nr, .nedge = nne, .out = no};
    qsort(init, ninit, sizeof *init, cmp_init);
    /* the filters: per node, the keys of its children; over the pairs of
     * a root child's reading and the keys of its children */
    uint32_t npair = 64;
    while (npair < 4096 * 16 && (uint64_t)npair * 64 < 16 * (uint64_t)nr)
        npair <<= 1;
    pair = calloc(npair, sizeof *pair);
    if (!pair)
        goto done;
    for (uint32_t k = 0; k < nn; k++) {
        shi_vnode *d = &nodes[k];
        for (uint32_t i = d->edge; i < nodes[k + 1].edge; i++) {
            const shi_vnode *c = &nodes[edges[i].child];
            uint32_t keys[9], nk = 0;
            keys[nk++] = c->cp;
            for (unsigned j = 0; j < 4 && c->read[j]; j++) {
                keys[nk++] = SHI_VKEY_READING | c->read[j];
                keys[nk++] = SHI_VKEY_NEAR | (shi_py_near(SHI_READING_SYL(c->read[j])) << 3) |
                             SHI_READING_TONE(c->read[j]);
            }
            for (uint32_t j = 0; j < nk; j++) {
                uint32_t bit = shi_vbloom_bit(keys[j]);
                d->bloom[bit >> 6] |= 1ull << (bit & 63);
            }
            if (k == 0 || d->depth != 1)
                continue;
            for (unsigned r = 0; r < 4 && d->read[r]; r++)
                for (uint32_t j = 0; j < nk; j++) {
                    uint64_t bit = shi_vpair_bit(d->read[r], keys[j], npair);
                    pair[bit >> 6] |= 1ull << (bit & 63);
                }
        }
    }
    db->vnodes = nodes;
    db->vedges = edges;
    db->vredges = redges;
    db->vnedges = nedges;
    db->vouts = outs;
    db->vinit = init;
    db->vpair = pair;
    db->nvpair = npair;
    db->nvnodes = nn + 1;
    db->nvedges = ne;
    db->nvredges = nr;
    db->nvnedges = nne;
    db->nvouts = no;
    db->nvinit = ninit;
    nodes = NULL;
    edges = redges = nedges = NULL;
    outs = NULL;
    init = NULL;
    pair = NULL;
    rc = SHAI_OK;
done:
    free(v.nodes);
    free(v.hash);
    free(v.entry_next);
    free(order);
    free(init);
    free(nodes);
    free(edges);
    free(redges);
    free(nedges);
    free(outs);
    free(pair);
    return rc;
}

/* A node's range [first, next's first) of an array of `count`. */
static int range_ok(uint32_t first, uint32_t next, uint32_t count)
{
    return first <= next && next <= count;
}

static int edges_ok(const shi_vedge *e, uint32_t from, uint32_t to, uint32_t parent,
                    uint32_t nnodes, const shi_vnode *nodes)
{
    for (uint32_t i = from; i < to; i++) {
        if (e[i].child <= parent || e[i].child >= nnodes - 1 ||
            nodes[e[i].child].depth != nodes[parent].depth + 1)
            return 0;
        if (i > from && e[i].key < e[i - 1].key)
            return 0;
    }
    return 1;
}

int shi_variant_valid(const shai_db *db)
{
    uint32_t n = db->nvnodes;
    if (!n)
        return !db->nvedges && !db->nvredges && !db->nvnedges && !db->nvouts && !db->nvinit &&
               !db->nvpair;
    if (db->nvpair < 1 || (db->nvpair & (db->nvpair - 1)))
        return 0;
    const shi_vnode *v = db->vnodes;
    if (n < 2 || v[0].depth != 0 || v[0].edge || v[0].redge || v[0].nedge || v[0].out ||
        v[n - 1].edge != db->nvedges || v[n - 1].redge != db->nvredges ||
        v[n - 1].nedge != db->nvnedges || v[n - 1].out != db->nvouts)
        return 0;
    for (uint32_t i = 0; i + 1 < n; i++) {
        const shi_vnode *a = &v[i], *b = &v[i + 1];
        if (!range_ok(a->edge, b->edge, db->nvedges) ||
            !range_ok(a->redge, b->redge, db->nvredges) ||
            !range_ok(a->nedge, b->nedge, db->nvnedges) || !range_ok(a->out, b->out, db->nvouts) ||
            a->depth > SHAI_MAX_ENTRY_CODEPOINTS || (a->below & ~SHI_VMASK_ALL))
            return 0;
        if (!edges_ok(db->vedges, a->edge, b->edge, i, n, v) ||
            !edges_ok(db->vredges, a->redge, b->redge, i, n, v) ||
            !edges_ok(db->vnedges, a->nedge, b->nedge, i, n, v))
            return 0;
    }
    for (uint32_t i = 0; i < db->nvouts; i++)
        if (db->vouts[i] >= db->nentries)
            return 0;
    for (uint32_t i = 0; i < db->nvinit; i++)
        if (db->vinit[i].entry >= db->nentries ||
            (i && memcmp(db->vinit[i].letters, db->vinit[i - 1].letters, SHI_VINIT_MAX) < 0))
            return 0;
    for (uint32_t i = 0; i < db->nentries; i++)
        if (db->entries[i].variants & ~SHI_VMASK_ALL)
            return 0;
    return 1;
}
