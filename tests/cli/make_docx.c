/*
 * make_docx: write a .docx for the CLI tests with libzip and libxml2, the
 * libraries `shai scan` reads one with (tools/scan_input.c), and nothing
 * of shai's.
 *
 *     make_docx [--store] [--no-document] [--raw] OUT.docx < DESCRIPTION
 *
 * The package: [Content_Types].xml, the package relationships
 * (_rels/.rels), word/document.xml and word/_rels/document.xml.rels, each
 * deflated (--store: stored). --no-document leaves word/document.xml out
 * (the relationships still name it). --raw: standard input is the text of
 * word/document.xml as is (for a document that is not XML).
 *
 * Otherwise standard input describes the body, one command a line (UTF-8):
 *
 *     p           a new paragraph (w:p)
 *     t TEXT      a run (w:r) whose w:t is TEXT, the rest of the line as
 *                 is (leading and trailing spaces kept: xml:space)
 *     b TEXT      the same run in bold (w:rPr), a run property to skip
 *     tab         a run holding a w:tab
 *     br          a run holding a w:br (a line break in the paragraph)
 *     cr          a run holding a w:cr
 *     table       a table (w:tbl) begins; rows and cells follow
 *     row         a row (w:tr) begins
 *     cell        a cell (w:tc) begins; its paragraphs follow
 *     end         the table ends
 *
 * Text is escaped by libxml2's writer (<, &, > and quotes). Prints why and
 * exits 1 on any failure.
 */
#include <errno.h>
#include <libxml/xmlwriter.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define REL_NS "http://schemas.openxmlformats.org/package/2006/relationships"
#define CT_NS "http://schemas.openxmlformats.org/package/2006/content-types"
#define OFFICE_DOC                                                                                 \
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
#define MAIN_TYPE "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"

static void die(const char *what)
{
    fprintf(stderr, "make_docx: %s\n", what);
    exit(1);
}

static void ok(int rc, const char *what)
{
    if (rc < 0)
        die(what);
}

/* The open elements of the body, so that a command closes what it must. */
enum level { L_BODY, L_TABLE, L_ROW, L_CELL, L_PAR };

struct doc {
    xmlTextWriterPtr w;
    enum level stack[8];
    int depth; /* stack[0..depth) */
};

static enum level top(const struct doc *d)
{
    return d->depth ? d->stack[d->depth - 1] : L_BODY;
}

static void open_el(struct doc *d, const char *name, enum level l)
{
    if (d->depth == (int)(sizeof d->stack / sizeof d->stack[0]))
        die("nested too deep");
    ok(xmlTextWriterStartElement(d->w, (const xmlChar *)name), name);
    d->stack[d->depth++] = l;
}

static void close_el(struct doc *d)
{
    ok(xmlTextWriterEndElement(d->w), "end element");
    d->depth--;
}

/* Close elements until the innermost open one is `l` or one outside it. */
static void close_to(struct doc *d, enum level l)
{
    while (d->depth && top(d) > l)
        close_el(d);
}

static void run(struct doc *d, const char *bold_text, const char *text, const char *child)
{
    if (top(d) != L_PAR)
        die("a run outside a paragraph (p first)");
    ok(xmlTextWriterStartElement(d->w, (const xmlChar *)"w:r"), "w:r");
    if (bold_text) {
        ok(xmlTextWriterStartElement(d->w, (const xmlChar *)"w:rPr"), "w:rPr");
        ok(xmlTextWriterStartElement(d->w, (const xmlChar *)"w:b"), "w:b");
        ok(xmlTextWriterEndElement(d->w), "w:b");
        ok(xmlTextWriterEndElement(d->w), "w:rPr");
        text = bold_text;
    }
    if (text) {
        ok(xmlTextWriterStartElement(d->w, (const xmlChar *)"w:t"), "w:t");
        ok(xmlTextWriterWriteAttribute(d->w, (const xmlChar *)"xml:space",
                                       (const xmlChar *)"preserve"),
           "xml:space");
        ok(xmlTextWriterWriteString(d->w, (const xmlChar *)text), "text");
        ok(xmlTextWriterEndElement(d->w), "w:t");
    } else {
        ok(xmlTextWriterStartElement(d->w, (const xmlChar *)child), child);
        ok(xmlTextWriterEndElement(d->w), child);
    }
    ok(xmlTextWriterEndElement(d->w), "w:r");
}

