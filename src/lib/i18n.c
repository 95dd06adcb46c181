/* i18n.c — locale and text domain set-up for both programs. */
#include "config.h"

#include <locale.h>
#include <stdlib.h>

#include "lib/i18n.h"

void
i18n_init(void)
{
	const char *dir = getenv("RELAYQ_LOCALEDIR");

	setlocale(LC_ALL, "");
	/* RELAYQ_LOCALEDIR: catalogs from elsewhere (tests of an uninstalled
	 * build); the installed ones otherwise. */
	bindtextdomain(PACKAGE, dir != NULL && *dir == '/' ? dir : LOCALEDIR);
	textdomain(PACKAGE);
}
