#!/usr/bin/env python3
"""Scenario M: one `popfetchd run` daemon with many accounts (issue 17's 10,000).

    many_accounts.py --popfetchd BIN --test-server BIN --work DIR
                     [--accounts 10000] [--messages 3] [--interval 300]
                     [--run-for SECONDS] [--max-concurrent N] [--smoke] [--out M.json]

It starts the test Dovecot (popfetchd-test-server: users user1..userN with
password pw-userN, M messages of 2 KB each, POP3S with its own CA), writes one
config with every account (poll_interval --interval, keep mode, a health
socket), starts `popfetchd run` with NOTIFY_SOCKET pointing at a datagram
socket of its own, and measures:

  start-up      exec to READY=1, and exec to the first answer of GET /health
  first polls   when each account's first poll started (its "poll done in Xs"
                line, taken when it arrives, minus X), after READY, as a
                histogram over the first interval: a thundering herd shows as one full bucket
  intervals     every account polled within its first interval; for accounts
                polled twice, the gap between the two polls' starts
  RSS           VmHWM and VmRSS from /proc/PID/status at the end
  CPU           the daemon's user+sys (/proc/PID/stat) at READY and at the
                end; CPU per poll = (end - READY) / polls
  render        GET /metrics and GET /health over the Unix socket, timed
                client-side from connect to the last byte, several samples
                once every account has polled (median and max)

--smoke (200 accounts, a 10 s interval unless given) asserts only correctness:
every account polled within its interval, no poll failed; exit 1 otherwise.
The full run asserts the same and reports the figures; no timing is asserted.
"""
import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

POLL_DONE = re.compile(r"\[(?P<account>[^\]]+)\] poll done in (?P<took>\d+\.\d)s")
POLL_FAILED = re.compile(r"\[(?P<account>[^\]]+)\] poll failed")


def log(text):
    print(f"[many_accounts {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


class Polls:
    """Poll starts per account, from the daemon's log as it arrives."""

    def __init__(self, t0):
        self.t0 = t0
        self.starts = {}  # account -> [start seconds after exec, ...]
        self.failed = []
        self.lock = threading.Lock()

    def read(self, stream):
        for raw in stream:
            line = raw.decode("utf-8", "replace")
            now = time.monotonic() - self.t0
            if m := POLL_DONE.search(line):
                with self.lock:
                    self.starts.setdefault(m["account"], []).append(now - float(m["took"]))
            elif m := POLL_FAILED.search(line):
                with self.lock:
                    self.failed.append(line.strip()[:300])

    def polled(self):
        with self.lock:
            return len(self.starts)

    def total(self):
        with self.lock:
            return sum(len(v) for v in self.starts.values())


def start_server(args):
    cmd = [args.test_server, "--users", str(args.accounts), "--messages", str(args.messages), "--size", "2000"]
    t = time.monotonic()
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(os.path.join(args.work, "server.err"), "w"))
    line = server.stdout.readline().decode().split()
    if not line or line[0] != "READY":
        sys.exit("many_accounts: the test Dovecot did not start: " + open(os.path.join(args.work, "server.err")).read())
    fields = dict(f.split("=", 1) for f in line[2:])
    log(f"Dovecot with {args.accounts} users x {args.messages} messages ready in {time.monotonic() - t:.1f}s")
    return server, int(fields["pop3s"]), fields["ca"]


def write_config(args, port, ca):
    conf = os.path.join(args.work, "popfetchd.yaml")
    passwords = os.path.join(args.work, "passwords")
    os.makedirs(passwords, exist_ok=True)
    lines = [
        f"database: {args.work}/archive.db",
        f"health_socket: {args.work}/health.sock",
        "log_level: info",
    ]
    if args.max_concurrent:
        lines.append(f"max_concurrent_polls: {args.max_concurrent}")
    lines += ["defaults:", f"  poll_interval: {args.interval}s", "  server: 127.0.0.1", f"  port: {port}",
              "  security: tls", f"  ca_file: {ca}", "accounts:"]
    for u in range(1, args.accounts + 1):
        path = os.path.join(passwords, f"user{u}")
        with open(path, "w") as f:
            f.write(f"pw-user{u}\n")
        os.chmod(path, 0o600)
        lines += [f"  - name: user{u}", f"    username: user{u}", f"    password_file: {path}"]
    with open(conf, "w") as f:
        f.write("\n".join(lines) + "\n")
    return conf


