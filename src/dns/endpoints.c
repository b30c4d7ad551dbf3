/* The endpoints file: which host each region's custom domains point at.
 * "REGION HOST" a line, '#' starts a comment, blank lines ignored. Parsing is
 * pure (text in, entries or "FILE:LINE: reason" out); reading the file and
 * finding the default one are the only I/O here. */
#include "dns/dns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/datafile.h"
#include "util/readfile.h"

#ifndef P11CERT_ENDPOINTS
#define P11CERT_ENDPOINTS "/usr/local/share/p11cert/endpoints"
#endif

#define ENDPOINTS_MAX_SIZE (1024 * 1024)
#define REGION_MAX         63

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Regions are short words: letters, digits, '-', '_' and '.'. */
static int region_check(const char *region, size_t len, char *why, size_t why_len)
{
    if (len > REGION_MAX) {
        snprintf(why, why_len, "region \"%.20s...\" is longer than %d characters", region,
                 REGION_MAX);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)region[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.')) {
            snprintf(why, why_len,
                     "region \"%.*s\" contains '%c' (only letters, digits, '-', '_' and '.')",
                     (int)len, region, c >= 0x20 && c < 0x7f ? c : '?');
            return -1;
        }
    }
    return 0;
}

/* Splits one line (comment already cut) into at most 3 words; returns how
 * many it found (3 means "too many"). */
static int split_words(const char *line, size_t len, const char *word[3], size_t word_len[3])
{
    size_t pos = 0;
    int n = 0;

    while (n < 3) {
        while (pos < len && is_blank(line[pos]))
            pos++;
        if (pos == len)
            break;
        word[n] = line + pos;
        while (pos < len && !is_blank(line[pos]))
            pos++;
        word_len[n] = (size_t)(line + pos - word[n]);
        n++;
    }
    return n;
}

static int add_entry(struct dns_endpoints *eps, const char *region, size_t region_len,
                     const char *host, unsigned line)
{
    struct dns_endpoint *grown = realloc(eps->entries, (eps->count + 1) * sizeof(*grown));

    if (!grown)
        return -1;
    eps->entries = grown;
    grown[eps->count].region = strndup(region, region_len);
    grown[eps->count].host = strdup(host);
    grown[eps->count].line = line;
    eps->count++;
    if (!grown[eps->count - 1].region || !grown[eps->count - 1].host)
        return -1;
    return 0;
}

static const struct dns_endpoint *find_region(const struct dns_endpoints *eps, const char *region,
                                              size_t len)
{
    for (size_t i = 0; i < eps->count; i++)
        if (strlen(eps->entries[i].region) == len &&
            strncasecmp(eps->entries[i].region, region, len) == 0)
            return &eps->entries[i];
    return NULL;
}

/* Parses one line; returns 0 (entry added or nothing there) or -1 with why
 * (without the "FILE:LINE: " prefix). */
static int parse_line(struct dns_endpoints *eps, const char *line, size_t len, unsigned number,
                      char *why, size_t why_len)
{
    const char *word[3], *hash = memchr(line, '#', len);
    size_t word_len[3];
    char host_text[DNS_NAME_SIZE], host[DNS_NAME_SIZE], reason[256];
    const struct dns_endpoint *seen;
    int n;

    if (hash)
        len = (size_t)(hash - line);
    if (memchr(line, '\0', len)) {
        snprintf(why, why_len, "a NUL byte (not a text file?)");
        return -1;
    }
    n = split_words(line, len, word, word_len);
    if (n == 0)
        return 0;
    if (n != 2) {
        snprintf(why, why_len, "expected \"REGION HOST\", found %s",
                 n == 1 ? "one word" : "more than two words");
        return -1;
    }
    if (region_check(word[0], word_len[0], why, why_len) < 0)
        return -1;
    if (word_len[1] >= sizeof(host_text)) {
        snprintf(why, why_len, "host \"%.20s...\" is longer than 253 characters", word[1]);
        return -1;
    }
    memcpy(host_text, word[1], word_len[1]);
    host_text[word_len[1]] = '\0';
    if (dns_name_normalize(host_text, host, reason, sizeof(reason)) < 0) {
        snprintf(why, why_len, "host \"%.100s\": %.200s", host_text, reason);
        return -1;
    }
    if ((seen = find_region(eps, word[0], word_len[0]))) {
        snprintf(why, why_len, "region \"%.*s\" is already defined on line %u", (int)word_len[0],
                 word[0], seen->line);
        return -1;
    }
    if (add_entry(eps, word[0], word_len[0], host, number) < 0) {
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    return 0;
}

int dns_endpoints_parse(const char *text, size_t len, const char *name, struct dns_endpoints *out,
                        char *why, size_t why_len)
{
    size_t pos = 0;
    unsigned number = 0;
    char reason[512];

    memset(out, 0, sizeof(*out));
    /* A UTF-8 byte-order mark, as some editors write one. */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - line) : len - pos;

        number++;
        if (parse_line(out, line, line_len, number, reason, sizeof(reason)) < 0) {
            snprintf(why, why_len, "%s:%u: %s", name, number, reason);
            dns_endpoints_free(out);
            return -1;
        }
        pos += line_len + 1;
    }
    return 0;
}

int dns_endpoints_read(const char *path, struct dns_endpoints *out, char *why, size_t why_len)
{
    struct file_data file;
    char reason[256];
    int ret;

    memset(out, 0, sizeof(*out));
    if (file_read_all(path, ENDPOINTS_MAX_SIZE, &file, reason, sizeof(reason)) < 0) {
        snprintf(why, why_len, "cannot read \"%s\": %s", path, reason);
        return -1;
    }
    ret = dns_endpoints_parse((const char *)file.data, file.len, path, out, why, why_len);
    file_data_free(&file);
    return ret;
}

const char *dns_endpoints_lookup(const struct dns_endpoints *eps, const char *region)
{
    const struct dns_endpoint *e = find_region(eps, region, strlen(region));

    return e ? e->host : NULL;
}

char *dns_endpoints_regions(const struct dns_endpoints *eps)
{
    size_t size = 1;
    char *list;

    for (size_t i = 0; i < eps->count; i++)
        size += strlen(eps->entries[i].region) + 2;
    list = malloc(size);
    if (!list)
        return NULL;
    list[0] = '\0';
    for (size_t i = 0; i < eps->count; i++) {
        if (i > 0)
            strcat(list, ", ");
        strcat(list, eps->entries[i].region);
    }
    return list;
}

char *dns_endpoints_default_path(void)
{
    return datafile_path(P11CERT_ENDPOINTS, "data/endpoints");
}

void dns_endpoints_free(struct dns_endpoints *eps)
{
    for (size_t i = 0; i < eps->count; i++) {
        free(eps->entries[i].region);
        free(eps->entries[i].host);
    }
    free(eps->entries);
    eps->entries = NULL;
    eps->count = 0;
}
