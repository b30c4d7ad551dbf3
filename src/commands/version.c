/* --version: p11cert's own version, then each library it runs with. The
 * version a library reports at run time where it has a call for it (the
 * shared object actually loaded, which may be newer than the headers);
 * p11-kit and libp11 have none, so theirs is what pkg-config said at build
 * time, and the line says so. */
#include "commands/cli-internal.h"

#include <stdio.h>

#include <curl/curl.h>
#include <jansson.h>
#include <ldns/ldns.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#ifndef P11CERT_VERSION
#define P11CERT_VERSION "0.0.0"
#endif
/* From the Makefile: pkg-config --modversion at build time. */
#ifndef P11CERT_BUILT_P11KIT
#define P11CERT_BUILT_P11KIT "unknown"
#endif
#ifndef P11CERT_BUILT_LIBP11
#define P11CERT_BUILT_LIBP11 "unknown"
#endif

#define AT_BUILD " (at build time: it has no call that tells its version)"

void cli_print_version(void)
{
    const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);

    printf("p11cert %s\n", P11CERT_VERSION);
    printf("OpenSSL %s\n", OpenSSL_version(OPENSSL_VERSION_STRING));
    printf("p11-kit %s" AT_BUILD "\n", P11CERT_BUILT_P11KIT);
    printf("libp11 %s" AT_BUILD "\n", P11CERT_BUILT_LIBP11);
    printf("ldns %s\n", ldns_version());
    printf("libcurl %s\n", curl && curl->version ? curl->version : "unknown");
    printf("jansson %s\n", jansson_version_str());
    printf("libmicrohttpd %s\n", MHD_get_version());
}
