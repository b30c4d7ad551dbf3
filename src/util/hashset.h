/* An open-addressing set of pointers keyed by a 64-bit hash, for finding
 * duplicates and lookups among thousands of items in linear time. The
 * caller's equal() makes the final decision, so colliding hashes cost time,
 * not correctness. The items stay the caller's. */
#ifndef P11CERT_UTIL_HASHSET_H
#define P11CERT_UTIL_HASHSET_H

#include <stddef.h>
#include <stdint.h>

struct hash_set {
    size_t cap; /* a power of two, at least twice the items */
    struct hash_slot {
        uint64_t key;
        const void *item;
    } * slots;
    int (*equal)(const void *a, const void *b);
};

/* Room for items (the table is at least twice that). Returns 0 or -1. */
int hash_set_init(struct hash_set *set, size_t items, int (*equal)(const void *a, const void *b));
void hash_set_free(struct hash_set *set);

/* The item already present that equals item, or NULL after adding item
 * (with add; add 0 only looks). */
const void *hash_set_find(struct hash_set *set, uint64_t key, const void *item, int add);

#endif
