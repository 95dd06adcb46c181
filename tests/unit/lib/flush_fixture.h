/* flush_fixture.h — a whole relayq-flush run without a network, a DNS
 * server or a wall clock, for unit suites of the flush engine.
 *
 * A fixture is a temporary directory (HOME and XDG_CONFIG_HOME point
 * there, so dead.letter lands in it) holding a real queue, a parsed
 * configuration, an identity, a fake resolver (every host answers
 * 127.0.0.1), a fake clock (fake_clock.h: starts at the real time of
 * day, moves only when told) and a scripted network: connection k of
 * the run plays peers[k] (script_stream.h) through flush_opts.connect;
 * a connection beyond the scripts is refused (EX_TEMPFAIL).  Checks are
 * made with ck_assert (call these from a Check test only). */
#ifndef RELAYQ_TEST_FLUSH_FIXTURE_H
#define RELAYQ_TEST_FLUSH_FIXTURE_H

#include <stddef.h>

#include "fake_clock.h"
#include "fake_resolver.h"
#include "flush/flush.h"
#include "lib/identity.h"
#include "options/conf.h"
#include "queue/envelope.h"
#include "queue/queue.h"
#include "script_stream.h"
#include "tmpdir.h"
#include "transport/resolver.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Script steps of a plain session with mx.test: the greeting and EHLO,
 * QUIT, MAIL from s@x.test, an accepted RCPT, DATA with the body and its
 * 250, RSET. */
#define HELLO "S:220 mx.test ESMTP", "C:EHLO client.test", "S:250 mx.test"
#define BYE "C:QUIT", "S:221 bye"
#define MAIL "C:MAIL FROM:<s@x.test>", "S:250 ok"
#define TO(a) "C:RCPT TO:<" a ">", "S:250 ok"
#define DATA "C:DATA", "S:354 go", "B", "S:250 2.0.0 queued"
#define RSET "C:RSET", "S:250 ok"

#define FLUSH_FX_MAXPEERS 16
#define FLUSH_FX_MAXMSGS 16

/* One connection's script (steps borrowed). */
struct flush_fx_peer {
	const char *const *steps;
	size_t n;
};

struct flush_fx_net {
	const struct flush_fx_peer *peers;
	size_t npeers, used;
	struct script_stream sc[FLUSH_FX_MAXPEERS];
};

struct flush_fx {
	char dir[TEST_DIR_MAX];
	struct conf conf;
	struct identity id;
	struct queue q;
	struct resolver res;
	struct fake_resolver *dns;
	struct fake_clock clock;
	struct flush_fx_net net;
	struct flush_opts o;
	struct flush_stats st;
	char ids[FLUSH_FX_MAXMSGS][32]; /* queued by flush_fx_queue, in order */
	size_t nids;
	char user[8], host[8], fqdn[16];
};

/* Sets x up with configuration conftext and the scripts (borrowed). */
void flush_fx_init(struct flush_fx *x, const char *conftext,
    const struct flush_fx_peer *peers, size_t npeers);
/* Frees the scripts played, the queue, the configuration, the fakes. */
void flush_fx_free(struct flush_fx *x);
/* Queues a message "Subject: t\n\nbody\n" from sender ("" for a notice)
 * to the n recipients, created now on the fake clock; notify (0: none
 * given) is each recipient's DSN NOTIFY.  Returns its index in x->ids. */
size_t flush_fx_queue_from(struct flush_fx *x, const char *sender,
    const char *const *rcpts, size_t n, unsigned notify);
/* The same from s@x.test with no NOTIFY. */
size_t flush_fx_queue(struct flush_fx *x, const char *const *rcpts, size_t n);
/* Replays the connections from the start with other scripts. */
void flush_fx_peers(struct flush_fx *x, const struct flush_fx_peer *peers,
    size_t npeers);
/* Runs relayq-flush once (flush_run); every script must have been played
 * in full and its connection closed. */
void flush_fx_run(struct flush_fx *x);
/* Reads message k's envelope into env (envelope_init'ed by the caller);
 * 0, or -1 when it left the queue. */
int flush_fx_env(struct flush_fx *x, size_t k, struct envelope *env);
/* The state of recipient addr of message k: "pending", "done",
 * "failed", "absent", or "gone" when the message left the queue. */
const char *flush_fx_state(struct flush_fx *x, size_t k, const char *addr);
/* The ids in the queue not queued by flush_fx_queue (notices the run
 * queued), into out (strv_free it).  Returns their number. */
size_t flush_fx_others(struct flush_fx *x, struct strv *out);

#endif
