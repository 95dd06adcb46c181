#!/usr/bin/python3
"""peak-procs.py OUT EXE... — sample /proc every 5 ms until SIGTERM, then
write to OUT the largest number of processes seen at once whose executable
is one of EXE, and after it the largest number whose executable is the
last EXE (scripts/bench, part 6: relayq and relayq-flush, then
relayq-flush alone).  OUT.ready appears after the first sweep."""
import os
import signal
import sys
import time

out, exes = sys.argv[1], {os.path.realpath(p) for p in sys.argv[2:]}
last = os.path.realpath(sys.argv[-1])
peak = peak_last = 0
stop = False


def on_term(signum, frame):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
while not stop:
    n = n_last = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            exe = os.readlink("/proc/%s/exe" % pid)
            if exe in exes:
                n += 1
                n_last += exe == last
        except OSError:
            pass
    peak = max(peak, n)
    peak_last = max(peak_last, n_last)
    if not os.path.exists(out + ".ready"):
        open(out + ".ready", "w").close()
    time.sleep(0.005)
with open(out, "w") as f:
    f.write("%d %d\n" % (peak, peak_last))
