#!/usr/bin/env python3
"""msgcheck.py FILE WHAT [ARG] -- print one fact about a delivered message.

  header NAME     every NAME: field, raw bytes, folding kept (in order)
  count NAME      how many NAME: fields the header has
  body            the raw body (after the first empty line)
  parts           content types of the leaf MIME parts, one a line
  attachments     "FILENAME MD5-OF-DECODED-CONTENT" for each attachment
  text            the decoded text/plain part (or the whole decoded body)
  subject         the Subject, RFC 2047 decoded, as UTF-8
"""
import email
import email.header
import email.policy
import hashlib
import sys


def split(raw):
    end = raw.find(b"\n\n")
    if end < 0:
        return raw, b""
    return raw[:end + 1], raw[end + 2:]


def fields(head):
    """Raw fields: list of (lowercase name, bytes including folding)."""
    out = []
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + line)
        else:
            out.append((line.split(b":", 1)[0].strip().lower(), line))
    return out


def main():
    path, what = sys.argv[1], sys.argv[2]
    arg = sys.argv[3] if len(sys.argv) > 3 else ""
    raw = open(path, "rb").read()
    head, body = split(raw)
    out = sys.stdout.buffer
    if what == "header":
        for name, value in fields(head):
            if name == arg.lower().encode():
                out.write(value)
    elif what == "count":
        print(sum(1 for n, _ in fields(head) if n == arg.lower().encode()))
    elif what == "body":
        out.write(body)
    else:
        m = email.message_from_bytes(raw, policy=email.policy.default)
        if what == "parts":
            for p in m.walk():
                if not p.is_multipart():
                    print(p.get_content_type())
        elif what == "attachments":
            for p in m.iter_attachments():
                data = p.get_payload(decode=True)
                print(p.get_filename(), hashlib.md5(data).hexdigest())
        elif what == "text":
            p = m.get_body(preferencelist=("plain",))
            out.write(p.get_payload(decode=True))
        elif what == "subject":
            h = email.message_from_bytes(raw)["Subject"]
            print(str(email.header.make_header(email.header.decode_header(h))))
        else:
            sys.exit("msgcheck.py: unknown WHAT %s" % what)


if __name__ == "__main__":
    main()
