/* Files embedded in the binaries at build time (scripts/gen-embed). */
#ifndef MDT_EMBED_H
#define MDT_EMBED_H

#include <stddef.h>

struct mdt_embed {
    const char *name;           /* base name, e.g. "0001-init.sql" */
    const unsigned char *start; /* NUL-terminated contents */
    const unsigned char *end;   /* one past the terminating NUL */
};

static inline size_t mdt_embed_len(const struct mdt_embed *e)
{
    return (size_t)(e->end - e->start) - 1;
}

/* Tables end with an entry whose name is NULL; entries are in name order. */
extern const struct mdt_embed mdt_lexicon[]; /* the files of lib/data/ ending .txt */
extern const struct mdt_embed mdt_schema[];  /* the migrations in schema/ (mdtd only) */

/* Borrowed: the entry named NAME in TABLE, or NULL. */
const struct mdt_embed *mdt_embed_find(const struct mdt_embed *table, const char *name);

#endif
