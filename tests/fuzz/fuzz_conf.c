/* fuzz_conf.c — libFuzzer harness: the relayq.conf(5) parser (conf_parse,
 * the buffer entry point conf_load_file also uses).
 * Oracles beyond the sanitisers: a failure is EX_CONFIG with a message
 * that starts with the file name and holds no control character but TAB
 * (it is printed on a terminal); a text that parsed once parses again over the
 * result; every value in the result is one its key accepts. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/err.h"
#include "options/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_msg(const struct err *e)
{
	const unsigned char *p = (const unsigned char *)e->msg;

	if (e->code != EX_CONFIG || strncmp(e->msg, "fuzz.conf:", 10) != 0)
		abort();
	for (; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			abort();
}

static void
check_values(const struct conf *c)
{
	size_t i;

	if (c->domain != NULL && !conf_valid_domain(c->domain))
		abort();
	if (c->sender_address != NULL && !conf_valid_address(c->sender_address))
		abort();
	if (c->aliases == NULL || c->aliases[0] != '/' || c->spool_dir == NULL)
		abort();
	for (i = 0; i < c->masquerade.n; i++)
		if (!conf_valid_domain(c->masquerade.v[i]))
			abort();
	if (c->hop_limit < 1 || c->hop_limit > 1000 || c->connect_timeout < 0 ||
	    c->retry_max < 0)
		abort();
	/* Every enum key holds one of its named values. */
	if (c->delivery_mode < CONF_DELIVERY_BACKGROUND ||
	    c->delivery_mode > CONF_DELIVERY_DEFERRED ||
	    c->error_mode < CONF_ERRMODE_MAIL ||
	    c->error_mode > CONF_ERRMODE_MAIL_EXIT0 ||
	    c->ip_family < CONF_FAMILY_ANY || c->ip_family > CONF_FAMILY_IPV6 ||
	    c->tls < CONF_TLS_AUTO || c->tls > CONF_TLS_NONE ||
	    c->tls_min_version < CONF_TLS_MIN_1_2 ||
	    c->tls_min_version > CONF_TLS_MIN_1_3 ||
	    c->auth_plaintext < CONF_PLAINTEXT_VERIFIED_TLS ||
	    c->auth_plaintext > CONF_PLAINTEXT_ALWAYS ||
	    c->oauth_provider < CONF_OAUTH_NONE ||
	    c->oauth_provider > CONF_OAUTH_CUSTOM ||
	    c->eightbit_mode < CONF_EIGHTBIT_PASS ||
	    c->eightbit_mode > CONF_EIGHTBIT_STRICT)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	struct err e;

	conf_init(&c);
	if (conf_parse(&c, "fuzz.conf", (const char *)data, size, &e) < 0) {
		check_msg(&e);
	} else {
		check_values(&c);
		/* Each key once per file: the same text parses again. */
		if (conf_parse(&c, "fuzz.conf", (const char *)data, size, &e) <
		    0)
			abort();
		check_values(&c);
	}
	conf_free(&c);
	return 0;
}
