#!/usr/bin/env python3
"""zssh benchmark harness (stdlib only; started by bench/bench.sh).

Two roles in one file:

* `bench.py origin --size N`: the TCP origins behind the test edge, in a process of their own so
  their CPU time is never counted for a client. Three listeners:
    banner  sends one line at once on connect (like an SSH server's banner), then discards input;
    sink    reads exactly N bytes, reports when the first and the last arrived, then closes;
    source  sends exactly N bytes, reports, then closes.
  It prints one JSON line with the ports, then one JSON line per finished sink/source transfer,
  and exits when its stdin reaches EOF (i.e. when the harness goes away, however it dies).

* `bench.py run ...`: the harness. Starts the origins and `zssh-test-edge serve`, then measures
  each client (zssh, nc, websocat, cloudflared) and prints one table. CPU time and peak RSS are
  the client process's own (see RUSAGE_LAUNCHER), never the edge's or the origin's: those are
  separate processes that the client does not wait for.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import re
import select
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

MIB = 1 << 20
GIB = 1 << 30
BANNER = b"SSH-2.0-zssh-bench-origin\r\n"
CHUNK = 1 * MIB  # I/O buffer size of the origins and of the harness's pipe pumps

# Service token the edge accepts for every app (fake; only meaningful to the local test edge).
TOKEN_ID = "bench-client.access"
TOKEN_SECRET = "bench-secret-0123456789abcdef"

# Names the clients dial. Inside the private namespace /etc/hosts maps them all to 127.0.0.1.
APPS = {
    "banner": "ssh-banner.bench.example.com",
    "sink": "ssh-sink.bench.example.com",
    "source": "ssh-source.bench.example.com",
    "duplex": "ssh-duplex.bench.example.com",
    "echo": "ssh-echo.bench.example.com",
}
TEAM = "zssh-bench.cloudflareaccess.com"
# The transfer store hosts the edge also answers for (only used by logins; mapped for completeness).
STORE_HOSTS = ["login.cloudflareaccess.org", "login.fed.cloudflareaccess.org"]

# Figures for cloudflared measured on another machine (the brief's reference), used for the goals
# when no cloudflared is on PATH here.
CLOUDFLARED_REF = {"first_byte_ms": 35.0, "cpu_per_gib": 2.5, "rss_mib": 44.0}
# Issue 11's targets: peak RSS during bulk relay, upload CPU, the release binary's size.
RSS_GOAL_MIB = 8.0
UPLOAD_CPU_GOAL_S = 1.0
BINARY_GOAL_MB = 8.0
# Untimed connections per client, started through the CPU/RSS launcher (see RUSAGE_LAUNCHER).
CONN_RUNS = 5


_T0 = time.monotonic()


def log(msg: str) -> None:
    """Progress goes to stderr so that stdout carries only the table."""
    print(f"bench: [{time.monotonic() - _T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Origins
# --------------------------------------------------------------------------------------------

def origin_main(size: int) -> None:
    out_lock = threading.Lock()

    def report(obj: dict) -> None:
        with out_lock:
            sys.stdout.write(json.dumps(obj) + "\n")
            sys.stdout.flush()

    def drain(conn: socket.socket, limit_s: float) -> None:
        # Read until the peer closes (bounded), so that closing never resets unread data.
        conn.settimeout(limit_s)
        try:
            while conn.recv(CHUNK):
                pass
        except OSError:
            pass

    def banner(conn: socket.socket) -> None:
        conn.sendall(BANNER)
        drain(conn, 30.0)

    def sink(conn: socket.socket) -> None:
        buf = bytearray(CHUNK)
        view = memoryview(buf)
        got = 0
        t_first = t_last = None
        conn.settimeout(600.0)  # a stuck client must not keep the origin forever
        try:
            while got < size:
                n = conn.recv_into(view[: min(CHUNK, size - got)])
                if n == 0:
                    break
                t_last = time.monotonic()
                if t_first is None:
                    t_first = t_last
                got += n
        except OSError:
            pass
        # Exactly `size` bytes: close now (the brief's "discards and closes after exactly N").
        report({"kind": "sink", "bytes": got, "t_first": t_first, "t_last": t_last})

    def source(conn: socket.socket) -> None:
        # Not all zeros, so nothing along the way can get an easy ride (no compression here
        # anyway, but it keeps the test honest).
        block = os.urandom(CHUNK)
        sent = 0
        t_first = time.monotonic()
        conn.settimeout(600.0)
        try:
            while sent < size:
                k = min(CHUNK, size - sent)
                conn.sendall(block[:k] if k < CHUNK else block)
                sent += k
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        report({"kind": "source", "bytes": sent, "t_first": t_first, "t_last": time.monotonic()})
        drain(conn, 10.0)

    def duplex(conn: socket.socket) -> None:
        # Both at once: send exactly N bytes while reading exactly N; report when both are done.
        block = os.urandom(CHUNK)
        sent = [0]
        conn.settimeout(600.0)

        def send():
            try:
                while sent[0] < size:
                    k = min(CHUNK, size - sent[0])
                    conn.sendall(block[:k] if k < CHUNK else block)
                    sent[0] += k
            except OSError:
                pass

        writer = threading.Thread(target=send, daemon=True)
        writer.start()
        buf = bytearray(CHUNK)
        view = memoryview(buf)
        got = 0
        t_first = t_last = None
        try:
            while got < size:
                n = conn.recv_into(view[: min(CHUNK, size - got)])
                if n == 0:
                    break
                t_last = time.monotonic()
                if t_first is None:
                    t_first = t_last
                got += n
        except OSError:
            pass
        writer.join(600.0)
        report({"kind": "duplex", "bytes": got, "sent": sent[0], "t_first": t_first,
                "t_last": t_last})
        try:
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        drain(conn, 10.0)

    def echo(conn: socket.socket) -> None:
        # The fleet's origin: a banner, then every byte back, until the client goes.
        conn.sendall(BANNER)
        conn.settimeout(120.0)
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
        except OSError:
            pass

    handlers = {"banner": banner, "sink": sink, "source": source, "duplex": duplex,
                "echo": echo}
    ports = {}
    for name, handler in handlers.items():
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", 0))
        ls.listen(1024)  # the fleet opens hundreds at once
        ports[name] = ls.getsockname()[1]

        def accept_loop(ls=ls, handler=handler):
            while True:
                conn, _ = ls.accept()
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

                def serve(conn=conn):
                    try:
                        handler(conn)
                    except OSError:
                        pass
                    finally:
                        conn.close()

                threading.Thread(target=serve, daemon=True).start()

        threading.Thread(target=accept_loop, daemon=True).start()
    report({"ports": ports})
    # Live exactly as long as the harness: its end closes our stdin.
    while sys.stdin.buffer.read(4096):
        pass
    os._exit(0)


# --------------------------------------------------------------------------------------------
# Delay relay
# --------------------------------------------------------------------------------------------

def relay_main(listen: str, upstream: str, rtt_ms: float) -> None:
    """A TCP relay that stands for a network path with a round-trip time of `rtt_ms`: every chunk
    is delivered half an RTT after it arrived, in each direction, in order, and, as after a real
    TCP handshake, nothing the client sends reaches the upstream before 1.5 RTT after the
    connection was accepted (the client may send once the SYN-ACK is back, after 1 RTT) and
    nothing the upstream sends reaches the client before 2 RTT (a server's accept() returns when
    the last ACK arrives, after 1.5 RTT). Full duplex:
    each direction has its own reader and writer. Prints one JSON line {"addr"} once listening;
    then answers each "count" line on stdin with {"conns": N} (connections accepted so far, so
    the harness can count a client's connections synchronously); exits at stdin EOF."""
    half = rtt_ms / 2000.0
    rtt = rtt_ms / 1000.0
    up_host, up_port = upstream.rsplit(":", 1)
    host, port = listen.rsplit(":", 1)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, int(port)))
    ls.listen(1024)
    count = [0]
    lock = threading.Lock()

    def pipe(src: socket.socket, dst: socket.socket, not_before: float, done) -> None:
        # Reader: stamp each chunk with its delivery time; writer: deliver at that time.
        q: queue.Queue = queue.Queue()

        def writer():
            try:
                while True:
                    due, data = q.get()
                    wait = due - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                    if data is None:
                        dst.shutdown(socket.SHUT_WR)
                        return
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                done()

        w = threading.Thread(target=writer, daemon=True)
        w.start()
        try:
            while True:
                data = src.recv(65536)
                q.put((max(time.monotonic(), not_before) + half, data or None))
                if not data:
                    return
        except OSError:
            q.put((time.monotonic() + half, None))

    def serve(client: socket.socket, t_accept: float) -> None:
        try:
            up = socket.create_connection((up_host, int(up_port)), timeout=10.0)
        except OSError:
            client.close()
            return
        up.settimeout(None)
        for s in (client, up):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        left = [2]

        def done():
            with lock:
                left[0] -= 1
                last = left[0] == 0
            if last:
                client.close()
                up.close()

        threading.Thread(target=pipe, args=(client, up, t_accept + rtt, done),
                         daemon=True).start()
        # The server side may speak only once its accept() returned, when the handshake's last
        # ACK arrived (1.5 RTT): so nothing it sends reaches the client before 2 RTT.
        threading.Thread(target=pipe, args=(up, client, t_accept + 1.5 * rtt, done),
                         daemon=True).start()

    def accept_loop():
        while True:
            conn, _ = ls.accept()
            t = time.monotonic()
            with lock:
                count[0] += 1
            serve(conn, t)

    threading.Thread(target=accept_loop, daemon=True).start()
    a = ls.getsockname()
    sys.stdout.write(json.dumps({"addr": f"{a[0]}:{a[1]}"}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        if line.strip() == "count":
            with lock:
                n = count[0]
            sys.stdout.write(json.dumps({"conns": n}) + "\n")
            sys.stdout.flush()
    os._exit(0)


# --------------------------------------------------------------------------------------------
# Child-process helpers
# --------------------------------------------------------------------------------------------

# Why CPU time and peak RSS come through GNU time rather than straight from our own os.wait4:
# Python starts children with vfork, and at exec Linux folds the high-water RSS of the old address
# space (here: this Python process, ~15-20 MiB) into the child's ru_maxrss. A child of Python
# therefore never reports less than Python's own peak (nc showed 19 MiB). GNU time is a ~1 MiB C
# program: the client it forks gets a fresh, small floor, and time reports the client's own max
# RSS (%M). CPU time still comes from our os.wait4 on the launcher, which covers the client (time
# waits for it) to the microsecond, plus GNU time's own ~1 ms, the same for every client (time's
# %U/%S have only 10 ms resolution). The first-byte timings spawn clients directly (no launcher in
# the timed path); separate, untimed runs through the launcher give the per-connection figures.
RUSAGE_LAUNCHER = "/usr/bin/time"

# Clients started and not yet reaped: the cleanup kills them if the harness is interrupted.
LIVE: set = set()


class Reaped:
    """How a client ended; cpu/rss only when it was started through the launcher."""

    def __init__(self, code: int, killed: bool, cpu=None, rss_mib=None):
        self.code = code
        self.killed = killed
        self.cpu = cpu
        self.rss_mib = rss_mib


def exited(p: subprocess.Popen) -> bool:
    """Whether the child has ended, without reaping it."""
    info = os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    return info is not None


def reap(p: subprocess.Popen, timeout: float, rusage_file: str | None = None) -> Reaped:
    """Wait for the child; SIGKILL its whole session after `timeout` (it is a session leader)."""
    deadline = time.monotonic() + timeout
    killed = False
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() >= deadline:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            killed = True
            pid, status, ru = os.wait4(p.pid, 0)
            break
        time.sleep(0.002)
    p.returncode = os.waitstatus_to_exitcode(status)  # so Popen never waits for it again
    LIVE.discard(p)
    cpu = rss = None
    if rusage_file:
        cpu = ru.ru_utime + ru.ru_stime  # the launcher's and, through it, the client's
        # The last word is %M in KiB (a "Command exited with non-zero status" line may precede).
        try:
            with open(rusage_file) as f:
                rss = int(f.read().split()[-1]) / 1024.0
        except (OSError, ValueError, IndexError):
            pass
    return Reaped(p.returncode, killed, cpu, rss)


def write_all(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_until(fd: int, deadline: float) -> bytes:
    """One read from fd, or b'' at EOF; raises TimeoutError past the deadline."""
    left = deadline - time.monotonic()
    if left <= 0 or not select.select([fd], [], [], left)[0]:
        raise TimeoutError
    return os.read(fd, 65536)


class Client:
    """One client under test: how to run it against an app host."""

    def __init__(self, name: str, argv_for, env: dict, path: str | None, note: str = ""):
        self.name = name
        self.argv_for = argv_for  # app key ("banner"/"sink"/"source") -> argv
        self.env = env
        self.path = path  # None: not available here
        self.note = note

    def spawn(self, app: str, stderr, rusage_file: str | None = None) -> subprocess.Popen:
        launcher = []
        if rusage_file:
            launcher = [RUSAGE_LAUNCHER, "-q", "-o", rusage_file, "-f", "%M"]
        p = subprocess.Popen(
            launcher + self.argv_for(app),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=self.env,
            close_fds=True,
            start_new_session=True,  # so a stuck client can be killed with everything it started
        )
        LIVE.add(p)
        return p


# --------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------

def first_byte(client: Client, errlog: str, rusage_file: str | None) -> tuple[float, Reaped]:
    """Milliseconds from spawning the client to the origin's first byte on its stdout, and how
    it ended (with CPU and peak RSS if `rusage_file`, i.e. started through the launcher)."""
    with open(errlog, "wb") as err:
        t0 = time.perf_counter()
        p = client.spawn("banner", err, rusage_file)
        try:
            data = read_until(p.stdout.fileno(), time.monotonic() + 15.0)
            t1 = time.perf_counter()
        except TimeoutError:
            data, t1 = b"", None
        # A polite end: stdin EOF, as when ssh exits. Every client must then leave by itself.
        p.stdin.close()
        p.stdout.close()
        r = reap(p, 10.0, rusage_file)
    if t1 is None or not data or not BANNER.startswith(data[: len(BANNER)]):
        raise RuntimeError(
            f"{client.name}: no banner (got {data[:60]!r}, exit {r.code}); stderr: {tail(errlog)}"
        )
    return (t1 - t0) * 1000.0, r


def upload(client: Client, size: int, results: queue.Queue, errlog: str, rusage: str) -> dict:
    """size bytes client stdin -> sink origin. Rate = size / (last - first byte at the origin)."""
    clear(results)
    block = os.urandom(CHUNK)
    wrote_err: list[BaseException] = []
    limit = transfer_limit(size)
    with open(errlog, "wb") as err:
        t0 = time.monotonic()
        p = client.spawn("sink", err, rusage)

        def feed():
            fd = p.stdin.fileno()
            left = size
            try:
                while left > 0:
                    k = min(CHUNK, left)
                    write_all(fd, block if k == CHUNK else block[:k])
                    left -= k
            except OSError as e:  # the client died early; reported below
                wrote_err.append(e)
            finally:
                p.stdin.close()  # EOF, as when ssh closes the session

        def discard():
            while p.stdout.read1(CHUNK):
                pass

        threads = [threading.Thread(target=feed, daemon=True),
                   threading.Thread(target=discard, daemon=True)]
        for t in threads:
            t.start()
        # Wait for the origin's report; give up early if the client is gone and nothing came.
        res = {"bytes": 0, "t_first": None, "t_last": None}
        gone_at = None
        while time.monotonic() - t0 < limit:
            try:
                res = results.get(timeout=0.1)
                break
            except queue.Empty:
                pass
            if gone_at is None and exited(p):
                gone_at = time.monotonic()
            if gone_at is not None and time.monotonic() - gone_at > 3.0:
                break
        t_done = time.monotonic()
        r = reap(p, 15.0, rusage)
        for t in threads:
            t.join(5.0)
    if res["bytes"] != size or res["t_first"] is None or r.cpu is None:
        raise RuntimeError(
            f"{client.name}: upload delivered {res['bytes']} of {size} bytes "
            f"(exit {r.code}, {wrote_err or ''}); stderr: {tail(errlog)}"
        )
    span = max(res["t_last"] - res["t_first"], 1e-9)
    return {
        "mib_s": size / MIB / span,
        "wall_s": t_done - t0,
        "cpu_s": r.cpu,
        "rss_mib": r.rss_mib,
        "exit": r.code,
        "killed": r.killed,
    }


def download(client: Client, size: int, results: queue.Queue, errlog: str, rusage: str) -> dict:
    """source origin -> client stdout (counted here). Rate = size / (last - first byte read)."""
    clear(results)
    buf = bytearray(CHUNK)
    limit = transfer_limit(size)
    with open(errlog, "wb") as err:
        t0 = time.monotonic()
        p = client.spawn("source", err, rusage)
        # stdin stays open during the transfer: an ssh session does not close its input while it
        # receives, and some clients end the session on stdin EOF.
        fd = p.stdout.fileno()
        got = 0
        t_first = t_last = None
        deadline = t0 + limit
        try:
            # Stop at `size` bytes rather than at EOF: nc and websocat keep stdout open after the
            # origin's FIN for as long as their stdin is open.
            while got < size:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([fd], [], [], left)[0]:
                    break
                n = os.readv(fd, [buf])
                if n == 0:
                    break
                t_last = time.monotonic()
                if t_first is None:
                    t_first = t_last
                got += n
            # Then end the session as ssh would once its server has gone: close the client's
            # stdin. Anything still arriving on stdout (there should be nothing) is counted.
            p.stdin.close()
            drain_until = time.monotonic() + 5.0
            while got >= size and time.monotonic() < drain_until:
                if not select.select([fd], [], [], drain_until - time.monotonic())[0]:
                    break
                n = os.readv(fd, [buf])
                if n == 0:
                    break
                got += n
        finally:
            if not p.stdin.closed:
                p.stdin.close()
            p.stdout.close()
        r = reap(p, 15.0, rusage)
    if got != size or t_first is None or r.cpu is None:
        raise RuntimeError(
            f"{client.name}: download delivered {got} of {size} bytes (exit {r.code}); "
            f"stderr: {tail(errlog)}"
        )
    return {
        "mib_s": size / MIB / max(t_last - t_first, 1e-9),
        "wall_s": t_last - t0,
        "cpu_s": r.cpu,
        "rss_mib": r.rss_mib,
        "exit": r.code,
        "killed": r.killed,
    }


def duplex(client: Client, size: int, results: queue.Queue, errlog: str, rusage: str) -> dict:
    """size bytes each way at once through one session: client stdin -> origin while origin ->
    client stdout. Up: timed at the origin (first to last byte in); down: timed here."""
    clear(results)
    block = os.urandom(CHUNK)
    wrote_err: list[BaseException] = []
    limit = transfer_limit(size)
    buf = bytearray(CHUNK)
    with open(errlog, "wb") as err:
        t0 = time.monotonic()
        p = client.spawn("duplex", err, rusage)

        def feed():
            # stdin stays open afterwards: a session ends at stdin EOF, and the download is
            # still running (closed below, once both directions are through).
            fd = p.stdin.fileno()
            left = size
            try:
                while left > 0:
                    k = min(CHUNK, left)
                    write_all(fd, block if k == CHUNK else block[:k])
                    left -= k
            except OSError as e:
                wrote_err.append(e)

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        fd = p.stdout.fileno()
        got = 0
        t_first = t_last = None
        deadline = t0 + limit
        res = {"bytes": 0, "t_first": None, "t_last": None}
        try:
            while got < size:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([fd], [], [], left)[0]:
                    break
                n = os.readv(fd, [buf])
                if n == 0:
                    break
                t_last = time.monotonic()
                if t_first is None:
                    t_first = t_last
                got += n
            # The origin reports once it has all `size` bytes (or the client went away).
            while time.monotonic() < deadline:
                try:
                    r = results.get(timeout=0.1)
                except queue.Empty:
                    if exited(p):
                        try:
                            r = results.get(timeout=3.0)
                        except queue.Empty:
                            break
                    else:
                        continue
                if r.get("kind") == "duplex":
                    res = r
                    break
        finally:
            feeder.join(5.0)
            p.stdin.close()
            p.stdout.close()
        r = reap(p, 15.0, rusage)
    if got != size or res["bytes"] != size or t_first is None or res["t_first"] is None \
            or r.cpu is None:
        raise RuntimeError(
            f"{client.name}: duplex delivered {res['bytes']} of {size} bytes up and {got} down "
            f"(exit {r.code}, {wrote_err or ''}); stderr: {tail(errlog)}"
        )
    return {
        "up_mib_s": size / MIB / max(res["t_last"] - res["t_first"], 1e-9),
        "down_mib_s": size / MIB / max(t_last - t_first, 1e-9),
        "cpu_s": r.cpu,
        "rss_mib": r.rss_mib,
        "exit": r.code,
        "killed": r.killed,
    }


def transfer_limit(size: int) -> float:
    # Generous but finite: 60 s plus 5 MiB/s worth of data (1 GiB -> ~265 s).
    return 60.0 + size / (5 * MIB)


def clear(q: queue.Queue) -> None:
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            return


def tail(path: str, n: int = 400) -> str:
    try:
        with open(path, "rb") as f:
            return f.read()[-n:].decode("utf-8", "replace").strip() or "(empty)"
    except OSError:
        return "(none)"


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(q / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


# --------------------------------------------------------------------------------------------
# Latency in round trips, through the delay relay
# --------------------------------------------------------------------------------------------

# Each path: (key, label, floor, why). The floor counts round trips a client cannot avoid without
# speculation (TCP Fast Open, TLS 0-RTT, connecting before it knows it must): a new TCP
# connection costs 1 RTT before the client may send, a TLS 1.3 handshake 1 RTT, each HTTP request
# on an open connection 1 RTT; steps that need an answer from the previous one are sequential.
# bench/README.md derives each one.
LATENCY_PATHS = [
    ("service", "service token", 3, "TCP, TLS, upgrade"),
    ("cached_cold", "cached user token, cold", 4, "TCP, TLS, metadata, upgrade"),
    ("cached_warm", "cached user token, warm", 3, "TCP, TLS, upgrade"),
    ("login", "first login (nothing cached)", 10,
     "app: TCP, TLS, metadata; team: TCP, TLS, JWKS; browser: TCP, TLS, GET; upgrade"),
    ("sso", "org SSO (org token, no app token)", 8,
     "app: TCP, TLS, metadata; team: TCP, TLS, login; authorized; upgrade"),
    ("cert_valid", "Match exec cert check, valid cert", 0, "files only"),
    ("cert_mint", "Match exec cert check, no cert", 3, "team: TCP, TLS, cert_sign"),
]


class Relay:
    """The delay relay process (bench.py relay) and its synchronous connection counter."""

    def __init__(self, listen: str, upstream: str, rtt_ms: float, work: str):
        self.p = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "relay", "--listen", listen,
             "--upstream", upstream, "--rtt", str(rtt_ms)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(os.path.join(work, "relay.stderr"), "wb"))
        self.addr = json.loads(self.readline(time.monotonic() + 15.0))["addr"]
        self.host, port = self.addr.rsplit(":", 1)
        self.port = int(port)

    def readline(self, deadline: float) -> bytes:
        line = b""
        while not line.endswith(b"\n"):
            chunk = read_until(self.p.stdout.fileno(), deadline)
            if not chunk:
                raise RuntimeError("the delay relay exited")
            line += chunk
        return line

    def count(self) -> int:
        self.p.stdin.write(b"count\n")
        self.p.stdin.flush()
        return json.loads(self.readline(time.monotonic() + 10.0))["conns"]


class Browser:
    """The person at the browser: BROWSER (zssh) or xdg-open (cloudflared) is a two-line script
    that writes the login URL into a FIFO; this thread reads it and fetches the URL over HTTPS
    through the relay (the edge's login page then deposits the tokens at once, as in the tests'
    `browser()` and the sandbox). Fetches are counted, so their connections can be told apart
    from the client's."""

    def __init__(self, work: str, ca: str, dial):
        self.fifo = os.path.join(work, "browser.fifo")
        os.mkfifo(self.fifo, 0o600)
        self.script = os.path.join(work, "bin", "xdg-open")
        os.makedirs(os.path.dirname(self.script), exist_ok=True)
        with open(self.script, "w") as f:
            f.write(f"#!/bin/sh\nprintf '%s\\n' \"$1\" > '{self.fifo}'\n")
        os.chmod(self.script, 0o755)
        self.ctx = ssl.create_default_context(cafile=ca)
        self.dial = dial  # host -> (address, port) to connect to (the relay)
        self.lock = threading.Lock()
        self.fetches = 0
        self.errors: list[str] = []
        # O_RDWR: the FIFO never reports EOF between two writers.
        self.fd = os.open(self.fifo, os.O_RDWR)
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self) -> None:
        pending = b""
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                url = line.decode("utf-8", "replace").strip()
                if url:
                    threading.Thread(target=self.fetch, args=(url,), daemon=True).start()

    def fetch(self, url: str) -> None:
        with self.lock:
            self.fetches += 1
        try:
            u = urllib.parse.urlsplit(url)
            target = (u.path or "/") + (f"?{u.query}" if u.query else "")
            with socket.create_connection(self.dial(u.hostname), timeout=20.0) as raw:
                with self.ctx.wrap_socket(raw, server_hostname=u.hostname) as tls:
                    tls.sendall(f"GET {target} HTTP/1.1\r\nHost: {u.netloc}\r\n"
                                "User-Agent: bench-browser\r\nConnection: close\r\n\r\n"
                                .encode())
                    head = tls.recv(4096)
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(head.split(b"\r\n", 1)[0].decode("latin-1"))
        except (OSError, RuntimeError, ssl.SSLError) as e:
            with self.lock:
                self.errors.append(f"{url[:80]}: {e}")

    def close(self) -> None:
        try:
            os.close(self.fd)
        except OSError:
            pass


def banner_ms(argv: list[str], env: dict, errlog: str, limit: float = 30.0) -> float:
    """Milliseconds from spawning argv to the origin's banner on its stdout; then stdin EOF."""
    with open(errlog, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                             env=env, close_fds=True, start_new_session=True)
        LIVE.add(p)
        data = b""
        t1 = None
        deadline = time.monotonic() + limit
        try:
            while len(data) < len(BANNER):
                chunk = read_until(p.stdout.fileno(), deadline)
                if not chunk:
                    break
                if not data:
                    t1 = time.perf_counter()
                data += chunk
        except TimeoutError:
            pass
        p.stdin.close()
        p.stdout.close()
        r = reap(p, 10.0)
    if t1 is None or not data.startswith(BANNER):
        raise RuntimeError(f"no banner (got {data[:60]!r}, exit {r.code}); stderr: "
                           f"{tail(errlog)}")
    return (t1 - t0) * 1000.0


def exit_ms(argv: list[str], env: dict, errlog: str, limit: float = 30.0) -> float:
    """Milliseconds from spawning argv until it exits, which it must do with status 0."""
    with open(errlog, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=err, env=env, close_fds=True, start_new_session=True)
        LIVE.add(p)
        r = reap(p, limit)
        t1 = time.perf_counter()
    if r.code != 0 or r.killed:
        raise RuntimeError(f"exit {r.code}{' (killed)' if r.killed else ''}; stderr: "
                           f"{tail(errlog)}")
    return (t1 - t0) * 1000.0


def reset_dir(path: str, template: str | None = None) -> None:
    shutil.rmtree(path, ignore_errors=True)
    if template:
        shutil.copytree(template, path, symlinks=True)
    else:
        os.makedirs(path, mode=0o700)


def org_template(login_home: str, dest: str) -> bool:
    """A home with what a browser login left minus every app token: the org token (and the
    JWKS cache) only. False when the login left no org token."""
    src = os.path.join(login_home, ".cloudflared")
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(os.path.join(dest, ".cloudflared"), mode=0o700)
    found = False
    for name in os.listdir(src) if os.path.isdir(src) else []:
        if name.endswith("-org-token"):
            found = True
        elif not name.endswith("-jwks"):
            continue
        shutil.copy2(os.path.join(src, name), os.path.join(dest, ".cloudflared", name))
    return found


def latency_phase(args, work: str, ca: str, relay: Relay, seed_home: str | None,
                  errors: dict) -> dict:
    """Round trips to the first origin byte (or, for the certificate check, to the exit) for
    each path and client, through the relay. Returns {path: {client: {...}}}."""
    rtt = args.rtt
    names = list(APPS.values()) + [TEAM] + STORE_HOSTS
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
            "SSL_CERT_FILE": ca, "ZSSH_TOKEN_STORE": "file", "ZSSH_NONINTERACTIVE": "1"}
    if not args.netns:
        # Every name the client may contact, the team and the transfer store included, goes to
        # the relay (inside the namespace /etc/hosts does this for every client).
        base["ZSSH_CONNECT_TO"] = ",".join(f"{h}:443:{relay.host}:{relay.port}" for h in names)

    def dial(host):
        return (host, 443) if args.netns else (relay.host, relay.port)

    browser = Browser(work, ca, dial)
    lat = os.path.join(work, "latency")
    os.makedirs(lat)
    host = APPS["banner"]
    errlog = os.path.join(work, "latency.stderr")
    clients = [("zssh", args.zssh)]
    if args.cloudflared and args.netns:
        clients.append(("cloudflared", args.cloudflared))
    sso_template = os.path.join(lat, "sso-template")
    results: dict = {}
    try:
        for key, label, floor, why in LATENCY_PATHS:
            if key.startswith("cached") or key.startswith("cert"):
                if not seed_home:
                    errors.setdefault(f"latency/{key}", f"{label}: needs the edge's --seed-home")
                    continue
            if key == "sso" and not os.path.isdir(sso_template):
                errors.setdefault("latency/sso", f"{label}: no org token (the first login did "
                                  "not leave one)")
                continue
            results[key] = {}
            for cname, exe in clients:
                home = os.path.join(lat, f"{key}-{cname}")
                state = os.path.join(home, ".local", "state")
                env = dict(base, HOME=home, XDG_STATE_HOME=state)
                prepare = None  # called before every run, untimed
                mode = "banner"
                if cname == "zssh":
                    argv = [exe, "proxy", "--hostname", host]
                else:
                    argv = [exe, "access", "ssh", "--hostname", host]
                if key == "service":
                    reset_dir(home)
                    env.update(TUNNEL_SERVICE_TOKEN_ID=TOKEN_ID,
                               TUNNEL_SERVICE_TOKEN_SECRET=TOKEN_SECRET)
                    if cname == "cloudflared":
                        argv += ["--id", TOKEN_ID, "--secret", TOKEN_SECRET]
                elif key == "cached_cold":
                    reset_dir(home, seed_home)
                    # Nothing remembered: zssh forgets what the last run proved.
                    prepare = lambda state=state: shutil.rmtree(state, ignore_errors=True)
                elif key == "cached_warm":
                    reset_dir(home, seed_home)  # the warm-up run remembers the identity
                elif key == "sso":
                    prepare = lambda home=home: reset_dir(home, sso_template)
                elif key == "login":
                    prepare = lambda home=home: reset_dir(home)
                    env.update(BROWSER=f"{browser.script} %s", ZSSH_NONINTERACTIVE="0",
                               PATH=os.path.dirname(browser.script) + ":" + env["PATH"])
                elif key.startswith("cert"):
                    mode = "exit"
                    reset_dir(home, seed_home)
                    # One tunnel first, so the identity is remembered (as after any ssh).
                    try:
                        banner_ms([exe, "proxy", "--hostname", host] if cname == "zssh"
                                  else [exe, "access", "ssh", "--hostname", host], env, errlog)
                    except RuntimeError as e:
                        log(f"FAILED {cname} {label} (setup tunnel): {e}")
                    argv = ([exe, "cert", "--hostname", host] if cname == "zssh"
                            else [exe, "access", "ssh-gen", "--hostname", host])
                    if key == "cert_mint":
                        cert = os.path.join(home, ".cloudflared", f"{host}-cf_key-cert.pub")
                        prepare = lambda cert=cert: os.path.exists(cert) and os.unlink(cert)
                results[key][cname] = {"argv": argv, "env": env, "prepare": prepare,
                                       "mode": mode, "ms": [],
                                       "conns": [], "home": home}
            log(f"latency: {label} ({args.latency_runs} runs each after 1 warm-up, "
                f"RTT {rtt:g} ms)")
            for i in range(1 + args.latency_runs):  # run 0: untimed warm-up
                for cname, c in results[key].items():
                    if c.get("failed"):
                        continue
                    if c["prepare"]:
                        c["prepare"]()
                    before, fetched = relay.count(), browser.fetches
                    try:
                        if c["mode"] == "banner":
                            ms = banner_ms(c["argv"], c["env"], errlog)
                        else:
                            ms = exit_ms(c["argv"], c["env"], errlog)
                    except RuntimeError as e:
                        c["failed"] = True
                        errors[f"latency/{key}/{cname}"] = f"{cname}, {label}: {e}"
                        log(f"FAILED {cname}, {label}: {e}")
                        continue
                    conns = relay.count() - before - (browser.fetches - fetched)
                    if key == "login" and cname == "zssh" and i == 0:
                        if not org_template(c["home"], sso_template):
                            log("the first login left no org token: the org SSO row is skipped")
                    if i > 0:
                        c["ms"].append(ms)
                        c["conns"].append(conns)
            for cname, c in results[key].items():
                if c["ms"]:
                    log(f"  {cname}: median {statistics.median(c['ms']):.0f} ms = "
                        f"{statistics.median(c['ms']) / rtt:.2f} RTT, "
                        f"{statistics.median(c['conns']):g} connection(s)")
    finally:
        browser.close()
    if browser.errors:
        errors["latency/browser"] = "browser stand-in: " + "; ".join(browser.errors[:3])
    return {k: {cn: {"ms": c["ms"], "conns": c["conns"]} for cn, c in v.items()}
            for k, v in results.items()}


# --------------------------------------------------------------------------------------------
# Fleet: many concurrent sessions through one listener, or as many processes
# --------------------------------------------------------------------------------------------

ECHO_BYTES = 4096  # each fleet session echoes this much after the banner


def poll_read(fd: int, deadline: float) -> bytes:
    """select() cannot watch descriptors above 1023, which a fleet of 200 reaches."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    pl = select.poll()
    pl.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    if not pl.poll(left * 1000.0):
        raise TimeoutError
    return os.read(fd, 65536)


def exchange(send, recv, barrier: threading.Barrier, limit: float = 120.0) -> str | None:
    """The fleet session: the banner, then (once every session has its banner, so all are open
    at once) ECHO_BYTES out and the same bytes back. None on success, else what went wrong."""
    deadline = time.monotonic() + limit
    arrived = False
    try:
        got = b""
        while len(got) < len(BANNER):
            chunk = recv(deadline)
            if not chunk:
                return f"closed before the banner (got {got[:40]!r})"
            got += chunk
        if not got.startswith(BANNER):
            return f"wrong banner {got[:40]!r}"
        rest = got[len(BANNER):]
        arrived = True
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass  # someone timed out; go on, counted by its own result
        payload = os.urandom(ECHO_BYTES)
        send(payload)
        while len(rest) < ECHO_BYTES:
            chunk = recv(deadline)
            if not chunk:
                return f"closed after {len(rest)} of {ECHO_BYTES} echoed bytes"
            rest += chunk
        return None if rest == payload else "echo differs"
    except TimeoutError:
        return "timed out"
    except OSError as e:
        return f"{e}"
    finally:
        if not arrived:
            try:
                barrier.wait()  # every session arrives once, failed or not
            except threading.BrokenBarrierError:
                pass


def vm_hwm_mib(pid: int) -> float | None:
    """Peak resident set size of a live process (its own, unlike ru_maxrss of a child of
    Python: see RUSAGE_LAUNCHER)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        pass
    return None


def wait_blocking(p: subprocess.Popen, timeout: float):
    """wait4 without polling (hundreds of waiters would burn the CPU being measured); a timer
    kills the process group if it does not exit in time. Returns (exit code, CPU seconds)."""
    timer = threading.Timer(timeout, lambda: _killpg(p.pid))
    timer.start()
    try:
        _, status, ru = os.wait4(p.pid, 0)
    finally:
        timer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    LIVE.discard(p)
    return p.returncode, ru.ru_utime + ru.ru_stime


def _killpg(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def fleet_listener(args, n: int, env: dict, work: str) -> dict:
    """n concurrent sessions through one `zssh proxy --url` listener."""
    errlog = os.path.join(work, f"listener-{n}.stderr")
    err = open(errlog, "wb")
    p = subprocess.Popen([args.zssh, "proxy", "--hostname", APPS["echo"], "--url",
                          "127.0.0.1:0"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=env, close_fds=True,
                         start_new_session=True)
    LIVE.add(p)
    # Readiness: the line naming the bound address (stderr; the rest of it goes to the log).
    addr = None
    pending = b""
    deadline = time.monotonic() + 30.0
    try:
        while addr is None:
            chunk = read_until(p.stderr.fileno(), deadline)
            if not chunk:
                break
            err.write(chunk)
            pending += chunk
            m = re.search(rb"listening on (127\.0\.0\.1:\d+)", pending)
            if m:
                addr = m.group(1).decode()
    except TimeoutError:
        pass
    if addr is None:
        _killpg(p.pid)
        wait_blocking(p, 10.0)
        err.close()
        raise RuntimeError(f"the listener did not start; stderr: {tail(errlog)}")

    def copy_stderr():
        for chunk in iter(lambda: p.stderr.read1(65536), b""):
            err.write(chunk)

    copier = threading.Thread(target=copy_stderr, daemon=True)
    copier.start()
    host, port = addr.rsplit(":", 1)
    barrier = threading.Barrier(n, timeout=120.0)
    outcome: list = [None] * n

    def session(i: int) -> None:
        try:
            with socket.create_connection((host, int(port)), timeout=30.0) as s:
                s.settimeout(None)

                def recv(deadline):
                    s.settimeout(max(deadline - time.monotonic(), 0.001))
                    try:
                        return s.recv(65536)
                    except socket.timeout:
                        raise TimeoutError from None

                outcome[i] = exchange(s.sendall, recv, barrier)
        except OSError as e:
            outcome[i] = str(e)
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass

    t0 = time.monotonic()
    threads = [threading.Thread(target=session, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180.0)
    wall = time.monotonic() - t0
    rss = vm_hwm_mib(p.pid)
    p.send_signal(signal.SIGTERM)
    code, cpu = wait_blocking(p, 10.0)
    copier.join(5.0)
    err.close()
    failures = [o for o in outcome if o is not None]
    return {"n": n, "ok": n - len(failures), "wall_s": wall, "cpu_s": cpu, "rss_mib": rss,
            "failures": failures[:5], "stderr": tail(errlog) if failures else ""}


def fleet_processes(args, n: int, env: dict, work: str) -> dict:
    """n concurrent `zssh proxy` processes (stdin/stdout sessions) sharing one cached login."""
    logs = os.path.join(work, f"fleet-{n}")
    os.makedirs(logs, exist_ok=True)
    barrier = threading.Barrier(n, timeout=120.0)
    outcome: list = [None] * n
    cpu: list = [0.0] * n
    rss: list = [None] * n

    def session(i: int) -> None:
        errlog = os.path.join(logs, f"{i}.stderr")
        try:
            with open(errlog, "wb") as err:
                p = subprocess.Popen([args.zssh, "proxy", "--hostname", APPS["echo"]],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                     env=env, close_fds=True, start_new_session=True)
        except OSError as e:
            outcome[i] = f"cannot start: {e}"
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
            return
        LIVE.add(p)
        fd = p.stdout.fileno()
        outcome[i] = exchange(lambda b: write_all(p.stdin.fileno(), b),
                              lambda deadline: poll_read(fd, deadline), barrier)
        rss[i] = vm_hwm_mib(p.pid)  # before stdin EOF, while it still lives
        p.stdin.close()
        p.stdout.close()
        code, cpu[i] = wait_blocking(p, 30.0)
        if outcome[i] is None and code != 0:
            outcome[i] = f"exit {code}"
        if outcome[i] is not None:
            outcome[i] += f"; stderr: {tail(errlog, 200)}"

    t0 = time.monotonic()
    threads = [threading.Thread(target=session, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180.0)
    wall = time.monotonic() - t0
    failures = [o for o in outcome if o is not None]
    known = [r for r in rss if r is not None]
    return {"n": n, "ok": n - len(failures), "wall_s": wall, "cpu_s": sum(cpu),
            "rss_max_mib": max(known) if known else None,
            "rss_sum_mib": sum(known) if known else None, "failures": failures[:5]}


def raise_fd_limit() -> None:
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


# --------------------------------------------------------------------------------------------
# Setup
# --------------------------------------------------------------------------------------------

def parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+)\s*([KMG]?)(i?B)?\s*", text, re.I)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (e.g. 1G, 256M, 1048576)")
    mult = {"": 1, "K": 1 << 10, "M": MIB, "G": GIB}[m.group(2).upper()]
    return int(m.group(1)) * mult


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs, from /proc/stat (machine-wide, even in a namespace)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already inside user/nice
    return total - idle, total


def wait_for_quiet(limit_s: float, threshold: float = 0.15) -> float:
    """Share of the machine's CPU that others used in the last second, after waiting (at most
    limit_s) for it to drop below `threshold`: a build running beside the benchmark skews every
    figure, so better to wait a little and, failing that, to say so in the output."""
    deadline = time.monotonic() + limit_s
    while True:
        b0, t0 = cpu_times()
        time.sleep(1.0)
        b1, t1 = cpu_times()
        share = (b1 - b0) / max(t1 - t0, 1)
        if share < threshold or time.monotonic() >= deadline:
            return share
        log(f"machine busy ({share:.0%} of all CPUs used by others); waiting for it to calm down")


def version_of(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, timeout=10, text=True)
        text = (out.stdout or out.stderr).strip().splitlines()
        return text[0] if text else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def start_edge(args, work: str, origin_ports: dict, seed_home: str | None) -> tuple:
    cmd = [args.edge, "serve", "--dir", work, "--team", TEAM,
           "--bind", "127.0.0.1:443" if args.netns else "127.0.0.1:0"]
    for key, host in APPS.items():
        cmd += ["--app", f"{host}=127.0.0.1:{origin_ports[key]},token={TOKEN_ID}:{TOKEN_SECRET}"]
    if seed_home:
        cmd += ["--seed-home", seed_home]
    log("starting the edge: " + " ".join(cmd))
    edge = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=open(os.path.join(work, "edge.stderr"), "wb"))
    line = b""
    deadline = time.monotonic() + 30.0
    while not line.endswith(b"\n"):
        chunk = read_until(edge.stdout.fileno(), deadline)
        if not chunk:
            raise RuntimeError("the edge exited before it was ready: "
                               + tail(os.path.join(work, "edge.stderr")))
        line += chunk
    return edge, json.loads(line)


def start_origins(args, work: str) -> tuple:
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "origin", "--size",
                          str(args.size)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=open(os.path.join(work, "origin.stderr"), "wb"))
    first = json.loads(p.stdout.readline())
    results: queue.Queue = queue.Queue()

    def pump():  # transfer reports -> queue, read by upload()/download()
        for line in p.stdout:
            results.put(json.loads(line))

    threading.Thread(target=pump, daemon=True).start()
    return p, first["ports"], results


def write_hosts(work: str, ip: str) -> None:
    """The namespace's /etc/hosts (a bind mount of this file): every test name -> ip. Written in
    place (same inode), so the bind mount shows the new content."""
    names = list(APPS.values()) + [TEAM] + STORE_HOSTS
    with open(os.path.join(work, "hosts"), "w") as f:
        f.write("127.0.0.1 localhost\n::1 localhost\n")
        f.write(f"{ip} " + " ".join(names) + "\n")


def setup_namespace(work: str) -> None:
    """Inside `unshare --net --mount` (bench.sh): loopback up, our names -> 127.0.0.1."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    hosts = os.path.join(work, "hosts")
    write_hosts(work, "127.0.0.1")
    # The mount namespace is private (unshare's default propagation), so the real /etc/hosts
    # is never touched; we also unmount in the cleanup.
    subprocess.run(["mount", "--bind", hosts, "/etc/hosts"], check=True)


def make_clients(args, work: str, ca: str, edge_port: int, origin_ports: dict,
                 seed_home: str | None) -> tuple[list[Client], Client | None]:
    home = os.path.join(work, "home")  # empty: no stray ~/.cloudflared influences a run
    os.makedirs(home, exist_ok=True)
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LANG": "C.UTF-8",
            "SSL_CERT_FILE": ca}
    token_env = dict(base, TUNNEL_SERVICE_TOKEN_ID=TOKEN_ID,
                     TUNNEL_SERVICE_TOKEN_SECRET=TOKEN_SECRET)
    if not args.netns:
        # Without the namespace the edge is on an ephemeral port: point zssh at it. TLS still
        # checks the real name.
        mapping = ",".join(f"{h}:443:127.0.0.1:{edge_port}" for h in APPS.values())
        mapping += f",{TEAM}:443:127.0.0.1:{edge_port}"
        token_env["ZSSH_CONNECT_TO"] = mapping
        base["ZSSH_CONNECT_TO"] = mapping

    zssh = Client("zssh", lambda app: [args.zssh, "proxy", "--hostname", APPS[app]],
                  token_env, args.zssh)
    nc = Client("nc", lambda app: ["nc", "127.0.0.1", str(origin_ports[app])], base,
                args.nc or None, "" if args.nc else "not found")

    def websocat_argv(app: str) -> list[str]:
        # -b: binary messages, no line mode; -q: no diagnostics on stderr; -H=: the '=' form
        # so that -H does not swallow the URL.
        argv = [args.websocat, "-b", "-q",
                f"-H=Cf-Access-Client-Id: {TOKEN_ID}", f"-H=Cf-Access-Client-Secret: {TOKEN_SECRET}"]
        if args.netns:
            return argv + [f"wss://{APPS[app]}/"]
        # Same TLS name check, explicit address (websocat's own overlay chain).
        return argv + [f"--tls-domain={APPS[app]}", f"--ws-c-uri=wss://{APPS[app]}/",
                       "-", f"ws-c:tls-c:tcp:127.0.0.1:{edge_port}"]

    websocat = Client("websocat", websocat_argv, base, args.websocat or None,
                      "" if args.websocat else "not found")
    cloudflared_note = ""
    if not args.cloudflared:
        cloudflared_note = "not found"
    elif not args.netns:
        cloudflared_note = "skipped (needs the namespace for names and port 443)"
    cloudflared = Client(
        "cloudflared",
        lambda app: [args.cloudflared, "access", "ssh", "--hostname", APPS[app],
                     "--id", TOKEN_ID, "--secret", TOKEN_SECRET],
        base, args.cloudflared if not cloudflared_note else None, cloudflared_note)

    user = None
    if seed_home:
        # The Access path: first dial -> 302 -> discovery -> cached token -> second dial.
        env = dict(base, HOME=seed_home)
        user = Client("zssh (user token)", lambda app: [args.zssh, "proxy", "--hostname",
                                                        APPS[app]], env, args.zssh)
    return [zssh, nc, websocat, cloudflared], user


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------

def run_main(args) -> int:
    work = tempfile.mkdtemp(prefix="zssh-bench-")
    procs: list[subprocess.Popen] = []
    mounted = False

    def on_term(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    try:
        raise_fd_limit()  # inherited by the edge and the origins: the fleet needs hundreds
        args.busy_before = wait_for_quiet(args.wait_idle)
        if args.netns:
            setup_namespace(work)
            mounted = True
        origins, origin_ports, results = start_origins(args, work)
        procs.append(origins)

        # The cached-user-token row needs the edge to write tokens into a home directory.
        help_text = subprocess.run([args.edge, "serve", "--help"], capture_output=True,
                                   text=True, timeout=10).stdout
        seed_home = None
        seed_note = ""
        if "--seed-home" in help_text:
            seed_home = os.path.join(work, "seeded-home")
            os.makedirs(seed_home)
        else:
            seed_note = ("zssh-test-edge serve has no --seed-home option, so the cached-user-token "
                         "row was skipped")
        edge, ready = start_edge(args, work, origin_ports, seed_home)
        procs.append(edge)
        edge_port = int(ready["addr"].rsplit(":", 1)[1])
        # ca_pem: the edge's CA, as a path to the PEM file (or, in older edges, the PEM itself).
        ca = ready["ca_pem"]
        if ca.lstrip().startswith("-----BEGIN"):
            ca = os.path.join(work, "bench-ca.pem")
            with open(ca, "w") as f:
                f.write(ready["ca_pem"])

        clients, user = make_clients(args, work, ca, edge_port, origin_ports, seed_home)
        active = [c for c in clients if c.path]
        for c in clients:
            if not c.path:
                log(f"{c.name}: {c.note}")
        timed = active + ([user] if user else [])

        # ---- 1. time to the origin's first byte (round-robin so drift hits every client alike)
        fb: dict[str, list[float]] = {c.name: [] for c in timed}
        rss: dict[str, float] = {c.name: 0.0 for c in timed}
        errors: dict[str, str] = {}
        errlog = os.path.join(work, "client.stderr")
        rusage = os.path.join(work, "client.rusage")
        conn_cpu: dict[str, list[float]] = {c.name: [] for c in timed}
        if "firstbyte" in args.skip:
            timed = []
        else:
            log(f"first byte: {args.runs} runs per client (+1 warm-up), then {CONN_RUNS} "
                "untimed runs through the launcher for CPU and RSS per connection")
        for i in range(args.runs + 1 + CONN_RUNS if timed else 0):
            timed_run = 0 < i <= args.runs  # run 0 warms the page cache and the edge
            for c in timed:
                if c.name in errors:
                    continue
                try:
                    ms, r = first_byte(c, errlog, None if timed_run else rusage)
                except RuntimeError as e:
                    errors[c.name] = str(e)
                    log(f"FAILED {e}")
                    continue
                if timed_run:
                    fb[c.name].append(ms)
                elif i > 0 and r.cpu is not None:
                    conn_cpu[c.name].append(r.cpu)
                if r.rss_mib is not None:
                    rss[c.name] = max(rss[c.name], r.rss_mib)

        # ---- 2 + 3. throughput, with the client's CPU time and peak RSS
        # Repeats go round the clients (like the first-byte runs) so that a burst of outside
        # load hits every client alike rather than one client's whole series.
        runs: dict[tuple, list] = {}
        failed: set = set()
        directions = []
        if "throughput" not in args.skip:
            directions += [("up", upload), ("down", download)]
        if "duplex" not in args.skip:
            directions.append(("duplex", duplex))
        for rep in range(args.tput_runs if directions else 0):
            for c in active:
                for direction, fn in directions:
                    if (c.name, direction) in failed:
                        continue
                    what = ("duplex (both ways at once)" if direction == "duplex"
                            else f"{direction}load")
                    log(f"{c.name}: {what} {args.size / MIB:.0f} MiB "
                        f"({rep + 1}/{args.tput_runs})")
                    try:
                        r = fn(c, args.size, results, errlog, rusage)
                    except RuntimeError as e:
                        failed.add((c.name, direction))
                        errors.setdefault(c.name, str(e))
                        log(f"FAILED {e}")
                        continue
                    rate = (f"{r['mib_s']:.0f} MiB/s" if "mib_s" in r else
                            f"{r['up_mib_s']:.0f} MiB/s up, {r['down_mib_s']:.0f} MiB/s down")
                    log(f"  {rate}, cpu {r['cpu_s']:.2f} s, "
                        f"rss {r['rss_mib']:.1f} MiB, exit {r['exit']}"
                        + (" (killed: did not exit by itself)" if r["killed"] else ""))
                    runs.setdefault((c.name, direction), []).append(r)
                    rss[c.name] = max(rss[c.name], r["rss_mib"])
        # Throughput: the best run (what the client can do when the machine lets it). CPU: the
        # median run (CPU per byte hardly depends on luck, but a loaded machine inflates it).
        tput: dict[tuple, dict] = {}
        for key, rs in runs.items():
            if key[1] == "duplex":
                # Both directions of the same run, the run with the best sum.
                best = max(rs, key=lambda r: r["up_mib_s"] + r["down_mib_s"])
                tput[key] = {"up_mib_s": best["up_mib_s"], "down_mib_s": best["down_mib_s"],
                             "cpu_s": statistics.median(r["cpu_s"] for r in rs), "all": rs}
                continue
            tput[key] = {"mib_s": max(r["mib_s"] for r in rs),
                         "cpu_s": statistics.median(r["cpu_s"] for r in rs),
                         "all": rs}

        # ---- 4. round trips through the delay relay
        latency: dict = {}
        if "latency" not in args.skip:
            if args.netns:
                # The relay on 127.0.0.2:443, every name mapped to it: the clients' own
                # resolution (cloudflared's too) can reach the edge only through the relay.
                relay = Relay("127.0.0.2:443", "127.0.0.1:443", args.rtt, work)
                write_hosts(work, relay.host)
            else:
                relay = Relay("127.0.0.1:0", f"127.0.0.1:{edge_port}", args.rtt, work)
            procs.append(relay.p)
            try:
                latency = latency_phase(args, work, ca, relay, seed_home, errors)
            finally:
                if args.netns:
                    write_hosts(work, "127.0.0.1")

        # ---- 5. fleet: one listener, many processes
        fleet: dict = {"listener": [], "processes": []}
        if "fleet" not in args.skip and args.fleet:
            if not seed_home:
                errors["fleet"] = "fleet: needs the edge's --seed-home (a cached login)"
            else:
                home = os.path.join(work, "fleet-home")
                reset_dir(home, seed_home)
                env = dict(user.env, HOME=home, XDG_STATE_HOME=os.path.join(home, "state"),
                           ZSSH_TOKEN_STORE="file", ZSSH_NONINTERACTIVE="1")
                state = env["XDG_STATE_HOME"]
                try:
                    # One tunnel to the echo app first: its identity is remembered (per app
                    # URL), as after any earlier ssh to it.
                    banner_ms([args.zssh, "proxy", "--hostname", APPS["echo"]], env, errlog)
                except RuntimeError as e:
                    errors["fleet"] = f"fleet: the warm-up tunnel failed: {e}"
                plan = [(n, kind, fn) for n in args.fleet
                        for kind, fn in (("listener", fleet_listener),
                                         ("processes", fleet_processes))]
                # And the largest fleet once more with nothing remembered: every process runs
                # discovery and remembers at the same moment.
                plan.append((max(args.fleet), "processes_cold", fleet_processes))
                for n, kind, fn in plan if "fleet" not in errors else []:
                    log(f"fleet: {n} concurrent sessions, {kind.replace('_', ', ')}")
                    if kind == "processes_cold":
                        shutil.rmtree(state, ignore_errors=True)
                    try:
                        r = fn(args, n, env, work)
                    except RuntimeError as e:
                        errors[f"fleet/{kind}/{n}"] = f"fleet {kind} {n}: {e}"
                        log(f"FAILED {e}")
                        continue
                    log(f"  {r['ok']}/{n} ok in {r['wall_s']:.2f} s, CPU {r['cpu_s']:.2f} s")
                    if r["ok"] != n:
                        errors[f"fleet/{kind}/{n}"] = (
                            f"fleet {kind} {n}: {n - r['ok']} sessions failed: "
                            + " | ".join(r["failures"]))
                    fleet.setdefault(kind, []).append(r)

        report(args, clients, user, fb, conn_cpu, tput, rss, errors, seed_note, latency, fleet)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"first_byte_ms": fb, "throughput": {f"{k[0]}/{k[1]}": v
                                                               for k, v in tput.items()},
                           "cpu_per_connection_s": conn_cpu,
                           "peak_rss_mib": rss, "errors": errors, "size": args.size,
                           "runs": args.runs, "rtt_ms": args.rtt,
                           "latency": latency, "fleet": fleet}, f, indent=2)
            log(f"raw figures written to {args.json}")
        return 1 if errors else 0
    finally:
        # Cleanup, whatever happened: helpers also leave on stdin EOF, but don't rely on it.
        for p in list(LIVE):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
        for p in reversed(procs):
            try:
                p.stdin.close()
            except OSError:
                pass
            try:
                p.wait(3.0)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if mounted:
            subprocess.run(["umount", "/etc/hosts"], check=False)
        subprocess.run(["rm", "-rf", work], check=False)


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------

def report(args, clients, user, fb, conn_cpu, tput, rss, errors, seed_note, latency,
           fleet) -> None:
    cf = next(c for c in clients if c.name == "cloudflared")
    gib = args.size / GIB

    def fb_stats(name):
        v = fb.get(name) or []
        return (statistics.median(v), pct(v, 90)) if v else (None, None)

    # Goals are relative to cloudflared: measured here if it ran, else the reference figures.
    cf_fb = fb_stats("cloudflared")[0] if cf.path else None
    # CPU per GiB: per direction when cloudflared ran here, else the single reference figure.
    cf_cpu = {d: tput[("cloudflared", d)]["cpu_s"] / gib if ("cloudflared", d) in tput
              else CLOUDFLARED_REF["cpu_per_gib"] for d in ("up", "down")}
    cf_cpu_here = cf.path is not None and all(("cloudflared", d) in tput for d in ("up", "down"))
    ref = "measured here" if cf_fb is not None else "reference, measured elsewhere"
    fb_goal = (cf_fb if cf_fb is not None else CLOUDFLARED_REF["first_byte_ms"]) / 2

    def cell(c, value, fmt):
        if not c.path:
            return c.note.split(" (")[0]
        return "FAILED" if value is None and c.name in errors else ("-" if value is None
                                                                   else fmt.format(value))

    def goal(value, limit, fmt):
        if value is None:
            return f"<= {fmt.format(limit)}"
        return f"<= {fmt.format(limit)} {'ok' if value <= limit else 'MISSED'}"

    rows = []
    header = ["", "zssh", "nc (direct TCP)", "websocat", "cloudflared", "zssh goal"]
    for stat_i, stat in ((0, "median"), (1, "p90")) if "firstbyte" not in args.skip else ():
        vals = [fb_stats(c.name)[stat_i] for c in clients]
        g = goal(vals[0], fb_goal, "{:.1f} ms") if stat_i == 0 else ""
        rows.append([f"first byte, service token, {stat} (ms)"]
                    + [cell(c, v, "{:.1f}") for c, v in zip(clients, vals)] + [g])
    for stat_i, stat in ((0, "median"), (1, "p90")) if "firstbyte" not in args.skip else ():
        if user:
            v = fb_stats(user.name)[stat_i]
            z = "FAILED" if v is None and user.name in errors else (
                "-" if v is None else f"{v:.1f}")
            g = goal(v, fb_goal, "{:.1f} ms") if stat_i == 0 else ""
        else:
            z, g = "skipped", ""
        rows.append([f"first byte, cached user token, {stat} (ms)", z, "n/a", "n/a",
                     "n/a" if cf.path else cell(cf, None, ""), g])
    one_way = (("up", "upload"), ("down", "download")) if "throughput" not in args.skip else ()
    for d, label in one_way:
        vals = [tput.get((c.name, d), {}).get("mib_s") for c in clients]
        rows.append([f"{label} {args.size / MIB:.0f} MiB (MiB/s)"]
                    + [cell(c, v, "{:.0f}") for c, v in zip(clients, vals)] + [""])
    for d, label in one_way:
        vals = [(tput[(c.name, d)]["cpu_s"] / gib) if (c.name, d) in tput else None
                for c in clients]
        rows.append([f"client CPU, {label} (s per GiB)"]
                    + [cell(c, v, "{:.2f}") for c, v in zip(clients, vals)]
                    + [goal(vals[0], min(cf_cpu[d] / 2, UPLOAD_CPU_GOAL_S) if d == "up"
                            else cf_cpu[d] / 2, "{:.2f} s")])
    if any(k[1] == "duplex" for k in tput):
        label = f"duplex {args.size / MIB:.0f} MiB each way at once"
        for d, name in (("up_mib_s", "up"), ("down_mib_s", "down")):
            vals = [tput.get((c.name, "duplex"), {}).get(d) for c in clients]
            rows.append([f"{label}, {name} (MiB/s)"]
                        + [cell(c, v, "{:.0f}") for c, v in zip(clients, vals)] + [""])
        # CPU per GiB relayed: the session moves 2 x SIZE (SIZE each way).
        vals = [(tput[(c.name, "duplex")]["cpu_s"] / (2 * gib)) if (c.name, "duplex") in tput
                else None for c in clients]
        cf_dx = vals[3] if cf.path and vals[3] is not None else None
        rows.append(["client CPU, duplex (s per GiB relayed)"]
                    + [cell(c, v, "{:.2f}") for c, v in zip(clients, vals)]
                    + [goal(vals[0], cf_dx / 2, "{:.2f} s") if cf_dx is not None
                       else "<= half of cloudflared's"])
    vals = [(statistics.median(conn_cpu[c.name]) * 1000.0) if conn_cpu.get(c.name) else None
            for c in clients]
    if "firstbyte" not in args.skip:
        rows.append(["client CPU per connection, median (ms)"]
                    + [cell(c, v, "{:.1f}") for c, v in zip(clients, vals)] + [""])
    if user and conn_cpu.get(user.name):
        v = statistics.median(conn_cpu[user.name]) * 1000.0
        rows.append(["client CPU per connection, user token (ms)", f"{v:.1f}", "n/a", "n/a",
                     "n/a" if cf.path else cell(cf, None, ""), ""])
    vals = [rss.get(c.name) or None for c in clients]
    rows.append(["client peak RSS, max of all runs (MiB)"]
                + [cell(c, v, "{:.1f}") for c, v in zip(clients, vals)]
                + [goal(vals[0], RSS_GOAL_MIB, "{:.0f} MiB")])
    sizes = [os.path.getsize(c.path) / 1e6 if c.path else None for c in clients]
    rows.append(["binary size (MB)"] + [cell(c, v, "{:.2f}") for c, v in zip(clients, sizes)]
                + [goal(sizes[0], BINARY_GOAL_MB, "{:.0f} MB")])

    def table(header, rows, left=1):
        """Columns padded to their widest cell; the first `left` columns left-aligned."""
        widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]

        def line(r):
            return "  ".join(str(v).ljust(widths[i]) if i < left else str(v).rjust(widths[i])
                             for i, v in enumerate(r)).rstrip()
        return [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]

    out = []
    out.append(f"machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), "
               f"{cpu_model()}, Linux {platform.release()}")
    out.append("versions: " + "; ".join([
        version_of([args.zssh, "--version"]),
        "nc: netcat-openbsd " + (version_of(["dpkg-query", "-W", "-f=${Version}",
                                             "netcat-openbsd"]) if args.nc else "not found"),
        version_of([args.websocat, "--version"]) if args.websocat else "websocat: not found",
        ("cloudflared: " + version_of([args.cloudflared, "--version"])) if args.cloudflared
        else "cloudflared: not found",
        version_of([args.edge, "--version"]),
        f"python {platform.python_version()}",
    ]))
    busy = args.busy_before
    out.append(f"load: {busy:.0%} of the CPUs were busy with other work just before the run"
               + (" -- figures are skewed; rerun on a quiet machine" if busy >= 0.15 else ""))
    if args.netns:
        where = "private net+mount namespace, edge on 127.0.0.1:443, names via /etc/hosts"
    else:
        where = "plain loopback, zssh via ZSSH_CONNECT_TO (no namespace)"
    out.append(f"setup: {where}; first byte: {args.runs} runs each after 1 warm-up; "
               f"transfers: {args.size / MIB:.0f} MiB, best of {args.tput_runs} (CPU: median); "
               f"latency: RTT {args.rtt:g} ms, median of {args.latency_runs}; fleet: "
               + ", ".join(str(n) for n in args.fleet)
               + (f"; skipped: {', '.join(sorted(args.skip))}" if args.skip else ""))
    cf_fb_text = f"{cf_fb if cf_fb is not None else CLOUDFLARED_REF['first_byte_ms']:.1f} ms"
    if cf_cpu_here:
        cf_cpu_text = f"{cf_cpu['up']:.2f} s/GiB up, {cf_cpu['down']:.2f} s/GiB down"
    else:
        cf_cpu_text = f"{CLOUDFLARED_REF['cpu_per_gib']:.2f} s/GiB"
    cf_rss_text = "" if cf.path else f", {CLOUDFLARED_REF['rss_mib']:.0f} MiB RSS"
    out.append("goals: first byte <= half of cloudflared's median, CPU <= half of cloudflared's "
               f"per GiB (upload also <= {UPLOAD_CPU_GOAL_S:.1f} s), peak RSS <= "
               f"{RSS_GOAL_MIB:.0f} MiB, binary <= {BINARY_GOAL_MB:.0f} MB "
               f"(cloudflared {ref}: {cf_fb_text}, "
               f"{cf_cpu_text}{cf_rss_text})")
    if rows_have_figures(rows):
        out.append("")
        out.extend(table(header, rows))
    out.append("")
    if latency:
        out.extend(latency_table(args, cf, latency, errors, table))
        out.append("")
    if fleet.get("listener") or fleet.get("processes"):
        out.extend(fleet_table(fleet, table))
        out.append("")
    if seed_note:
        out.append(f"note: {seed_note}.")
    for c in clients:
        if c.note and c.note != "not found":
            out.append(f"note: {c.name}: {c.note}.")
    for e in errors.values():
        out.append(f"error: {e}")
    print("\n".join(out), flush=True)


def rows_have_figures(rows) -> bool:
    """Whether any zssh cell of the main table holds a figure (not everything was skipped)."""
    return any(r[1] not in ("-", "skipped", "FAILED", "n/a") for r in rows)


def latency_table(args, cf, latency, errors, table) -> list[str]:
    have_cf = "cloudflared" in next(iter(latency.values()), {})

    def fig(path, client):
        c = latency.get(path, {}).get(client)
        if c is None:
            if client == "cloudflared" and not have_cf:
                return ("not found" if not args.cloudflared else "skipped"), ""
            return "skipped", ""
        if not c["ms"]:
            return "FAILED", ""
        return (f"{statistics.median(c['ms']) / args.rtt:.2f}",
                f"{statistics.median(c['conns']):g}")

    rows = []
    for key, label, floor, why in LATENCY_PATHS:
        z, zc = fig(key, "zssh")
        c, cc = fig(key, "cloudflared")
        rows.append([label, z, zc, c, cc, str(floor), why])
    header = ["path (RTT to first byte)", "zssh", "conns", "cloudflared", "conns", "floor",
              "the floor's round trips"]
    out = [f"latency: round trips (RTT = {args.rtt:g} ms added by the delay relay, every "
           f"connection through it) from starting the client to the origin's first byte; for "
           f"the cert check, to its exit. Median of {args.latency_runs} runs. conns: TCP "
           f"connections the client opened.", ""]
    out.extend(table(header, rows))
    return out


def fleet_table(fleet, table) -> list[str]:
    rows = []
    for r in fleet.get("listener", []):
        rows.append([f"one zssh proxy --url listener, {r['n']} sessions", f"{r['ok']}/{r['n']}",
                     f"{r['wall_s']:.2f}", f"{r['cpu_s']:.2f}",
                     f"{r['cpu_s'] * 1000.0 / r['n']:.1f}",
                     "-" if r["rss_mib"] is None else f"{r['rss_mib']:.1f}", "-"])
    procs = [(r, "") for r in fleet.get("processes", [])]
    procs += [(r, ", nothing remembered") for r in fleet.get("processes_cold", [])]
    for r, cold in procs:
        rows.append([f"zssh proxy processes, {r['n']} at once{cold}", f"{r['ok']}/{r['n']}",
                     f"{r['wall_s']:.2f}", f"{r['cpu_s']:.2f}",
                     f"{r['cpu_s'] * 1000.0 / r['n']:.1f}",
                     "-" if r["rss_max_mib"] is None else f"{r['rss_max_mib']:.1f}",
                     "-" if r["rss_sum_mib"] is None else f"{r['rss_sum_mib']:.0f}"])
    header = ["fleet (one cached login)", "ok", "wall (s)", "CPU (s)",
              "CPU/session (ms)", "peak RSS (MiB)", "sum of peaks (MiB)"]
    out = [f"fleet: N sessions open at once (each: banner, then {ECHO_BYTES} bytes echoed once "
           "all N have their banner), sharing one cached login with the application's "
           "identity remembered (the last row: forgotten first); CPU = the listener's, or the "
           "sum over the processes; "
           "peak RSS = the listener's, or the largest process's (sum: all processes' peaks "
           "added).", ""]
    out.extend(table(header, rows))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("origin", help="(internal) run the origins")
    o.add_argument("--size", type=parse_size, required=True)
    rl = sub.add_parser("relay", help="(internal) run the delay relay")
    rl.add_argument("--listen", required=True)
    rl.add_argument("--upstream", required=True)
    rl.add_argument("--rtt", type=float, required=True)
    r = sub.add_parser("run", help="run the benchmark (see bench.sh)")
    r.add_argument("--zssh", required=True)
    r.add_argument("--edge", required=True)
    r.add_argument("--nc", default="")
    r.add_argument("--websocat", default="")
    r.add_argument("--cloudflared", default="")
    r.add_argument("--runs", type=int, default=30, help="first-byte runs per client")
    r.add_argument("--size", type=parse_size, default=GIB, help="bytes per transfer (1G, 64M…)")
    r.add_argument("--tput-runs", type=int, default=3, help="transfers per client and direction")
    r.add_argument("--netns", action="store_true",
                   help="we are inside unshare --net --mount: bring lo up, bind-mount /etc/hosts")
    r.add_argument("--json", default="", help="also write the raw figures to this file")
    r.add_argument("--wait-idle", type=float, default=120.0,
                   help="wait up to this many seconds for other CPU load to stop (default 120)")
    r.add_argument("--rtt", type=float, default=100.0,
                   help="round-trip time the delay relay adds, in ms (default 100)")
    r.add_argument("--latency-runs", type=int, default=9,
                   help="timed runs per latency path and client (median; default 9)")
    r.add_argument("--fleet", default="20,200",
                   help="concurrent session counts for the fleet part (default 20,200)")
    r.add_argument("--skip", default="",
                   help="comma-separated parts to skip: firstbyte, throughput, duplex, "
                        "latency, fleet")
    a = ap.parse_args()
    if a.cmd == "origin":
        origin_main(a.size)
        return 0
    if a.cmd == "relay":
        relay_main(a.listen, a.upstream, a.rtt)
        return 0
    if a.runs < 1 or a.runs > 10000 or a.tput_runs < 1 or a.tput_runs > 20:
        ap.error("--runs must be 1..10000 and --tput-runs 1..20")
    if not 1 <= a.rtt <= 2000 or not 1 <= a.latency_runs <= 1000:
        ap.error("--rtt must be 1..2000 ms and --latency-runs 1..1000")
    try:
        a.fleet = [int(x) for x in a.fleet.split(",") if x.strip()]
    except ValueError:
        ap.error("--fleet takes counts like 20,200")
    if any(not 1 <= n <= 2000 for n in a.fleet):
        ap.error("--fleet counts must be 1..2000")
    a.skip = {x.strip() for x in a.skip.split(",") if x.strip()}
    unknown = a.skip - {"firstbyte", "throughput", "duplex", "latency", "fleet"}
    if unknown:
        ap.error(f"--skip: unknown part(s) {', '.join(sorted(unknown))}")
    return run_main(a)


if __name__ == "__main__":
    sys.exit(main())