def http_get(sock_path, path):
    """(seconds from connect to the last byte, status, body bytes)."""
    t = time.perf_counter()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(sock_path)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    chunks = []
    while chunk := s.recv(1 << 16):
        chunks.append(chunk)
    s.close()
    elapsed = time.perf_counter() - t
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return elapsed, status, len(body)


def proc_cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def proc_memory(pid):
    out = {}
    for line in open(f"/proc/{pid}/status"):
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            out[key] = int(value.split()[0])  # kB
    return out


def timed(sock_path, path, samples, pid):
    """Client-side wall time per request, and the daemon's CPU per request
    (/proc, 10 ms ticks, so over all samples): wall time on a loaded machine
    includes waiting for a core, CPU time does not."""
    times, sizes = [], []
    cpu_before = proc_cpu(pid)
    for _ in range(samples):
        elapsed, status, size = http_get(sock_path, path)
        if status not in (200, 503):
            raise RuntimeError(f"GET {path}: HTTP {status}")
        times.append(elapsed * 1000)
        sizes.append(size)
    cpu_ms = (proc_cpu(pid) - cpu_before) / samples * 1000
    return {"median_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2),
            "daemon_cpu_ms": round(cpu_ms, 1), "samples": samples, "bytes": sizes[-1]}


class Notifications:
    """Drains NOTIFY_SOCKET like systemd does: a daemon whose notification
    queue is full blocks in sendmsg(), so nobody reading it would stall the
    daemon (and this script waiting for its /health)."""

    def __init__(self, sock, t0):
        self.sock = sock
        self.t0 = t0
        self.ready_s = None
        self.count = 0
        self.ready = threading.Event()

    def read(self):
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                return
            self.count += 1
            if self.ready_s is None and b"READY=1" in data:
                self.ready_s = time.monotonic() - self.t0
                self.ready.set()


def wait_for_start(daemon, notifications, sock_path, t0):
    health_s = None
    deadline = time.monotonic() + 300
    while (notifications.ready_s is None or health_s is None) and time.monotonic() < deadline:
        if daemon.poll() is not None:
            sys.exit(f"many_accounts: popfetchd exited with {daemon.returncode} during start-up")
        if health_s is None and os.path.exists(sock_path):
            try:
                http_get(sock_path, "/health")
                health_s = time.monotonic() - t0
            except OSError:
                pass
        time.sleep(0.005)
    if notifications.ready_s is None or health_s is None:
        sys.exit("many_accounts: popfetchd did not become ready within 300 s")
    return notifications.ready_s, health_s


def histogram(values, span, buckets=10):
    counts = [0] * buckets
    for v in values:
        counts[min(buckets - 1, max(0, int(v / span * buckets)))] += 1
    return counts


def analyse(polls, args, ready_s):
    """First polls count from READY (the scheduler starts then), in seconds."""
    interval = float(args.interval)
    with polls.lock:
        starts = {a: [t - ready_s for t in v] for a, v in polls.starts.items()}
    firsts = [v[0] for v in starts.values()]
    # 1 s of slack: the log line's duration is rounded to 0.1 s and read when it arrives
    late = sorted(a for a, v in starts.items() if v[0] > interval + 1.0)
    never = args.accounts - len(starts)
    gaps = [v[1] - v[0] for v in starts.values() if len(v) > 1]
    return {
        "accounts_polled": len(starts),
        "never_polled": never,
        "first_poll_after_interval": len(late),
        "first_poll_s": {"min": round(min(firsts), 2) if firsts else None,
                         "median": round(statistics.median(firsts), 2) if firsts else None,
                         "max": round(max(firsts), 2) if firsts else None},
        "first_poll_histogram": histogram(firsts, interval),
        "second_polls": len(gaps),
        "gap_s": {"min": round(min(gaps), 2), "max": round(max(gaps), 2)} if gaps else None,
        # jitter is +-10 %: a gap beyond 1.1 x interval (+1 s of log rounding) is a late poll
        "gaps_over_interval": sum(1 for g in gaps if g > interval * 1.1 + 1.0),
        "polls_total": sum(len(v) for v in starts.values()),
        "polls_failed": len(polls.failed),
    }


