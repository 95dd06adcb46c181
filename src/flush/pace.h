/* pace.h — the provider limit "messages_per_minute" as a pure function.
 *
 * Many submission services (Gmail, Office 365, SES, Mailgun's free plans)
 * refuse or greylist a client that sends faster than N messages a minute.
 * The flusher honours messages_per_minute by starting messages at least
 * 60/N seconds apart, sleeping between them: even spacing, so that no
 * sliding one-minute window ever holds more than N starts.  Nothing here
 * sleeps, reads a clock or logs. */
#ifndef RELAYQ_PACE_H
#define RELAYQ_PACE_H

/* Seconds to wait at now before starting the next message, when the
 * previous one started at prev (prev < 0: none yet).  per_minute <= 0 is
 * "no limit" (0).  A clock that went backwards (now < prev) waits one
 * whole interval at most.  Never negative. */
double pace_wait(long per_minute, double prev, double now);

#endif
