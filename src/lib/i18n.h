/* i18n.h — gettext wiring.  _() marks user-facing text; N_() marks text
 * translated later (tables).  Protocol text and machine-read logs are never
 * translated. */
#ifndef RELAYQ_I18N_H
#define RELAYQ_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

/* Binds the text domain and sets the locale from the environment. */
void i18n_init(void);

#endif