def run(args):
    server, port, ca = start_server(args)
    daemon = None
    notify_path = os.path.join(args.work, "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        conf = write_config(args, port, ca)
        if os.path.exists(notify_path):
            os.unlink(notify_path)
        notify.bind(notify_path)
        env = dict(os.environ, NOTIFY_SOCKET=notify_path)
        sock_path = os.path.join(args.work, "health.sock")
        t0 = time.monotonic()
        daemon = subprocess.Popen([args.popfetchd, "-c", conf, "run"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, env=env)
        polls = Polls(t0)
        threading.Thread(target=polls.read, args=(daemon.stderr,), daemon=True).start()
        notifications = Notifications(notify, t0)
        threading.Thread(target=notifications.read, daemon=True).start()
        ready_s, health_s = wait_for_start(daemon, notifications, sock_path, t0)
        cpu_ready = proc_cpu(daemon.pid)
        mem_ready = proc_memory(daemon.pid)
        log(f"READY after {ready_s:.2f}s, /health answered after {health_s:.2f}s")
        idle = {"metrics": timed(sock_path, "/metrics", args.samples, daemon.pid),
                "health": timed(sock_path, "/health", args.samples, daemon.pid)}
        run_for = args.run_for if args.run_for else args.interval * (1.02 if args.smoke else 1.25) + 5
        next_note = time.monotonic() + 30
        while time.monotonic() - t0 < run_for:
            if daemon.poll() is not None:
                sys.exit(f"many_accounts: popfetchd exited with {daemon.returncode}")
            if args.smoke and polls.polled() == args.accounts:
                break
            if time.monotonic() >= next_note:
                log(f"{time.monotonic() - t0:.0f}s: {polls.polled()}/{args.accounts} accounts polled, "
                    f"{polls.total()} polls, RSS {proc_memory(daemon.pid).get('VmRSS', 0) // 1024} MB")
                next_note += 30
            time.sleep(0.2)
        busy = {"metrics": timed(sock_path, "/metrics", args.samples, daemon.pid),
                "health": timed(sock_path, "/health", args.samples, daemon.pid)}
        cpu_end = proc_cpu(daemon.pid)
        mem_end = proc_memory(daemon.pid)
        elapsed = time.monotonic() - t0
        result = analyse(polls, args, ready_s)
        polls_done = max(1, result["polls_total"])
        result.update({
            "accounts": args.accounts, "messages_per_account": args.messages, "interval_s": args.interval,
            "max_concurrent_polls": args.max_concurrent or "default", "run_s": round(elapsed, 1),
            "ready_s": round(ready_s, 3), "first_health_s": round(health_s, 3),
            "rss_ready_mb": round(mem_ready["VmRSS"] / 1024, 1),
            "rss_peak_mb": round(mem_end["VmHWM"] / 1024, 1), "rss_end_mb": round(mem_end["VmRSS"] / 1024, 1),
            "cpu_startup_s": round(cpu_ready, 2), "cpu_total_s": round(cpu_end, 2),
            "cpu_per_poll_ms": round((cpu_end - cpu_ready) / polls_done * 1000, 2),
            "render_before_polls": idle, "render_after_polls": busy,
            "status_notifications": notifications.count,
            "failures": polls.failed[:5],
        })
        emit(result, args)  # before the slow part: stopping a Dovecot with 10,000 users
        return result
    finally:
        if daemon is not None and daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=60)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        notify.close()
        log("stopping the test Dovecot (removing its users takes a while)")
        server.send_signal(signal.SIGTERM)
        server.wait()


def emit(result, args):
    text = json.dumps(result, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text, flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--popfetchd", required=True)
    p.add_argument("--test-server", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--accounts", type=int)
    p.add_argument("--messages", type=int, default=3)
    p.add_argument("--interval", type=int)
    p.add_argument("--run-for", type=float, default=0)
    p.add_argument("--max-concurrent", type=int, default=0)
    p.add_argument("--samples", type=int, default=7)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--out")
    args = p.parse_args()
    args.accounts = args.accounts or (200 if args.smoke else 10_000)
    args.interval = args.interval or (10 if args.smoke else 300)
    os.makedirs(args.work, exist_ok=True)
    args.work = os.path.abspath(args.work)
    result = run(args)
    ok = (result["never_polled"] == 0 and result["first_poll_after_interval"] == 0
          and result["gaps_over_interval"] == 0 and result["polls_failed"] == 0)
    if not ok:
        log("FAILED: not every account was polled within its interval, or a poll failed")
        return 1
    log("every account was polled within its interval")
    return 0


if __name__ == "__main__":
    sys.exit(main())
