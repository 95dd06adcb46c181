#!/usr/bin/env python3
"""smtp_pipe.py QUEUE CMD... -- speak SMTP to CMD (e.g. `sendmail -bs`) over
a pipe, as Symfony's SendmailTransport or PHPMailer's "-bs" mode do, and
print one `name value` line per observation for the calling test to check.

One session: EHLO, a plain MAIL/RCPT/DATA transaction, then a pipelined
one (MAIL + RCPT + RCPT + DATA in a single write), QUIT.  QUEUE is the
queue directory the command writes into; after each 250 to the end of
DATA the script records what QUEUE/env holds, so the test can check that
the 250 came only once the envelope was on disk.

Observations (one per line):
  greeting CODE            ehlo CODE ; ehlo-pipelining yes|no
  t1-mail CODE ... t1-data CODE ; t1-env-before-dot N ; t1-end CODE
  t1-id ID ; t1-env-after N ; t1-env-has-id yes|no ; t1-body-complete yes|no
  t2-batch CODE,CODE,CODE,CODE ; t2-... as t1-... after the dot
  quit CODE ; exit STATUS
"""
import os
import signal
import subprocess
import sys


class Peer:
    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE)
        self.buf = b""

    def send(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.p.stdout.read1(65536)
            if not chunk:
                raise EOFError("server closed the pipe; got %r" % self.buf)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def reply(self):
        """One (possibly multi-line) reply: (code, [lines])."""
        lines = []
        while True:
            ln = self.line()
            lines.append(ln)
            if len(ln) < 4 or ln[3] != "-":
                return ln[:3], lines


def env_count(queue):
    try:
        return len(os.listdir(os.path.join(queue, "env")))
    except FileNotFoundError:
        return 0


def body_ends(queue, qid, tail):
    try:
        with open(os.path.join(queue, "new", qid), "rb") as f:
            return f.read().endswith(tail)
    except OSError:
        return False


def queued_id(lines):
    last = lines[-1]
    return last.rsplit(" ", 1)[-1] if "queued as" in last else ""


def end_of_data(peer, queue, t, obs, tail):
    """Read the reply to the final dot; at once, look into the queue."""
    code, lines = peer.reply()
    obs(t + "-env-after", env_count(queue))
    obs(t + "-end", code)
    qid = queued_id(lines)
    obs(t + "-id", qid)
    obs(t + "-env-has-id",
        "yes" if qid and os.path.exists(os.path.join(queue, "env", qid))
        else "no")
    obs(t + "-body-complete", "yes" if body_ends(queue, qid, tail) else "no")


def body(subject, to, text):
    return ("From: App <app@example.test>\r\nTo: %s\r\nSubject: %s\r\n\r\n%s"
            % (to, subject, text)).encode()


def main():
    signal.alarm(60)    # a server that stops answering fails the test
    queue = sys.argv[1]
    peer = Peer(sys.argv[2:])

    def obs(name, value):
        print("%s %s" % (name, value), flush=True)

    code, _ = peer.reply()
    obs("greeting", code)
    peer.send(b"EHLO client.example.test\r\n")
    code, lines = peer.reply()
    obs("ehlo", code)
    obs("ehlo-pipelining",
        "yes" if any(l[4:].upper() == "PIPELINING" for l in lines) else "no")

    # ---- transaction 1: one command, one reply ----
    for name, cmd in (("t1-mail", b"MAIL FROM:<app@example.test>\r\n"),
                      ("t1-rcpt", b"RCPT TO:<bs1@example.test>\r\n"),
                      ("t1-data", b"DATA\r\n")):
        peer.send(cmd)
        code, _ = peer.reply()
        obs(name, code)
    peer.send(body("bs one", "bs1@example.test",
                   "first message\r\n..leading dot\r\nlast line\r\n"))
    obs("t1-env-before-dot", env_count(queue))
    peer.send(b".\r\n")
    end_of_data(peer, queue, "t1", obs, b"last line\n")

    # ---- transaction 2: MAIL, two RCPTs and DATA in one write ----
    peer.send(b"MAIL FROM:<app@example.test>\r\n"
              b"RCPT TO:<bs2@example.test>\r\n"
              b"RCPT TO:<bs3@example.test>\r\n"
              b"DATA\r\n")
    codes = [peer.reply()[0] for _ in range(4)]
    obs("t2-batch", ",".join(codes))
    peer.send(body("bs two", "bs2@example.test, bs3@example.test",
                   "second message\r\n") + b".\r\n")
    end_of_data(peer, queue, "t2", obs, b"second message\n")

    peer.send(b"QUIT\r\n")
    code, _ = peer.reply()
    obs("quit", code)
    peer.p.stdin.close()
    obs("exit", peer.p.wait(timeout=30))


if __name__ == "__main__":
    try:
        main()
    except (EOFError, BrokenPipeError, subprocess.TimeoutExpired) as exc:
        print("error %s" % exc)
        sys.exit(1)
