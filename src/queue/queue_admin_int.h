/* queue_admin_int.h — shared between queue_admin.c and queue_admin_json.c;
 * not for other modules. */
#ifndef RELAYQ_QUEUE_ADMIN_INT_H
#define RELAYQ_QUEUE_ADMIN_INT_H

#include <stddef.h>

#include "lib/buf.h"
#include "queue/envelope.h"

/* queue_admin_json_envelope without the closing brace, so that callers
 * can add members. */
void queue_admin_json_open(struct buf *out, const struct envelope *env);

#endif
