#!/usr/bin/env bash
# How long `zssh cert` takes when it can reuse the stored certificate: ssh's `Match exec` runs it
# before every connection, so this is added to every `ssh`. Goal: median <= 5 ms. Side by side:
# `cloudflared access ssh-gen` (which contacts the edge every time) when CLOUDFLARED or a
# `cloudflared` on PATH is available. Everything runs on 127.0.0.1 against the local test edge.
#
# Usage: bench/cert_reuse.sh [-n RUNS] [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=200
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    -n) runs=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "usage: bench/cert_reuse.sh [-n RUNS] [--no-build]" >&2; exit 2 ;;
  esac
done
[ "$build" -eq 0 ] || cargo build --quiet --release --workspace --bins
ZSSH="$PWD/target/release/zssh"
EDGE="$PWD/target/release/zssh-test-edge"
CFD="${CLOUDFLARED:-$(command -v cloudflared || true)}"

T=$(mktemp -d)
edge_pid=""
cleanup() { [ -z "$edge_pid" ] || kill "$edge_pid" 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
mkdir -p "$T/edge" "$T/home"
coproc EDGEP { exec "$EDGE" serve --dir "$T/edge" --seed-home "$T/home" --app "ssh.test.example=127.0.0.1:9"; }
edge_pid=$EDGEP_PID
read -r ready <&"${EDGEP[0]}"
port=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["addr"].rsplit(":",1)[1])' "$ready")
team=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["team"])' "$ready")
export HOME="$T/home" SSL_CERT_FILE="$T/edge/ca.pem" ZSSH_TOKEN_STORE=file ZSSH_NONINTERACTIVE=1
export ZSSH_CONNECT_TO="ssh.test.example:443:127.0.0.1:$port,$team:443:127.0.0.1:$port"
"$ZSSH" cert --hostname ssh.test.example 2>/dev/null   # mint once; every timed run reuses it

python3 - "$runs" "$ZSSH" "$CFD" <<'PY'
import statistics, subprocess, sys, time
runs, zssh, cfd = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def measure(cmd, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]
rows = [("zssh cert (reuse)", measure([zssh, "cert", "--hostname", "ssh.test.example"], runs))]
if cfd:
    # cloudflared cannot reach the edge's names without a namespace; report it only if it works.
    try:
        rows.append(("cloudflared access ssh-gen", measure([cfd, "access", "ssh-gen", "--hostname", "ssh.test.example"], min(runs, 20))))
    except subprocess.CalledProcessError:
        rows.append(("cloudflared access ssh-gen", None))
print(f"{'':30} {'median ms':>10} {'p90 ms':>8}   goal: zssh median <= 5 ms ({runs} runs)")
for name, r in rows:
    print(f"{name:30} {'n/a':>10} {'n/a':>8}" if r is None else f"{name:30} {r[0]:10.2f} {r[1]:8.2f}")
PY
