/* from_policy.h — one sender for all mail (relayq.conf from_address).
 *
 * Providers (Microsoft 365, Gmail, Amazon SES) refuse or rewrite mail
 * whose From: is not an address the account may send as, and programs set
 * From: themselves.  With from_address set, every message leaves with that
 * address as envelope sender and in From:, as msmtp's set_from_header
 * and Postfix's sender_canonical_maps do:
 *   - envelope sender: replaced, local or not; the null sender <> stays <>
 *     (it marks a bounce, which must never be answered);
 *   - From: its first mailbox's display name is kept, the address becomes
 *     from_address; when the address was something else, the original
 *     From: value moves into a new Reply-To: unless the message has a
 *     Reply-To: already (kept as it is, never a second one);
 *   - Sender: removed when From: was rewritten (it named the agent for
 *     the original author);
 *   - a From: that already names from_address (case-insensitively) is
 *     left byte for byte; a missing From: is added later from the
 *     envelope sender (headers_complete), which is then from_address.
 * Resent-* fields are left to the ordinary sender rewriting.
 *
 * Pure: no files, no logging. */
#ifndef RELAYQ_FROM_POLICY_H
#define RELAYQ_FROM_POLICY_H

#include "message/headers.h"

/* The envelope sender under the policy: a copy of address, or "" for the
 * null sender (sender ""), or a copy of sender when address is NULL.
 * Caller frees. */
char *from_policy_sender(const char *address, const char *sender);

/* Applies the header rules above to hl for address (a complete
 * local@domain, borrowed).  Returns 1 when From: was rewritten, 0 when
 * hl was left as it was.  Never fails: a From: that does not parse is
 * replaced by the bare address, and not moved into Reply-To: (it would
 * not parse there either). */
int from_policy_headers(struct header_list *hl, const char *address);

#endif
