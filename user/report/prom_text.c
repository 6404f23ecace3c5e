// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include "report/prom_text.h"

void prom__family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void prom__label_value(FILE *out, const char *v)
{
	fputc('"', out);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(out, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
	fputc('"', out);
}

void prom__series(FILE *out, const char *name, pid_t pid, const char *comm, const char *extra,
		  double v)
{
	fprintf(out, "%s{pid=\"%d\",comm=", name, pid);
	prom__label_value(out, comm);
	/* %.17g: a counter of 2^53 and beyond still prints every digit it has */
	fprintf(out, "%s%s} %.17g\n", extra ? "," : "", extra ? extra : "", v);
}
