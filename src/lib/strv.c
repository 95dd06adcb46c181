/* strv.c — vector of owned strings (see strv.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/strv.h"
#include "lib/xalloc.h"

void
strv_take(struct strv *sv, char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 8;
		sv->v = xreallocarray(sv->v, sv->cap, sizeof(*sv->v));
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void
strv_add(struct strv *sv, const char *s)
{
	strv_take(sv, xstrdup(s));
}

int
strv_contains(const struct strv *sv, const char *s, int icase)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if ((icase ? strcasecmp(sv->v[i], s) : strcmp(sv->v[i], s)) ==
		    0)
			return 1;
	return 0;
}

void
strv_free(struct strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}
