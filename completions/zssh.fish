# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_zssh_global_optspecs
    string join \n log-level= logfile= h/help V/version
end

function __fish_zssh_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_zssh_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_zssh_using_subcommand
    set -l cmd (__fish_zssh_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c zssh -n "__fish_zssh_needs_command" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_needs_command" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zssh -n "__fish_zssh_needs_command" -s V -l version -d 'Print version'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "proxy" -d 'Carry one SSH connection (stdin/stdout) through the edge: ssh\'s ProxyCommand'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "login" -d 'Log in to an Access application in the browser and cache the token (one browser prompt however many processes need it)'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "logout" -d 'Remove cached tokens: for one application, or --all'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "status" -d 'List cached tokens: application, identity, expiry, where each is stored'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "token" -d 'Print the cached token of an application (for scripts); never logs in'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "cert" -d 'Get a short-lived SSH certificate for an application (reused while valid; for ssh\'s `Match exec`)'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "config" -d 'Write ssh config stanzas for Access hosts into a file zssh manages, included from ~/.ssh/config (your own lines are kept byte for byte; --uninstall removes only zssh\'s). With --warp-targets, for the targets the Cloudflare One Client lists instead'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "known-hosts" -d 'Check or repair known_hosts entries for a host behind the edge (after its host key changed, or after routing through the edge changed the key ssh sees)'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "doctor" -d 'Diagnose why ssh to HOST fails, layer by layer, with the fix for each problem found'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "server" -d 'Server-side helpers: trust the Access SSH CA in sshd, check it, fetch the CA, set the session-log key'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "cidr" -d 'CIDR arithmetic for Split Tunnel lists'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "logs" -d 'Session command logs of Access for Infrastructure: make the key pair they are encrypted to, decrypt a downloaded log, replay it (replaces ssh-log-cli: same flags)'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "targets" -d 'List the Access for Infrastructure targets this user may reach through the Cloudflare One Client (`warp-cli target list`): hostname, IP, virtual network, port, usernames, and whether the kernel routes the IP through the client now'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "completions" -d 'Print the completion script for SHELL (the files of completions/ in the source)'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "man" -d 'Print a man page as roff: zssh\'s, or a command\'s (the files of man/ in the source)'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "access" -d 'cloudflared-compatible commands: `zssh access ssh --hostname %h` works where `cloudflared access ssh --hostname %h` did'
complete -c zssh -n "__fish_zssh_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zssh -n "__fish_zssh_using_subcommand proxy" -s T -l hostname -l tunnel-host -d 'HOST, in cloudflared\'s spelling [env: TUNNEL_SERVICE_HOSTNAME]' -r
complete -c zssh -n "__fish_zssh_using_subcommand proxy" -l destination -d 'Bastion mode: the host:port the edge\'s cloudflared should connect to' -r
complete -c zssh -n "__fish_zssh_using_subcommand proxy" -s L -l url -l listener -d 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]' -r
complete -c zssh -n "__fish_zssh_using_subcommand proxy" -s H -l header -d 'An extra request header, "Name: value"; repeatable' -r
complete -c zssh -n "__fish_zssh_using_subcommand proxy" -l service-token-id -l id -d 'Service token client ID (for CI; no browser is ever opened when a service token is given)' -r
complete -c zssh -n "__fish_zssh_using_subcommand proxy" -l service-token-secret -l secret -d 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list' -r
complete -c zssh -n "__fish_zssh_using_subcommand proxy" -l keepalive -d 'Send a WebSocket ping this often so idle sessions survive the edge\'s idle cut, and end the session with an error when nothing comes back for 3 periods; 0 disables both' -r
complete -c zssh -n "__fish_zssh_using_subcommand proxy" -l connect-timeout -d 'Give up on connecting to the edge after this long' -r
complete -c zssh -n "__fish_zssh_using_subcommand proxy" -l log-directory -d 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand proxy" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand proxy" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand proxy" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand login" -s T -l hostname -d 'URL|HOST, in cloudflared\'s spelling' -r
complete -c zssh -n "__fish_zssh_using_subcommand login" -l app -d 'The application\'s URL (cloudflared\'s spelling); prints only the token' -r
complete -c zssh -n "__fish_zssh_using_subcommand login" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand login" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand login" -s q -l quiet -d 'Print nothing on success'
complete -c zssh -n "__fish_zssh_using_subcommand login" -l no-browser -d 'Don\'t open a browser: print the URL (to open on another machine or a phone)'
complete -c zssh -n "__fish_zssh_using_subcommand login" -l qr -d 'Also show the login URL as a QR code'
complete -c zssh -n "__fish_zssh_using_subcommand login" -l no-verbose -d 'Print only the token (no newline) on stdout'
complete -c zssh -n "__fish_zssh_using_subcommand login" -l auto-close -d 'Ask the login page to close itself when done'
complete -c zssh -n "__fish_zssh_using_subcommand login" -l fedramp -d 'Use the FedRAMP login service'
complete -c zssh -n "__fish_zssh_using_subcommand login" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand logout" -s T -l hostname -d 'HOST, in cloudflared\'s spelling' -r
complete -c zssh -n "__fish_zssh_using_subcommand logout" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand logout" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand logout" -l all -d 'Remove every cached token (zssh\'s and cloudflared\'s, which are shared)'
complete -c zssh -n "__fish_zssh_using_subcommand logout" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand status" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand status" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand status" -l json -d 'Print JSON instead of a table'
complete -c zssh -n "__fish_zssh_using_subcommand status" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand token" -s T -l hostname -d 'URL|HOST, in cloudflared\'s spelling' -r
complete -c zssh -n "__fish_zssh_using_subcommand token" -l app -d 'The application\'s URL (cloudflared\'s spelling)' -r
complete -c zssh -n "__fish_zssh_using_subcommand token" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand token" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand token" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand cert" -s T -l hostname -l tunnel-host -d 'HOST, in cloudflared\'s spelling' -r
complete -c zssh -n "__fish_zssh_using_subcommand cert" -l key-type -d 'The kind of key to make when a new key is needed: ecdsa (P-256, as cloudflared sends) or ed25519. An existing key is kept whatever its type (see the key\'s lifecycle above)' -r -f -a "ecdsa\t''
ed25519\t''"
complete -c zssh -n "__fish_zssh_using_subcommand cert" -l public-key -d 'Have your own key signed instead of one zssh makes: FILE is its public key (a FIDO sk- key, a key in ssh-agent, a PIV or PKCS#11 token). The certificate goes beside it, as OpenSSH names it: FILE without .pub, plus -cert.pub' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand cert" -l margin -d 'Reuse the current certificate while it has more than this much validity left' -r
complete -c zssh -n "__fish_zssh_using_subcommand cert" -l service-token-id -l id -d 'Service token client ID (for CI; no browser is ever opened when a service token is given)' -r
complete -c zssh -n "__fish_zssh_using_subcommand cert" -l service-token-secret -l secret -d 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list' -r
complete -c zssh -n "__fish_zssh_using_subcommand cert" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand cert" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand cert" -l agent -d 'Also load the key and certificate into ssh-agent (SSH_AUTH_SOCK) for their remaining lifetime, and remove expired ones zssh added before'
complete -c zssh -n "__fish_zssh_using_subcommand cert" -l force -d 'Get a new certificate even if the current one is still valid'
complete -c zssh -n "__fish_zssh_using_subcommand cert" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zssh -n "__fish_zssh_using_subcommand config" -l identity -d 'With --short-lived-cert: have this key of yours certified (zssh cert --public-key) instead of a key zssh makes. FILE is ssh\'s IdentityFile (the private key, or the .pub of a key held by ssh-agent or a token); its public key is FILE.pub (or FILE itself if it ends in .pub)' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand config" -l user -d 'The remote user name' -r
complete -c zssh -n "__fish_zssh_using_subcommand config" -l destination -d 'Bastion mode: the host:port the edge should connect to' -r
complete -c zssh -n "__fish_zssh_using_subcommand config" -l ssh-config -d 'The ssh config file to edit' -r
complete -c zssh -n "__fish_zssh_using_subcommand config" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand config" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand config" -l warp-targets -d 'The WARP path (Access for Infrastructure): one stanza per target that `warp-cli target list` shows, `Host <hostname>` (its IP when it has none) with its HostName, Port, User (the one username it allows, or --user) and HostKeyAlias zssh-warp-proxy, one name for the Gateway SSH proxy\'s key of every target. Targets gone from the list lose their stanza; with --uninstall, only these stanzas go'
complete -c zssh -n "__fish_zssh_using_subcommand config" -l short-lived-cert -d 'Use short-lived certificates (Match exec "zssh cert"), with their key and certificate files'
complete -c zssh -n "__fish_zssh_using_subcommand config" -l agent -d 'Use short-lived certificates loaded into ssh-agent (no key files in the config)'
complete -c zssh -n "__fish_zssh_using_subcommand config" -l connection-sharing -d 'Share one connection per host (ControlMaster/ControlPersist)'
complete -c zssh -n "__fish_zssh_using_subcommand config" -l dry-run -d 'Show what would change (a unified diff) and change nothing'
complete -c zssh -n "__fish_zssh_using_subcommand config" -l uninstall -d 'Remove everything zssh added, and nothing else'
complete -c zssh -n "__fish_zssh_using_subcommand config" -l print -d 'Print cloudflared-style snippets on stdout instead of writing files'
complete -c zssh -n "__fish_zssh_using_subcommand config" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and not __fish_seen_subcommand_from check repair help" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and not __fish_seen_subcommand_from check repair help" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and not __fish_seen_subcommand_from check repair help" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and not __fish_seen_subcommand_from check repair help" -f -a "check" -d 'Report whether known_hosts matches the key the host presents now; change nothing'
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and not __fish_seen_subcommand_from check repair help" -f -a "repair" -d 'Replace the host\'s known_hosts entries with the key it presents now (asks first)'
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and not __fish_seen_subcommand_from check repair help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from check" -s T -l hostname -d 'HOST, in cloudflared\'s spelling' -r
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from check" -l direct -d 'Fetch the key directly from HOST:PORT instead of through the edge (routing such as WARP); without PORT, the Port that `ssh -G HOST` shows (22 unless the config says otherwise). A host with a stanza of `zssh config --warp-targets` (HostKeyAlias zssh-warp-proxy, no ProxyCommand) is fetched directly from its HostName and Port without it' -r
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from check" -l known-hosts -d 'The known_hosts file to check and repair (default: the UserKnownHostsFile list and GlobalKnownHostsFile that `ssh -G HOST` shows)' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from check" -l host-key-alias -d 'The name the entries are stored under (default: the HostKeyAlias that `ssh -G HOST` shows, e.g. HOST.zssh after `zssh config HOST`, zssh-warp-proxy after `zssh config --warp-targets`: one entry for every WARP target)' -r
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from check" -s F -l ssh-config -d 'The ssh config ssh is asked about (`ssh -G -F FILE`; default: ssh\'s own choice)' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from check" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from check" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from check" -s y -l yes -d 'Don\'t ask before changing known_hosts'
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from repair" -s T -l hostname -d 'HOST, in cloudflared\'s spelling' -r
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from repair" -l direct -d 'Fetch the key directly from HOST:PORT instead of through the edge (routing such as WARP); without PORT, the Port that `ssh -G HOST` shows (22 unless the config says otherwise). A host with a stanza of `zssh config --warp-targets` (HostKeyAlias zssh-warp-proxy, no ProxyCommand) is fetched directly from its HostName and Port without it' -r
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from repair" -l known-hosts -d 'The known_hosts file to check and repair (default: the UserKnownHostsFile list and GlobalKnownHostsFile that `ssh -G HOST` shows)' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from repair" -l host-key-alias -d 'The name the entries are stored under (default: the HostKeyAlias that `ssh -G HOST` shows, e.g. HOST.zssh after `zssh config HOST`, zssh-warp-proxy after `zssh config --warp-targets`: one entry for every WARP target)' -r
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from repair" -s F -l ssh-config -d 'The ssh config ssh is asked about (`ssh -G -F FILE`; default: ssh\'s own choice)' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from repair" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from repair" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from repair" -s y -l yes -d 'Don\'t ask before changing known_hosts'
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from repair" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from help" -f -a "check" -d 'Report whether known_hosts matches the key the host presents now; change nothing'
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from help" -f -a "repair" -d 'Replace the host\'s known_hosts entries with the key it presents now (asks first)'
complete -c zssh -n "__fish_zssh_using_subcommand known-hosts; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zssh -n "__fish_zssh_using_subcommand doctor" -s T -l hostname -d 'HOST, in cloudflared\'s spelling' -r
complete -c zssh -n "__fish_zssh_using_subcommand doctor" -s F -l ssh-config -d 'The ssh config file to inspect (default: ssh\'s own choice)' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand doctor" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand doctor" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand doctor" -l fix -d 'Perform the safe repairs (drop bad tokens, clear dead locks, renew the certificate, repair known_hosts after confirmation)'
complete -c zssh -n "__fish_zssh_using_subcommand doctor" -l json -d 'Print the verdicts as JSON: {host, result (ok, warn or fail), exit, checks: [{check, status (ok, warn, fail, skip or fixed), detail, fix}]}; a skip\'s detail says why'
complete -c zssh -n "__fish_zssh_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zssh -n "__fish_zssh_using_subcommand server; and not __fish_seen_subcommand_from trust-ca check fetch-ca log-key help" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand server; and not __fish_seen_subcommand_from trust-ca check fetch-ca log-key help" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand server; and not __fish_seen_subcommand_from trust-ca check fetch-ca log-key help" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand server; and not __fish_seen_subcommand_from trust-ca check fetch-ca log-key help" -f -a "trust-ca" -d 'Make sshd trust the Access SSH CA (dry run unless --apply)'
complete -c zssh -n "__fish_zssh_using_subcommand server; and not __fish_seen_subcommand_from trust-ca check fetch-ca log-key help" -f -a "check" -d 'Report whether sshd trusts the CA and whether the ssh port still answers directly'
complete -c zssh -n "__fish_zssh_using_subcommand server; and not __fish_seen_subcommand_from trust-ca check fetch-ca log-key help" -f -a "fetch-ca" -d 'Get the account\'s SSH CA public key through the Cloudflare API (token from the environment)'
complete -c zssh -n "__fish_zssh_using_subcommand server; and not __fish_seen_subcommand_from trust-ca check fetch-ca log-key help" -f -a "log-key" -d 'Set, show or clear the public key that SSH session command logs are encrypted to (Cloudflare API; token from the environment)'
complete -c zssh -n "__fish_zssh_using_subcommand server; and not __fish_seen_subcommand_from trust-ca check fetch-ca log-key help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from trust-ca" -l ca-key -d 'The CA public key file, or - for standard input' -r
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from trust-ca" -l sshd-config -d 'The sshd configuration file' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from trust-ca" -l ca-file -d 'Where trusted CA keys are kept' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from trust-ca" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from trust-ca" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from trust-ca" -l apply -d 'Change the files and reload sshd (otherwise show what would change)'
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from trust-ca" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from check" -l sshd-config -d 'The sshd configuration file' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from check" -l ca-key -d 'The CA public key file to look for among the trusted keys' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from check" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from check" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from fetch-ca" -l account -d 'The Cloudflare account ID' -r
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from fetch-ca" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from fetch-ca" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from fetch-ca" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from log-key" -l account -d 'The Cloudflare account ID' -r
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from log-key" -l public-key -d 'Upload this public key (NAME.pub from `zssh logs generate-key-pair -o NAME`): new sessions\' command logs are encrypted to it. The file name must end in .pub (a private key and its public key look alike, and keygen never names a private key *.pub), and a file that is the private half of a pair is refused' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from log-key" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from log-key" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from log-key" -l show -d 'Print the current settings: public_key, seed_id, created_at, updated_at'
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from log-key" -l disable -d 'Clear the public key, which stops command logging for new sessions (asks first)'
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from log-key" -s y -l yes -d 'With --disable: don\'t ask'
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from log-key" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from help" -f -a "trust-ca" -d 'Make sshd trust the Access SSH CA (dry run unless --apply)'
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from help" -f -a "check" -d 'Report whether sshd trusts the CA and whether the ssh port still answers directly'
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from help" -f -a "fetch-ca" -d 'Get the account\'s SSH CA public key through the Cloudflare API (token from the environment)'
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from help" -f -a "log-key" -d 'Set, show or clear the public key that SSH session command logs are encrypted to (Cloudflare API; token from the environment)'
complete -c zssh -n "__fish_zssh_using_subcommand server; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zssh -n "__fish_zssh_using_subcommand cidr; and not __fish_seen_subcommand_from exclude help" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand cidr; and not __fish_seen_subcommand_from exclude help" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand cidr; and not __fish_seen_subcommand_from exclude help" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand cidr; and not __fish_seen_subcommand_from exclude help" -f -a "exclude" -d 'Print BASE minus the EXCEPT ranges as a minimal list of CIDRs, one per line'
complete -c zssh -n "__fish_zssh_using_subcommand cidr; and not __fish_seen_subcommand_from exclude help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zssh -n "__fish_zssh_using_subcommand cidr; and __fish_seen_subcommand_from exclude" -l except -d 'Ranges to take out, comma-separated or repeated' -r
complete -c zssh -n "__fish_zssh_using_subcommand cidr; and __fish_seen_subcommand_from exclude" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand cidr; and __fish_seen_subcommand_from exclude" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand cidr; and __fish_seen_subcommand_from exclude" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand cidr; and __fish_seen_subcommand_from help" -f -a "exclude" -d 'Print BASE minus the EXCEPT ranges as a minimal list of CIDRs, one per line'
complete -c zssh -n "__fish_zssh_using_subcommand cidr; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zssh -n "__fish_zssh_using_subcommand logs; and not __fish_seen_subcommand_from generate-key-pair keygen decrypt help" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand logs; and not __fish_seen_subcommand_from generate-key-pair keygen decrypt help" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand logs; and not __fish_seen_subcommand_from generate-key-pair keygen decrypt help" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand logs; and not __fish_seen_subcommand_from generate-key-pair keygen decrypt help" -f -a "generate-key-pair" -d 'Make the X25519 key pair that session logs are encrypted to: NAME (the private key, 0600) and NAME.pub (the public key, for the dashboard or `PUT .../gateway/audit_ssh_settings`)'
complete -c zssh -n "__fish_zssh_using_subcommand logs; and not __fish_seen_subcommand_from generate-key-pair keygen decrypt help" -f -a "keygen" -d 'Make the X25519 key pair that session logs are encrypted to: NAME (the private key, 0600) and NAME.pub (the public key, for the dashboard or `PUT .../gateway/audit_ssh_settings`)'
complete -c zssh -n "__fish_zssh_using_subcommand logs; and not __fish_seen_subcommand_from generate-key-pair keygen decrypt help" -f -a "decrypt" -d 'Decrypt a session log downloaded from the dashboard (Logs > Access) into a ZIP (the reference tool\'s files), asciicast, a transcript or JSON lines, or replay it here'
complete -c zssh -n "__fish_zssh_using_subcommand logs; and not __fish_seen_subcommand_from generate-key-pair keygen decrypt help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from generate-key-pair" -s o -l output -d 'The private key file to write (not ending in .pub); the public key goes to NAME.pub' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from generate-key-pair" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from generate-key-pair" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from generate-key-pair" -l force -d 'Replace existing key files (logs encrypted to the old key can no longer be read with the new one)'
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from generate-key-pair" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from keygen" -s o -l output -d 'The private key file to write (not ending in .pub); the public key goes to NAME.pub' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from keygen" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from keygen" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from keygen" -l force -d 'Replace existing key files (logs encrypted to the old key can no longer be read with the new one)'
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from keygen" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from decrypt" -s i -l input -d 'The encrypted session log' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from decrypt" -s k -l key -d 'The private key file (base64, as `generate-key-pair` writes it; whitespace around it is ignored)' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from decrypt" -s o -l output -d 'Where to write the result (default: FILE-decrypted.zip, or FILE.cast, FILE.txt, FILE.jsonl for the other formats); - for standard output (not with zip)' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from decrypt" -l format -d 'The output format: zip (a stored ZIP with the reference tool\'s files: term_data.txt and term_times.txt, scriptreplay\'s pair, for terminal sessions; data_from_client.txt and data_from_server.txt otherwise), asciicast (v2, for `asciinema play`; timing kept for sessions without a terminal too), text (what the terminal showed, between a start and an end line) or jsonl (one JSON object per packet: time, elapsed_us, source, code, data in base64)' -r -f -a "zip\t'A stored ZIP with the reference tool\'s files: term_data.txt and term_times.txt (scriptreplay) for terminal sessions, data_from_client.txt and data_from_server.txt otherwise'
asciicast\t'asciicast v2, for `asciinema play` (timing kept for sessions without a terminal too)'
text\t'What the terminal showed (the server\'s bytes) between a start and an end line'
jsonl\t'One JSON object per packet: time, elapsed_us, source (client or server), code, data (base64)'"
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from decrypt" -l speed -d 'With --replay: play this many times faster (0.5 is half speed)' -r
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from decrypt" -l max-idle -d 'With --replay: shorten every pause longer than S seconds to S' -r
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from decrypt" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from decrypt" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from decrypt" -s r -l replay -d 'Play the session in this terminal, with its timing (what the server showed)'
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from decrypt" -l partial -d 'When the log is truncated or damaged, keep what was decrypted before the damage (the command still fails, with the error)'
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from decrypt" -l force -d 'Replace OUT if it exists'
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from decrypt" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from help" -f -a "generate-key-pair" -d 'Make the X25519 key pair that session logs are encrypted to: NAME (the private key, 0600) and NAME.pub (the public key, for the dashboard or `PUT .../gateway/audit_ssh_settings`)'
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from help" -f -a "decrypt" -d 'Decrypt a session log downloaded from the dashboard (Logs > Access) into a ZIP (the reference tool\'s files), asciicast, a transcript or JSON lines, or replay it here'
complete -c zssh -n "__fish_zssh_using_subcommand logs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zssh -n "__fish_zssh_using_subcommand targets" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand targets" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand targets" -l json -d 'Print JSON instead of a table'
complete -c zssh -n "__fish_zssh_using_subcommand targets" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand completions" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand completions" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand completions" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand man" -l dir -d 'Write every page into DIR as zssh.1, zssh-proxy.1, … instead (created if missing; existing pages are replaced)' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand man" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand man" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand man" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand access; and not __fish_seen_subcommand_from ssh tcp rdp smb login token ssh-gen help" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and not __fish_seen_subcommand_from ssh tcp rdp smb login token ssh-gen help" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand access; and not __fish_seen_subcommand_from ssh tcp rdp smb login token ssh-gen help" -l fedramp -d 'Use the FedRAMP login service (login.fed.cloudflareaccess.org)'
complete -c zssh -n "__fish_zssh_using_subcommand access; and not __fish_seen_subcommand_from ssh tcp rdp smb login token ssh-gen help" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand access; and not __fish_seen_subcommand_from ssh tcp rdp smb login token ssh-gen help" -f -a "ssh" -d 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb'
complete -c zssh -n "__fish_zssh_using_subcommand access; and not __fish_seen_subcommand_from ssh tcp rdp smb login token ssh-gen help" -f -a "tcp" -d 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb'
complete -c zssh -n "__fish_zssh_using_subcommand access; and not __fish_seen_subcommand_from ssh tcp rdp smb login token ssh-gen help" -f -a "rdp" -d 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb'
complete -c zssh -n "__fish_zssh_using_subcommand access; and not __fish_seen_subcommand_from ssh tcp rdp smb login token ssh-gen help" -f -a "smb" -d 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb'
complete -c zssh -n "__fish_zssh_using_subcommand access; and not __fish_seen_subcommand_from ssh tcp rdp smb login token ssh-gen help" -f -a "login" -d 'Log in as `cloudflared access login` does (same output; tokens in ~/.cloudflared)'
complete -c zssh -n "__fish_zssh_using_subcommand access; and not __fish_seen_subcommand_from ssh tcp rdp smb login token ssh-gen help" -f -a "token" -d 'Print the cached token as `cloudflared access token` does'
complete -c zssh -n "__fish_zssh_using_subcommand access; and not __fish_seen_subcommand_from ssh tcp rdp smb login token ssh-gen help" -f -a "ssh-gen" -d 'Get a short-lived certificate into cloudflared\'s files (same as `zssh cert`)'
complete -c zssh -n "__fish_zssh_using_subcommand access; and not __fish_seen_subcommand_from ssh tcp rdp smb login token ssh-gen help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh" -l destination -d 'Bastion mode: the host:port the edge\'s cloudflared should connect to' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh" -s L -l url -l listener -d 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh" -s H -l header -d 'An extra request header, "Name: value"; repeatable' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh" -l service-token-id -l id -d 'Service token client ID (for CI; no browser is ever opened when a service token is given)' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh" -l service-token-secret -l secret -d 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh" -l keepalive -d 'Send a WebSocket ping this often so idle sessions survive the edge\'s idle cut, and end the session with an error when nothing comes back for 3 periods; 0 disables both' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh" -l connect-timeout -d 'Give up on connecting to the edge after this long' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh" -l log-directory -d 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh" -s T -l hostname -l tunnel-host -d 'The Access application\'s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from tcp" -l destination -d 'Bastion mode: the host:port the edge\'s cloudflared should connect to' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from tcp" -s L -l url -l listener -d 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from tcp" -s H -l header -d 'An extra request header, "Name: value"; repeatable' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from tcp" -l service-token-id -l id -d 'Service token client ID (for CI; no browser is ever opened when a service token is given)' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from tcp" -l service-token-secret -l secret -d 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from tcp" -l keepalive -d 'Send a WebSocket ping this often so idle sessions survive the edge\'s idle cut, and end the session with an error when nothing comes back for 3 periods; 0 disables both' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from tcp" -l connect-timeout -d 'Give up on connecting to the edge after this long' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from tcp" -l log-directory -d 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from tcp" -s T -l hostname -l tunnel-host -d 'The Access application\'s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from tcp" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from tcp" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from tcp" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from rdp" -l destination -d 'Bastion mode: the host:port the edge\'s cloudflared should connect to' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from rdp" -s L -l url -l listener -d 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from rdp" -s H -l header -d 'An extra request header, "Name: value"; repeatable' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from rdp" -l service-token-id -l id -d 'Service token client ID (for CI; no browser is ever opened when a service token is given)' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from rdp" -l service-token-secret -l secret -d 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from rdp" -l keepalive -d 'Send a WebSocket ping this often so idle sessions survive the edge\'s idle cut, and end the session with an error when nothing comes back for 3 periods; 0 disables both' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from rdp" -l connect-timeout -d 'Give up on connecting to the edge after this long' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from rdp" -l log-directory -d 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from rdp" -s T -l hostname -l tunnel-host -d 'The Access application\'s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from rdp" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from rdp" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from rdp" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from smb" -l destination -d 'Bastion mode: the host:port the edge\'s cloudflared should connect to' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from smb" -s L -l url -l listener -d 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from smb" -s H -l header -d 'An extra request header, "Name: value"; repeatable' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from smb" -l service-token-id -l id -d 'Service token client ID (for CI; no browser is ever opened when a service token is given)' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from smb" -l service-token-secret -l secret -d 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from smb" -l keepalive -d 'Send a WebSocket ping this often so idle sessions survive the edge\'s idle cut, and end the session with an error when nothing comes back for 3 periods; 0 disables both' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from smb" -l connect-timeout -d 'Give up on connecting to the edge after this long' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from smb" -l log-directory -d 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from smb" -s T -l hostname -l tunnel-host -d 'The Access application\'s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from smb" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from smb" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from smb" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from login" -s T -l hostname -d 'URL|HOST, in cloudflared\'s spelling' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from login" -l app -d 'The application\'s URL (cloudflared\'s spelling); prints only the token' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from login" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from login" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from login" -s q -l quiet -d 'Print nothing on success'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from login" -l no-verbose -d 'Print only the token (no newline) on stdout'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from login" -l auto-close -d 'Ask the login page to close itself when done'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from login" -l no-browser -d 'Don\'t open a browser: print the URL (to open on another machine or a phone)'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from login" -l qr -d 'Also show the login URL as a QR code'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from login" -l fedramp -d 'Use the FedRAMP login service'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from login" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from token" -s T -l hostname -d 'URL|HOST, in cloudflared\'s spelling' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from token" -l app -d 'The application\'s URL (cloudflared\'s spelling)' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from token" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from token" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from token" -s h -l help -d 'Print help'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh-gen" -s T -l hostname -l tunnel-host -d 'HOST, in cloudflared\'s spelling' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh-gen" -l key-type -d 'The kind of key to make when a new key is needed: ecdsa (P-256, as cloudflared sends) or ed25519. An existing key is kept whatever its type (see the key\'s lifecycle above)' -r -f -a "ecdsa\t''
ed25519\t''"
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh-gen" -l public-key -d 'Have your own key signed instead of one zssh makes: FILE is its public key (a FIDO sk- key, a key in ssh-agent, a PIV or PKCS#11 token). The certificate goes beside it, as OpenSSH names it: FILE without .pub, plus -cert.pub' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh-gen" -l margin -d 'Reuse the current certificate while it has more than this much validity left' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh-gen" -l service-token-id -l id -d 'Service token client ID (for CI; no browser is ever opened when a service token is given)' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh-gen" -l service-token-secret -l secret -d 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh-gen" -l log-level -l loglevel -d 'How much to log on stderr: error, warn, info or debug' -r
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh-gen" -l logfile -d 'Write logs to this file instead of stderr' -r -F
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh-gen" -l agent -d 'Also load the key and certificate into ssh-agent (SSH_AUTH_SOCK) for their remaining lifetime, and remove expired ones zssh added before'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh-gen" -l force -d 'Get a new certificate even if the current one is still valid'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from ssh-gen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from help" -f -a "ssh" -d 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from help" -f -a "login" -d 'Log in as `cloudflared access login` does (same output; tokens in ~/.cloudflared)'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from help" -f -a "token" -d 'Print the cached token as `cloudflared access token` does'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from help" -f -a "ssh-gen" -d 'Get a short-lived certificate into cloudflared\'s files (same as `zssh cert`)'
complete -c zssh -n "__fish_zssh_using_subcommand access; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "proxy" -d 'Carry one SSH connection (stdin/stdout) through the edge: ssh\'s ProxyCommand'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "login" -d 'Log in to an Access application in the browser and cache the token (one browser prompt however many processes need it)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "logout" -d 'Remove cached tokens: for one application, or --all'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "status" -d 'List cached tokens: application, identity, expiry, where each is stored'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "token" -d 'Print the cached token of an application (for scripts); never logs in'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "cert" -d 'Get a short-lived SSH certificate for an application (reused while valid; for ssh\'s `Match exec`)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "config" -d 'Write ssh config stanzas for Access hosts into a file zssh manages, included from ~/.ssh/config (your own lines are kept byte for byte; --uninstall removes only zssh\'s). With --warp-targets, for the targets the Cloudflare One Client lists instead'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "known-hosts" -d 'Check or repair known_hosts entries for a host behind the edge (after its host key changed, or after routing through the edge changed the key ssh sees)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "doctor" -d 'Diagnose why ssh to HOST fails, layer by layer, with the fix for each problem found'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "server" -d 'Server-side helpers: trust the Access SSH CA in sshd, check it, fetch the CA, set the session-log key'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "cidr" -d 'CIDR arithmetic for Split Tunnel lists'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "logs" -d 'Session command logs of Access for Infrastructure: make the key pair they are encrypted to, decrypt a downloaded log, replay it (replaces ssh-log-cli: same flags)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "targets" -d 'List the Access for Infrastructure targets this user may reach through the Cloudflare One Client (`warp-cli target list`): hostname, IP, virtual network, port, usernames, and whether the kernel routes the IP through the client now'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "completions" -d 'Print the completion script for SHELL (the files of completions/ in the source)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "man" -d 'Print a man page as roff: zssh\'s, or a command\'s (the files of man/ in the source)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "access" -d 'cloudflared-compatible commands: `zssh access ssh --hostname %h` works where `cloudflared access ssh --hostname %h` did'
complete -c zssh -n "__fish_zssh_using_subcommand help; and not __fish_seen_subcommand_from proxy login logout status token cert config known-hosts doctor server cidr logs targets completions man access help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from known-hosts" -f -a "check" -d 'Report whether known_hosts matches the key the host presents now; change nothing'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from known-hosts" -f -a "repair" -d 'Replace the host\'s known_hosts entries with the key it presents now (asks first)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from known-hosts" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from server" -f -a "trust-ca" -d 'Make sshd trust the Access SSH CA (dry run unless --apply)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from server" -f -a "check" -d 'Report whether sshd trusts the CA and whether the ssh port still answers directly'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from server" -f -a "fetch-ca" -d 'Get the account\'s SSH CA public key through the Cloudflare API (token from the environment)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from server" -f -a "log-key" -d 'Set, show or clear the public key that SSH session command logs are encrypted to (Cloudflare API; token from the environment)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from server" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from cidr" -f -a "exclude" -d 'Print BASE minus the EXCEPT ranges as a minimal list of CIDRs, one per line'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from cidr" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from logs" -f -a "generate-key-pair" -d 'Make the X25519 key pair that session logs are encrypted to: NAME (the private key, 0600) and NAME.pub (the public key, for the dashboard or `PUT .../gateway/audit_ssh_settings`)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from logs" -f -a "decrypt" -d 'Decrypt a session log downloaded from the dashboard (Logs > Access) into a ZIP (the reference tool\'s files), asciicast, a transcript or JSON lines, or replay it here'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from logs" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from access" -f -a "ssh" -d 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from access" -f -a "login" -d 'Log in as `cloudflared access login` does (same output; tokens in ~/.cloudflared)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from access" -f -a "token" -d 'Print the cached token as `cloudflared access token` does'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from access" -f -a "ssh-gen" -d 'Get a short-lived certificate into cloudflared\'s files (same as `zssh cert`)'
complete -c zssh -n "__fish_zssh_using_subcommand help; and __fish_seen_subcommand_from access" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
