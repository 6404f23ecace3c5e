// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <math.h>
#include "app/rounds.h"

void round_clock__init(struct round_clock *c, uint64_t start_ns, double interval_s,
		       double duration_s)
{
	c->start_ns = start_ns;
	c->interval_ns = interval_s > 0 ? interval_s * 1e9 : 0;
	/* rounded, not truncated: -d 0.9 -i 0.3 must put round 3 exactly on the deadline */
	c->deadline_ns = duration_s > 0 ? start_ns + llround(duration_s * 1e9) : UINT64_MAX;
	c->next = 1;
}

uint64_t round_clock__due(const struct round_clock *c, uint64_t k)
{
	double slack = fmin(ROUND_SLACK_NS, c->interval_ns / 2);
	uint64_t due;

	if (!c->interval_ns)
		return UINT64_MAX;
	due = c->start_ns + llround(k * c->interval_ns);
	if (c->deadline_ns != UINT64_MAX && due + slack >= c->deadline_ns)
		return UINT64_MAX;
	return due;
}

uint64_t round_clock__next_due(const struct round_clock *c)
{
	return round_clock__due(c, c->next);
}

void round_clock__advance(struct round_clock *c, uint64_t now)
{
	if (!c->interval_ns)
		return;
	if (now >= c->start_ns)
		c->next = (uint64_t)((now - c->start_ns) / c->interval_ns) + 1;
	/* the round just printed may have been due a hair after now by rounding */
	while (c->start_ns + llround(c->next * c->interval_ns) <= now)
		c->next++;
}

bool round_clock__ended(const struct round_clock *c, uint64_t now)
{
	return now >= c->deadline_ns;
}
