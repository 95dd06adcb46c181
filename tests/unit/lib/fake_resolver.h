/* fake_resolver.h — an in-memory resolver for tests.
 *
 * Plugs into the resolver seam (struct resolver / resolver_ops of
 * src/transport/resolver.h) with a table of MX records, addresses and forced
 * failures, and counts the questions asked.  Answers and errors follow
 * the contract of resolver.h (EX_NOHOST for an unknown name or a null
 * MX, the configured code for a forced failure). */
#ifndef RELAYQ_TEST_FAKE_RESOLVER_H
#define RELAYQ_TEST_FAKE_RESOLVER_H

#include "transport/resolver.h"

enum fake_resolver_query { FAKE_RESOLVER_MX, FAKE_RESOLVER_ADDR };

struct fake_resolver;

/* A fake with no names: every lookup answers EX_NOHOST.  Free it with
 * fake_resolver_free; r (filled in) borrows it. */
struct fake_resolver *fake_resolver_new(struct resolver *r);
/* Adds an MX record name → host with preference pref. */
void fake_resolver_mx(struct fake_resolver *f, const char *name, unsigned pref,
    const char *host);
/* Adds an address (numeric IPv4 or IPv6 text) for host.  A name with
 * addresses but no MX answers mx() with 0. */
void fake_resolver_addr(struct fake_resolver *f, const char *host,
    const char *numeric);
/* Makes query q for name fail with code (EX_NOHOST or EX_TEMPFAIL). */
void fake_resolver_fail(struct fake_resolver *f, const char *name,
    enum fake_resolver_query q, int code);
/* Number of queries of kind q answered so far. */
unsigned fake_resolver_count(const struct fake_resolver *f,
    enum fake_resolver_query q);
void fake_resolver_free(struct fake_resolver *f);

#endif
