/* flush_int.h — what the flush_*.c files share (private to relayq-flush). */
#ifndef RELAYQ_FLUSH_INT_H
#define RELAYQ_FLUSH_INT_H

#include "auth/auth_ops.h"
#include "auth/creds.h"
#include "auth/sasl.h"
#include "flush/flush.h"
#include "flush/hoststat.h"
#include "flush/onfailure.h"
#include "flush/session_settings.h"
#include "lib/stream.h"
#include "queue/envelope.h"
#include "smtp/result.h"
#include "smtp/smtp_client.h"
#include "tls/tls.h"
#include "transport/smarthost.h"

struct session;

/* What relayq check --connect shows of the steps that passed, recorded by
 * the session code when flusher.probe is set (flush_check.c). */
struct flush_probe {
	char tls[128]; /* tls_describe(), "" without TLS */
	struct tls_cert_info cert;
	int have_cert;
	struct strv ehlo;   /* the last EHLO reply's lines */
	char *auth_source;  /* where the credential came from */
	char *auth_none;    /* why there was none (no AUTH) */
	char auth_mech[32]; /* mechanism used, "" none */
};

/* One run's state. */
struct flusher {
	const struct flush_opts *o;
	struct flush_stats *st;
	time_t now;
	struct session_settings set; /* from o->conf (flusher_prepare) */
	struct smarthost_endpoints eps;
	int resolved;
	struct result worst; /* most severe result of the run */
	unsigned unsynced;   /* removals not yet made durable */
	struct hoststat hs;  /* this run's contacts, merged at the end */
	char last_peer[320]; /* last endpoint tried ("relay=" when no
	                      * session could be opened) */
	double last_start;   /* monotonic start of the last message
	                      * sent (messages_per_minute); -1 none */
	/* Messages deferred only by a session-level failure and not due
	 * yet: due as soon as this run opens a session (deliver()). */
	struct strv waiting;
	time_t wait_last;    /* their latest attempt */
	int opened;          /* a session was opened in this run */
	int probed;          /* a waiting message was tried alone */
	struct session *ss;  /* the run's connection (owned), kept open
	                      * across rescans until one finds nothing */
	int open;            /* ss is connected */
	int reconnects;      /* sessions the server closed in this run */
	int oauth_failed;    /* the OAuth2 token could not be had in
	                      * this run: oauth_err says why */
	int oauth_refreshed; /* this run refreshed the access token */
	int oauth_force;     /* the server refused the cached access
	                      * token: refresh it even if not expired */
	struct err oauth_err;
	/* Limits, from the configuration and learned from the server during
	 * the run (flush_message.c): recipients per transaction (0 = none;
	 * lowered to what the server accepted when it answered 452 4.5.3)
	 * and transactions per session (0 = none; set when the server closed
	 * or limited a session after that many). */
	size_t rcpt_limit;
	unsigned txn_limit;
	struct strv *due; /* deliver()'s list, for take_waiting */
	int down;         /* no session can be opened any more in
	                   * this run: down_r says why */
	struct result down_r;
	unsigned long long
	    size_limit;            /* the SIZE the smarthost announced in
	                            * this run's last session; 0 = unknown */
	struct flush_probe *probe; /* relayq check --connect; NULL in runs */
};

/* How many times one run reconnects after the server closed or limited a
 * session (a server answering 421 every time is not hammered). */
#define FLUSH_MAX_RECONNECTS 10

/* One connection to the smarthost. */
struct session {
	struct flusher *f;
	struct stream s;
	int connected;
	struct tls *tls; /* owned by the stream */
	unsigned char *cb_data;
	struct smtp_client *client;
	struct smtp_client_cfg cfg;
	struct auth_conn conn;
	struct sasl_ctx *sasl;
	const struct smarthost_endpoint *ep;
	char peer[320]; /* "host[address]:port" */
	unsigned nmsgs; /* messages sent on this connection */
	unsigned ntxn;  /* transactions (MAIL ... DATA) on it */
};

/* flush_session.c */
/* Opens a session on the first endpoint that answers; returns 0, or -1
 * with r saying why the last one failed (scope SESSION). */
int session_open(struct flusher *f, struct session *ss, struct result *r);
/* QUITs (when still possible) and closes. */
void session_close(struct session *ss);
/* Sets up f->set from the configuration (session_settings.h) and the
 * TLS library. */
int flusher_prepare(struct flusher *f, struct err *e);
void flusher_free(struct flusher *f);

/* Records r as the last contact with endpoint peer (hoststat). */
void flusher_contact(struct flusher *f, const char *peer,
    const struct result *r);
/* Merges the run's contacts into QUEUE/hoststat (logs a failure). */
void flusher_save_hoststat(struct flusher *f);

/* flush.c */
/* Closes the run's session (QUIT) if open and opens a new one (f->ss);
 * what waited for a session joins f->due.  Returns 0, or -1 with r
 * (scope SESSION) when it cannot: no endpoint answers, or the server
 * closed more than FLUSH_MAX_RECONNECTS sessions in this run; then
 * f->down is set and every later call fails the same way at once. */
int flusher_reopen(struct flusher *f, struct result *r);

