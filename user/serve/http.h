/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * --serve ADDR:PORT: Prometheus text exposition at /metrics (libmicrohttpd, its own
 * thread). The caller publishes a complete exposition whenever it has a new one, or when
 * a scrape asks for one (serve__on_demand); each scrape gets the latest. Every other path is 404, every method but GET and HEAD 405.
 */
#ifndef LEAKBPF_SERVE_HTTP_H
#define LEAKBPF_SERVE_HTTP_H

#include <stddef.h>

struct metrics_server;

/*
 * Parse "ADDR:PORT", ":PORT" or "PORT" (loopback then), "[V6ADDR]:PORT"; 0 or -EINVAL.
 * addr gets the numeric address.
 */
int serve__parse_addr(const char *spec, char *addr, size_t size, unsigned short *port);
/*
 * Listen on spec; NULL with errno set (EADDRINUSE, EACCES, EINVAL, ENOTSUP...), once it
 * has said why on stderr.
 */
struct metrics_server *serve__start(const char *spec);
/* Replace what /metrics serves with a copy of text (len bytes); 0 or -ENOMEM. */
int serve__publish(struct metrics_server *s, const char *text, size_t len);
/*
 * From now on, each scrape asks for a fresh exposition and waits up to wait_ms for it:
 * the fd returned becomes readable when one is asked for. The owner then calls
 * serve__demanded(), builds, and publishes with serve__publish(). -errno on failure.
 */
int serve__on_demand(struct metrics_server *s, unsigned int wait_ms);
/* Take the demands waiting (clears the fd); what is published next answers them. */
void serve__demanded(struct metrics_server *s);
/* Scrapes answered so far. */
unsigned long serve__scrapes(struct metrics_server *s);
void serve__stop(struct metrics_server *s);

#endif
