/* hoststat.h — the last contact with each smarthost endpoint.
 *
 * relayq-flush records, per endpoint ("host[address]:port"), when it last
 * talked to it and how that went; `relayq hoststat` (sendmail -bh) prints
 * the table and `relayq purgestat` (-bH) forgets it.  The state lives in
 * the queue directory as QUEUE/hoststat, written with the durable recipe
 * (temporary in QUEUE/tmp/, rename), in a versioned text format with an end
 * marker so that a torn file is refused:
 *
 *   relayq-hoststat 1
 *   host 127.0.0.1[127.0.0.1]:587 1700000000 ok 250 2.0.0 Ok
 *   host smtp.example.com[192.0.2.7]:587 1700000100 temp connection refused
 *   end
 *
 * Each "host" line is: endpoint (no blanks), seconds since the epoch, a
 * status word (ok, temp, perm), and the reply or error text escaped as in
 * envelopes (doc/QUEUE.md).  A flusher merges its run's entries into the
 * file as it is at the end of the run (last writer wins per endpoint).
 * Format, parse and the table are pure; only load/save/purge touch files.
 * Nothing here logs. */
#ifndef RELAYQ_HOSTSTAT_H
#define RELAYQ_HOSTSTAT_H

#include <stddef.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/err.h"

#define HOSTSTAT_VERSION 1
#define HOSTSTAT_FILE_MAX (1024 * 1024)
#define HOSTSTAT_MAX 1000

struct hoststat_entry {
	char *endpoint; /* owned */
	time_t when;
	char *status; /* owned: "ok", "temp" or "perm" */
	char *text;   /* owned, never NULL */
};

struct hoststat {
	struct hoststat_entry *v;
	size_t n, cap;
};

#define HOSTSTAT_INIT \
	{ \
		NULL, 0, 0 \
	}

void hoststat_free(struct hoststat *h);
/* Sets (adds or replaces) the entry of endpoint; strings are copied.
 * Entries stay sorted by endpoint. */
void hoststat_set(struct hoststat *h, const char *endpoint, time_t when,
    const char *status, const char *text);
/* Sets every entry of from into h (h's entry replaced when from's is not
 * older). */
void hoststat_merge(struct hoststat *h, const struct hoststat *from);

void hoststat_format(const struct hoststat *h, struct buf *out);
/* Parses len bytes into h (empty on entry; freed by the caller also on
 * failure).  -1 with EX_DATAERR and "line N: problem". */
int hoststat_parse(struct hoststat *h, const char *p, size_t len,
    struct err *e);

/* The readable table (local time) for hoststat(8); "no host status
 * recorded" line when empty. */
void hoststat_table(const struct hoststat *h, struct buf *out);

/* QUEUE/hoststat, allocated. */
char *hoststat_path(const char *queue_dir);
/* Loads path into h (empty on entry); a missing file is an empty table.
 * Errors name the path. */
int hoststat_load(const char *path, struct hoststat *h, struct err *e);
/* Writes h to path durably, the temporary in tmpdir. */
int hoststat_save(const char *tmpdir, const char *path,
    const struct hoststat *h, struct err *e);
/* Removes path (missing: fine) and fsyncs its directory.  Sets *existed. */
int hoststat_purge(const char *path, int *existed, struct err *e);

#endif
