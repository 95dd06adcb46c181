/* addr_int.h — internals shared by the addr module's files (addr.c parses,
 * addr_format.c formats, addr_envelope.c checks SMTP envelope addresses).
 * Not for use outside src/addr*.c. */
#ifndef RELAYQ_ADDR_INT_H
#define RELAYQ_ADDR_INT_H

/* RFC 5322 atext, with any octet >= 0x80 allowed (RFC 6532: UTF-8 in
 * atoms).  Returns 1 or 0; '\0' is not atext. */
int addr_is_atext(unsigned char c);

#endif
