#!/usr/bin/env python3
"""poll-connect.py HOST PORT WANT TIMEOUT_S: connect to HOST:PORT over and over (each
connection reads sl-echo's "id=NAME" line) until a reply comes from WANT ("*": any
server). Prints "ready" at start, then "seen <unix time ns> <tries>" and exits 0, or
"timeout <tries>" and exits 1. Used to see when new connections use a new rule set."""
import socket
import sys
import time

host, port, want, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
print("ready", flush=True)
end = time.monotonic() + limit
tries = 0
while time.monotonic() < end:
    tries += 1
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(0.005)
    try:
        s.connect((host, port))
        data = s.recv(64).decode(errors="replace")
        t = time.time_ns()
        who = data.split("id=", 1)[1].split()[0] if "id=" in data else ""
        if who and (want == "*" or who == want):
            print("seen %d %d" % (t, tries), flush=True)
            sys.exit(0)
    except OSError:
        time.sleep(0.0002)
    finally:
        s.close()
print("timeout %d" % tries, flush=True)
sys.exit(1)
