/* conf_map.c — relayq.conf's enums as their consumers' types (see
 * conf_map.h). */
#include "config.h"

#include <sys/socket.h>

#include "options/conf_map.h"

enum smarthost_tls
conf_map_tls(enum conf_tls v)
{
	switch (v) {
	case CONF_TLS_STARTTLS:
		return SMARTHOST_TLS_STARTTLS;
	case CONF_TLS_IMPLICIT:
		return SMARTHOST_TLS_IMPLICIT;
	case CONF_TLS_NONE:
		return SMARTHOST_TLS_NONE;
	case CONF_TLS_AUTO:
		break;
	}
	return SMARTHOST_TLS_AUTO;
}

int
conf_map_family(enum conf_ip_family v)
{
	switch (v) {
	case CONF_FAMILY_IPV4:
		return AF_INET;
	case CONF_FAMILY_IPV6:
		return AF_INET6;
	case CONF_FAMILY_ANY:
		break;
	}
	return AF_UNSPEC;
}

enum tls_min_version
conf_map_tls_min(enum conf_tls_min v)
{
	return v == CONF_TLS_MIN_1_3 ? TLS_MIN_1_3 : TLS_MIN_1_2;
}

enum sasl_clear
conf_map_plaintext(enum conf_plaintext v)
{
	switch (v) {
	case CONF_PLAINTEXT_TLS:
		return SASL_CLEAR_TLS;
	case CONF_PLAINTEXT_ALWAYS:
		return SASL_CLEAR_ALWAYS;
	case CONF_PLAINTEXT_VERIFIED_TLS:
		break;
	}
	return SASL_CLEAR_VERIFIED;
}

enum smtp_eightbit
conf_map_eightbit(enum conf_eightbit v)
{
	return v == CONF_EIGHTBIT_STRICT ? SMTP_8BIT_STRICT : SMTP_8BIT_PASS;
}