static void command(struct doc *d, char *line)
{
    size_t n = strlen(line);
    if (n && line[n - 1] == '\n')
        line[--n] = '\0';
    if (n == 0 || line[0] == '#')
        return;
    if (strcmp(line, "p") == 0) {
        close_to(d, L_CELL);
        if (d->depth && top(d) != L_CELL)
            die("a paragraph in a table but outside a cell");
        open_el(d, "w:p", L_PAR);
    } else if (strncmp(line, "t ", 2) == 0) {
        run(d, NULL, line + 2, NULL);
    } else if (strncmp(line, "b ", 2) == 0) {
        run(d, line + 2, NULL, NULL);
    } else if (strcmp(line, "tab") == 0 || strcmp(line, "br") == 0 || strcmp(line, "cr") == 0) {
        char el[8];
        snprintf(el, sizeof el, "w:%s", line);
        run(d, NULL, NULL, el);
    } else if (strcmp(line, "table") == 0) {
        close_to(d, L_CELL);
        open_el(d, "w:tbl", L_TABLE);
    } else if (strcmp(line, "row") == 0) {
        close_to(d, L_TABLE);
        if (top(d) != L_TABLE)
            die("a row outside a table");
        open_el(d, "w:tr", L_ROW);
    } else if (strcmp(line, "cell") == 0) {
        close_to(d, L_ROW);
        if (top(d) != L_ROW)
            die("a cell outside a row");
        open_el(d, "w:tc", L_CELL);
    } else if (strcmp(line, "end") == 0) {
        while (d->depth && top(d) != L_TABLE)
            close_el(d);
        if (!d->depth)
            die("end outside a table");
        close_el(d);
    } else {
        fprintf(stderr, "make_docx: unknown command: %s\n", line);
        exit(1);
    }
}

/* An XML part written by `body` into a malloc'ed buffer. */
static char *write_part(void (*body)(xmlTextWriterPtr, void *), void *user, size_t *len)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = NULL;
    char *out;

    if (!buf || !(w = xmlNewTextWriterMemory(buf, 0)))
        die("out of memory");
    ok(xmlTextWriterStartDocument(w, "1.0", "UTF-8", "yes"), "XML declaration");
    body(w, user);
    ok(xmlTextWriterEndDocument(w), "end of document");
    xmlFreeTextWriter(w); /* flushes into buf */
    *len = (size_t)xmlBufferLength(buf);
    out = malloc(*len ? *len : 1);
    if (!out)
        die("out of memory");
    memcpy(out, xmlBufferContent(buf), *len);
    xmlBufferFree(buf);
    return out;
}

static void element_attrs(xmlTextWriterPtr w, const char *name, const char *const *attrs)
{
    ok(xmlTextWriterStartElement(w, (const xmlChar *)name), name);
    for (; attrs[0]; attrs += 2)
        ok(xmlTextWriterWriteAttribute(w, (const xmlChar *)attrs[0], (const xmlChar *)attrs[1]),
           attrs[0]);
    ok(xmlTextWriterEndElement(w), name);
}

static void content_types(xmlTextWriterPtr w, void *user)
{
    (void)user;
    ok(xmlTextWriterStartElementNS(w, NULL, (const xmlChar *)"Types", (const xmlChar *)CT_NS),
       "Types");
    element_attrs(w, "Default",
                  (const char *[]){"Extension", "rels", "ContentType",
                                   "application/vnd.openxmlformats-package.relationships+xml",
                                   NULL});
    element_attrs(w, "Default",
                  (const char *[]){"Extension", "xml", "ContentType", "application/xml", NULL});
    element_attrs(
        w, "Override",
        (const char *[]){"PartName", "/word/document.xml", "ContentType", MAIN_TYPE, NULL});
    ok(xmlTextWriterEndElement(w), "Types");
}

static void package_rels(xmlTextWriterPtr w, void *user)
{
    (void)user;
    ok(xmlTextWriterStartElementNS(w, NULL, (const xmlChar *)"Relationships",
                                   (const xmlChar *)REL_NS),
       "Relationships");
    element_attrs(
        w, "Relationship",
        (const char *[]){"Id", "rId1", "Type", OFFICE_DOC, "Target", "word/document.xml", NULL});
    ok(xmlTextWriterEndElement(w), "Relationships");
}

