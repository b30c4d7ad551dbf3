/* The hash set of util/hashset.h: linear probing in a power-of-two table. */
#include "util/hashset.h"

#include <stdlib.h>

int hash_set_init(struct hash_set *set, size_t items, int (*equal)(const void *a, const void *b))
{
    set->cap = 16;
    while (set->cap < items * 2)
        set->cap *= 2;
    set->equal = equal;
    set->slots = calloc(set->cap, sizeof(*set->slots));
    return set->slots ? 0 : -1;
}

void hash_set_free(struct hash_set *set)
{
    free(set->slots);
    set->slots = NULL;
}

const void *hash_set_find(struct hash_set *set, uint64_t key, const void *item, int add)
{
    size_t i = (size_t)key & (set->cap - 1);

    while (set->slots[i].item) {
        if (set->slots[i].key == key && set->equal(set->slots[i].item, item))
            return set->slots[i].item;
        i = (i + 1) & (set->cap - 1);
    }
    if (add) {
        set->slots[i].key = key;
        set->slots[i].item = item;
    }
    return NULL;
}
