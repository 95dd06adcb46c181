#!/usr/bin/env python3
"""clone-queue QUEUE_DIR COUNT NEXT_ATTEMPT

Turn the one message in QUEUE_DIR (env/ID + new/ID, as relayq wrote it)
into COUNT copies that are not due: each copy gets a fresh queue id below
the original one (ids sort by time, so the copies look older) and the
envelope line `next-attempt NEXT_ATTEMPT`, without the flag
`session-deferred` (the template was deferred by a smarthost that was
down, and such a message is due as soon as a run opens a session, whatever
its next-attempt: doc/QUEUE.md).  Bodies and envelopes are
plain copies (no hard links: a body is also the message's lock).  Not
fsynced: this builds a fixture, it is not timed.  Used by scripts/bench.
"""
import os
import shutil
import sys

ALPHA = "0123456789ABCDEFGHIJKLMNOPQRSTUV"


def dec(qid):
    n = 0
    for c in qid:
        n = n * 32 + ALPHA.index(c)
    return n


def enc(n):
    out = []
    for _ in range(10):
        out.append(ALPHA[n % 32])
        n //= 32
    return "".join(reversed(out))


def not_due(ln, nxt):
    """One envelope line of a copy that is not due before NEXT_ATTEMPT."""
    if ln.startswith("next-attempt "):
        return "next-attempt %d" % nxt
    if ln.startswith("flags "):
        flags = [f for f in ln[len("flags "):].split(",") if f != "session-deferred"]
        return "flags " + ",".join(flags) if flags else None
    return ln


def main():
    os.umask(0o077)
    qdir, count, nxt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ids = [i for i in os.listdir(os.path.join(qdir, "env"))]
    if len(ids) != 1:
        sys.exit("clone-queue: want exactly one message in %s/env, found %d" % (qdir, len(ids)))
    src = ids[0]
    with open(os.path.join(qdir, "env", src)) as f:
        lines = f.read().split("\n")
    base = dec(src)
    body = os.path.join(qdir, "new", src)
    for k in range(1, count + 1):
        qid = enc(base - 16 * k)
        out = []
        seen_next = False
        for ln in lines:
            if ln.startswith("id "):
                ln = "id " + qid
            elif ln.startswith("next-attempt "):
                seen_next = True
            elif ln == "end" and not seen_next:
                sys.exit("clone-queue: the template envelope has no next-attempt line")
            ln = not_due(ln, nxt)
            if ln is not None:
                out.append(ln)
        tmp = os.path.join(qdir, "tmp", qid + ".clone")
        with open(tmp, "w") as f:
            f.write("\n".join(out))
        shutil.copyfile(body, os.path.join(qdir, "new", qid))
        os.rename(tmp, os.path.join(qdir, "env", qid))
    # The template itself becomes a not-due copy too.
    with open(os.path.join(qdir, "env", src)) as f:
        text = f.read()
    text = "\n".join(ln for ln in (not_due(ln, nxt) for ln in text.split("\n"))
                     if ln is not None)
    with open(os.path.join(qdir, "env", src), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
