/* One DNS query and its answer, sent by hand because ldns_resolver_send
 * takes the first datagram that arrives on its socket, from anyone, with
 * any id, QR clear or a question of someone else's: a spoofed answer would
 * make `dns check` pass. Here the socket is connected (the kernel drops
 * datagrams from other addresses and ports), and every datagram is checked
 * against the query before it counts; one that does not match is dropped
 * and the wait goes on until the same deadline as before. */
#include "dns/exchange.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns/dns.h"

/* A datagram is at most this long (the UDP payload limit). */
#define WIRE_MAX 65535

/* What one query is matched against, and what was dropped on the way. */
struct exchange {
    const ldns_rdf *qname;
    ldns_rr_type type;
    uint16_t id;
    ldns_buffer *query; /* the query's wire form */
    uint8_t *wire;      /* WIRE_MAX bytes for what comes back */
    unsigned dropped;
    char dropped_why[64]; /* the first reason */
};

const char *dns_answer_mismatch(const ldns_pkt *pkt, uint16_t id, const ldns_rdf *qname,
                                ldns_rr_type type)
{
    const ldns_rr *question;

    if (ldns_pkt_id(pkt) != id)
        return "a wrong transaction id";
    if (!ldns_pkt_qr(pkt))
        return "QR=0, a query and not an answer";
    if (ldns_pkt_get_opcode(pkt) != LDNS_PACKET_QUERY)
        return "another opcode";
    if (ldns_pkt_qdcount(pkt) != 1 || ldns_rr_list_rr_count(ldns_pkt_question(pkt)) != 1)
        return "not exactly one question";
    question = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
    if (ldns_dname_compare(ldns_rr_owner(question), qname) != 0 ||
        ldns_rr_get_type(question) != type || ldns_rr_get_class(question) != LDNS_RR_CLASS_IN)
        return "another question";
    return NULL;
}

/* Milliseconds left until deadline (0 when it has passed). */
static int ms_left(const struct timespec *deadline)
{
    struct timespec now;
    long long ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
         (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return ms > 0 ? (int)ms : 0;
}

/* Waits until fd is ready for events or the deadline passes: 1 ready, 0 not. */
static int wait_for(int fd, short events, const struct timespec *deadline)
{
    struct pollfd pfd = {.fd = fd, .events = events};
    int left, n;

    do {
        left = ms_left(deadline);
        n = poll(&pfd, 1, left);
    } while (n < 0 && errno == EINTR && left > 0);
    return n > 0;
}

/* The packet in len bytes of x->wire if it answers the query, else NULL
 * (counted as dropped, with its reason). */
static ldns_pkt *take(struct exchange *x, size_t len)
{
    ldns_pkt *pkt = NULL;
    const char *why = "not a DNS message";

    if (ldns_wire2pkt(&pkt, x->wire, len) == LDNS_STATUS_OK &&
        !(why = dns_answer_mismatch(pkt, x->id, x->qname, x->type)))
        return pkt;
    ldns_pkt_free(pkt);
    if (x->dropped++ == 0)
        snprintf(x->dropped_why, sizeof(x->dropped_why), "%s", why);
    return NULL;
}

static int open_connected(const struct sockaddr_storage *to, socklen_t to_len, int type)
{
    int fd = socket(to->ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

    if (fd < 0)
        return -1;
    if (connect(fd, (const struct sockaddr *)to, to_len) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads exactly len bytes from a stream before the deadline: 0, or -1. */
static int read_full(int fd, uint8_t *buf, size_t len, const struct timespec *deadline)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n;

        if (!wait_for(fd, POLLIN, deadline))
            return -1;
        n = recv(fd, buf + got, len - got, 0);
        if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN)))
            return -1;
        if (n > 0)
            got += (size_t)n;
    }
    return 0;
}

/* The query over TCP (two length octets, then the message), for an answer
 * that came back truncated; DNS_QUERY_TIMEOUT seconds for all of it. */
