#!/usr/bin/env bash
# cloudflared-compat.sh: run the REAL cloudflared client against tests/edge (zssh-test-edge) and
# print one PASS/FAIL line per scenario.
#
# Why: tests/edge claims to be a faithful emulation of the Cloudflare Access edge, so every
# scenario zssh passes against it must also pass for the real client. This script checks that
# claim, both by outcome (ssh works, files appear, tokens print) and on the wire (the edge's
# request log must show the request sequence shared/docs/access-protocol.md describes).
# It is a manual tool, not part of CI: it needs root (for a private network namespace), a
# cloudflared binary you built or installed yourself, and a built edge. It never downloads or
# builds anything.
#
# Usage (as root, from anywhere):
#   cargo build -p zssh-test-edge                     # once, yourself
#   CLOUDFLARED=/path/to/cloudflared tests/cloudflared-compat.sh
# Optional:
#   CLOUDFLARED_LEGACY=/path/to/cloudflared-2025.x    also run the cross-generation scenario f2
#   ZSSH_TEST_EDGE=/path/to/zssh-test-edge            default: <repo>/target/debug/zssh-test-edge
#   COMPAT_KEEP=1                                     keep the temp dir (logs) and print its path
#   COMPAT_VERBOSE=1                                  print each failing scenario's output
# Exit status: 0 if nothing failed (or skipped: CLOUDFLARED unset), 1 if a scenario failed,
# 2 if the setup could not be built.
#
# Scenarios (protocol: shared/docs/access-protocol.md; this setup: its section 11.1):
#   a   ssh via `access ssh` ProxyCommand with a cached app token (as seeded by --seed-home)
#   b1  the same with a service token given as --id/--secret (no discovery, no ~/.cloudflared)
#   b2  the same with TUNNEL_SERVICE_TOKEN_ID/_SECRET
#   c   `access login` from an empty HOME: browser transfer flow (fake xdg-open, long poll on
#       login.cloudflareaccess.org, sealed box), file names of spec 4.2, then ssh with that token
#   d   `access login` to a second app of the same team: silent org->app exchange, no browser
#   e   `access ssh-gen`: short-lived cert (principal alice), then ssh with it as a user whose
#       AuthorizedKeysFile is none (only the edge's SSH CA can let her in)
#   f1  an app that only answers legacy (redirect-chain) discovery, with CLOUDFLARED
#       (>= 2026.8.0 has no legacy fallback: the expected outcome is then the documented error)
#   f2  CLOUDFLARED_LEGACY (<= 2026.7.x) against a current app (SKIP if unset)
#   g   bastion mode: --destination 127.0.0.1:<sshd port> through a `bastion` app
#   h   `access token -app=...` prints the cached token byte for byte, without using it
# Extras (same setup; claims zssh's own tests rely on):
#   x1  an idle session survives: the edge pings every second and drops carriers idle for 4 s,
#       so only cloudflared's pongs keep an 8 s silent command alive
#   x2  4 MiB each way through the carrier, checked by sha256
#   x3  listener mode (`access tcp --url 127.0.0.1:<port>`), two plain ssh connections to it
#   x4  `access login --app=` with a valid cached token: token check only, bare token printed
#   x5  a cached token for the wrong audience: current clients drop it before dialling and log
#       in again from inside the ProxyCommand; legacy clients send it, get the Access 302 on the
#       second dial, drop it and log in on the third; either way ssh must work
#   x6  User-Agent of every request the clients made (spec section 0)
#   x7  an expired org token: login must still work (browser); the detail line reports whether
#       cloudflared tried the exchange anyway and whether it saved the new org token (it does
#       neither what spec section 2 says: see the comment at x7)
set -uo pipefail

if [ -z "${CLOUDFLARED:-}" ]; then
  echo "skipped: set CLOUDFLARED=/path/to/cloudflared (a manual tool, see the header of $0)"
  exit 0
fi

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
EDGE=${ZSSH_TEST_EDGE:-$repo/target/debug/zssh-test-edge}

