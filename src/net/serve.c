/* The http-01 responder: libmicrohttpd serves, this file decides what. The
 * listening socket is made here so that a port in use is reported in the
 * system's words. */
#include "net/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#define CHALLENGE_PREFIX "/.well-known/acme-challenge/"

struct net_responder {
    struct MHD_Daemon *daemon;
    int fd;
    struct net_challenge *challenges; /* own copies */
    size_t n;
    atomic_uint answers;
};

int net_listen_parse(const char *text, void *addr, size_t addr_size, unsigned *addr_len, char *why,
                     size_t why_len)
{
    char host[64];
    const char *colon, *port_text;
    char *end;
    long port;
    size_t host_len;

    memset(addr, 0, addr_size);
    if (text[0] == '[') {
        const char *close = strchr(text, ']');

        if (!close || close[1] != ':') {
            snprintf(why, why_len, "\"%s\" is not [ADDRESS]:PORT", text);
            return -1;
        }
        host_len = (size_t)(close - text - 1);
        memcpy(host, text + 1, host_len < sizeof(host) ? host_len : 0);
        port_text = close + 2;
    } else {
        if (!(colon = strrchr(text, ':')) || strchr(text, ':') != colon) {
            snprintf(why, why_len, "\"%s\" is not ADDRESS:PORT", text);
            return -1;
        }
        host_len = (size_t)(colon - text);
        memcpy(host, text, host_len < sizeof(host) ? host_len : 0);
        port_text = colon + 1;
    }
    if (host_len == 0 || host_len >= sizeof(host)) {
        snprintf(why, why_len, "\"%s\" has no address before the port", text);
        return -1;
    }
    host[host_len] = '\0';
    port = strtol(port_text, &end, 10);
    if (!*port_text || *end || port < 1 || port > 65535) {
        snprintf(why, why_len, "the port of \"%s\" is not a number from 1 to 65535", text);
        return -1;
    }
    if (addr_size >= sizeof(struct sockaddr_in6) && strchr(host, ':')) {
        struct sockaddr_in6 *a6 = addr;

        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *addr_len = sizeof(*a6);
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1)
            return 0;
    } else if (addr_size >= sizeof(struct sockaddr_in)) {
        struct sockaddr_in *a4 = addr;

        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *addr_len = sizeof(*a4);
        if (inet_pton(AF_INET, host, &a4->sin_addr) == 1)
            return 0;
    }
    snprintf(why, why_len, "\"%s\" is not an IP address", host);
    return -1;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state)
{
    static const char not_found[] = "not found\n";
    struct net_responder *r = cls;
    const char *body = not_found;
    unsigned status = MHD_HTTP_NOT_FOUND;
    struct MHD_Response *resp;
    enum MHD_Result queued;

    (void)version;
    (void)upload;
    (void)upload_size;
    (void)state;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        body = "only GET\n";
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
    } else if (strncmp(url, CHALLENGE_PREFIX, sizeof(CHALLENGE_PREFIX) - 1) == 0) {
        const char *token = url + sizeof(CHALLENGE_PREFIX) - 1;

        for (size_t i = 0; i < r->n; i++)
            if (strcmp(token, r->challenges[i].token) == 0) {
                body = r->challenges[i].key_authorization;
                status = MHD_HTTP_OK;
                atomic_fetch_add(&r->answers, 1);
                break;
            }
    }
    resp = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type",
                            status == MHD_HTTP_OK ? "application/octet-stream" : "text/plain");
    queued = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return queued;
}

static int copy_challenges(struct net_responder *r, const struct net_challenge *challenges,
                           size_t n)
{
    if (!(r->challenges = calloc(n ? n : 1, sizeof(*r->challenges))))
        return -1;
    for (; r->n < n; r->n++) {
        r->challenges[r->n].token = strdup(challenges[r->n].token);
        r->challenges[r->n].key_authorization = strdup(challenges[r->n].key_authorization);
        if (!r->challenges[r->n].token || !r->challenges[r->n].key_authorization) {
            r->n++;
            return -1;
        }
    }
    return 0;
}

static int open_socket(const char *listen_text, char *why, size_t why_len)
{
    struct sockaddr_storage addr;
    unsigned addr_len = 0;
    int fd, one = 1;

    if (net_listen_parse(listen_text, &addr, sizeof(addr), &addr_len, why, why_len) < 0)
        return -1;
    if ((fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&addr, addr_len) < 0 || listen(fd, 16) < 0) {
        snprintf(why, why_len, "cannot listen on %s: %s", listen_text, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

struct net_responder *net_responder_start(const char *listen_text,
                                          const struct net_challenge *challenges, size_t n,
                                          char *why, size_t why_len)
{
    struct net_responder *r = calloc(1, sizeof(*r));
    sigset_t block, saved;

    if (!r || copy_challenges(r, challenges, n) < 0) {
        snprintf(why, why_len, "out of memory");
        net_responder_stop(r);
        return NULL;
    }
    if ((r->fd = open_socket(listen_text, why, why_len)) < 0) {
        net_responder_stop(r);
        return NULL;
    }
    /* The server's thread inherits this mask: signals stay with the main
     * thread, which cleans up. */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &saved);
    r->daemon =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, answer, r,
                         MHD_OPTION_LISTEN_SOCKET, r->fd, MHD_OPTION_CONNECTION_TIMEOUT,
                         (unsigned)10, MHD_OPTION_CONNECTION_LIMIT, (unsigned)32, MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (!r->daemon) {
        snprintf(why, why_len, "cannot start the HTTP server on %s", listen_text);
        net_responder_stop(r);
        return NULL;
    }
    return r;
}

unsigned net_responder_answers(const struct net_responder *r)
{
    return atomic_load(&((struct net_responder *)r)->answers);
}

void net_responder_stop(struct net_responder *r)
{
    if (!r)
        return;
    if (r->daemon)
        MHD_stop_daemon(r->daemon); /* it closes the listening socket */
    else if (r->fd > 0)
        close(r->fd);
    for (size_t i = 0; i < r->n; i++) {
        free((char *)r->challenges[i].token);
        free((char *)r->challenges[i].key_authorization);
    }
    free(r->challenges);
    free(r);
}
