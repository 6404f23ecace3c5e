// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "base/log.h"
#include "base/util.h"
#include "serve/http.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

int serve__parse_addr(const char *spec, char *addr, size_t size, unsigned short *port)
{
	const char *colon = strrchr(spec, ':'), *p = colon ? colon + 1 : spec;
	size_t alen = colon ? (size_t)(colon - spec) : 0;
	char *end;
	long n;

	errno = 0;
	n = strtol(p, &end, 10);
	if (!*p || *end || errno || n < 1 || n > 65535)
		return -EINVAL;
	*port = n;
	if (alen >= 2 && spec[0] == '[' && spec[alen - 1] == ']') {
		spec++;
		alen -= 2;
	}
	if (!alen) {
		/* no address: loopback, never every interface by surprise */
		snprintf(addr, size, "127.0.0.1");
		return 0;
	}
	if (alen >= size)
		return -EINVAL;
	memcpy(addr, spec, alen);
	addr[alen] = '\0';
	return 0;
}

/* Bound by leakbpf itself, so that a taken port or a bad address says why. */
static int listen_on(const char *addr, unsigned short port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	bool v6 = strchr(addr, ':') != NULL;
	int fd, one = 1;

	if (v6 ? inet_pton(AF_INET6, addr, &sin6.sin6_addr) != 1
	       : inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		return -EINVAL;
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if ((v6 ? bind(fd, (struct sockaddr *)&sin6, sizeof(sin6))
		: bind(fd, (struct sockaddr *)&sin, sizeof(sin))) ||
	    listen(fd, 64)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

#ifdef LEAKBPF_NO_HTTP

/*
 * make static: libmicrohttpd's static archive needs GnuTLS's, which Debian does not ship.
 * A bad address or a taken port still says so first.
 */
static struct metrics_server *start_server(const char *spec)
{
	unsigned short port;
	char addr[64];
	int fd;

	fd = serve__parse_addr(spec, addr, sizeof(addr), &port);
	if (!fd)
		fd = listen_on(addr, port);
	if (fd >= 0) {
		close(fd);
		fd = -ENOTSUP;
	}
	errno = -fd;
	return NULL;
}

int serve__publish(struct metrics_server *s, const char *text, size_t len)
{
	return -ENOTSUP;
}

int serve__on_demand(struct metrics_server *s, unsigned int wait_ms)
{
	return -ENOTSUP;
}

void serve__demanded(struct metrics_server *s)
{
}

unsigned long serve__scrapes(struct metrics_server *s)
{
	return 0;
}

void serve__stop(struct metrics_server *s)
{
}

#else
#include <dlfcn.h>
#include <microhttpd.h>
#include <time.h>
#include <sys/eventfd.h>

/*
 * libmicrohttpd, opened when --serve is given: linked in, it and the TLS stack it brings
 * (GnuTLS, p11-kit...) would stay resident in every run, a few MiB that a run without
 * --serve has no use for.
 */
static struct {
	struct MHD_Daemon *(*start_daemon)(unsigned int flags, uint16_t port,
					   MHD_AcceptPolicyCallback apc, void *apc_cls,
					   MHD_AccessHandlerCallback dh, void *dh_cls, ...);
	void (*stop_daemon)(struct MHD_Daemon *daemon);
	struct MHD_Response *(*response_from_buffer)(size_t size, void *buffer,
						     enum MHD_ResponseMemoryMode mode);
	enum MHD_Result (*add_header)(struct MHD_Response *response, const char *header,
				      const char *content);
	enum MHD_Result (*queue_response)(struct MHD_Connection *connection,
					  unsigned int status_code, struct MHD_Response *response);
	void (*destroy_response)(struct MHD_Response *response);
} mhd;

static int load_mhd(void)
{
	void *h;

	if (mhd.start_daemon)
		return 0;
	h = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -ENOTSUP;
	mhd.start_daemon = dlsym(h, "MHD_start_daemon");
	mhd.stop_daemon = dlsym(h, "MHD_stop_daemon");
	mhd.response_from_buffer = dlsym(h, "MHD_create_response_from_buffer");
	mhd.add_header = dlsym(h, "MHD_add_response_header");
	mhd.queue_response = dlsym(h, "MHD_queue_response");
	mhd.destroy_response = dlsym(h, "MHD_destroy_response");
	if (!mhd.start_daemon || !mhd.stop_daemon || !mhd.response_from_buffer ||
	    !mhd.add_header || !mhd.queue_response || !mhd.destroy_response) {
		mhd.start_daemon = NULL;
		return -ENOTSUP;
	}
	return 0;
}

struct metrics_server {
	struct MHD_Daemon *daemon;
	int fd;
	pthread_mutex_t lock;	/* the daemon's thread reads what the caller publishes */
	pthread_cond_t published;
	char *text;
	size_t len;
	unsigned long scrapes;
	/* on demand: a scrape's number, the last one the owner took, the last one answered */
	int demand_fd;		/* -1: not on demand */
	unsigned int wait_ms;
	unsigned long asked, taken, answered;
};

/* On demand: ask the owner for an exposition newer than this scrape, and wait for it. */
static void wait_fresh(struct metrics_server *s)
{
	unsigned long mine = ++s->asked;
	uint64_t one = 1;
	struct timespec until;

	if (write(s->demand_fd, &one, sizeof(one)) != sizeof(one))
		return;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += s->wait_ms / 1000;
	until.tv_nsec += (long)(s->wait_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	/* a slow owner: the latest there is, rather than a failed scrape */
	while (s->answered < mine &&
	       !pthread_cond_timedwait(&s->published, &s->lock, &until))
		;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **req)
{
	struct metrics_server *s = cls;
	struct MHD_Response *resp;
	unsigned int status = MHD_HTTP_OK;
	enum MHD_Result ret;

	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		resp = mhd.response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	} else if (strcmp(url, "/metrics")) {
		static const char none[] = "leakbpf serves /metrics only\n";

		status = MHD_HTTP_NOT_FOUND;
		resp = mhd.response_from_buffer(sizeof(none) - 1, (void *)none,
						       MHD_RESPMEM_PERSISTENT);
	} else {
		pthread_mutex_lock(&s->lock);
		if (s->demand_fd >= 0)
			wait_fresh(s);
		resp = mhd.response_from_buffer(s->len, s->text ? s->text : "",
						       MHD_RESPMEM_MUST_COPY);
		s->scrapes++;
		pthread_mutex_unlock(&s->lock);
	}
	if (!resp)
		return MHD_NO;
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		mhd.add_header(resp, "Allow", "GET, HEAD");
	else
		mhd.add_header(resp, "Content-Type", status == MHD_HTTP_OK ? CONTENT_TYPE
										  : "text/plain");
	ret = mhd.queue_response(conn, status, resp);
	mhd.destroy_response(resp);
	return ret;
}

static struct metrics_server *start_server(const char *spec)
{
	struct metrics_server *s;
	pthread_condattr_t attr;
	unsigned short port;
	char addr[64];
	int err;

	err = serve__parse_addr(spec, addr, sizeof(addr), &port);
	if (err) {
		errno = -err;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->published, &attr);
	pthread_condattr_destroy(&attr);
	s->demand_fd = -1;
	s->fd = listen_on(addr, port);
	if (s->fd < 0) {
		err = s->fd;
		free(s);
		errno = -err;
		return NULL;
	}
	if (load_mhd()) {
		close(s->fd);
		free(s);
		errno = ELIBACC;
		return NULL;
	}
	/* a few scrapers at a time, none allowed to hold a connection for long */
	s->daemon = mhd.start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
				     answer, s, MHD_OPTION_LISTEN_SOCKET, s->fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)16,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
				     MHD_OPTION_END);
	if (!s->daemon) {
		close(s->fd);
		free(s);
		errno = EIO;
		return NULL;
	}
	return s;
}

int serve__publish(struct metrics_server *s, const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	pthread_mutex_lock(&s->lock);
	free(s->text);
	s->text = copy;
	s->len = len;
	s->answered = s->taken;
	pthread_cond_broadcast(&s->published);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int serve__on_demand(struct metrics_server *s, unsigned int wait_ms)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	pthread_mutex_lock(&s->lock);
	s->demand_fd = fd;
	s->wait_ms = wait_ms;
	pthread_mutex_unlock(&s->lock);
	return fd;
}

void serve__demanded(struct metrics_server *s)
{
	uint64_t n;

	pthread_mutex_lock(&s->lock);
	if (read(s->demand_fd, &n, sizeof(n)) == sizeof(n))
		s->taken = s->asked;
	pthread_mutex_unlock(&s->lock);
}

unsigned long serve__scrapes(struct metrics_server *s)
{
	unsigned long n;

	pthread_mutex_lock(&s->lock);
	n = s->scrapes;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void serve__stop(struct metrics_server *s)
{
	if (!s)
		return;
	mhd.stop_daemon(s->daemon);
	close(s->fd);
	if (s->demand_fd >= 0)
		close(s->demand_fd);
	pthread_cond_destroy(&s->published);
	pthread_mutex_destroy(&s->lock);
	free(s->text);
	free(s);
}
#endif

struct metrics_server *serve__start(const char *spec)
{
	struct metrics_server *s = start_server(spec);
	int err = errno;

	if (!s)
		elog("cannot serve metrics at %s (%s)", spec,
		     err == ENOTSUP ? "this leakbpf was built without libmicrohttpd" :
		     err == ELIBACC ? "libmicrohttpd.so.12 cannot be opened: install "
				      "libmicrohttpd12" : errstr(-err));
	errno = err;
	return s;
}
