#!/usr/bin/env python3
"""docs_match.py SRCDIR — the manual and the code agree (TAP on stdout).

- every key of conf.c's key table has a .BI entry in relayq.conf(5) and
  every .BI key entry there is in the table;
- each entry's "Default:" states the table's default (the value as it would
  be written in the file, e.g. "300" in "5 minutes (300)"); a key without
  one in the table says "unset" or "none", or, for a default computed at
  run time, names it (COMPUTED below, each pointing at the code);
- every flag of cli.c's flag table and every -o/-O option of cli_opt.c's
  table appears in relayq(8); every long option of relayq-flush appears in
  relayq-flush(8).
"""
import re
import sys

src = sys.argv[1]
tests = []


def ok(cond, desc, diag=""):
    tests.append((bool(cond), desc, diag))


def read(path):
    with open(f"{src}/{path}", encoding="utf-8") as f:
        return f.read()


def plain(troff):
    """Text of troff source: macros dropped, font escapes and quotes removed."""
    out = []
    for line in troff.splitlines():
        m = re.match(r"^\.(B|I|BI|IB|BR|RB|IR|RI)\s+(.*)$", line)
        if m:
            line = m.group(2).replace('"', "")
        elif line.startswith("."):
            continue
        line = re.sub(r"\\f[BIRP]", "", line)
        line = line.replace("\\-", "-").replace("\\(em", "-").replace("\\(dq", '"')
        out.append(line)
    return " ".join(" ".join(out).split())


# Defaults the table leaves unset because the code computes them.
COMPUTED = {
    # setup.c fe_rewrite_setup: conf domain, else identity's FQDN
    "domain": "fully qualified name",
    # session_settings.c: helo_name, else the identity's fqdn
    "helo_name": "fully qualified name",
    # session_settings.c creds_from_conf: conf_user_file("authinfo")
    "authinfo": "~/.config/relayq/authinfo",
    # creds.c creds_config_init: CREDS_DEFAULT_CREDENTIAL
    "auth_credential": "relayq-password",
    # creds.c creds_config_init: order credential, authinfo, command, keyring
    "auth_sources": "credential authinfo command keyring",
    # tls.c: NULL priority is GnuTLS's "NORMAL"
    "tls_priorities": "NORMAL",
}
MACROS = {"SPOOLDIR": "/var/spool/relayq"}
# String macros of the headers (#define NAME "value") used as defaults in
# the table, read from the source rather than repeated here.
import glob
import os
for _h in sorted(glob.glob(f"{src}/src/*/*.h")):
    for _m in re.finditer(r'^#define\s+([A-Z_][A-Z0-9_]*)\s+"([^"]*)"',
                          read(os.path.relpath(_h, src)), re.M):
        MACROS.setdefault(_m.group(1), _m.group(2))

conf_c = read("src/options/conf.c")
table = re.findall(r'^\t\{ "(\w+)", (T_\w+), OFF\(\w+\), (NULL|"[^"]*"|\w+),',
                   conf_c, re.M)
keys = {name: (typ, None if d == "NULL" else MACROS.get(d, d.strip('"')))
        for name, typ, d in table}
ok(len(keys) > 30, f"conf.c's key table read ({len(keys)} keys)")

man5 = read("man/relayq.conf.5")
lines = man5.splitlines()
entries = {}
starts = [(i, m.group(1)) for i, l in enumerate(lines)
          for m in [re.match(r'^\.BI ([a-z][a-z0-9_]*)(\s|$)', l)] if m]
for n, (i, name) in enumerate(starts):
    end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
    for j in range(i + 1, end):
        if lines[j].startswith(".SH") or lines[j].startswith(".SS"):
            end = j
            break
    entries.setdefault(name, "\n".join(lines[i:end]))
# ".BI tls_cert_file" ".TQ" ".BI tls_key_file": one paragraph for both
for n, (i, name) in enumerate(starts[:-1]):
    if all(l.startswith(".") for l in entries[name].splitlines()[1:]):
        entries[name] = entries[name] + "\n" + entries[starts[n + 1][1]]

for name in sorted(keys):
    ok(name in entries, f"relayq.conf(5) documents the key {name}")
for name in sorted(entries):
    ok(name in keys, f"the key {name} of relayq.conf(5) exists in conf.c")

for name in sorted(keys):
    if name not in entries:
        continue
    text = plain(entries[name])
    m = re.search(r"Default:\s*(.*?)(?:\.\s|\.$|$)", text)
    if not m:
        ok(False, f"{name}: its entry states a default", text[:200])
        continue
    said = m.group(1)
    rest = text[m.start():]
    typ, default = keys[name]
    want = COMPUTED.get(name, default)
    if want is None:
        ok(re.match(r"(unset|none)\b", said),
           f"{name}: no default in the code, the manual says unset or none",
           f"says: Default: {said}")
    else:
        ok(re.search(r"(^|[\s(\"'])" + re.escape(want) + r"($|[\s).,;\"'])", rest),
           f"{name}: the manual's default is the code's ({want})",
           f"says: {rest[:160]}")

# ---- flags ----
man8 = plain(read("man/relayq.8"))
cli_c = read("src/options/cli.c")
flags = re.findall(r"\{ '(.)', A_(?:REQ|OPT|NONE) \}", cli_c)
ok(len(flags) > 20, f"cli.c's flag table read ({len(flags)} flags)")
for ch in flags:
    ok(re.search(r"(^|[\s,(])-" + re.escape(ch) + r"($|[\s,.)\[a-z0-9\"=/])", man8),
       f"relayq(8) documents the flag -{ch}")
opts = re.findall(r"\{ '(.|\\0)', \"([\w.]+)\", O_", read("src/options/cli_opt.c"))
ok(len(opts) > 10, f"cli_opt.c's option table read ({len(opts)} options)")
for letter, name in opts:
    ok(name in man8, f"relayq(8) documents the option {name}")
    if letter != "\\0":
        ok("-o" + letter in man8, f"relayq(8) documents -o{letter} ({name})")
man_flush = plain(read("man/relayq-flush.8"))
longs = re.findall(r'\{ "([a-z-]+)", (?:no|required)_argument', read("src/flush/main-flush.c"))
ok(len(longs) >= 5, f"relayq-flush's long options read ({len(longs)})")
for name in longs:
    ok("--" + name in man_flush, f"relayq-flush(8) documents --{name}")
for word in ("--connect", "--force"):
    ok(word in man8, f"relayq(8) documents relayq's {word}")

for n, (good, desc, diag) in enumerate(tests, 1):
    print(f"{'ok' if good else 'not ok'} {n} - {desc}")
    if not good and diag:
        for l in diag.splitlines():
            print(f"# {l}")
print(f"1..{len(tests)}")
