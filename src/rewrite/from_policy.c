/* from_policy.c — one sender for all mail (see from_policy.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/xalloc.h"
#include "message/addr.h"
#include "rewrite/from_policy.h"

char *
from_policy_sender(const char *address, const char *sender)
{
	if (address == NULL || sender[0] == '\0')
		return xstrdup(sender);
	return xstrdup(address);
}

/* 1 when the list is exactly one mailbox whose address is address. */
static int
already(const struct addr_list *l, const char *address)
{
	char *spec;
	int same;

	if (l->n != 1 || l->v[0].domain == NULL)
		return 0;
	spec = addr_format_spec(l->v[0].local, l->v[0].domain);
	same = strcasecmp(spec, address) == 0;
	free(spec);
	return same;
}

int
from_policy_headers(struct header_list *hl, const char *address)
{
	struct addr_list l = ADDR_LIST_INIT;
	struct addr_mailbox mb, to;
	struct err e;
	size_t at, vlen;
	const char *value;
	char *old = NULL, *shown;
	int parsed;

	at = headers_find(hl, "From", 0);
	if (at == HEADERS_NONE)
		return 0;
	value = headers_value(&hl->v[at]);
	vlen = hl->v[at].len - hl->v[at].value_off;
	parsed = addr_parse_list(value, vlen, &l, &e) > 0;
	if (parsed && already(&l, address) && headers_count(hl, "From") == 1) {
		addr_list_free(&l);
		return 0;
	}
	/* The original value as written (folding kept), for Reply-To. */
	if (parsed)
		old = xstrndup(value, vlen);
	memset(&mb, 0, sizeof(mb));
	if (addr_parse_sender(address, &to, &e) == 0) {
		mb.local = to.local;
		mb.domain = to.domain;
	} else {
		memset(&to, 0, sizeof(to));
		mb.local = (char *)address; /* conf_valid_address() let it in */
	}
	mb.display = parsed ? l.v[0].display : NULL;
	shown = addr_format_mailbox(&mb);
	addr_mailbox_free(&to);
	headers_remove(hl, "From");
	headers_remove(hl, "Sender");
	at = at > hl->n ? hl->n : at;
	headers_insert_field(hl, at, "From", shown);
	if (old != NULL && !already(&l, address) &&
	    headers_find(hl, "Reply-To", 0) == HEADERS_NONE) {
		char *raw = xasprintf("Reply-To:%s%s", old,
		    old[0] != '\0' && old[vlen - 1] == '\n' ? "" : "\n");

		headers_insert(hl, at + 1, "Reply-To", raw, strlen(raw),
		    strlen("Reply-To") + 1);
		free(raw);
	}
	free(shown);
	free(old);
	addr_list_free(&l);
	return 1;
}
