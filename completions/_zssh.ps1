
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'zssh' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'zssh'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'zssh' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('proxy', 'proxy', [CompletionResultType]::ParameterValue, 'Carry one SSH connection (stdin/stdout) through the edge: ssh''s ProxyCommand')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in to an Access application in the browser and cache the token (one browser prompt however many processes need it)')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove cached tokens: for one application, or --all')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'List cached tokens: application, identity, expiry, where each is stored')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the cached token of an application (for scripts); never logs in')
            [CompletionResult]::new('cert', 'cert', [CompletionResultType]::ParameterValue, 'Get a short-lived SSH certificate for an application (reused while valid; for ssh''s `Match exec`)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Write ssh config stanzas for Access hosts into a file zssh manages, included from ~/.ssh/config (your own lines are kept byte for byte; --uninstall removes only zssh''s). With --warp-targets, for the targets the Cloudflare One Client lists instead')
            [CompletionResult]::new('known-hosts', 'known-hosts', [CompletionResultType]::ParameterValue, 'Check or repair known_hosts entries for a host behind the edge (after its host key changed, or after routing through the edge changed the key ssh sees)')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Diagnose why ssh to HOST fails, layer by layer, with the fix for each problem found')
            [CompletionResult]::new('server', 'server', [CompletionResultType]::ParameterValue, 'Server-side helpers: trust the Access SSH CA in sshd, check it, fetch the CA, set the session-log key')
            [CompletionResult]::new('cidr', 'cidr', [CompletionResultType]::ParameterValue, 'CIDR arithmetic for Split Tunnel lists')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Session command logs of Access for Infrastructure: make the key pair they are encrypted to, decrypt a downloaded log, replay it (replaces ssh-log-cli: same flags)')
            [CompletionResult]::new('targets', 'targets', [CompletionResultType]::ParameterValue, 'List the Access for Infrastructure targets this user may reach through the Cloudflare One Client (`warp-cli target list`): hostname, IP, virtual network, port, usernames, and whether the kernel routes the IP through the client now')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script for SHELL (the files of completions/ in the source)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print a man page as roff: zssh''s, or a command''s (the files of man/ in the source)')
            [CompletionResult]::new('access', 'access', [CompletionResultType]::ParameterValue, 'cloudflared-compatible commands: `zssh access ssh --hostname %h` works where `cloudflared access ssh --hostname %h` did')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;proxy' {
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling [env: TUNNEL_SERVICE_HOSTNAME]')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling [env: TUNNEL_SERVICE_HOSTNAME]')
            [CompletionResult]::new('--tunnel-host', '--tunnel-host', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling [env: TUNNEL_SERVICE_HOSTNAME]')
            [CompletionResult]::new('--destination', '--destination', [CompletionResultType]::ParameterName, 'Bastion mode: the host:port the edge''s cloudflared should connect to')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]')
            [CompletionResult]::new('--listener', '--listener', [CompletionResultType]::ParameterName, 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'An extra request header, "Name: value"; repeatable')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'An extra request header, "Name: value"; repeatable')
            [CompletionResult]::new('--service-token-id', '--service-token-id', [CompletionResultType]::ParameterName, 'Service token client ID (for CI; no browser is ever opened when a service token is given)')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Service token client ID (for CI; no browser is ever opened when a service token is given)')
            [CompletionResult]::new('--service-token-secret', '--service-token-secret', [CompletionResultType]::ParameterName, 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list')
            [CompletionResult]::new('--keepalive', '--keepalive', [CompletionResultType]::ParameterName, 'Send a WebSocket ping this often so idle sessions survive the edge''s idle cut, and end the session with an error when nothing comes back for 3 periods; 0 disables both')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up on connecting to the edge after this long')
            [CompletionResult]::new('--log-directory', '--log-directory', [CompletionResultType]::ParameterName, 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;login' {
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'URL|HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'URL|HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--app', '--app', [CompletionResultType]::ParameterName, 'The application''s URL (cloudflared''s spelling); prints only the token')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on success')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on success')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Don''t open a browser: print the URL (to open on another machine or a phone)')
            [CompletionResult]::new('--qr', '--qr', [CompletionResultType]::ParameterName, 'Also show the login URL as a QR code')
            [CompletionResult]::new('--no-verbose', '--no-verbose', [CompletionResultType]::ParameterName, 'Print only the token (no newline) on stdout')
            [CompletionResult]::new('--auto-close', '--auto-close', [CompletionResultType]::ParameterName, 'Ask the login page to close itself when done')
            [CompletionResult]::new('--fedramp', '--fedramp', [CompletionResultType]::ParameterName, 'Use the FedRAMP login service')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;logout' {
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Remove every cached token (zssh''s and cloudflared''s, which are shared)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;status' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;token' {
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'URL|HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'URL|HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--app', '--app', [CompletionResultType]::ParameterName, 'The application''s URL (cloudflared''s spelling)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;cert' {
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--tunnel-host', '--tunnel-host', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--key-type', '--key-type', [CompletionResultType]::ParameterName, 'The kind of key to make when a new key is needed: ecdsa (P-256, as cloudflared sends) or ed25519. An existing key is kept whatever its type (see the key''s lifecycle above)')
            [CompletionResult]::new('--public-key', '--public-key', [CompletionResultType]::ParameterName, 'Have your own key signed instead of one zssh makes: FILE is its public key (a FIDO sk- key, a key in ssh-agent, a PIV or PKCS#11 token). The certificate goes beside it, as OpenSSH names it: FILE without .pub, plus -cert.pub')
            [CompletionResult]::new('--margin', '--margin', [CompletionResultType]::ParameterName, 'Reuse the current certificate while it has more than this much validity left')
            [CompletionResult]::new('--service-token-id', '--service-token-id', [CompletionResultType]::ParameterName, 'Service token client ID (for CI; no browser is ever opened when a service token is given)')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Service token client ID (for CI; no browser is ever opened when a service token is given)')
            [CompletionResult]::new('--service-token-secret', '--service-token-secret', [CompletionResultType]::ParameterName, 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Also load the key and certificate into ssh-agent (SSH_AUTH_SOCK) for their remaining lifetime, and remove expired ones zssh added before')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Get a new certificate even if the current one is still valid')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'zssh;config' {
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'With --short-lived-cert: have this key of yours certified (zssh cert --public-key) instead of a key zssh makes. FILE is ssh''s IdentityFile (the private key, or the .pub of a key held by ssh-agent or a token); its public key is FILE.pub (or FILE itself if it ends in .pub)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The remote user name')
            [CompletionResult]::new('--destination', '--destination', [CompletionResultType]::ParameterName, 'Bastion mode: the host:port the edge should connect to')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'The ssh config file to edit')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('--warp-targets', '--warp-targets', [CompletionResultType]::ParameterName, 'The WARP path (Access for Infrastructure): one stanza per target that `warp-cli target list` shows, `Host <hostname>` (its IP when it has none) with its HostName, Port, User (the one username it allows, or --user) and HostKeyAlias zssh-warp-proxy, one name for the Gateway SSH proxy''s key of every target. Targets gone from the list lose their stanza; with --uninstall, only these stanzas go')
            [CompletionResult]::new('--short-lived-cert', '--short-lived-cert', [CompletionResultType]::ParameterName, 'Use short-lived certificates (Match exec "zssh cert"), with their key and certificate files')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Use short-lived certificates loaded into ssh-agent (no key files in the config)')
            [CompletionResult]::new('--connection-sharing', '--connection-sharing', [CompletionResultType]::ParameterName, 'Share one connection per host (ControlMaster/ControlPersist)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change (a unified diff) and change nothing')
            [CompletionResult]::new('--uninstall', '--uninstall', [CompletionResultType]::ParameterName, 'Remove everything zssh added, and nothing else')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Print cloudflared-style snippets on stdout instead of writing files')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;known-hosts' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Report whether known_hosts matches the key the host presents now; change nothing')
            [CompletionResult]::new('repair', 'repair', [CompletionResultType]::ParameterValue, 'Replace the host''s known_hosts entries with the key it presents now (asks first)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;known-hosts;check' {
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--direct', '--direct', [CompletionResultType]::ParameterName, 'Fetch the key directly from HOST:PORT instead of through the edge (routing such as WARP); without PORT, the Port that `ssh -G HOST` shows (22 unless the config says otherwise). A host with a stanza of `zssh config --warp-targets` (HostKeyAlias zssh-warp-proxy, no ProxyCommand) is fetched directly from its HostName and Port without it')
            [CompletionResult]::new('--known-hosts', '--known-hosts', [CompletionResultType]::ParameterName, 'The known_hosts file to check and repair (default: the UserKnownHostsFile list and GlobalKnownHostsFile that `ssh -G HOST` shows)')
            [CompletionResult]::new('--host-key-alias', '--host-key-alias', [CompletionResultType]::ParameterName, 'The name the entries are stored under (default: the HostKeyAlias that `ssh -G HOST` shows, e.g. HOST.zssh after `zssh config HOST`, zssh-warp-proxy after `zssh config --warp-targets`: one entry for every WARP target)')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'The ssh config ssh is asked about (`ssh -G -F FILE`; default: ssh''s own choice)')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'The ssh config ssh is asked about (`ssh -G -F FILE`; default: ssh''s own choice)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Don''t ask before changing known_hosts')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Don''t ask before changing known_hosts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;known-hosts;repair' {
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--direct', '--direct', [CompletionResultType]::ParameterName, 'Fetch the key directly from HOST:PORT instead of through the edge (routing such as WARP); without PORT, the Port that `ssh -G HOST` shows (22 unless the config says otherwise). A host with a stanza of `zssh config --warp-targets` (HostKeyAlias zssh-warp-proxy, no ProxyCommand) is fetched directly from its HostName and Port without it')
            [CompletionResult]::new('--known-hosts', '--known-hosts', [CompletionResultType]::ParameterName, 'The known_hosts file to check and repair (default: the UserKnownHostsFile list and GlobalKnownHostsFile that `ssh -G HOST` shows)')
            [CompletionResult]::new('--host-key-alias', '--host-key-alias', [CompletionResultType]::ParameterName, 'The name the entries are stored under (default: the HostKeyAlias that `ssh -G HOST` shows, e.g. HOST.zssh after `zssh config HOST`, zssh-warp-proxy after `zssh config --warp-targets`: one entry for every WARP target)')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'The ssh config ssh is asked about (`ssh -G -F FILE`; default: ssh''s own choice)')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'The ssh config ssh is asked about (`ssh -G -F FILE`; default: ssh''s own choice)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Don''t ask before changing known_hosts')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Don''t ask before changing known_hosts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;known-hosts;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Report whether known_hosts matches the key the host presents now; change nothing')
            [CompletionResult]::new('repair', 'repair', [CompletionResultType]::ParameterValue, 'Replace the host''s known_hosts entries with the key it presents now (asks first)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;known-hosts;help;check' {
            break
        }
        'zssh;known-hosts;help;repair' {
            break
        }
        'zssh;known-hosts;help;help' {
            break
        }
        'zssh;doctor' {
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'The ssh config file to inspect (default: ssh''s own choice)')
            [CompletionResult]::new('--ssh-config', '--ssh-config', [CompletionResultType]::ParameterName, 'The ssh config file to inspect (default: ssh''s own choice)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Perform the safe repairs (drop bad tokens, clear dead locks, renew the certificate, repair known_hosts after confirmation)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the verdicts as JSON: {host, result (ok, warn or fail), exit, checks: [{check, status (ok, warn, fail, skip or fixed), detail, fix}]}; a skip''s detail says why')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'zssh;server' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('trust-ca', 'trust-ca', [CompletionResultType]::ParameterValue, 'Make sshd trust the Access SSH CA (dry run unless --apply)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Report whether sshd trusts the CA and whether the ssh port still answers directly')
            [CompletionResult]::new('fetch-ca', 'fetch-ca', [CompletionResultType]::ParameterValue, 'Get the account''s SSH CA public key through the Cloudflare API (token from the environment)')
            [CompletionResult]::new('log-key', 'log-key', [CompletionResultType]::ParameterValue, 'Set, show or clear the public key that SSH session command logs are encrypted to (Cloudflare API; token from the environment)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;server;trust-ca' {
            [CompletionResult]::new('--ca-key', '--ca-key', [CompletionResultType]::ParameterName, 'The CA public key file, or - for standard input')
            [CompletionResult]::new('--sshd-config', '--sshd-config', [CompletionResultType]::ParameterName, 'The sshd configuration file')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Where trusted CA keys are kept')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('--apply', '--apply', [CompletionResultType]::ParameterName, 'Change the files and reload sshd (otherwise show what would change)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;server;check' {
            [CompletionResult]::new('--sshd-config', '--sshd-config', [CompletionResultType]::ParameterName, 'The sshd configuration file')
            [CompletionResult]::new('--ca-key', '--ca-key', [CompletionResultType]::ParameterName, 'The CA public key file to look for among the trusted keys')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;server;fetch-ca' {
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'The Cloudflare account ID')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;server;log-key' {
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'The Cloudflare account ID')
            [CompletionResult]::new('--public-key', '--public-key', [CompletionResultType]::ParameterName, 'Upload this public key (NAME.pub from `zssh logs generate-key-pair -o NAME`): new sessions'' command logs are encrypted to it. The file name must end in .pub (a private key and its public key look alike, and keygen never names a private key *.pub), and a file that is the private half of a pair is refused')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('--show', '--show', [CompletionResultType]::ParameterName, 'Print the current settings: public_key, seed_id, created_at, updated_at')
            [CompletionResult]::new('--disable', '--disable', [CompletionResultType]::ParameterName, 'Clear the public key, which stops command logging for new sessions (asks first)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'With --disable: don''t ask')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'With --disable: don''t ask')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;server;help' {
            [CompletionResult]::new('trust-ca', 'trust-ca', [CompletionResultType]::ParameterValue, 'Make sshd trust the Access SSH CA (dry run unless --apply)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Report whether sshd trusts the CA and whether the ssh port still answers directly')
            [CompletionResult]::new('fetch-ca', 'fetch-ca', [CompletionResultType]::ParameterValue, 'Get the account''s SSH CA public key through the Cloudflare API (token from the environment)')
            [CompletionResult]::new('log-key', 'log-key', [CompletionResultType]::ParameterValue, 'Set, show or clear the public key that SSH session command logs are encrypted to (Cloudflare API; token from the environment)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;server;help;trust-ca' {
            break
        }
        'zssh;server;help;check' {
            break
        }
        'zssh;server;help;fetch-ca' {
            break
        }
        'zssh;server;help;log-key' {
            break
        }
        'zssh;server;help;help' {
            break
        }
        'zssh;cidr' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('exclude', 'exclude', [CompletionResultType]::ParameterValue, 'Print BASE minus the EXCEPT ranges as a minimal list of CIDRs, one per line')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;cidr;exclude' {
            [CompletionResult]::new('--except', '--except', [CompletionResultType]::ParameterName, 'Ranges to take out, comma-separated or repeated')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;cidr;help' {
            [CompletionResult]::new('exclude', 'exclude', [CompletionResultType]::ParameterValue, 'Print BASE minus the EXCEPT ranges as a minimal list of CIDRs, one per line')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;cidr;help;exclude' {
            break
        }
        'zssh;cidr;help;help' {
            break
        }
        'zssh;logs' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('generate-key-pair', 'generate-key-pair', [CompletionResultType]::ParameterValue, 'Make the X25519 key pair that session logs are encrypted to: NAME (the private key, 0600) and NAME.pub (the public key, for the dashboard or `PUT .../gateway/audit_ssh_settings`)')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Make the X25519 key pair that session logs are encrypted to: NAME (the private key, 0600) and NAME.pub (the public key, for the dashboard or `PUT .../gateway/audit_ssh_settings`)')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt a session log downloaded from the dashboard (Logs > Access) into a ZIP (the reference tool''s files), asciicast, a transcript or JSON lines, or replay it here')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;logs;generate-key-pair' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The private key file to write (not ending in .pub); the public key goes to NAME.pub')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'The private key file to write (not ending in .pub); the public key goes to NAME.pub')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace existing key files (logs encrypted to the old key can no longer be read with the new one)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;logs;keygen' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The private key file to write (not ending in .pub); the public key goes to NAME.pub')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'The private key file to write (not ending in .pub); the public key goes to NAME.pub')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace existing key files (logs encrypted to the old key can no longer be read with the new one)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;logs;decrypt' {
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'The encrypted session log')
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'The encrypted session log')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'The private key file (base64, as `generate-key-pair` writes it; whitespace around it is ignored)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The private key file (base64, as `generate-key-pair` writes it; whitespace around it is ignored)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write the result (default: FILE-decrypted.zip, or FILE.cast, FILE.txt, FILE.jsonl for the other formats); - for standard output (not with zip)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write the result (default: FILE-decrypted.zip, or FILE.cast, FILE.txt, FILE.jsonl for the other formats); - for standard output (not with zip)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The output format: zip (a stored ZIP with the reference tool''s files: term_data.txt and term_times.txt, scriptreplay''s pair, for terminal sessions; data_from_client.txt and data_from_server.txt otherwise), asciicast (v2, for `asciinema play`; timing kept for sessions without a terminal too), text (what the terminal showed, between a start and an end line) or jsonl (one JSON object per packet: time, elapsed_us, source, code, data in base64)')
            [CompletionResult]::new('--speed', '--speed', [CompletionResultType]::ParameterName, 'With --replay: play this many times faster (0.5 is half speed)')
            [CompletionResult]::new('--max-idle', '--max-idle', [CompletionResultType]::ParameterName, 'With --replay: shorten every pause longer than S seconds to S')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Play the session in this terminal, with its timing (what the server showed)')
            [CompletionResult]::new('--replay', '--replay', [CompletionResultType]::ParameterName, 'Play the session in this terminal, with its timing (what the server showed)')
            [CompletionResult]::new('--partial', '--partial', [CompletionResultType]::ParameterName, 'When the log is truncated or damaged, keep what was decrypted before the damage (the command still fails, with the error)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace OUT if it exists')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;logs;help' {
            [CompletionResult]::new('generate-key-pair', 'generate-key-pair', [CompletionResultType]::ParameterValue, 'Make the X25519 key pair that session logs are encrypted to: NAME (the private key, 0600) and NAME.pub (the public key, for the dashboard or `PUT .../gateway/audit_ssh_settings`)')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt a session log downloaded from the dashboard (Logs > Access) into a ZIP (the reference tool''s files), asciicast, a transcript or JSON lines, or replay it here')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;logs;help;generate-key-pair' {
            break
        }
        'zssh;logs;help;decrypt' {
            break
        }
        'zssh;logs;help;help' {
            break
        }
        'zssh;targets' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;completions' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;man' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write every page into DIR as zssh.1, zssh-proxy.1, … instead (created if missing; existing pages are replaced)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;access' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('--fedramp', '--fedramp', [CompletionResultType]::ParameterName, 'Use the FedRAMP login service (login.fed.cloudflareaccess.org)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('ssh', 'ssh', [CompletionResultType]::ParameterValue, 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb')
            [CompletionResult]::new('tcp', 'tcp', [CompletionResultType]::ParameterValue, 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb')
            [CompletionResult]::new('rdp', 'rdp', [CompletionResultType]::ParameterValue, 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb')
            [CompletionResult]::new('smb', 'smb', [CompletionResultType]::ParameterValue, 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in as `cloudflared access login` does (same output; tokens in ~/.cloudflared)')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the cached token as `cloudflared access token` does')
            [CompletionResult]::new('ssh-gen', 'ssh-gen', [CompletionResultType]::ParameterValue, 'Get a short-lived certificate into cloudflared''s files (same as `zssh cert`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;access;ssh' {
            [CompletionResult]::new('--destination', '--destination', [CompletionResultType]::ParameterName, 'Bastion mode: the host:port the edge''s cloudflared should connect to')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]')
            [CompletionResult]::new('--listener', '--listener', [CompletionResultType]::ParameterName, 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'An extra request header, "Name: value"; repeatable')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'An extra request header, "Name: value"; repeatable')
            [CompletionResult]::new('--service-token-id', '--service-token-id', [CompletionResultType]::ParameterName, 'Service token client ID (for CI; no browser is ever opened when a service token is given)')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Service token client ID (for CI; no browser is ever opened when a service token is given)')
            [CompletionResult]::new('--service-token-secret', '--service-token-secret', [CompletionResultType]::ParameterName, 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list')
            [CompletionResult]::new('--keepalive', '--keepalive', [CompletionResultType]::ParameterName, 'Send a WebSocket ping this often so idle sessions survive the edge''s idle cut, and end the session with an error when nothing comes back for 3 periods; 0 disables both')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up on connecting to the edge after this long')
            [CompletionResult]::new('--log-directory', '--log-directory', [CompletionResultType]::ParameterName, 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr')
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]')
            [CompletionResult]::new('--tunnel-host', '--tunnel-host', [CompletionResultType]::ParameterName, 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;access;tcp' {
            [CompletionResult]::new('--destination', '--destination', [CompletionResultType]::ParameterName, 'Bastion mode: the host:port the edge''s cloudflared should connect to')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]')
            [CompletionResult]::new('--listener', '--listener', [CompletionResultType]::ParameterName, 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'An extra request header, "Name: value"; repeatable')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'An extra request header, "Name: value"; repeatable')
            [CompletionResult]::new('--service-token-id', '--service-token-id', [CompletionResultType]::ParameterName, 'Service token client ID (for CI; no browser is ever opened when a service token is given)')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Service token client ID (for CI; no browser is ever opened when a service token is given)')
            [CompletionResult]::new('--service-token-secret', '--service-token-secret', [CompletionResultType]::ParameterName, 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list')
            [CompletionResult]::new('--keepalive', '--keepalive', [CompletionResultType]::ParameterName, 'Send a WebSocket ping this often so idle sessions survive the edge''s idle cut, and end the session with an error when nothing comes back for 3 periods; 0 disables both')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up on connecting to the edge after this long')
            [CompletionResult]::new('--log-directory', '--log-directory', [CompletionResultType]::ParameterName, 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr')
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]')
            [CompletionResult]::new('--tunnel-host', '--tunnel-host', [CompletionResultType]::ParameterName, 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;access;rdp' {
            [CompletionResult]::new('--destination', '--destination', [CompletionResultType]::ParameterName, 'Bastion mode: the host:port the edge''s cloudflared should connect to')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]')
            [CompletionResult]::new('--listener', '--listener', [CompletionResultType]::ParameterName, 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'An extra request header, "Name: value"; repeatable')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'An extra request header, "Name: value"; repeatable')
            [CompletionResult]::new('--service-token-id', '--service-token-id', [CompletionResultType]::ParameterName, 'Service token client ID (for CI; no browser is ever opened when a service token is given)')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Service token client ID (for CI; no browser is ever opened when a service token is given)')
            [CompletionResult]::new('--service-token-secret', '--service-token-secret', [CompletionResultType]::ParameterName, 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list')
            [CompletionResult]::new('--keepalive', '--keepalive', [CompletionResultType]::ParameterName, 'Send a WebSocket ping this often so idle sessions survive the edge''s idle cut, and end the session with an error when nothing comes back for 3 periods; 0 disables both')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up on connecting to the edge after this long')
            [CompletionResult]::new('--log-directory', '--log-directory', [CompletionResultType]::ParameterName, 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr')
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]')
            [CompletionResult]::new('--tunnel-host', '--tunnel-host', [CompletionResultType]::ParameterName, 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;access;smb' {
            [CompletionResult]::new('--destination', '--destination', [CompletionResultType]::ParameterName, 'Bastion mode: the host:port the edge''s cloudflared should connect to')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]')
            [CompletionResult]::new('--listener', '--listener', [CompletionResultType]::ParameterName, 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'An extra request header, "Name: value"; repeatable')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'An extra request header, "Name: value"; repeatable')
            [CompletionResult]::new('--service-token-id', '--service-token-id', [CompletionResultType]::ParameterName, 'Service token client ID (for CI; no browser is ever opened when a service token is given)')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Service token client ID (for CI; no browser is ever opened when a service token is given)')
            [CompletionResult]::new('--service-token-secret', '--service-token-secret', [CompletionResultType]::ParameterName, 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list')
            [CompletionResult]::new('--keepalive', '--keepalive', [CompletionResultType]::ParameterName, 'Send a WebSocket ping this often so idle sessions survive the edge''s idle cut, and end the session with an error when nothing comes back for 3 periods; 0 disables both')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up on connecting to the edge after this long')
            [CompletionResult]::new('--log-directory', '--log-directory', [CompletionResultType]::ParameterName, 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr')
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]')
            [CompletionResult]::new('--tunnel-host', '--tunnel-host', [CompletionResultType]::ParameterName, 'The Access application''s hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;access;login' {
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'URL|HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'URL|HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--app', '--app', [CompletionResultType]::ParameterName, 'The application''s URL (cloudflared''s spelling); prints only the token')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing on success')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing on success')
            [CompletionResult]::new('--no-verbose', '--no-verbose', [CompletionResultType]::ParameterName, 'Print only the token (no newline) on stdout')
            [CompletionResult]::new('--auto-close', '--auto-close', [CompletionResultType]::ParameterName, 'Ask the login page to close itself when done')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Don''t open a browser: print the URL (to open on another machine or a phone)')
            [CompletionResult]::new('--qr', '--qr', [CompletionResultType]::ParameterName, 'Also show the login URL as a QR code')
            [CompletionResult]::new('--fedramp', '--fedramp', [CompletionResultType]::ParameterName, 'Use the FedRAMP login service')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;access;token' {
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'URL|HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'URL|HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--app', '--app', [CompletionResultType]::ParameterName, 'The application''s URL (cloudflared''s spelling)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'zssh;access;ssh-gen' {
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--tunnel-host', '--tunnel-host', [CompletionResultType]::ParameterName, 'HOST, in cloudflared''s spelling')
            [CompletionResult]::new('--key-type', '--key-type', [CompletionResultType]::ParameterName, 'The kind of key to make when a new key is needed: ecdsa (P-256, as cloudflared sends) or ed25519. An existing key is kept whatever its type (see the key''s lifecycle above)')
            [CompletionResult]::new('--public-key', '--public-key', [CompletionResultType]::ParameterName, 'Have your own key signed instead of one zssh makes: FILE is its public key (a FIDO sk- key, a key in ssh-agent, a PIV or PKCS#11 token). The certificate goes beside it, as OpenSSH names it: FILE without .pub, plus -cert.pub')
            [CompletionResult]::new('--margin', '--margin', [CompletionResultType]::ParameterName, 'Reuse the current certificate while it has more than this much validity left')
            [CompletionResult]::new('--service-token-id', '--service-token-id', [CompletionResultType]::ParameterName, 'Service token client ID (for CI; no browser is ever opened when a service token is given)')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Service token client ID (for CI; no browser is ever opened when a service token is given)')
            [CompletionResult]::new('--service-token-secret', '--service-token-secret', [CompletionResultType]::ParameterName, 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--loglevel', '--loglevel', [CompletionResultType]::ParameterName, 'How much to log on stderr: error, warn, info or debug')
            [CompletionResult]::new('--logfile', '--logfile', [CompletionResultType]::ParameterName, 'Write logs to this file instead of stderr')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Also load the key and certificate into ssh-agent (SSH_AUTH_SOCK) for their remaining lifetime, and remove expired ones zssh added before')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Get a new certificate even if the current one is still valid')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'zssh;access;help' {
            [CompletionResult]::new('ssh', 'ssh', [CompletionResultType]::ParameterValue, 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in as `cloudflared access login` does (same output; tokens in ~/.cloudflared)')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the cached token as `cloudflared access token` does')
            [CompletionResult]::new('ssh-gen', 'ssh-gen', [CompletionResultType]::ParameterValue, 'Get a short-lived certificate into cloudflared''s files (same as `zssh cert`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;access;help;ssh' {
            break
        }
        'zssh;access;help;login' {
            break
        }
        'zssh;access;help;token' {
            break
        }
        'zssh;access;help;ssh-gen' {
            break
        }
        'zssh;access;help;help' {
            break
        }
        'zssh;help' {
            [CompletionResult]::new('proxy', 'proxy', [CompletionResultType]::ParameterValue, 'Carry one SSH connection (stdin/stdout) through the edge: ssh''s ProxyCommand')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in to an Access application in the browser and cache the token (one browser prompt however many processes need it)')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove cached tokens: for one application, or --all')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'List cached tokens: application, identity, expiry, where each is stored')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the cached token of an application (for scripts); never logs in')
            [CompletionResult]::new('cert', 'cert', [CompletionResultType]::ParameterValue, 'Get a short-lived SSH certificate for an application (reused while valid; for ssh''s `Match exec`)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Write ssh config stanzas for Access hosts into a file zssh manages, included from ~/.ssh/config (your own lines are kept byte for byte; --uninstall removes only zssh''s). With --warp-targets, for the targets the Cloudflare One Client lists instead')
            [CompletionResult]::new('known-hosts', 'known-hosts', [CompletionResultType]::ParameterValue, 'Check or repair known_hosts entries for a host behind the edge (after its host key changed, or after routing through the edge changed the key ssh sees)')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Diagnose why ssh to HOST fails, layer by layer, with the fix for each problem found')
            [CompletionResult]::new('server', 'server', [CompletionResultType]::ParameterValue, 'Server-side helpers: trust the Access SSH CA in sshd, check it, fetch the CA, set the session-log key')
            [CompletionResult]::new('cidr', 'cidr', [CompletionResultType]::ParameterValue, 'CIDR arithmetic for Split Tunnel lists')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Session command logs of Access for Infrastructure: make the key pair they are encrypted to, decrypt a downloaded log, replay it (replaces ssh-log-cli: same flags)')
            [CompletionResult]::new('targets', 'targets', [CompletionResultType]::ParameterValue, 'List the Access for Infrastructure targets this user may reach through the Cloudflare One Client (`warp-cli target list`): hostname, IP, virtual network, port, usernames, and whether the kernel routes the IP through the client now')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script for SHELL (the files of completions/ in the source)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print a man page as roff: zssh''s, or a command''s (the files of man/ in the source)')
            [CompletionResult]::new('access', 'access', [CompletionResultType]::ParameterValue, 'cloudflared-compatible commands: `zssh access ssh --hostname %h` works where `cloudflared access ssh --hostname %h` did')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;help;proxy' {
            break
        }
        'zssh;help;login' {
            break
        }
        'zssh;help;logout' {
            break
        }
        'zssh;help;status' {
            break
        }
        'zssh;help;token' {
            break
        }
        'zssh;help;cert' {
            break
        }
        'zssh;help;config' {
            break
        }
        'zssh;help;known-hosts' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Report whether known_hosts matches the key the host presents now; change nothing')
            [CompletionResult]::new('repair', 'repair', [CompletionResultType]::ParameterValue, 'Replace the host''s known_hosts entries with the key it presents now (asks first)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;help;known-hosts;check' {
            break
        }
        'zssh;help;known-hosts;repair' {
            break
        }
        'zssh;help;known-hosts;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Report whether known_hosts matches the key the host presents now; change nothing')
            [CompletionResult]::new('repair', 'repair', [CompletionResultType]::ParameterValue, 'Replace the host''s known_hosts entries with the key it presents now (asks first)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;help;known-hosts;help;check' {
            break
        }
        'zssh;help;known-hosts;help;repair' {
            break
        }
        'zssh;help;known-hosts;help;help' {
            break
        }
        'zssh;help;doctor' {
            break
        }
        'zssh;help;server' {
            [CompletionResult]::new('trust-ca', 'trust-ca', [CompletionResultType]::ParameterValue, 'Make sshd trust the Access SSH CA (dry run unless --apply)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Report whether sshd trusts the CA and whether the ssh port still answers directly')
            [CompletionResult]::new('fetch-ca', 'fetch-ca', [CompletionResultType]::ParameterValue, 'Get the account''s SSH CA public key through the Cloudflare API (token from the environment)')
            [CompletionResult]::new('log-key', 'log-key', [CompletionResultType]::ParameterValue, 'Set, show or clear the public key that SSH session command logs are encrypted to (Cloudflare API; token from the environment)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;help;server;trust-ca' {
            break
        }
        'zssh;help;server;check' {
            break
        }
        'zssh;help;server;fetch-ca' {
            break
        }
        'zssh;help;server;log-key' {
            break
        }
        'zssh;help;server;help' {
            [CompletionResult]::new('trust-ca', 'trust-ca', [CompletionResultType]::ParameterValue, 'Make sshd trust the Access SSH CA (dry run unless --apply)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Report whether sshd trusts the CA and whether the ssh port still answers directly')
            [CompletionResult]::new('fetch-ca', 'fetch-ca', [CompletionResultType]::ParameterValue, 'Get the account''s SSH CA public key through the Cloudflare API (token from the environment)')
            [CompletionResult]::new('log-key', 'log-key', [CompletionResultType]::ParameterValue, 'Set, show or clear the public key that SSH session command logs are encrypted to (Cloudflare API; token from the environment)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;help;server;help;trust-ca' {
            break
        }
        'zssh;help;server;help;check' {
            break
        }
        'zssh;help;server;help;fetch-ca' {
            break
        }
        'zssh;help;server;help;log-key' {
            break
        }
        'zssh;help;server;help;help' {
            break
        }
        'zssh;help;cidr' {
            [CompletionResult]::new('exclude', 'exclude', [CompletionResultType]::ParameterValue, 'Print BASE minus the EXCEPT ranges as a minimal list of CIDRs, one per line')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;help;cidr;exclude' {
            break
        }
        'zssh;help;cidr;help' {
            [CompletionResult]::new('exclude', 'exclude', [CompletionResultType]::ParameterValue, 'Print BASE minus the EXCEPT ranges as a minimal list of CIDRs, one per line')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;help;cidr;help;exclude' {
            break
        }
        'zssh;help;cidr;help;help' {
            break
        }
        'zssh;help;logs' {
            [CompletionResult]::new('generate-key-pair', 'generate-key-pair', [CompletionResultType]::ParameterValue, 'Make the X25519 key pair that session logs are encrypted to: NAME (the private key, 0600) and NAME.pub (the public key, for the dashboard or `PUT .../gateway/audit_ssh_settings`)')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt a session log downloaded from the dashboard (Logs > Access) into a ZIP (the reference tool''s files), asciicast, a transcript or JSON lines, or replay it here')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;help;logs;generate-key-pair' {
            break
        }
        'zssh;help;logs;decrypt' {
            break
        }
        'zssh;help;logs;help' {
            [CompletionResult]::new('generate-key-pair', 'generate-key-pair', [CompletionResultType]::ParameterValue, 'Make the X25519 key pair that session logs are encrypted to: NAME (the private key, 0600) and NAME.pub (the public key, for the dashboard or `PUT .../gateway/audit_ssh_settings`)')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Decrypt a session log downloaded from the dashboard (Logs > Access) into a ZIP (the reference tool''s files), asciicast, a transcript or JSON lines, or replay it here')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;help;logs;help;generate-key-pair' {
            break
        }
        'zssh;help;logs;help;decrypt' {
            break
        }
        'zssh;help;logs;help;help' {
            break
        }
        'zssh;help;targets' {
            break
        }
        'zssh;help;completions' {
            break
        }
        'zssh;help;man' {
            break
        }
        'zssh;help;access' {
            [CompletionResult]::new('ssh', 'ssh', [CompletionResultType]::ParameterValue, 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in as `cloudflared access login` does (same output; tokens in ~/.cloudflared)')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the cached token as `cloudflared access token` does')
            [CompletionResult]::new('ssh-gen', 'ssh-gen', [CompletionResultType]::ParameterValue, 'Get a short-lived certificate into cloudflared''s files (same as `zssh cert`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;help;access;ssh' {
            break
        }
        'zssh;help;access;login' {
            break
        }
        'zssh;help;access;token' {
            break
        }
        'zssh;help;access;ssh-gen' {
            break
        }
        'zssh;help;access;help' {
            [CompletionResult]::new('ssh', 'ssh', [CompletionResultType]::ParameterValue, 'Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in as `cloudflared access login` does (same output; tokens in ~/.cloudflared)')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the cached token as `cloudflared access token` does')
            [CompletionResult]::new('ssh-gen', 'ssh-gen', [CompletionResultType]::ParameterValue, 'Get a short-lived certificate into cloudflared''s files (same as `zssh cert`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zssh;help;access;help;ssh' {
            break
        }
        'zssh;help;access;help;login' {
            break
        }
        'zssh;help;access;help;token' {
            break
        }
        'zssh;help;access;help;ssh-gen' {
            break
        }
        'zssh;help;access;help;help' {
            break
        }
        'zssh;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
