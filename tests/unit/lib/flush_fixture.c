/* flush_fixture.c — a relayq-flush run over a temporary queue, scripted
 * peers, a fake resolver and a fake clock (see flush_fixture.h). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "flush_fixture.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "tmpdir.h"

static int
fx_connect(void *ctx, const char *host, struct stream *s, struct err *e)
{
	struct flush_fx_net *n = ctx;
	struct script_stream *sc;

	if (n->used >= n->npeers || n->used >= FLUSH_FX_MAXPEERS)
		return err_set(e, EX_TEMPFAIL,
		    "connection to %s refused "
		    "(connection %zu: no script)",
		    host, n->used + 1);
	sc = &n->sc[n->used];
	script_stream_init(sc, n->peers[n->used].steps, n->peers[n->used].n);
	script_stream_attach(sc, s);
	n->used++;
	return 0;
}

/* Every name the smarthost names answers 127.0.0.1 (the connections are
 * scripted; the address only shows in relay=). */
static void
fx_dns(struct flush_fx *x)
{
	static const char *const hosts[] = { "mx.test", "mx2.test" };
	size_t i;

	x->dns = fake_resolver_new(&x->res);
	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		fake_resolver_addr(x->dns, hosts[i], "127.0.0.1");
}

void
flush_fx_init(struct flush_fx *x, const char *conftext,
    const struct flush_fx_peer *peers, size_t npeers)
{
	char *qdir;
	struct err e;

	memset(x, 0, sizeof(*x));
	snprintf(x->user, sizeof(x->user), "tester");
	snprintf(x->host, sizeof(x->host), "client");
	snprintf(x->fqdn, sizeof(x->fqdn), "client.test");
	test_tmpdir_setup();
	snprintf(x->dir, sizeof(x->dir), "%s", test_dir);
	setenv("HOME", x->dir, 1);
	setenv("XDG_CONFIG_HOME", x->dir, 1);
	log_set_syslog(0);
	conf_init(&x->conf);
	ck_assert_msg(conf_parse(&x->conf, "test", conftext, strlen(conftext),
	                  &e) == 0,
	    "%s", e.msg);
	qdir = xasprintf("%s/queue", x->dir);
	ck_assert_msg(queue_open(&x->q, qdir, getuid(), &e) == 0, "%s", e.msg);
	free(qdir);
	x->id.uid = getuid();
	x->id.user = x->user;
	x->id.host = x->host;
	x->id.fqdn = x->fqdn;
	fx_dns(x);
	fake_clock_init(&x->clock, time(NULL));
	x->net.peers = peers;
	x->net.npeers = npeers;
	x->o.conf = &x->conf;
	x->o.id = &x->id;
	x->o.queue = &x->q;
	x->o.resolver = &x->res;
	x->o.clock = &x->clock.clock;
	x->o.connect = fx_connect;
	x->o.connect_ctx = &x->net;
}

static void
fx_free_net(struct flush_fx_net *n)
{
	size_t i;

	for (i = 0; i < n->used; i++)
		script_stream_free(&n->sc[i]);
	n->used = 0;
}

void
flush_fx_free(struct flush_fx *x)
{
	fx_free_net(&x->net);
	fake_resolver_free(x->dns);
	queue_close(&x->q);
	conf_free(&x->conf);
	test_tmpdir_teardown();
}

size_t
flush_fx_queue_from(struct flush_fx *x, const char *sender,
    const char *const *rcpts, size_t n, unsigned notify)
{
	static const char body[] = "Subject: t\n\nbody\n";
	struct queue_msg m;
	struct envelope env;
	struct err e;
	size_t i;

	ck_assert_uint_lt(x->nids, FLUSH_FX_MAXMSGS);
	ck_assert_int_eq(queue_msg_create(&x->q, &m, &e), 0);
	ck_assert_int_eq(write(m.body.fd, body, sizeof(body) - 1),
	    (ssize_t)sizeof(body) - 1);
	envelope_init(&env);
	envelope_set(&env.sender, sender);
	env.created = clock_now(&x->clock.clock);
	for (i = 0; i < n; i++) {
		envelope_add_rcpt(&env, rcpts[i]);
		env.rcpt[i].notify = notify;
	}
	ck_assert_msg(queue_msg_commit(&x->q, &m, &env, &e) == 0, "%s", e.msg);
	snprintf(x->ids[x->nids++], sizeof(x->ids[0]), "%s", env.id);
	envelope_free(&env);
	/* Queue ids order messages by their arrival in real time (not the
	 * fake clock): keep them apart. */
	usleep(2000);
	return x->nids - 1;
}

size_t
flush_fx_queue(struct flush_fx *x, const char *const *rcpts, size_t n)
{
	return flush_fx_queue_from(x, "s@x.test", rcpts, n, 0);
}

void
flush_fx_peers(struct flush_fx *x, const struct flush_fx_peer *peers,
    size_t npeers)
{
	fx_free_net(&x->net);
	x->net.peers = peers;
	x->net.npeers = npeers;
}

void
flush_fx_run(struct flush_fx *x)
{
	struct err e;
	size_t i;

	ck_assert_msg(flush_run(&x->o, &x->st, &e) == 0, "%s", e.msg);
	for (i = 0; i < x->net.used; i++) {
		const char *why = script_stream_check(&x->net.sc[i]);

		ck_assert_msg(why == NULL, "connection %zu: %s", i + 1, why);
		ck_assert_int_eq(x->net.sc[i].closed, 1);
	}
}

int
flush_fx_env(struct flush_fx *x, size_t k, struct envelope *env)
{
	struct err e;

	ck_assert_uint_lt(k, x->nids);
	return queue_env_read(&x->q, x->ids[k], env, &e);
}

const char *
flush_fx_state(struct flush_fx *x, size_t k, const char *addr)
{
	static char out[32];
	struct envelope env;
	size_t i;

	envelope_init(&env);
	if (flush_fx_env(x, k, &env) < 0) {
		envelope_free(&env);
		return "gone";
	}
	snprintf(out, sizeof(out), "absent");
	for (i = 0; i < env.nrcpt; i++)
		if (strcmp(env.rcpt[i].addr, addr) == 0)
			snprintf(out, sizeof(out), "%s",
			    envelope_state_name(env.rcpt[i].state));
	envelope_free(&env);
	return out;
}

size_t
flush_fx_others(struct flush_fx *x, struct strv *out)
{
	struct strv ids = STRV_INIT;
	struct err e;
	size_t i, k;

	ck_assert_msg(queue_scan(&x->q, &ids, &e) == 0, "%s", e.msg);
	for (i = 0; i < ids.n; i++) {
		for (k = 0; k < x->nids && strcmp(ids.v[i], x->ids[k]) != 0;
		     k++)
			;
		if (k == x->nids)
			strv_add(out, ids.v[i]);
	}
	strv_free(&ids);
	return out->n;
}
