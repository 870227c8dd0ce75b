#!/usr/bin/env bash
# The zssh sandbox: a local Access edge (tests/edge, TLS on loopback with a CA made for this run),
# a throwaway sshd behind it, and real `ssh` going through `zssh proxy`: a browser login (with a
# stand-in for the person), status, ssh with the cached token, a service token, a wrong service
# token (to show an error), a host that imitates Access (it gets nothing), logout.
# No account and no network: everything is on 127.0.0.1 and is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "building zssh and the test edge (debug build: about 3 minutes on 2 cores the first time, seconds after)"
cargo build --workspace --bins
ZSSH="$PWD/target/debug/zssh"
EDGE="$PWD/target/debug/zssh-test-edge"
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] || { echo "sandbox: sshd not found; run .ci/setup first" >&2; exit 1; }

T=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/home" "$T/edge"
[ "$(id -u)" -ne 0 ] || mkdir -p /run/sshd

say "starting a throwaway sshd on loopback"
ssh-keygen -q -t ed25519 -N '' -f "$T/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$T/id_ed25519"
cp "$T/id_ed25519.pub" "$T/authorized_keys"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$T/sshd_config" <<CONF
Port $PORT
ListenAddress 127.0.0.1
HostKey $T/host_key
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
TrustedUserCAKeys $T/edge/ssh_user_ca.pub
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
Subsystem sftp internal-sftp
CONF
"$SSHD" -D -e -f "$T/sshd_config" 2>"$T/sshd.log" &
pids+=($!)
timeout 10 grep -q -m1 "Server listening" <(tail -n +1 -f "$T/sshd.log") ||
  { cat "$T/sshd.log"; exit 1; }
echo "sshd listens on 127.0.0.1:$PORT"

say "starting the local Access edge"
SECRET=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
coproc EDGEP { exec "$EDGE" serve --dir "$T/edge" \
  --app "ssh.test.example=127.0.0.1:$PORT,token=sandbox-ci.access:$SECRET" \
  --app "evil.test.example=127.0.0.1:$PORT,impostor-of=ssh.test.example"; }
pids+=("$EDGEP_PID")
read -r ready <&"${EDGEP[0]}"
EPORT=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["addr"].rsplit(":",1)[1])' "$ready")
TEAM=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["team"])' "$ready")
echo "edge listens on 127.0.0.1:$EPORT (app ssh.test.example, team $TEAM)"

export HOME="$T/home" SSL_CERT_FILE="$T/edge/ca.pem" ZSSH_TOKEN_STORE=file XDG_STATE_HOME="$T/state"
export ZSSH_CONNECT_TO="ssh.test.example:443:127.0.0.1:$EPORT,evil.test.example:443:127.0.0.1:$EPORT,$TEAM:443:127.0.0.1:$EPORT,login.cloudflareaccess.org:443:127.0.0.1:$EPORT"
echo "ssh.test.example $(cat "$T/host_key.pub")" > "$T/known_hosts"
ssh_through_zssh() {
  ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes \
    -o UserKnownHostsFile="$T/known_hosts" -i "$T/id_ed25519" \
    -o ProxyCommand="$ZSSH --log-level debug proxy %h" \
    "$(id -un)@ssh.test.example" "$@"
}

# The "person with a browser": opens the login URL, which the local edge treats as a finished
# identity-provider login (it then seals the tokens to zssh's one-time key).
cat > "$T/browser.sh" <<BROWSER
#!/bin/sh
curl -fsS --cacert "$T/edge/ca.pem" --connect-to "ssh.test.example:443:127.0.0.1:$EPORT" "\$1" >/dev/null
BROWSER
chmod +x "$T/browser.sh"

say "1. zssh login: discovery, browser login, tokens sealed to a one-time key, token check"
echo "No real browser here: BROWSER is a stand-in script ($T/browser.sh) that fetches the login URL"
echo "with curl, which the local edge takes as a finished login. When zssh says a browser window"
echo "should have opened, that script is what it opened, and it completes the login by itself."
echo "\$ zssh login ssh.test.example"
BROWSER="$T/browser.sh %s" "$ZSSH" login ssh.test.example

say "2. zssh status"
"$ZSSH" status

say "3. the way in: zssh config writes the ssh config, known-hosts records the key seen through the edge, then plain ssh"
# ssh finds ~ in the password database, not in HOME: the sandbox's files are named with -F and
# --known-hosts so nothing outside $T is read or written.
echo "\$ zssh config ssh.test.example"
"$ZSSH" config ssh.test.example --ssh-config "$HOME/.ssh/config"
echo "\$ zssh known-hosts repair ssh.test.example --yes"
"$ZSSH" known-hosts repair ssh.test.example --yes -F "$HOME/.ssh/config" \
  --known-hosts "$T/known_hosts.config"
echo "\$ ssh ssh.test.example 'echo ...'   # ZSSH_LOG=debug shows each step"
ZSSH_LOG=debug ssh -F "$HOME/.ssh/config" -o BatchMode=yes -o StrictHostKeyChecking=yes \
  -o UserKnownHostsFile="$T/known_hosts.config" -o IdentitiesOnly=yes -i "$T/id_ed25519" \
  "$(id -un)@ssh.test.example" \
  'echo "  remote says: hello from $(uname -n) as $(id -un) at $(date -u +%T) UTC"'

say "4. ssh with a service token (TUNNEL_SERVICE_TOKEN_ID/SECRET; no discovery, no files)"
TUNNEL_SERVICE_TOKEN_ID=sandbox-ci.access TUNNEL_SERVICE_TOKEN_SECRET=$SECRET \
  ssh_through_zssh 'echo "  remote says: service token accepted; $(ls / | wc -l) entries in /"'

say "5. a wrong service token: one error line, one hint line, exit code 3"
set +e
TUNNEL_SERVICE_TOKEN_ID=sandbox-ci.access TUNNEL_SERVICE_TOKEN_SECRET=wrong \
  "$ZSSH" proxy ssh.test.example </dev/null
code=$?
set -e
echo "  (zssh exited with $code)"

say "6. a host that imitates Access (redirects to ssh.test.example's login, signs nothing) gets no token"
set +e
"$ZSSH" proxy evil.test.example </dev/null
code=$?
set -e
echo "  (zssh exited with $code; the cached token was not sent and is still there:)"
"$ZSSH" status | sed 's/^/  /'

say "7. zssh logout --all"
"$ZSSH" logout --all

say "done: everything (edge, sshd, tokens, keys) is removed now"