static ldns_pkt *over_tcp(struct exchange *x, const struct sockaddr_storage *to, socklen_t to_len)
{
    struct timespec deadline;
    size_t qlen = ldns_buffer_position(x->query);
    uint8_t len2[2] = {(uint8_t)(qlen >> 8), (uint8_t)qlen};
    ldns_pkt *pkt = NULL;
    int fd = open_connected(to, to_len, SOCK_STREAM), err = 0;
    socklen_t err_len = sizeof(err);

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += DNS_QUERY_TIMEOUT;
    if (fd < 0 || !wait_for(fd, POLLOUT, &deadline) ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) < 0 || err != 0)
        goto cleanup;
    if (send(fd, len2, 2, MSG_NOSIGNAL | MSG_MORE) != 2 ||
        send(fd, ldns_buffer_begin(x->query), qlen, MSG_NOSIGNAL) != (ssize_t)qlen)
        goto cleanup;
    if (read_full(fd, len2, 2, &deadline) < 0 ||
        read_full(fd, x->wire, (size_t)len2[0] << 8 | len2[1], &deadline) < 0)
        goto cleanup;
    pkt = take(x, (size_t)len2[0] << 8 | len2[1]);
cleanup:
    if (fd >= 0)
        close(fd);
    return pkt;
}

/* One query to one server, waiting DNS_QUERY_TIMEOUT seconds for an answer
 * that matches it. */
static ldns_pkt *over_udp(struct exchange *x, const struct sockaddr_storage *to, socklen_t to_len)
{
    struct timespec deadline;
    ldns_pkt *pkt = NULL;
    int fd = open_connected(to, to_len, SOCK_DGRAM);
    size_t qlen = ldns_buffer_position(x->query);

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += DNS_QUERY_TIMEOUT;
    if (fd < 0 || send(fd, ldns_buffer_begin(x->query), qlen, 0) != (ssize_t)qlen)
        goto cleanup;
    while (!pkt && wait_for(fd, POLLIN, &deadline)) {
        ssize_t n = recv(fd, x->wire, WIRE_MAX, 0);

        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0) /* ECONNREFUSED: nothing listens there */
            break;
        pkt = take(x, (size_t)n);
    }
    if (pkt && ldns_pkt_tc(pkt)) {
        ldns_pkt_free(pkt);
        pkt = over_tcp(x, to, to_len);
    }
cleanup:
    if (fd >= 0)
        close(fd);
    return pkt;
}

/* x->query: a new query with a fresh random id. 0, or -1. */
static int make_query(struct exchange *x)
{
    ldns_rdf *name = ldns_rdf_clone(x->qname);
    ldns_pkt *query = name ? ldns_pkt_query_new(name, x->type, LDNS_RR_CLASS_IN, LDNS_RD) : NULL;
    int ret = -1;

    if (!query || getrandom(&x->id, sizeof(x->id), 0) != (ssize_t)sizeof(x->id))
        goto cleanup;
    ldns_pkt_set_id(query, x->id);
    ldns_buffer_clear(x->query);
    if (ldns_pkt2buffer_wire(x->query, query) != LDNS_STATUS_OK)
        goto cleanup;
    ret = 0;
cleanup:
    if (query)
        ldns_pkt_free(query);
    else
        ldns_rdf_deep_free(name);
    return ret;
}

ldns_pkt *dns_exchange(const ldns_resolver *res, const char *desc, const ldns_rdf *qname,
                       ldns_rr_type type, char *why, size_t why_len)
{
    struct exchange x = {.qname = qname, .type = type};
    ldns_rdf **servers = ldns_resolver_nameservers(res);
    size_t n_servers = ldns_resolver_nameserver_count(res);
    ldns_pkt *pkt = NULL;

    x.query = ldns_buffer_new(LDNS_MIN_BUFLEN);
    x.wire = malloc(WIRE_MAX);
    if (!x.query || !x.wire) {
        snprintf(why, why_len, "cannot make a query: out of memory");
        goto cleanup;
    }
    for (int attempt = 0; attempt < DNS_QUERY_TRIES && !pkt; attempt++) {
        for (size_t i = 0; i < n_servers && !pkt; i++) {
            size_t to_len = 0;
            struct sockaddr_storage *to =
                ldns_rdf2native_sockaddr_storage(servers[i], ldns_resolver_port(res), &to_len);

            if (to && make_query(&x) == 0)
                pkt = over_udp(&x, to, (socklen_t)to_len);
            free(to);
        }
    }
    if (!pkt) {
        int used = snprintf(why, why_len,
                            "no answer from %s (%d tries, %d s each): timed out, or the server "
                            "is unreachable",
                            desc, DNS_QUERY_TRIES, DNS_QUERY_TIMEOUT);

        if (x.dropped && used > 0 && (size_t)used < why_len)
            snprintf(why + used, why_len - (size_t)used,
                     "; dropped %u answer%s not matching the query (%s)", x.dropped,
                     x.dropped == 1 ? "" : "s", x.dropped_why);
    }
cleanup:
    ldns_buffer_free(x.query);
    free(x.wire);
    return pkt;
}
