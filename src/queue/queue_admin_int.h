/* queue_admin_int.h — shared between queue_admin.c and queue_admin_json.c;
 * not for other modules. */
#ifndef RELAYQ_QUEUE_ADMIN_INT_H
#define RELAYQ_QUEUE_ADMIN_INT_H

#include <stddef.h>

#include "lib/buf.h"
#include "queue/envelope.h"

/* Length (1-4) of the valid UTF-8 sequence at p (n > 0 bytes available),
 * or 0 when p does not start one (ASCII counts as valid, length 1). */
size_t queue_admin_utf8_len(const unsigned char *p, size_t n);
/* queue_admin_json_envelope without the closing brace, so that callers
 * can add members. */
void queue_admin_json_open(struct buf *out, const struct envelope *env);

#endif
