#include <string.h>

#include "embed.h"

const struct mdt_embed *mdt_embed_find(const struct mdt_embed *table, const char *name)
{
    for (; table->name; table++)
        if (strcmp(table->name, name) == 0)
            return table;
    return NULL;
}