static void document_rels(xmlTextWriterPtr w, void *user)
{
    (void)user;
    ok(xmlTextWriterStartElementNS(w, NULL, (const xmlChar *)"Relationships",
                                   (const xmlChar *)REL_NS),
       "Relationships");
    ok(xmlTextWriterEndElement(w), "Relationships");
}

static void document(xmlTextWriterPtr w, void *user)
{
    FILE *in = user;
    struct doc d = {w, {L_BODY}, 0};
    char *line = NULL;
    size_t cap = 0;

    ok(xmlTextWriterStartElementNS(w, (const xmlChar *)"w", (const xmlChar *)"document",
                                   (const xmlChar *)W_NS),
       "w:document");
    ok(xmlTextWriterStartElement(w, (const xmlChar *)"w:body"), "w:body");
    while (getline(&line, &cap, in) >= 0)
        command(&d, line);
    if (ferror(in))
        die(strerror(errno));
    free(line);
    close_to(&d, L_BODY);
    if (d.depth)
        die("a table not ended (end)");
    ok(xmlTextWriterStartElement(w, (const xmlChar *)"w:sectPr"), "w:sectPr");
    ok(xmlTextWriterEndElement(w), "w:sectPr");
    ok(xmlTextWriterEndElement(w), "w:body");
    ok(xmlTextWriterEndElement(w), "w:document");
}

static char *read_all(FILE *in, size_t *len)
{
    size_t cap = 4096;
    char *p = malloc(cap);

    *len = 0;
    while (p) {
        *len += fread(p + *len, 1, cap - *len, in);
        if (*len < cap)
            break;
        char *q = realloc(p, cap *= 2);
        if (!q)
            free(p);
        p = q;
    }
    if (!p)
        die("out of memory");
    if (ferror(in))
        die(strerror(errno));
    return p;
}

static void add(zip_t *z, const char *name, char *data, size_t len, bool store)
{
    zip_source_t *src = zip_source_buffer(z, data, len, 1); /* frees data */
    zip_int64_t idx;

    if (!src) {
        free(data);
        die(zip_strerror(z));
    }
    idx = zip_file_add(z, name, src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
        zip_source_free(src);
        die(zip_strerror(z));
    }
    if (zip_set_file_compression(z, (zip_uint64_t)idx, store ? ZIP_CM_STORE : ZIP_CM_DEFLATE,
                                 store ? 0 : 9) != 0 ||
        zip_file_set_mtime(z, (zip_uint64_t)idx, 1764892800, 0) != 0) /* 2025-12-05 */
        die(zip_strerror(z));
}

int main(int argc, char **argv)
{
    bool store = false, no_document = false, raw = false;
    const char *out = NULL;
    zip_t *z;
    int err;
    char *data;
    size_t len;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--store") == 0)
            store = true;
        else if (strcmp(argv[i], "--no-document") == 0)
            no_document = true;
        else if (strcmp(argv[i], "--raw") == 0)
            raw = true;
        else if (argv[i][0] == '-' || out)
            die("usage: make_docx [--store] [--no-document] [--raw] OUT.docx < DESCRIPTION");
        else
            out = argv[i];
    }
    if (!out)
        die("usage: make_docx [--store] [--no-document] [--raw] OUT.docx < DESCRIPTION");
    LIBXML_TEST_VERSION
    z = zip_open(out, ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!z) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, err);
        fprintf(stderr, "make_docx: %s: %s\n", out, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return 1;
    }
    data = write_part(content_types, NULL, &len);
    add(z, "[Content_Types].xml", data, len, store);
    data = write_part(package_rels, NULL, &len);
    add(z, "_rels/.rels", data, len, store);
    if (!no_document) {
        data = raw ? read_all(stdin, &len) : write_part(document, stdin, &len);
        add(z, "word/document.xml", data, len, store);
    }
    data = write_part(document_rels, NULL, &len);
    add(z, "word/_rels/document.xml.rels", data, len, store);
    if (zip_close(z) != 0) {
        fprintf(stderr, "make_docx: %s: %s\n", out, zip_strerror(z));
        zip_discard(z);
        return 1;
    }
    xmlCleanupParser();
    return 0;
}
