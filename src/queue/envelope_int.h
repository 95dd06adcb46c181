/* envelope_int.h — shared between envelope.c (model, escaping, field
 * tables, formatter) and envelope_parse.c (the parser); not for other
 * modules.  One table per record drives both directions. */
#ifndef RELAYQ_ENVELOPE_INT_H
#define RELAYQ_ENVELOPE_INT_H

#include <stddef.h>

#define ENVELOPE_MAGIC "relayq-envelope"

/* How a field's value is written and read. */
enum envelope_kind {
	K_STR,
	K_REPLY,
	K_REQSTR,
	K_UINT,
	K_ULL,
	K_TIME,
	K_UID,
	K_RET,
	K_BODY,
	K_FLAGS,
	K_STATE,
	K_NOTIFY,
	K_LINE, /* a struct rcpt_reply kept as one line (versions 1, 2) */
	K_CODE, /* a reply code: int, 100 to 999, 0 unset */
	K_STATUS
}; /* an enhanced status code: char[RCPT_STATUS_MAX] */

struct envelope_field {
	const char *key;
	enum envelope_kind kind;
	size_t off;            /* offset in struct envelope or struct rcpt */
	int required;          /* 1: required; 2: always written, optional */
	unsigned since, until; /* the versions that have it; 0: any */
};

/* The envelope's fields (at most one each, before the first "rcpt" line)
 * and the per-recipient fields, in the order they are written. */
extern const struct envelope_field envelope_env_fields[];
extern const size_t envelope_env_nfields;
extern const struct envelope_field envelope_rcpt_fields[];
extern const size_t envelope_rcpt_nfields;

/* Words for enum rcpt_state (3), enum envelope_ret and enum
 * envelope_body (3 each, [0] = "" for unset) and the ENVELOPE_F_* bits. */
extern const char *const envelope_state_names[];
extern const char *const envelope_ret_names[];
extern const char *const envelope_body_names[];
extern const char *const envelope_flag_names[];
extern const size_t envelope_flag_nnames;

/* Matches the word s[0..n) against names[0..count), case-insensitively;
 * returns the index or -1. */
int envelope_word_index(const char *const *names, size_t count, const char *s,
    size_t n);
/* Parses the comma list s of words from names into a bit set (bit i for
 * names[i]); -1 on an empty list, an unknown or a repeated word. */
int envelope_wordset_parse(const char *const *names, size_t count,
    const char *s, unsigned *out);

#endif
