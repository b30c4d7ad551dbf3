/* Small files read whole into memory, with a bound: certificate files,
 * token profiles, the endpoints file. The one place that opens, checks,
 * sizes and reads such a file (with EINTR retried), so every reader
 * refuses the same things in the same words. */
#ifndef P11CERT_UTIL_READFILE_H
#define P11CERT_UTIL_READFILE_H

#include <stddef.h>

struct file_data {
    unsigned char *data; /* NUL-terminated (not counted in len), so text can be parsed in place */
    size_t len;
};

/* Reads the regular file path, at most max bytes. Returns 0, or -1 with
 * the reason in why ("it is a directory", "not a regular file", "larger
 * than 16 MiB", or the system's error), for the caller to put after
 * "cannot read \"PATH\": ". */
int file_read_all(const char *path, size_t max, struct file_data *out, char *why, size_t why_len);

/* Wipes the bytes (a PKCS#12 file may hold a private key) and frees them;
 * safe on an empty file_data. */
void file_data_free(struct file_data *file);

#endif
