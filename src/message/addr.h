/* addr.h — RFC 5322 address lists: parsing into mailboxes, formatting,
 * and the validity of an address for the SMTP envelope.
 *
 * One parser serves header values (To:, Cc:, From:, ... with folding
 * included), command-line recipients ("a@x, b@y", "Name <a@x>") and -f.
 * It accepts: display names (atoms, quoted strings with commas, 8-bit
 * UTF-8, RFC 2047 encoded words kept as written), angle addresses,
 * obsolete route addresses (<@r1,@r2:u@d>, the route is dropped), nested
 * comments and quoted pairs, domain literals ([1.2.3.4]), groups (flattened;
 * an empty group such as "undisclosed-recipients:;" yields nothing), empty
 * list elements (", ,"), and unqualified addresses ("root", with the domain
 * left NULL).  "root (Cron Daemon)" gives display name "Cron Daemon".
 * CR and LF in the value are folding white space.  None of these
 * functions logs.
 */
#ifndef RELAYQ_ADDR_H
#define RELAYQ_ADDR_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"

/* All strings owned by the mailbox. */
struct addr_mailbox {
	char *display; /* display name (unquoted form), or NULL when none */
	char *local;   /* local part, unquoted form ("" for the null path <>) */
	char *domain;  /* domain as written ("[1.2.3.4]" kept), NULL if
	                  unqualified */
};

struct addr_list {
	struct addr_mailbox *v; /* owned */
	size_t n;
	size_t cap;
};

#define ADDR_LIST_INIT \
	{ \
		NULL, 0, 0 \
	}

/* Column at which address lists are folded (RFC 5322 §2.1.1). */
#define ADDR_FOLD_COLUMN 78
/* SMTP limits (RFC 5321 §4.5.3.1). */
#define ADDR_MAX_LOCAL 64
#define ADDR_MAX_ADDRESS 254

/* Parses an address-list or mailbox-list value of len bytes (need not be
 * NUL-terminated) and APPENDS its mailboxes to out.  Returns the number of
 * mailboxes appended, or -1 with e set to EX_DATAERR (out keeps what was
 * there before the call; nothing is appended on failure). */
int addr_parse_list(const char *s, size_t len, struct addr_list *out,
    struct err *e);

/* Parses the -f sender: "" and "<>" give the null sender (local "",
 * domain NULL); otherwise exactly one mailbox.  Returns 0 or -1 (EX_DATAERR,
 * also when the value holds no mailbox or more than one); out is filled
 * only on success and must be freed with addr_mailbox_free. */
int addr_parse_sender(const char *s, struct addr_mailbox *out, struct err *e);

/* Appends a mailbox built from copies of the arguments (display and domain
 * may be NULL). */
void addr_list_add(struct addr_list *l, const char *display, const char *local,
    const char *domain);
void addr_mailbox_free(struct addr_mailbox *m);
void addr_list_free(struct addr_list *l);

/* addr-spec "local@domain" (or just "local" when domain is NULL) with the
 * local part quoted when it is not a dot-atom.  Caller frees. */
char *addr_format_spec(const char *local, const char *domain);

/* Mailbox as for a header: the addr-spec alone without a display name, else
 * `Name <spec>` with the name quoted when it is not a plain phrase of atoms
 * (encoded words and 8-bit text are kept as they are).  Caller frees. */
char *addr_format_mailbox(const struct addr_mailbox *m);

/* Appends the mailboxes of l to out as "a, b, c", folding with LF + SP
 * before an item that would pass ADDR_FOLD_COLUMN.  col is the column at
 * which the text starts (e.g. 4 after "To: ").  An item is never split.
 * Nothing is appended for an empty list. */
void addr_format_list(struct buf *out, const struct addr_list *l, size_t col);

/* Checks that local@domain can be used in SMTP MAIL FROM / RCPT TO: no
 * control characters (CR, LF, NUL, ...) anywhere, valid UTF-8, a non-empty
 * local part of at most ADDR_MAX_LOCAL octets, a domain made of LDH labels
 * (or U-labels) of 1..63 octets or an address literal, and at most
 * ADDR_MAX_ADDRESS octets in all.  domain may be NULL (unqualified: only
 * the local part is checked; qualify before sending).  Sets *smtputf8
 * (when not NULL) to 1 when the address has non-ASCII octets and so needs
 * the SMTPUTF8 extension, else 0.  Returns 0, or -1 with e set
 * (EX_DATAERR). */
int addr_check_envelope(const char *local, const char *domain, int *smtputf8,
    struct err *e);

#endif