# Everything below must run inside a fresh network + mount namespace, so that cloudflared can
# use its production defaults (real host names, port 443, hard-coded login.cloudflareaccess.org)
# while /etc/hosts, /etc/passwd and port 443 are private to us and nothing can leave loopback.
if [ -z "${COMPAT_IN_NAMESPACE:-}" ]; then
  CLOUDFLARED=$(readlink -f "$CLOUDFLARED")
  [ -x "$CLOUDFLARED" ] || { echo "error: CLOUDFLARED=$CLOUDFLARED is not executable" >&2; exit 2; }
  if [ -n "${CLOUDFLARED_LEGACY:-}" ]; then
    CLOUDFLARED_LEGACY=$(readlink -f "$CLOUDFLARED_LEGACY")
    [ -x "$CLOUDFLARED_LEGACY" ] || { echo "error: CLOUDFLARED_LEGACY is not executable" >&2; exit 2; }
  fi
  [ -x "$EDGE" ] || {
    echo "error: $EDGE not found; build it first: cargo build -p zssh-test-edge" >&2
    exit 2
  }
  [ "$(id -u)" -eq 0 ] || { echo "error: needs root (unshare --net --mount, port 443)" >&2; exit 2; }
  for tool in unshare ip ss ssh ssh-keygen curl python3 sha256sum; do
    command -v "$tool" >/dev/null || { echo "error: $tool not found" >&2; exit 2; }
  done
  SSHD=${SSHD:-$(command -v sshd || echo /usr/sbin/sshd)}
  [ -x "$SSHD" ] || { echo "error: sshd not found (apt-get install openssh-server)" >&2; exit 2; }
  export CLOUDFLARED CLOUDFLARED_LEGACY EDGE SSHD COMPAT_IN_NAMESPACE=1
  # unshare makes mount propagation private, so the bind mounts below never leak out.
  exec unshare --net --mount -- bash "$0" "$@"
fi

# =============================================================================================
# Inside the namespace: set up names, users, the edge, sshd and a fake browser.

ip link set lo up
exec </dev/null # ssh would forward whatever our stdin is; x2 redirects its own
T=$(mktemp -d /tmp/cloudflared-compat.XXXXXX)
chmod 755 "$T" # sshd's users (alice, bob) must reach their homes below it
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ -n "${COMPAT_KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

TEAM=zssh-test.cloudflareaccess.com
APP=ssh.test.example        # current discovery; also accepts the service token
APP2=app2.test.example      # same team, for the org->app exchange
LEGACY=legacy.test.example  # legacy discovery only (never sends Cf-Access-Metadata)
BASTION=bastion.test.example
SVC_ID=compat-ci.access
SVC_SECRET=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')

# Name mapping: a CGO_ENABLED=0 cloudflared resolves through /etc/hosts only. Bind-mount ours.
cat >"$T/hosts" <<EOF
127.0.0.1 localhost $APP $APP2 $LEGACY $BASTION $TEAM login.cloudflareaccess.org login.fed.cloudflareaccess.org
EOF
mount --bind "$T/hosts" /etc/hosts

# Two throwaway sshd users, also private to this mount namespace:
#   bob   logs in with a plain key (authorized_keys), for every scenario but e;
#   alice is the certificate principal (alice@example.com's local part) and has
#         AuthorizedKeysFile none, so only a cert from the edge's SSH CA can let her in (e).
mkdir -p "$T/alice" "$T/bob"
cp /etc/passwd "$T/passwd"
cp /etc/shadow "$T/shadow" 2>/dev/null || : >"$T/shadow"
grep -q '^alice:' "$T/passwd" || echo "alice:x:4242:4242:compat:$T/alice:/bin/sh" >>"$T/passwd"
grep -q '^bob:' "$T/passwd" || echo "bob:x:4243:4243:compat:$T/bob:/bin/sh" >>"$T/passwd"
# '*' (not '!'): sshd with UsePAM no refuses accounts whose password field marks them locked.
printf 'alice:*:19000:0:99999:7:::\nbob:*:19000:0:99999:7:::\n' >>"$T/shadow"
mount --bind "$T/passwd" /etc/passwd
mount --bind "$T/shadow" /etc/shadow
chown 4242:4242 "$T/alice"
chown 4243:4243 "$T/bob"
mkdir -p /run/sshd # sshd's privilege separation directory (harmless if it exists)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SSHD_PORT=$(free_port)

# The edge first: it writes ca.pem and ssh_user_ca.pub, which sshd needs. --seed-home stands in
# for an earlier `access login` (app tokens for every app, plus the JWKS cache). Pings every
# second and an idle cut after 4 s make x1 meaningful; other scenarios never idle that long.
# The edge serves until its stdin closes: feed it from a FIFO we hold open on fd 9.
mkdir -p "$T/edge" "$T/home-seeded" "$T/home-svc" "$T/home-login" "$T/bin"
REQLOG=$T/requests.jsonl
: >"$REQLOG"
mkfifo "$T/edge.in"
"$EDGE" serve --dir "$T/edge" --bind 127.0.0.1:443 --team "$TEAM" \
  --seed-home "$T/home-seeded" --request-log "$REQLOG" \
  --app "$APP=127.0.0.1:$SSHD_PORT,token=$SVC_ID:$SVC_SECRET" \
  --app "$APP2=127.0.0.1:$SSHD_PORT" \
  --app "$LEGACY=127.0.0.1:$SSHD_PORT,legacy" \
  --app "$BASTION=bastion" \
  --ping-secs 1 --idle-drop-secs 4 \
  <"$T/edge.in" >"$T/edge.out" 2>"$T/edge.err" &
