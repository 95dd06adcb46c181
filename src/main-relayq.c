/* main-relayq.c — placeholder entry point while the front end is assembled. */
#include "config.h"

#include <stdio.h>
#include <sysexits.h>

#include "i18n.h"

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	i18n_init();
	fprintf(stderr, "%s", _("relayq: the front end is not assembled yet\n"));
	return EX_SOFTWARE;
}
