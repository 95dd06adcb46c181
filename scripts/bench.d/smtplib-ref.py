#!/usr/bin/env python3
"""smtplib-ref HOST PORT CA_FILE USER PASSWORD COUNT MESSAGE_FILE

The ceiling for delivery: one STARTTLS+AUTH session from Python's smtplib
that sends MESSAGE_FILE COUNT times (one MAIL/RCPT/DATA each, envelope
taken from nothing but fixed test addresses).  Prints the elapsed seconds
for connect..QUIT.  Used by scripts/bench.
"""
import smtplib
import ssl
import sys
import time


def main():
    host, port, ca, user, pw, count, path = sys.argv[1:8]
    with open(path, "rb") as f:
        msg = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    ctx = ssl.create_default_context(cafile=ca)
    t0 = time.monotonic()
    s = smtplib.SMTP(host, int(port), local_hostname="bench.example.test")
    s.starttls(context=ctx)
    s.login(user, pw)
    for _ in range(int(count)):
        refused = s.sendmail("alice@example.test", ["bob@example.test"], msg)
        if refused:
            sys.exit("smtplib-ref: refused: %r" % (refused,))
    s.quit()
    print("%.6f" % (time.monotonic() - t0))


if __name__ == "__main__":
    main()