/* One message's delivery attempt (flush_message.c, flush_txn.c). */
struct attempt {
	struct flusher *f;
	struct session *ss;
	struct envelope env;
	size_t *todo; /* env indexes of the recipients still to
	               * send, todo[head..ntodo) in order */
	size_t head, ntodo;
	size_t *map;              /* transaction index → env index */
	struct rcpt *rcpts;       /* the transaction's recipients:
	                           * shallow copies of env's, borrowing
	                           * their strings */
	struct result *res;       /* per env recipient; cls OK = untouched */
	unsigned char *tried;     /* per env recipient: res is its result
	                           * for this attempt */
	unsigned char *recorded;  /* per env recipient: written to env */
	unsigned long long wsize; /* SIZE=; 0 = not measured yet */
	struct result msg;
	int local; /* a notice kept in dead.letter */
};

/* 1 when env has work for a run: a pending recipient, or a failure not
 * reported yet (its notice could not be queued). */
int flush_has_work(const struct envelope *env);
/* 1 when that work needs a session (pending recipients that are not a
 * local-only notice's). */
int flush_needs_session(const struct envelope *env);

/* flush_message.c */
/* Sends message id over ss (NULL: no session could be opened; sess_r says
 * why, and the message is deferred with it; a local notice needs
 * neither), in transactions of at most f->rcpt_limit recipients, each
 * recipient once.  When the server closes or limits the session
 * (421, a lost connection, 452 4.5.3 with none accepted) after it took
 * something, the message goes on at once over a new session
 * (flusher_reopen) and the limit is learned for the run.  The envelope is
 * written after every transaction that settled a recipient, so a crash
 * never resends to one already done.  Returns 0 when f's session is
 * still open, -1 when it is over (f->open is 0). */
int flush_message(struct flusher *f, struct session *ss, const char *id,
    const struct result *sess_r);
/* Applies the attempt's results not applied yet to its envelope (and
 * logs them); returns how many. */
size_t attempt_record(struct attempt *a);
/* Every recipient still to send gets r for this attempt. */
void attempt_settle_rest(struct attempt *a, const struct result *r);

/* flush_txn.c */
/* Sends the message to every recipient in a's todo, in transactions of
 * at most f->rcpt_limit, over the run's session and new ones when the
 * server ends or limits it; the envelope is written between
 * transactions.  r gets the last transaction's result. */
void attempt_send(struct attempt *a, struct result *r);
/* The size of the body file at path as SIZE= counts it (CRLF line
 * ends, RFC 1870); stored when it cannot be read. */
unsigned long long flush_wire_size(const char *path, unsigned long long stored);

/* Removals are made durable in groups: see queue_remove_unsynced. */
#define FLUSH_SYNC_EVERY 64
void flusher_sync_removals(struct flusher *f);
/* Records r as the run's worst when it is more severe. */
void flusher_note(struct flusher *f, const struct result *r);

/* flush_bounce.c */
/* Queues a failure notice (or, with delayed, a delay warning) for the
 * recipients of env marked in which[] (env->nrcpt entries) and logs it.
 * The original goes with it in full unless the sender asked for headers
 * only (RET=HDRS), a recipient's refusal said it is too big (5.3.4), or
 * the notice would exceed the SIZE the smarthost announced in this run:
 * then only its header section, as text/rfc822-headers, and the text says
 * why.  Returns 0, or -1 with e (the caller logs; a failure notice that
 * cannot be queued keeps its message queued, see report_failures). */
int flush_bounce(struct flusher *f, const struct envelope *env,
    const unsigned char *which, const struct result *const *why, int delayed,
    struct err *e);

/* flush_alert.c */
/* 1 for a notice (sender <>) whose pending recipients are all local-only
 * (deadletter_local_address): it goes to dead.letter, not the network. */
int flush_local_notice(const struct envelope *env);
/* Appends message env's body (a notice nobody can take) to dead.letter in
 * the queue owner's home and logs it.  why is for the log.  Returns 0 or
 * -1 with e (the caller logs). */
int flush_deadletter(struct flusher *f, const struct envelope *env,
    const char *why, struct err *e);
/* Runs the on_failure command, if configured, for env's recipients marked
 * in which[] (NULL: the pending ones) with reason; logs how it ended. */
void flush_onfailure(struct flusher *f, const struct envelope *env,
    enum onfailure_event ev, const unsigned char *which, const char *reason);

/* The on_failure command's "config" event (no message concerned: queue
 * id, sender and recipients empty), for a stop only the admin can lift. */
void flush_onfailure_config(struct flusher *f, const char *reason);

/* The OAuth2 access token for this run (oauth_provider set): from the
 * token file, refreshed when it expires within OAUTH_REFRESH_MARGIN
 * seconds and the rotated tokens stored back atomically (flush_oauth.c).
 * Returns 0 with *token (allocated; wipe_free() it) and *note (for -v,
 * allocated, no secret), or -1 with e: EX_CONFIG when the admin must act
 * (no token file, a refused grant: run relayq oauth setup again),
 * EX_TEMPFAIL when a later run may succeed.  A failure is remembered for
 * the rest of the run.  With f->oauth_force the cached token is refreshed
 * whatever its expiry; a refresh sets f->oauth_refreshed. */
int flusher_oauth_token(struct flusher *f, char **token, char **note,
    struct err *e);

#endif
