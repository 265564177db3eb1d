#!/usr/bin/env python3
"""Scenario L of bench/run: what TLS session resumption buys across daemon polls.

    resumption_polls.py --popfetchd BIN --config CFG --accounts N --rounds K --out L.json

CFG holds N accounts (security: tls, through the latency proxy, log_level:
debug) whose mailboxes do not change, all on one archive. They are polled K
times in each of two ways, in this order:

  poll-once  one untimed warm-up run (it fetches the mailboxes, so no later
             poll has anything new), then K runs of `popfetchd poll-once`: a
             new process each time, so every poll makes a full handshake.
  daemon     `popfetchd run`: its first poll of each account is a full
             handshake (the session cache starts empty), then K-1 rounds, each
             started with SIGUSR1 once the previous round is done, resume the
             session the account's previous poll left.

Per poll it records the time from popfetchd's "connecting to" line to its
"> QUIT" line (connect, TLS handshake, greeting, CAPA, AUTH, STAT/LIST/UIDL,
as taken by this script when each line arrives) and the handshake figures
popfetchd logs ("full handshake, 2 round trip(s), 468 bytes out, 977 in").
Plus the wall time of each poll-once process and of each daemon round (from
SIGUSR1 to the last account's "poll done"). Asserts no timing; exits 1 only
when a poll or a process failed.
"""

import argparse
import json
import re
import signal
import subprocess
import sys
import time

CONNECTING = re.compile(r"\[(?P<account>[^\]]+)\] connecting to ")
CONNECTED = re.compile(
    r"\[(?P<account>[^\]]+)\] connected to \S+ with (?P<tls>[^;]*); (?P<kind>full handshake|resumed session), "
    r"(?P<rtt>\d+) round trip\(s\), (?P<out>\d+) bytes out, (?P<in>\d+) in"
)
QUIT = re.compile(r"\[(?P<account>[^\]]+)\] > QUIT")
POLL_DONE = re.compile(r"\[(?P<account>[^\]]+)\] poll done in ")
POLL_FAILED = re.compile(r"\[(?P<account>[^\]]+)\] poll failed")


class Polls:
    """Per-account polls assembled from popfetchd's log lines as they arrive."""

    def __init__(self):
        self.open = {}  # account -> poll in progress
        self.done = []  # finished polls
        self.finished = 0  # "poll done" / "poll failed" lines (daemon)
        self.failed = 0
        self.last_finish = None

    def feed(self, line, now):
        if m := CONNECTING.search(line):
            self.open[m["account"]] = {"account": m["account"], "start": now}
        elif m := CONNECTED.search(line):
            poll = self.open.get(m["account"])
            if poll is not None:
                poll.update(tls=m["tls"], resumed=m["kind"] == "resumed session", rtt=int(m["rtt"]),
                            out=int(m["out"]), **{"in": int(m["in"])})
        elif m := QUIT.search(line):
            poll = self.open.pop(m["account"], None)
            if poll is not None and "rtt" in poll:
                poll["ms"] = round((now - poll.pop("start")) * 1000, 1)
                self.done.append(poll)
        elif POLL_DONE.search(line):
            self.finished += 1
            self.last_finish = now
        elif POLL_FAILED.search(line):
            self.finished += 1
            self.failed += 1
            self.last_finish = now


def read_lines(process, polls, until, timeout):
    """Feeds `process`'s output to `polls` until until() holds or the process ends."""
    deadline = time.monotonic() + timeout
    while not until():
        line = process.stdout.readline()
        if not line:
            return False
        polls.feed(line, time.monotonic())
        if time.monotonic() > deadline:
            return False
    return True


def poll_once_arm(args):
    polls = Polls()
    walls = []
    failures = 0
    for run in range(args.rounds + 1):  # run 0: the untimed warm-up
        started = time.monotonic()
        process = subprocess.Popen([args.popfetchd, "-c", args.config, "poll-once"], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        target = polls if run > 0 else Polls()
        read_lines(process, target, lambda: False, args.timeout)
        status = process.wait()
        if status != 0:
            failures += 1
            print(f"resumption_polls: poll-once run {run} exited {status}", file=sys.stderr)
        if run > 0:
            walls.append(round(time.monotonic() - started, 3))
    return {"polls": polls.done, "process_wall_s": walls}, failures


def daemon_arm(args):
    polls = Polls()
    process = subprocess.Popen([args.popfetchd, "-c", args.config, "run"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    rounds_wall = []
    failures = 0
    try:
        for round_no in range(1, args.rounds + 1):
            wanted = round_no * args.accounts
            started = time.monotonic()
            if round_no > 1:
                process.send_signal(signal.SIGUSR1)
            if not read_lines(process, polls, lambda: polls.finished >= wanted, args.timeout):
                print(f"resumption_polls: daemon round {round_no} did not finish", file=sys.stderr)
                failures += 1
                break
            if round_no > 1:
                rounds_wall.append(round(polls.last_finish - started, 3))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
    failures += polls.failed
    first = {}
    later = []
    for poll in polls.done:  # in order of their QUIT lines: an account's first poll comes first
        if poll["account"] not in first:
            first[poll["account"]] = poll
        else:
            later.append(poll)
    return {"first_polls": list(first.values()), "later_polls": later, "round_wall_s": rounds_wall}, failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--popfetchd", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--accounts", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    poll_once, failures_once = poll_once_arm(args)
    daemon, failures_daemon = daemon_arm(args)
    result = {"accounts": args.accounts, "rounds": args.rounds, "poll_once": poll_once, "daemon": daemon,
              "failures": failures_once + failures_daemon}
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    sys.exit(1 if result["failures"] else 0)


if __name__ == "__main__":
    main()