pids+=($!)
exec 9>"$T/edge.in"
for _ in $(seq 100); do [ -s "$T/edge.out" ] && break; sleep 0.1; done
[ -s "$T/edge.out" ] || { echo "error: the edge did not start:" >&2; cat "$T/edge.err" >&2; exit 2; }
aud_of() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([a["aud"] for a in d["apps"] if a["host"]==sys.argv[2]][0])' "$T/edge.out" "$1"; }
AUD=$(aud_of $APP)
AUD2=$(aud_of $APP2)
CA="$T/edge/ca.pem"

ssh-keygen -q -t ed25519 -N '' -f "$T/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$T/bob_key"
cp "$T/bob_key.pub" "$T/bob_authorized_keys"
cat >"$T/sshd_config" <<EOF
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $T/host_key
PidFile $T/sshd.pid
AuthorizedKeysFile $T/bob_authorized_keys
TrustedUserCAKeys $T/edge/ssh_user_ca.pub
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
LogLevel VERBOSE
Match User alice
  AuthorizedKeysFile none
EOF
"$SSHD" -t -f "$T/sshd_config" || { echo "error: bad sshd config" >&2; exit 2; }
"$SSHD" -D -e -f "$T/sshd_config" 2>"$T/sshd.log" &
pids+=($!)
for _ in $(seq 100); do grep -qs "Server listening" "$T/sshd.log" && break; sleep 0.1; done
echo "* $(cat "$T/host_key.pub")" >"$T/known_hosts"

# A fake browser, first on PATH: record every launch (d and x4 assert there is none), then
# "complete the login" by fetching the URL a second later (section 11.1). cloudflared does not
# wait for the browser, so this must return at once.
cat >"$T/bin/xdg-open" <<EOF
#!/bin/sh
echo "\$1" >>"$T/xdg-open.log"
( sleep 1; curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}\n' "\$1" >>"$T/browser.log" 2>&1 ) &
EOF
chmod +x "$T/bin/xdg-open"
: >"$T/xdg-open.log"
export PATH="$T/bin:$PATH" SSL_CERT_FILE="$CA"
unset TUNNEL_SERVICE_TOKEN_ID TUNNEL_SERVICE_TOKEN_SECRET HTTPS_PROXY HTTP_PROXY https_proxy http_proxy

version_of() { "$1" --version 2>&1 | sed -n 's/.*version \([0-9][0-9.]*\).*/\1/p'; }
version_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$2" ]; } # A >= B
CFD_VERSION=$(version_of "$CLOUDFLARED")
# What discovery looks like on the wire, as "Kind:status" of the edge's request log:
#   current (>= 2026.8.0): one HEAD with Cf-Access-Metadata-Request (answered with the Access 302
#     plus the signed header), plus the JWKS GET when ~/.cloudflared has no cached key set;
#   legacy: HEAD app -> 302, followed to HEAD <team>/cdn-cgi/access/login/<app> -> 200.
if version_ge "${CFD_VERSION:-0}" 2026.8.0; then
  CURRENT=1 DISC="Metadata:302" DISC_FRESH="Metadata:302 Jwks:200"
else
  CURRENT="" DISC="LegacyProbe:302 TeamLogin:200" DISC_FRESH="LegacyProbe:302 TeamLogin:200"
fi
version_ge "${CFD_VERSION:-0}" 2026.5.0 && URL_FILE=1 || URL_FILE=
LEGACY_DISC="LegacyProbe:302 TeamLogin:200"

# =============================================================================================
# Helpers.

failures=0
result() { # result NAME PASS|FAIL|SKIP DETAIL
  printf '%-4s %-3s %s\n' "$2" "$1" "$3"
  if [ "$2" = FAIL ]; then
    failures=$((failures + 1))
    if [ -n "${COMPAT_VERBOSE:-}" ]; then
      echo "       | wire: $W"
      [ -s "$T/out" ] && sed 's/^/       | /' "$T/out"
    fi
  fi
}

# The edge's request log since the last wire_mark, as space-separated "Kind:status" tokens in
# arrival order (`wire m` gives "METHOD:Kind" instead). The edge writes the log every 50 ms.
W=""
wire_mark() { sleep 0.2; WIRE_FROM=$(wc -l <"$REQLOG"); W=""; }
wire() {
  sleep 0.3
  tail -n +$((WIRE_FROM + 1)) "$REQLOG" | python3 -c '
import json, sys
recs = sorted((json.loads(l) for l in sys.stdin if l.strip()), key=lambda r: r["seq"])
if sys.argv[1] == "m":
    print(" ".join("%s:%s" % (r["method"], r["kind"]) for r in recs))
else:
    print(" ".join("%s:%s" % (r["kind"], r["status"]) for r in recs))' "${1:-s}"
}

