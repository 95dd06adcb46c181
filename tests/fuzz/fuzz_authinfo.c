/* fuzz_authinfo.c — libFuzzer harness: the authinfo parser.
 * Oracles beyond the sanitisers: after a failure the table is empty again
 * (authinfo.h) and the message names the file and the line; after a
 * success every entry has a login and a secret, and looking up an entry's
 * own host and port finds an entry for that host and port. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "auth/authinfo.h"
#include "lib/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct authinfo ai = AUTHINFO_INIT;
	const struct authinfo_entry *en, *f;
	struct err e;
	size_t i;

	if (authinfo_parse(&ai, "fuzz-authinfo", (const char *)data, size, &e) <
	    0) {
		if (ai.v != NULL || ai.n != 0 || ai.path != NULL ||
		    e.code != EX_CONFIG ||
		    strncmp(e.msg, "fuzz-authinfo line ", 19) != 0)
			abort();
		return 0;
	}
	for (i = 0; i < ai.n; i++) {
		en = &ai.v[i];
		if (en->login == NULL || en->secret == NULL ||
		    en->secret[0] == '\0')
			abort();
		f = authinfo_find(&ai, en->host, en->port);
		if (f == NULL || f->port != en->port ||
		    (en->host == NULL) != (f->host == NULL) ||
		    (en->host != NULL && strcmp(en->host, f->host) != 0))
			abort();
	}
	authinfo_free(&ai);
	if (ai.v != NULL || ai.n != 0 || ai.path != NULL)
		abort();
	return 0;
}
