
use builtin;
use str;

set edit:completion:arg-completer[zssh] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'zssh'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'zssh'= {
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand proxy 'Carry one SSH connection (stdin/stdout) through the edge: ssh''s ProxyCommand'
            cand login 'Log in to an Access application in the browser and cache the token (one browser prompt however many processes need it)'
            cand logout 'Remove cached tokens: for one application, or --all'
            cand status 'List cached tokens: application, identity, expiry, where each is stored'
            cand token 'Print the cached token of an application (for scripts); never logs in'
            cand cert 'Get a short-lived SSH certificate for an application (reused while valid; for ssh''s `Match exec`)'
            cand config 'Write ssh config stanzas for Access hosts into a file zssh manages, included from ~/.ssh/config (your own lines are kept byte for byte; --uninstall removes only zssh''s). With --warp-targets, for the targets the Cloudflare One Client lists instead'
            cand known-hosts 'Check or repair known_hosts entries for a host behind the edge (after its host key changed, or after routing through the edge changed the key ssh sees)'
            cand doctor 'Diagnose why ssh to HOST fails, layer by layer, with the fix for each problem found'
            cand server 'Server-side helpers: trust the Access SSH CA in sshd, check it, fetch the CA, set the session-log key'
            cand cidr 'CIDR arithmetic for Split Tunnel lists'
            cand logs 'Session command logs of Access for Infrastructure: make the key pair they are encrypted to, decrypt a downloaded log, replay it (replaces ssh-log-cli: same flags)'
            cand targets 'List the Access for Infrastructure targets this user may reach through the Cloudflare One Client (`warp-cli target list`): hostname, IP, virtual network, port, usernames, and whether the kernel routes the IP through the client now'
            cand completions 'Print the completion script for SHELL (the files of completions/ in the source)'
            cand man 'Print a man page as roff: zssh''s, or a command''s (the files of man/ in the source)'
            cand access 'cloudflared-compatible commands: `zssh access ssh --hostname %h` works where `cloudflared access ssh --hostname %h` did'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;proxy'= {
            cand -T 'HOST, in cloudflared''s spelling [env: TUNNEL_SERVICE_HOSTNAME]'
            cand --hostname 'HOST, in cloudflared''s spelling [env: TUNNEL_SERVICE_HOSTNAME]'
            cand --tunnel-host 'HOST, in cloudflared''s spelling [env: TUNNEL_SERVICE_HOSTNAME]'
            cand --destination 'Bastion mode: the host:port the edge''s cloudflared should connect to'
            cand -L 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]'
            cand --url 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]'
            cand --listener 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]'
            cand -H 'An extra request header, "Name: value"; repeatable'
            cand --header 'An extra request header, "Name: value"; repeatable'
            cand --service-token-id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --service-token-secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --keepalive 'Send a WebSocket ping this often so idle sessions survive the edge''s idle cut, and end the session with an error when nothing comes back for 3 periods; 0 disables both'
            cand --connect-timeout 'Give up on connecting to the edge after this long'
            cand --log-directory 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;login'= {
            cand -T 'URL|HOST, in cloudflared''s spelling'
            cand --hostname 'URL|HOST, in cloudflared''s spelling'
            cand --app 'The application''s URL (cloudflared''s spelling); prints only the token'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -q 'Print nothing on success'
            cand --quiet 'Print nothing on success'
            cand --no-browser 'Don''t open a browser: print the URL (to open on another machine or a phone)'
            cand --qr 'Also show the login URL as a QR code'
            cand --no-verbose 'Print only the token (no newline) on stdout'
            cand --auto-close 'Ask the login page to close itself when done'
            cand --fedramp 'Use the FedRAMP login service'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;logout'= {
            cand -T 'HOST, in cloudflared''s spelling'
            cand --hostname 'HOST, in cloudflared''s spelling'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand --all 'Remove every cached token (zssh''s and cloudflared''s, which are shared)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;status'= {
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand --json 'Print JSON instead of a table'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;token'= {
            cand -T 'URL|HOST, in cloudflared''s spelling'
            cand --hostname 'URL|HOST, in cloudflared''s spelling'
            cand --app 'The application''s URL (cloudflared''s spelling)'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;cert'= {
            cand -T 'HOST, in cloudflared''s spelling'
            cand --hostname 'HOST, in cloudflared''s spelling'
            cand --tunnel-host 'HOST, in cloudflared''s spelling'
            cand --key-type 'The kind of key to make when a new key is needed: ecdsa (P-256, as cloudflared sends) or ed25519. An existing key is kept whatever its type (see the key''s lifecycle above)'
            cand --public-key 'Have your own key signed instead of one zssh makes: FILE is its public key (a FIDO sk- key, a key in ssh-agent, a PIV or PKCS#11 token). The certificate goes beside it, as OpenSSH names it: FILE without .pub, plus -cert.pub'
            cand --margin 'Reuse the current certificate while it has more than this much validity left'
            cand --service-token-id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --service-token-secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand --agent 'Also load the key and certificate into ssh-agent (SSH_AUTH_SOCK) for their remaining lifetime, and remove expired ones zssh added before'
            cand --force 'Get a new certificate even if the current one is still valid'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'zssh;config'= {
            cand --identity 'With --short-lived-cert: have this key of yours certified (zssh cert --public-key) instead of a key zssh makes. FILE is ssh''s IdentityFile (the private key, or the .pub of a key held by ssh-agent or a token); its public key is FILE.pub (or FILE itself if it ends in .pub)'
            cand --user 'The remote user name'
            cand --destination 'Bastion mode: the host:port the edge should connect to'
            cand --ssh-config 'The ssh config file to edit'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand --warp-targets 'The WARP path (Access for Infrastructure): one stanza per target that `warp-cli target list` shows, `Host <hostname>` (its IP when it has none) with its HostName, Port, User (the one username it allows, or --user) and HostKeyAlias zssh-warp-proxy, one name for the Gateway SSH proxy''s key of every target. Targets gone from the list lose their stanza; with --uninstall, only these stanzas go'
            cand --short-lived-cert 'Use short-lived certificates (Match exec "zssh cert"), with their key and certificate files'
            cand --agent 'Use short-lived certificates loaded into ssh-agent (no key files in the config)'
            cand --connection-sharing 'Share one connection per host (ControlMaster/ControlPersist)'
            cand --dry-run 'Show what would change (a unified diff) and change nothing'
            cand --uninstall 'Remove everything zssh added, and nothing else'
            cand --print 'Print cloudflared-style snippets on stdout instead of writing files'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;known-hosts'= {
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand check 'Report whether known_hosts matches the key the host presents now; change nothing'
            cand repair 'Replace the host''s known_hosts entries with the key it presents now (asks first)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;known-hosts;check'= {
            cand -T 'HOST, in cloudflared''s spelling'
            cand --hostname 'HOST, in cloudflared''s spelling'
            cand --direct 'Fetch the key directly from HOST:PORT instead of through the edge (routing such as WARP); without PORT, the Port that `ssh -G HOST` shows (22 unless the config says otherwise). A host with a stanza of `zssh config --warp-targets` (HostKeyAlias zssh-warp-proxy, no ProxyCommand) is fetched directly from its HostName and Port without it'
            cand --known-hosts 'The known_hosts file to check and repair (default: the UserKnownHostsFile list and GlobalKnownHostsFile that `ssh -G HOST` shows)'
            cand --host-key-alias 'The name the entries are stored under (default: the HostKeyAlias that `ssh -G HOST` shows, e.g. HOST.zssh after `zssh config HOST`, zssh-warp-proxy after `zssh config --warp-targets`: one entry for every WARP target)'
            cand -F 'The ssh config ssh is asked about (`ssh -G -F FILE`; default: ssh''s own choice)'
            cand --ssh-config 'The ssh config ssh is asked about (`ssh -G -F FILE`; default: ssh''s own choice)'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -y 'Don''t ask before changing known_hosts'
            cand --yes 'Don''t ask before changing known_hosts'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;known-hosts;repair'= {
            cand -T 'HOST, in cloudflared''s spelling'
            cand --hostname 'HOST, in cloudflared''s spelling'
            cand --direct 'Fetch the key directly from HOST:PORT instead of through the edge (routing such as WARP); without PORT, the Port that `ssh -G HOST` shows (22 unless the config says otherwise). A host with a stanza of `zssh config --warp-targets` (HostKeyAlias zssh-warp-proxy, no ProxyCommand) is fetched directly from its HostName and Port without it'
            cand --known-hosts 'The known_hosts file to check and repair (default: the UserKnownHostsFile list and GlobalKnownHostsFile that `ssh -G HOST` shows)'
            cand --host-key-alias 'The name the entries are stored under (default: the HostKeyAlias that `ssh -G HOST` shows, e.g. HOST.zssh after `zssh config HOST`, zssh-warp-proxy after `zssh config --warp-targets`: one entry for every WARP target)'
            cand -F 'The ssh config ssh is asked about (`ssh -G -F FILE`; default: ssh''s own choice)'
            cand --ssh-config 'The ssh config ssh is asked about (`ssh -G -F FILE`; default: ssh''s own choice)'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -y 'Don''t ask before changing known_hosts'
            cand --yes 'Don''t ask before changing known_hosts'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;known-hosts;help'= {
            cand check 'Report whether known_hosts matches the key the host presents now; change nothing'
            cand repair 'Replace the host''s known_hosts entries with the key it presents now (asks first)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;known-hosts;help;check'= {
        }
        &'zssh;known-hosts;help;repair'= {
        }
        &'zssh;known-hosts;help;help'= {
        }
        &'zssh;doctor'= {
            cand -T 'HOST, in cloudflared''s spelling'
            cand --hostname 'HOST, in cloudflared''s spelling'
            cand -F 'The ssh config file to inspect (default: ssh''s own choice)'
            cand --ssh-config 'The ssh config file to inspect (default: ssh''s own choice)'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand --fix 'Perform the safe repairs (drop bad tokens, clear dead locks, renew the certificate, repair known_hosts after confirmation)'
            cand --json 'Print the verdicts as JSON: {host, result (ok, warn or fail), exit, checks: [{check, status (ok, warn, fail, skip or fixed), detail, fix}]}; a skip''s detail says why'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'zssh;server'= {
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand trust-ca 'Make sshd trust the Access SSH CA (dry run unless --apply)'
            cand check 'Report whether sshd trusts the CA and whether the ssh port still answers directly'
            cand fetch-ca 'Get the account''s SSH CA public key through the Cloudflare API (token from the environment)'
            cand log-key 'Set, show or clear the public key that SSH session command logs are encrypted to (Cloudflare API; token from the environment)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;server;trust-ca'= {
            cand --ca-key 'The CA public key file, or - for standard input'
            cand --sshd-config 'The sshd configuration file'
            cand --ca-file 'Where trusted CA keys are kept'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand --apply 'Change the files and reload sshd (otherwise show what would change)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;server;check'= {
            cand --sshd-config 'The sshd configuration file'
            cand --ca-key 'The CA public key file to look for among the trusted keys'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;server;fetch-ca'= {
            cand --account 'The Cloudflare account ID'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;server;log-key'= {
            cand --account 'The Cloudflare account ID'
            cand --public-key 'Upload this public key (NAME.pub from `zssh logs generate-key-pair -o NAME`): new sessions'' command logs are encrypted to it. The file name must end in .pub (a private key and its public key look alike, and keygen never names a private key *.pub), and a file that is the private half of a pair is refused'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand --show 'Print the current settings: public_key, seed_id, created_at, updated_at'
            cand --disable 'Clear the public key, which stops command logging for new sessions (asks first)'
            cand -y 'With --disable: don''t ask'
            cand --yes 'With --disable: don''t ask'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;server;help'= {
            cand trust-ca 'Make sshd trust the Access SSH CA (dry run unless --apply)'
            cand check 'Report whether sshd trusts the CA and whether the ssh port still answers directly'
            cand fetch-ca 'Get the account''s SSH CA public key through the Cloudflare API (token from the environment)'
            cand log-key 'Set, show or clear the public key that SSH session command logs are encrypted to (Cloudflare API; token from the environment)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;server;help;trust-ca'= {
        }
        &'zssh;server;help;check'= {
        }
        &'zssh;server;help;fetch-ca'= {
        }
        &'zssh;server;help;log-key'= {
        }
        &'zssh;server;help;help'= {
        }
        &'zssh;cidr'= {
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand exclude 'Print BASE minus the EXCEPT ranges as a minimal list of CIDRs, one per line'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;cidr;exclude'= {
            cand --except 'Ranges to take out, comma-separated or repeated'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;cidr;help'= {
            cand exclude 'Print BASE minus the EXCEPT ranges as a minimal list of CIDRs, one per line'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;cidr;help;exclude'= {
        }
        &'zssh;cidr;help;help'= {
        }
        &'zssh;logs'= {
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand generate-key-pair 'Make the X25519 key pair that session logs are encrypted to: NAME (the private key, 0600) and NAME.pub (the public key, for the dashboard or `PUT .../gateway/audit_ssh_settings`)'
            cand keygen 'Make the X25519 key pair that session logs are encrypted to: NAME (the private key, 0600) and NAME.pub (the public key, for the dashboard or `PUT .../gateway/audit_ssh_settings`)'
            cand decrypt 'Decrypt a session log downloaded from the dashboard (Logs > Access) into a ZIP (the reference tool''s files), asciicast, a transcript or JSON lines, or replay it here'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;logs;generate-key-pair'= {
            cand -o 'The private key file to write (not ending in .pub); the public key goes to NAME.pub'
            cand --output 'The private key file to write (not ending in .pub); the public key goes to NAME.pub'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand --force 'Replace existing key files (logs encrypted to the old key can no longer be read with the new one)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;logs;keygen'= {
            cand -o 'The private key file to write (not ending in .pub); the public key goes to NAME.pub'
            cand --output 'The private key file to write (not ending in .pub); the public key goes to NAME.pub'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand --force 'Replace existing key files (logs encrypted to the old key can no longer be read with the new one)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;logs;decrypt'= {
            cand -i 'The encrypted session log'
            cand --input 'The encrypted session log'
            cand -k 'The private key file (base64, as `generate-key-pair` writes it; whitespace around it is ignored)'
            cand --key 'The private key file (base64, as `generate-key-pair` writes it; whitespace around it is ignored)'
            cand -o 'Where to write the result (default: FILE-decrypted.zip, or FILE.cast, FILE.txt, FILE.jsonl for the other formats); - for standard output (not with zip)'
            cand --output 'Where to write the result (default: FILE-decrypted.zip, or FILE.cast, FILE.txt, FILE.jsonl for the other formats); - for standard output (not with zip)'
            cand --format 'The output format: zip (a stored ZIP with the reference tool''s files: term_data.txt and term_times.txt, scriptreplay''s pair, for terminal sessions; data_from_client.txt and data_from_server.txt otherwise), asciicast (v2, for `asciinema play`; timing kept for sessions without a terminal too), text (what the terminal showed, between a start and an end line) or jsonl (one JSON object per packet: time, elapsed_us, source, code, data in base64)'
            cand --speed 'With --replay: play this many times faster (0.5 is half speed)'
            cand --max-idle 'With --replay: shorten every pause longer than S seconds to S'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -r 'Play the session in this terminal, with its timing (what the server showed)'
            cand --replay 'Play the session in this terminal, with its timing (what the server showed)'
            cand --partial 'When the log is truncated or damaged, keep what was decrypted before the damage (the command still fails, with the error)'
            cand --force 'Replace OUT if it exists'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;logs;help'= {
            cand generate-key-pair 'Make the X25519 key pair that session logs are encrypted to: NAME (the private key, 0600) and NAME.pub (the public key, for the dashboard or `PUT .../gateway/audit_ssh_settings`)'
            cand decrypt 'Decrypt a session log downloaded from the dashboard (Logs > Access) into a ZIP (the reference tool''s files), asciicast, a transcript or JSON lines, or replay it here'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;logs;help;generate-key-pair'= {
        }
        &'zssh;logs;help;decrypt'= {
        }
        &'zssh;logs;help;help'= {
        }
        &'zssh;targets'= {
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand --json 'Print JSON instead of a table'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;completions'= {
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;man'= {
            cand --dir 'Write every page into DIR as zssh.1, zssh-proxy.1, … instead (created if missing; existing pages are replaced)'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;access'= {
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand --fedramp 'Use the FedRAMP login service (login.fed.cloudflareaccess.org)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand ssh 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb'
            cand tcp 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb'
            cand rdp 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb'
            cand smb 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb'
            cand login 'Log in as `cloudflared access login` does (same output; tokens in ~/.cloudflared)'
            cand token 'Print the cached token as `cloudflared access token` does'
            cand ssh-gen 'Get a short-lived certificate into cloudflared''s files (same as `zssh cert`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;access;ssh'= {
            cand --destination 'Bastion mode: the host:port the edge''s cloudflared should connect to'
            cand -L 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]'
            cand --url 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]'
            cand --listener 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]'
            cand -H 'An extra request header, "Name: value"; repeatable'
            cand --header 'An extra request header, "Name: value"; repeatable'
            cand --service-token-id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --service-token-secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --keepalive 'Send a WebSocket ping this often so idle sessions survive the edge''s idle cut, and end the session with an error when nothing comes back for 3 periods; 0 disables both'
            cand --connect-timeout 'Give up on connecting to the edge after this long'
            cand --log-directory 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr'
            cand -T 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]'
            cand --hostname 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]'
            cand --tunnel-host 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;access;tcp'= {
            cand --destination 'Bastion mode: the host:port the edge''s cloudflared should connect to'
            cand -L 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]'
            cand --url 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]'
            cand --listener 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]'
            cand -H 'An extra request header, "Name: value"; repeatable'
            cand --header 'An extra request header, "Name: value"; repeatable'
            cand --service-token-id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --service-token-secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --keepalive 'Send a WebSocket ping this often so idle sessions survive the edge''s idle cut, and end the session with an error when nothing comes back for 3 periods; 0 disables both'
            cand --connect-timeout 'Give up on connecting to the edge after this long'
            cand --log-directory 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr'
            cand -T 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]'
            cand --hostname 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]'
            cand --tunnel-host 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;access;rdp'= {
            cand --destination 'Bastion mode: the host:port the edge''s cloudflared should connect to'
            cand -L 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]'
            cand --url 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]'
            cand --listener 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]'
            cand -H 'An extra request header, "Name: value"; repeatable'
            cand --header 'An extra request header, "Name: value"; repeatable'
            cand --service-token-id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --service-token-secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --keepalive 'Send a WebSocket ping this often so idle sessions survive the edge''s idle cut, and end the session with an error when nothing comes back for 3 periods; 0 disables both'
            cand --connect-timeout 'Give up on connecting to the edge after this long'
            cand --log-directory 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr'
            cand -T 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]'
            cand --hostname 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]'
            cand --tunnel-host 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;access;smb'= {
            cand --destination 'Bastion mode: the host:port the edge''s cloudflared should connect to'
            cand -L 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]'
            cand --url 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]'
            cand --listener 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]'
            cand -H 'An extra request header, "Name: value"; repeatable'
            cand --header 'An extra request header, "Name: value"; repeatable'
            cand --service-token-id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --service-token-secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --keepalive 'Send a WebSocket ping this often so idle sessions survive the edge''s idle cut, and end the session with an error when nothing comes back for 3 periods; 0 disables both'
            cand --connect-timeout 'Give up on connecting to the edge after this long'
            cand --log-directory 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr'
            cand -T 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]'
            cand --hostname 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]'
            cand --tunnel-host 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;access;login'= {
            cand -T 'URL|HOST, in cloudflared''s spelling'
            cand --hostname 'URL|HOST, in cloudflared''s spelling'
            cand --app 'The application''s URL (cloudflared''s spelling); prints only the token'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -q 'Print nothing on success'
            cand --quiet 'Print nothing on success'
            cand --no-verbose 'Print only the token (no newline) on stdout'
            cand --auto-close 'Ask the login page to close itself when done'
            cand --no-browser 'Don''t open a browser: print the URL (to open on another machine or a phone)'
            cand --qr 'Also show the login URL as a QR code'
            cand --fedramp 'Use the FedRAMP login service'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;access;token'= {
            cand -T 'URL|HOST, in cloudflared''s spelling'
            cand --hostname 'URL|HOST, in cloudflared''s spelling'
            cand --app 'The application''s URL (cloudflared''s spelling)'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;access;ssh-gen'= {
            cand -T 'HOST, in cloudflared''s spelling'
            cand --hostname 'HOST, in cloudflared''s spelling'
            cand --tunnel-host 'HOST, in cloudflared''s spelling'
            cand --key-type 'The kind of key to make when a new key is needed: ecdsa (P-256, as cloudflared sends) or ed25519. An existing key is kept whatever its type (see the key''s lifecycle above)'
            cand --public-key 'Have your own key signed instead of one zssh makes: FILE is its public key (a FIDO sk- key, a key in ssh-agent, a PIV or PKCS#11 token). The certificate goes beside it, as OpenSSH names it: FILE without .pub, plus -cert.pub'
            cand --margin 'Reuse the current certificate while it has more than this much validity left'
            cand --service-token-id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --service-token-secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand --agent 'Also load the key and certificate into ssh-agent (SSH_AUTH_SOCK) for their remaining lifetime, and remove expired ones zssh added before'
            cand --force 'Get a new certificate even if the current one is still valid'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'zssh;access;help'= {
            cand ssh 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb'
            cand login 'Log in as `cloudflared access login` does (same output; tokens in ~/.cloudflared)'
            cand token 'Print the cached token as `cloudflared access token` does'
            cand ssh-gen 'Get a short-lived certificate into cloudflared''s files (same as `zssh cert`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;access;help;ssh'= {
        }
        &'zssh;access;help;login'= {
        }
        &'zssh;access;help;token'= {
        }
        &'zssh;access;help;ssh-gen'= {
        }
        &'zssh;access;help;help'= {
        }
        &'zssh;help'= {
            cand proxy 'Carry one SSH connection (stdin/stdout) through the edge: ssh''s ProxyCommand'
            cand login 'Log in to an Access application in the browser and cache the token (one browser prompt however many processes need it)'
            cand logout 'Remove cached tokens: for one application, or --all'
            cand status 'List cached tokens: application, identity, expiry, where each is stored'
            cand token 'Print the cached token of an application (for scripts); never logs in'
            cand cert 'Get a short-lived SSH certificate for an application (reused while valid; for ssh''s `Match exec`)'
            cand config 'Write ssh config stanzas for Access hosts into a file zssh manages, included from ~/.ssh/config (your own lines are kept byte for byte; --uninstall removes only zssh''s). With --warp-targets, for the targets the Cloudflare One Client lists instead'
            cand known-hosts 'Check or repair known_hosts entries for a host behind the edge (after its host key changed, or after routing through the edge changed the key ssh sees)'
            cand doctor 'Diagnose why ssh to HOST fails, layer by layer, with the fix for each problem found'
            cand server 'Server-side helpers: trust the Access SSH CA in sshd, check it, fetch the CA, set the session-log key'
            cand cidr 'CIDR arithmetic for Split Tunnel lists'
            cand logs 'Session command logs of Access for Infrastructure: make the key pair they are encrypted to, decrypt a downloaded log, replay it (replaces ssh-log-cli: same flags)'
            cand targets 'List the Access for Infrastructure targets this user may reach through the Cloudflare One Client (`warp-cli target list`): hostname, IP, virtual network, port, usernames, and whether the kernel routes the IP through the client now'
            cand completions 'Print the completion script for SHELL (the files of completions/ in the source)'
            cand man 'Print a man page as roff: zssh''s, or a command''s (the files of man/ in the source)'
            cand access 'cloudflared-compatible commands: `zssh access ssh --hostname %h` works where `cloudflared access ssh --hostname %h` did'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;help;proxy'= {
        }
        &'zssh;help;login'= {
        }
        &'zssh;help;logout'= {
        }
        &'zssh;help;status'= {
        }
        &'zssh;help;token'= {
        }
        &'zssh;help;cert'= {
        }
        &'zssh;help;config'= {
        }
        &'zssh;help;known-hosts'= {
            cand check 'Report whether known_hosts matches the key the host presents now; change nothing'
            cand repair 'Replace the host''s known_hosts entries with the key it presents now (asks first)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;help;known-hosts;check'= {
        }
        &'zssh;help;known-hosts;repair'= {
        }
        &'zssh;help;known-hosts;help'= {
            cand check 'Report whether known_hosts matches the key the host presents now; change nothing'
            cand repair 'Replace the host''s known_hosts entries with the key it presents now (asks first)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;help;known-hosts;help;check'= {
        }
        &'zssh;help;known-hosts;help;repair'= {
        }
        &'zssh;help;known-hosts;help;help'= {
        }
        &'zssh;help;doctor'= {
        }
        &'zssh;help;server'= {
            cand trust-ca 'Make sshd trust the Access SSH CA (dry run unless --apply)'
            cand check 'Report whether sshd trusts the CA and whether the ssh port still answers directly'
            cand fetch-ca 'Get the account''s SSH CA public key through the Cloudflare API (token from the environment)'
            cand log-key 'Set, show or clear the public key that SSH session command logs are encrypted to (Cloudflare API; token from the environment)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;help;server;trust-ca'= {
        }
        &'zssh;help;server;check'= {
        }
        &'zssh;help;server;fetch-ca'= {
        }
        &'zssh;help;server;log-key'= {
        }
        &'zssh;help;server;help'= {
            cand trust-ca 'Make sshd trust the Access SSH CA (dry run unless --apply)'
            cand check 'Report whether sshd trusts the CA and whether the ssh port still answers directly'
            cand fetch-ca 'Get the account''s SSH CA public key through the Cloudflare API (token from the environment)'
            cand log-key 'Set, show or clear the public key that SSH session command logs are encrypted to (Cloudflare API; token from the environment)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;help;server;help;trust-ca'= {
        }
        &'zssh;help;server;help;check'= {
        }
        &'zssh;help;server;help;fetch-ca'= {
        }
        &'zssh;help;server;help;log-key'= {
        }
        &'zssh;help;server;help;help'= {
        }
        &'zssh;help;cidr'= {
            cand exclude 'Print BASE minus the EXCEPT ranges as a minimal list of CIDRs, one per line'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;help;cidr;exclude'= {
        }
        &'zssh;help;cidr;help'= {
            cand exclude 'Print BASE minus the EXCEPT ranges as a minimal list of CIDRs, one per line'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;help;cidr;help;exclude'= {
        }
        &'zssh;help;cidr;help;help'= {
        }
        &'zssh;help;logs'= {
            cand generate-key-pair 'Make the X25519 key pair that session logs are encrypted to: NAME (the private key, 0600) and NAME.pub (the public key, for the dashboard or `PUT .../gateway/audit_ssh_settings`)'
            cand decrypt 'Decrypt a session log downloaded from the dashboard (Logs > Access) into a ZIP (the reference tool''s files), asciicast, a transcript or JSON lines, or replay it here'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;help;logs;generate-key-pair'= {
        }
        &'zssh;help;logs;decrypt'= {
        }
        &'zssh;help;logs;help'= {
            cand generate-key-pair 'Make the X25519 key pair that session logs are encrypted to: NAME (the private key, 0600) and NAME.pub (the public key, for the dashboard or `PUT .../gateway/audit_ssh_settings`)'
            cand decrypt 'Decrypt a session log downloaded from the dashboard (Logs > Access) into a ZIP (the reference tool''s files), asciicast, a transcript or JSON lines, or replay it here'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;help;logs;help;generate-key-pair'= {
        }
        &'zssh;help;logs;help;decrypt'= {
        }
        &'zssh;help;logs;help;help'= {
        }
        &'zssh;help;targets'= {
        }
        &'zssh;help;completions'= {
        }
        &'zssh;help;man'= {
        }
        &'zssh;help;access'= {
            cand ssh 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb'
            cand login 'Log in as `cloudflared access login` does (same output; tokens in ~/.cloudflared)'
            cand token 'Print the cached token as `cloudflared access token` does'
            cand ssh-gen 'Get a short-lived certificate into cloudflared''s files (same as `zssh cert`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;help;access;ssh'= {
        }
        &'zssh;help;access;login'= {
        }
        &'zssh;help;access;token'= {
        }
        &'zssh;help;access;ssh-gen'= {
        }
        &'zssh;help;access;help'= {
            cand ssh 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb'
            cand login 'Log in as `cloudflared access login` does (same output; tokens in ~/.cloudflared)'
            cand token 'Print the cached token as `cloudflared access token` does'
            cand ssh-gen 'Get a short-lived certificate into cloudflared''s files (same as `zssh cert`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zssh;help;access;help;ssh'= {
        }
        &'zssh;help;access;help;login'= {
        }
        &'zssh;help;access;help;token'= {
        }
        &'zssh;help;access;help;ssh-gen'= {
        }
        &'zssh;help;access;help;help'= {
        }
        &'zssh;help;help'= {
        }
    ]
    $completions[$command]
}