# ssh through `cloudflared access ssh` as a ProxyCommand:
#   cfd_ssh HOMEDIR USER HOST [extra cloudflared args] [-- extra ssh args]
# The remote command ($REMOTE) echoes a marker plus the remote user, which remote_ok looks for.
# cloudflared's own debug log (it dumps both WebSocket handshakes) goes to $T/carrier.log.
MARK=compat-$RANDOM$RANDOM
REMOTE="echo $MARK \$(id -un)" # override per call: REMOTE=... cfd_ssh ...
cfd_ssh() {
  local home=$1 user=$2 host=$3
  shift 3
  local cfd_args=() ssh_args=() idopt=(-i "$T/bob_key")
  while [ $# -gt 0 ] && [ "$1" != -- ]; do cfd_args+=("$1"); shift; done
  [ "${1:-}" = -- ] && shift
  ssh_args=("$@")
  [ "$user" = alice ] && idopt=()
  HOME=$home timeout 60 ssh -F none -o BatchMode=yes -o IdentitiesOnly=yes \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/known_hosts" \
    -o ConnectTimeout=30 "${idopt[@]}" "${ssh_args[@]}" \
    -o ProxyCommand="${CFD_BIN:-$CLOUDFLARED} access ssh --hostname %h --loglevel debug --logfile $T/carrier.log ${cfd_args[*]}" \
    "$user@$host" "$REMOTE"
}
remote_ok() { grep -q "^$MARK $1\$" "$T/out"; } # remote_ok USER
first_error() { # the first line of $T/out that looks like an error, else its last line
  local e
  e=$(grep -v "^$MARK" "$T/out" | grep -iE 'error|fail|denied|bad|unable|broken' | head -1)
  if [ -n "$e" ]; then echo "$e"; else tail -1 "$T/out"; fi
}
launches() { wc -l <"$T/xdg-open.log" | tr -d ' '; }
mode_of() { stat -c %a "$1" 2>/dev/null; }

echo "cloudflared: $CLOUDFLARED ($("$CLOUDFLARED" --version 2>&1 | head -1))"
[ -n "${CLOUDFLARED_LEGACY:-}" ] && echo "legacy:      $CLOUDFLARED_LEGACY ($("$CLOUDFLARED_LEGACY" --version 2>&1 | head -1))"
echo "edge:        $EDGE (team $TEAM, all hosts on 127.0.0.1:443, sshd on 127.0.0.1:$SSHD_PORT)"
echo

# =============================================================================================
# a. Cached app token. Spec 5.1: the first dial carries no token and gets the Access 302; then
# discovery; then the second dial with Cf-Access-Token gets 101. No browser.
wire_mark
cfd_ssh "$T/home-seeded" bob $APP >"$T/out" 2>&1
W=$(wire)
if ! remote_ok bob; then
  result a FAIL "cached token: $(first_error)"
elif [ "$W" != "Upgrade:302 $DISC Upgrade:101" ] || [ "$(launches)" != 0 ]; then
  result a FAIL "ssh worked, but the wire was not 'Upgrade:302 $DISC Upgrade:101'"
else
  result a PASS "ssh via access ssh with a cached app token (wire: $W)"
fi

# b. Service token (spec 7): the first dial gets 101 at once; no discovery, no files, and not
# even a ~/.cloudflared directory.
for how in flags env; do
  wire_mark
  if [ $how = flags ]; then
    cfd_ssh "$T/home-svc" bob $APP --id "$SVC_ID" --secret "$SVC_SECRET" >"$T/out" 2>&1
    name=b1 what="--id/--secret"
  else
    TUNNEL_SERVICE_TOKEN_ID=$SVC_ID TUNNEL_SERVICE_TOKEN_SECRET=$SVC_SECRET \
      cfd_ssh "$T/home-svc" bob $APP >"$T/out" 2>&1
    name=b2 what="TUNNEL_SERVICE_TOKEN_ID/_SECRET"
  fi
  W=$(wire)
  if ! remote_ok bob; then
    result $name FAIL "service token via $what: $(first_error)"
  elif [ "$W" != "Upgrade:101" ] || [ -e "$T/home-svc/.cloudflared" ]; then
    result $name FAIL "ssh worked, but wire '$W' (want 'Upgrade:101') or ~/.cloudflared was created"
  else
    result $name PASS "service token via $what (wire: $W; no ~/.cloudflared)"
  fi
done

# c. Browser login from an empty HOME (spec 3.1): cloudflared opens the fake browser, long polls
# login.cloudflareaccess.org/transfer/<key>, opens the sealed box, writes the files of spec 4.2,
# then checks the token at the edge (3.3). Then the token must carry ssh.
H=$T/home-login
D=$H/.cloudflared
wire_mark
HOME=$H timeout 120 "$CLOUDFLARED" access login "https://$APP" >"$T/login.out" 2>"$T/out"
rc=$?
W=$(wire)
cat "$T/login.out" >>"$T/out"
tok=$(cat "$D/$APP-$AUD-token" 2>/dev/null)
bad=""
for f in "$APP-$AUD-token" "$TEAM-org-token"; do
  [ "$(mode_of "$D/$f")" = 600 ] || bad="$bad $f"
done
[ -z "$URL_FILE" ] || [ "$(mode_of "$D/$APP-$AUD-token.url")" = 600 ] || bad="$bad $APP-$AUD-token.url"
[ -z "$CURRENT" ] || [ -s "$D/$TEAM-jwks" ] || bad="$bad $TEAM-jwks"
[ "$(mode_of "$D")" = 700 ] || bad="$bad .cloudflared(mode)"
# The poll that gets the token may be logged before or after the page load that deposits it.
want_c="^$DISC_FRESH( TransferPoll:404)* (TransferPoll:200 CliLogin:200|CliLogin:200 TransferPoll:200) TokenCheck:200\$"
if [ $rc -ne 0 ] || [ -z "$tok" ] || ! grep -qF "$tok" "$T/login.out"; then
  result c FAIL "access login rc=$rc: $(first_error)"
elif [ -n "$bad" ] || [ "$(launches)" != 1 ]; then
  result c FAIL "login ok, but missing or wrong-mode files:${bad:- none}; browser launches $(launches)"
elif ! grep -qE "$want_c" <<<"$W"; then
  result c FAIL "login ok, but the wire did not match /$want_c/"
else
  wire_mark
  cfd_ssh "$H" bob $APP >"$T/out" 2>&1
  W=$(wire)
  if remote_ok bob && [ "$W" = "Upgrade:302 $DISC Upgrade:101" ] && [ "$(launches)" = 1 ]; then
    result c PASS "access login (transfer flow, spec 4.2 files), then ssh with the new token"
  else
    result c FAIL "login ok, but ssh with the new token: $(first_error)"
  fi
fi

# d. Second app, same team (spec 3.2): the org token is exchanged by a HEAD chain app -> team
# login (CF_Authorization cookie) -> app /cdn-cgi/access/authorized (CF_AppSession cookie),
# whose Set-Cookie carries the app token. The browser must not be launched again.
before=$(launches)
wire_mark
HOME=$H timeout 60 "$CLOUDFLARED" access login "https://$APP2" >"$T/login2.out" 2>"$T/out"
rc=$?
W=$(wire)
M=$(wire m)
tok2=$(cat "$D/$APP2-$AUD2-token" 2>/dev/null)
want_d="$DISC LegacyProbe:302 TeamLogin:302 Authorized:302 TokenCheck:200"
if [ $rc -ne 0 ] || [ -z "$tok2" ] || ! grep -qF "$tok2" "$T/login2.out"; then
  result d FAIL "login to $APP2 rc=$rc: $(first_error)"
elif [ "$(launches)" != "$before" ]; then
  result d FAIL "login to $APP2 worked but launched the browser"
elif [ "$W" != "$want_d" ] || ! grep -q "HEAD:LegacyProbe HEAD:TeamLogin HEAD:Authorized GET:TokenCheck" <<<"$M"; then
  result d FAIL "login to $APP2 worked, but the wire was not '$want_d' (methods: $M)"
else
  wire_mark
  cfd_ssh "$H" bob $APP2 >"$T/out" 2>&1
  W=$(wire)
  if remote_ok bob && [ "$W" = "Upgrade:302 $DISC Upgrade:101" ]; then
    result d PASS "org->app exchange for a second app, no browser launch, then ssh"
  else
    result d FAIL "exchange ok, ssh to $APP2 failed: $(first_error)"
  fi
fi

# e. Short-lived certificate (spec 6): discovery, cached token (never checked at the edge),
# POST <iss>/cdn-cgi/access/cert_sign. The principal must be alice (alice@example.com), and sshd
# must accept the cert for a user whose AuthorizedKeysFile is none: only TrustedUserCAKeys.
wire_mark
HOME=$H timeout 60 "$CLOUDFLARED" access ssh-gen --hostname $APP >"$T/out" 2>&1
rc=$?
W=$(wire)
key=$D/$APP-cf_key
cert=$key-cert.pub
if [ $rc -ne 0 ] || [ ! -s "$cert" ]; then
  result e FAIL "ssh-gen rc=$rc: $(first_error)"
elif ! ssh-keygen -L -f "$cert" >"$T/cert.txt" 2>&1 || ! grep -qE '^ +alice$' "$T/cert.txt" ||
  [ "$(mode_of "$key")" != 600 ] || ! grep -q '^ecdsa-sha2-nistp256 ' "$key.pub"; then
  result e FAIL "ssh-gen wrote an unexpected key/cert: $(tr -s ' \n' ' ' <"$T/cert.txt" | head -c 300)"
elif [ "$W" != "$DISC CertSign:200" ]; then
  result e FAIL "cert issued, but the wire was not '$DISC CertSign:200'"
else
  wire_mark
  cfd_ssh "$H" alice $APP -- -i "$key" -o CertificateFile="$cert" >"$T/out" 2>&1
  W=$(wire)
  if remote_ok alice && grep -q "Accepted publickey for alice .*CERT .*ID alice@example.com" "$T/sshd.log"; then
    result e PASS "ssh-gen cert (principal alice) accepted with AuthorizedKeysFile none"
  else
    result e FAIL "cert issued, ssh as alice failed: $(first_error); sshd: $(grep -iE 'alice|cert' "$T/sshd.log" | tail -1)"
  fi
fi

# f1. A legacy-discovery app (redirect chain only, no Cf-Access-Metadata). Legacy clients must
# work; current ones (>= 2026.8.0) have no fallback (token.GetAppInfo -> fetchMetadataJWT), so
# the faithful outcome is the documented error (spec 1.2, 9), with no further request.
wire_mark
cfd_ssh "$T/home-seeded" bob $LEGACY >"$T/out" 2>&1
W=$(wire)
if [ -n "$CURRENT" ]; then
  if ! remote_ok bob && grep -q "failed to find Access application at https://$LEGACY" "$T/out" &&
    [ "$W" = "Upgrade:302 Metadata:302" ]; then
    result f1 PASS "legacy-only app, cloudflared $CFD_VERSION: 'failed to find Access application', as documented (no legacy fallback since 2026.8.0)"
  else
    result f1 FAIL "legacy-only app, cloudflared $CFD_VERSION: expected the documented error, got: $(first_error)"
  fi
elif remote_ok bob && [ "$W" = "Upgrade:302 $LEGACY_DISC Upgrade:101" ]; then
  result f1 PASS "legacy-only app with legacy-discovery cloudflared $CFD_VERSION (wire: $W)"
else
  result f1 FAIL "legacy-only app: $(first_error)"
fi

# f2. A legacy client against a current app: the current edge still answers the redirect chain
# (302 -> team login with CF-Access-Domain), and both generations share the token file name.
if [ -n "${CLOUDFLARED_LEGACY:-}" ]; then
  lv=$(version_of "$CLOUDFLARED_LEGACY")
  # A legacy client treats any existing .lock as held (spec 4.4): give it a lock-free copy.
  rm -rf "$T/home-legacy" && cp -a "$T/home-seeded" "$T/home-legacy" && rm -f "$T/home-legacy/.cloudflared/"*.lock
  wire_mark
  CFD_BIN=$CLOUDFLARED_LEGACY cfd_ssh "$T/home-legacy" bob $APP >"$T/out" 2>&1
  W=$(wire)
  if remote_ok bob && [ "$W" = "Upgrade:302 $LEGACY_DISC Upgrade:101" ]; then
    result f2 PASS "legacy cloudflared $lv against a current app (wire: $W)"
  else
    result f2 FAIL "legacy cloudflared $lv against a current app: $(first_error)"
  fi
else
  result f2 SKIP "set CLOUDFLARED_LEGACY to a cloudflared <= 2026.7.x"
fi

# g. Bastion (spec 5.3): the app's origin is whatever Cf-Access-Jump-Destination names.
wire_mark
cfd_ssh "$T/home-seeded" bob $BASTION --destination "127.0.0.1:$SSHD_PORT" >"$T/out" 2>&1
W=$(wire)
if remote_ok bob && [ "$W" = "Upgrade:302 $DISC Upgrade:101" ]; then
  result g PASS "bastion app with --destination 127.0.0.1:$SSHD_PORT"
else
  result g FAIL "bastion: $(first_error)"
fi

# h. `access token` (spec 3.4): discovery, then the cached token printed without a newline; it
# never logs in and never sends the token anywhere.
wire_mark
HOME=$T/home-seeded timeout 60 "$CLOUDFLARED" access token -app="https://$APP" >"$T/token.out" 2>"$T/out"
rc=$?
W=$(wire)
if [ $rc -eq 0 ] && cmp -s "$T/token.out" "$T/home-seeded/.cloudflared/$APP-$AUD-token" && [ "$W" = "$DISC" ]; then
  result h PASS "access token -app= prints the cached token byte for byte (wire: $W)"
else
  result h FAIL "access token rc=$rc: $(head -c 200 "$T/out")"
fi

# ---------------------------------------------------------------------------------------------
# x1. Keepalive: nothing but pings and pongs cross the carrier for 8 s (no ssh keepalives).
wire_mark
REMOTE="sleep 8; $REMOTE" cfd_ssh "$T/home-seeded" bob $APP -- -o ServerAliveInterval=0 >"$T/out" 2>&1
W=$(wire)
if remote_ok bob; then
  result x1 PASS "8 s idle session kept alive by cloudflared's pongs (edge pings 1 s, cuts idle 4 s)"
else
  result x1 FAIL "idle session was dropped: $(first_error)"
fi

# x2. Bulk data both ways: 4 MiB up (stdin) and 4 MiB down, compared by digest.
head -c 4194304 /dev/urandom >"$T/blob"
chmod 644 "$T/blob"
want=$(sha256sum <"$T/blob" | cut -d' ' -f1)
REMOTE="sha256sum | cut -d' ' -f1; cat $T/blob" cfd_ssh "$T/home-seeded" bob $APP <"$T/blob" >"$T/x2.out" 2>"$T/out"
up=$(head -1 "$T/x2.out")
down=$(tail -c +66 "$T/x2.out" | sha256sum | cut -d' ' -f1)
if [ "$up" = "$want" ] && [ "$down" = "$want" ]; then
  result x2 PASS "4 MiB up and 4 MiB down intact"
else
  result x2 FAIL "bulk data: up ${up:-none}, down $down, want $want: $(first_error)"
fi

# x3. Listener mode (spec 5.4): each accepted connection gets its own WebSocket, Access
# detection and token lookup.
LPORT=$(free_port)
wire_mark
HOME=$T/home-seeded "$CLOUDFLARED" access tcp --hostname $APP --url "127.0.0.1:$LPORT" >"$T/listener.log" 2>&1 &
lpid=$!
# Wait for the listening socket without connecting to it: a probe connection would be
# forwarded too (its own WebSocket) and muddle the wire check below.
for _ in $(seq 50); do [ -n "$(ss -Hltn "sport = :$LPORT")" ] && break; sleep 0.1; done
ok=1
for _ in 1 2; do
  timeout 60 ssh -F none -o BatchMode=yes -o IdentitiesOnly=yes -i "$T/bob_key" -p "$LPORT" \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/known_hosts" \
    bob@127.0.0.1 "echo $MARK \$(id -un)" >"$T/out" 2>&1 || ok=
  remote_ok bob || ok=
done
kill "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null
W=$(wire)
if [ -n "$ok" ] && [ "$W" = "Upgrade:302 $DISC Upgrade:101 Upgrade:302 $DISC Upgrade:101" ]; then
  result x3 PASS "listener mode --url 127.0.0.1:$LPORT, two connections"
else
  cat "$T/listener.log" >>"$T/out"
  result x3 FAIL "listener mode: $(first_error)"
fi

# x4. login --app= with a valid cached token: the token check (GET ?cloudflared_token_check=true)
# answers 200, so no browser; --app= prints the bare token, no newline (spec 3.3, 3.4).
before=$(launches)
wire_mark
HOME=$T/home-seeded timeout 60 "$CLOUDFLARED" access login --app="https://$APP" >"$T/x4.out" 2>"$T/out"
rc=$?
W=$(wire)
if [ $rc -eq 0 ] && [ "$(launches)" = "$before" ] && [ "$W" = "$DISC TokenCheck:200" ] &&
  cmp -s "$T/x4.out" "$T/home-seeded/.cloudflared/$APP-$AUD-token"; then
  result x4 PASS "login with a cached token: one token check, no browser, bare token printed"
else
  result x4 FAIL "login with a cached token: rc=$rc, launches $before -> $(launches): $(first_error)"
fi

# x5. A wrong-audience token (app2's) under the app's token file name (spec 4.3, 5.1).
rm -rf "$T/home-x5" && mkdir -p "$T/home-x5/.cloudflared" && chmod 700 "$T/home-x5/.cloudflared"
cp "$T/home-seeded/.cloudflared/$APP2-$AUD2-token" "$T/home-x5/.cloudflared/$APP-$AUD-token"
before=$(launches)
wire_mark
cfd_ssh "$T/home-x5" bob $APP >"$T/out" 2>&1
W=$(wire)
if [ -n "$CURRENT" ]; then
  want_x5="^Upgrade:302 $DISC_FRESH( TransferPoll:404)* (TransferPoll:200 CliLogin:200|CliLogin:200 TransferPoll:200) Upgrade:101\$"
else
  want_x5="^Upgrade:302 $DISC Upgrade:302( TransferPoll:404)* (TransferPoll:200 CliLogin:200|CliLogin:200 TransferPoll:200) Upgrade:101\$"
fi
if remote_ok bob && [ "$(launches)" = $((before + 1)) ] && grep -qE "$want_x5" <<<"$W" &&
  ! cmp -s "$T/home-x5/.cloudflared/$APP-$AUD-token" "$T/home-seeded/.cloudflared/$APP2-$AUD2-token"; then
  result x5 PASS "wrong-audience cached token replaced by a browser login inside the ProxyCommand"
else
  result x5 FAIL "wrong-audience token: launches $before -> $(launches), wire not /$want_x5/: $(first_error)"
fi

# x6. User-Agent (spec section 0): cloudflared/<version> on everything cloudflared sends itself,
# except the JWKS GET and the cert_sign POST, which carry Go's default.
sleep 0.3
W=""
bad=$(python3 - "$REQLOG" <<'EOF'
import json, sys
go = {"Jwks", "CertSign"}
skip = {"CliLogin", "Other"}  # the fake browser (curl) and anything unexpected, reported elsewhere
bad = set()
for line in open(sys.argv[1]):
    r = json.loads(line)
    ua = r.get("ua") or ""
    if r["kind"] in skip:
        continue
    want_go = r["kind"] in go
    if want_go and ua != "Go-http-client/1.1" or not want_go and not ua.startswith("cloudflared/"):
        bad.add("%s:%r" % (r["kind"], ua))
print(" ".join(sorted(bad)))
EOF
)
if [ -z "$bad" ]; then
  result x6 PASS "User-Agent cloudflared/<v> everywhere except JWKS and cert_sign (Go-http-client/1.1)"
else
  : >"$T/out"
  result x6 FAIL "unexpected User-Agent on: $bad"
fi

# x7. An expired org token (hand-made: cloudflared parses but never verifies cached tokens).
# cloudflared's GetOrgTokenIfExists deletes an expired org token and returns ("", nil), so
# getToken goes on as if it had one: it runs the exchange with an empty CF_Authorization cookie
# (which fails at the team login page), then the browser flow, and, because it believes an org
# token existed, does not write the new org token (token/token.go, GetOrgTokenIfExists and
# getToken; the same in 2025.10.1). Only the login itself is required to work here.
rm -rf "$T/home-x7" && mkdir -p "$T/home-x7/.cloudflared" && chmod 700 "$T/home-x7/.cloudflared"
python3 - "$T/home-x7/.cloudflared/$TEAM-org-token" "$TEAM" <<'EOF2'
import base64, json, sys
b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
claims = {"aud": [sys.argv[2]], "email": "alice@example.com", "exp": 1000, "iat": 900,
          "iss": "https://" + sys.argv[2], "type": "org"}
with open(sys.argv[1], "w") as f:
    f.write(".".join([b64(b'{"alg":"RS256","kid":"expired","typ":"JWT"}'),
                      b64(json.dumps(claims).encode()), b64(b"not a signature")]))
EOF2
before=$(launches)
wire_mark
HOME=$T/home-x7 timeout 60 "$CLOUDFLARED" access login --app="https://$APP2" >"$T/x7.out" 2>"$T/out"
rc=$?
W=$(wire)
if [ $rc -eq 0 ] && [ -s "$T/home-x7/.cloudflared/$APP2-$AUD2-token" ] && [ "$(launches)" = $((before + 1)) ]; then
  # An exchange attempt is an app HEAD followed to the team login page; legacy discovery looks
  # the same, so subtract the one discovery accounts for.
  probes=$(grep -o "LegacyProbe:302 TeamLogin:200" <<<"$W" | wc -l)
  [ -n "$CURRENT" ] || probes=$((probes - 1))
  tried=no saved=no
  [ "$probes" -gt 0 ] && tried=yes
  [ -s "$T/home-x7/.cloudflared/$TEAM-org-token" ] && saved=yes
  result x7 PASS "expired org token: login via the browser works (exchange tried anyway: $tried; new org token saved: $saved)"
else
  result x7 FAIL "expired org token: rc=$rc, launches $before -> $(launches): $(first_error)"
fi

echo
if [ "$failures" -eq 0 ]; then echo "no scenario failed"; else echo "$failures scenario(s) failed"; fi
[ "$failures" -eq 0 ]
