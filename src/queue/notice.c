/* notice.c — queueing a notice back to a sender (see notice.h). */
#include "config.h"

#include <string.h>

#include "lib/durable.h"
#include "queue/notice.h"

int
notice_create(struct notice *n, struct queue *q, struct err *e)
{
	memset(n, 0, sizeof(*n));
	n->q = q;
	if (queue_msg_create(q, &n->m, e) < 0)
		return -1;
	n->open = 1;
	return 0;
}

int
notice_write(struct notice *n, const void *data, size_t len, struct err *e)
{
	return durable_write_all(n->m.body.fd, data, len, n->m.body.path, e);
}

int
notice_commit(struct notice *n, const struct notice_env *ne, struct err *e)
{
	struct envelope env;
	int rc;

	envelope_init(&env);
	env.created = ne->created;
	env.uid = ne->uid;
	envelope_set(&env.user, ne->user);
	envelope_set(&env.sender, "");
	env.body = ne->body;
	envelope_add_rcpt(&env, ne->to);
	/* queue_msg_commit aborts the message itself on failure. */
	n->open = 0;
	rc = queue_msg_commit(n->q, &n->m, &env, e);
	envelope_free(&env);
	return rc;
}

void
notice_abort(struct notice *n)
{
	if (!n->open)
		return;
	n->open = 0;
	queue_msg_abort(n->q, &n->m);
}
