/* conf_map.h — relayq.conf's enums (conf.h) in the types of the modules
 * that use them: the one place each configured word's meaning reaches
 * TLS, SASL, SMTP and the resolver.  Pure functions, libc only (the front
 * end's relayq check uses the TLS mode too); a value outside its enum
 * maps as the key's default does. */
#ifndef RELAYQ_CONF_MAP_H
#define RELAYQ_CONF_MAP_H

#include "auth/sasl.h"
#include "options/conf.h"
#include "smtp/smtp_client.h"
#include "tls/tls.h"
#include "transport/smarthost.h"

/* tls: the smarthosts' default TLS mode (smarthost_parse). */
enum smarthost_tls conf_map_tls(enum conf_tls v);

/* ip_family: AF_UNSPEC, AF_INET or AF_INET6 (smarthost_resolve). */
int conf_map_family(enum conf_ip_family v);

/* tls_min_version: the TLS session's lowest protocol version. */
enum tls_min_version conf_map_tls_min(enum conf_tls_min v);

/* auth_plaintext: when SASL may send a password in the clear. */
enum sasl_clear conf_map_plaintext(enum conf_plaintext v);

/* eightbit_mode: the SMTP client's 8-bit policy. */
enum smtp_eightbit conf_map_eightbit(enum conf_eightbit v);

#endif
