
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
            cand access 'cloudflared-compatible commands: `zssh access ssh --hostname %h` works where `cloudflared access ssh --hostname %h` did'
            cand generate 'Regenerate shell completions and man pages into DIR/completions and DIR/man'
        }
        &'zssh;proxy'= {
            cand -T 'The Access application''s hostname or URL, e.g. ssh.example.com (in ssh config: %h)'
            cand --hostname 'The Access application''s hostname or URL, e.g. ssh.example.com (in ssh config: %h)'
            cand --tunnel-host 'The Access application''s hostname or URL, e.g. ssh.example.com (in ssh config: %h)'
            cand --destination 'Bastion mode: the host:port the edge''s cloudflared should connect to'
            cand -L 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222)'
            cand --url 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222)'
            cand --listener 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222)'
            cand -H 'An extra request header, "Name: value"; repeatable'
            cand --header 'An extra request header, "Name: value"; repeatable'
            cand --service-token-id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --service-token-secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --keepalive 'Send a WebSocket ping this often so idle sessions survive the edge''s idle cut; 0 disables'
            cand --connect-timeout 'Give up on connecting to the edge after this long'
            cand --log-directory 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;login'= {
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
        &'zssh;logout'= {
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
            cand --app 'The application''s URL (cloudflared''s spelling)'
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
        }
        &'zssh;access;ssh'= {
            cand -T 'The Access application''s hostname or URL, e.g. ssh.example.com (in ssh config: %h)'
            cand --hostname 'The Access application''s hostname or URL, e.g. ssh.example.com (in ssh config: %h)'
            cand --tunnel-host 'The Access application''s hostname or URL, e.g. ssh.example.com (in ssh config: %h)'
            cand --destination 'Bastion mode: the host:port the edge''s cloudflared should connect to'
            cand -L 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222)'
            cand --url 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222)'
            cand --listener 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222)'
            cand -H 'An extra request header, "Name: value"; repeatable'
            cand --header 'An extra request header, "Name: value"; repeatable'
            cand --service-token-id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --service-token-secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --keepalive 'Send a WebSocket ping this often so idle sessions survive the edge''s idle cut; 0 disables'
            cand --connect-timeout 'Give up on connecting to the edge after this long'
            cand --log-directory 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;access;tcp'= {
            cand -T 'The Access application''s hostname or URL, e.g. ssh.example.com (in ssh config: %h)'
            cand --hostname 'The Access application''s hostname or URL, e.g. ssh.example.com (in ssh config: %h)'
            cand --tunnel-host 'The Access application''s hostname or URL, e.g. ssh.example.com (in ssh config: %h)'
            cand --destination 'Bastion mode: the host:port the edge''s cloudflared should connect to'
            cand -L 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222)'
            cand --url 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222)'
            cand --listener 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222)'
            cand -H 'An extra request header, "Name: value"; repeatable'
            cand --header 'An extra request header, "Name: value"; repeatable'
            cand --service-token-id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --service-token-secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --keepalive 'Send a WebSocket ping this often so idle sessions survive the edge''s idle cut; 0 disables'
            cand --connect-timeout 'Give up on connecting to the edge after this long'
            cand --log-directory 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;access;rdp'= {
            cand -T 'The Access application''s hostname or URL, e.g. ssh.example.com (in ssh config: %h)'
            cand --hostname 'The Access application''s hostname or URL, e.g. ssh.example.com (in ssh config: %h)'
            cand --tunnel-host 'The Access application''s hostname or URL, e.g. ssh.example.com (in ssh config: %h)'
            cand --destination 'Bastion mode: the host:port the edge''s cloudflared should connect to'
            cand -L 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222)'
            cand --url 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222)'
            cand --listener 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222)'
            cand -H 'An extra request header, "Name: value"; repeatable'
            cand --header 'An extra request header, "Name: value"; repeatable'
            cand --service-token-id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --service-token-secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --keepalive 'Send a WebSocket ping this often so idle sessions survive the edge''s idle cut; 0 disables'
            cand --connect-timeout 'Give up on connecting to the edge after this long'
            cand --log-directory 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;access;smb'= {
            cand -T 'The Access application''s hostname or URL, e.g. ssh.example.com (in ssh config: %h)'
            cand --hostname 'The Access application''s hostname or URL, e.g. ssh.example.com (in ssh config: %h)'
            cand --tunnel-host 'The Access application''s hostname or URL, e.g. ssh.example.com (in ssh config: %h)'
            cand --destination 'Bastion mode: the host:port the edge''s cloudflared should connect to'
            cand -L 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222)'
            cand --url 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222)'
            cand --listener 'Listen on this local address instead of using stdin/stdout; every accepted connection gets its own tunnel (e.g. 127.0.0.1:2222)'
            cand -H 'An extra request header, "Name: value"; repeatable'
            cand --header 'An extra request header, "Name: value"; repeatable'
            cand --service-token-id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --id 'Service token client ID (for CI; no browser is ever opened when a service token is given)'
            cand --service-token-secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --secret 'Service token client secret. Prefer the environment variable: arguments are visible to other users in the process list'
            cand --keepalive 'Send a WebSocket ping this often so idle sessions survive the edge''s idle cut; 0 disables'
            cand --connect-timeout 'Give up on connecting to the edge after this long'
            cand --log-directory 'Accepted for compatibility with cloudflared; logs go to --logfile or stderr'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;access;login'= {
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
            cand --app 'The application''s URL (cloudflared''s spelling)'
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'zssh;generate'= {
            cand --log-level 'How much to log on stderr: error, warn, info or debug'
            cand --loglevel 'How much to log on stderr: error, warn, info or debug'
            cand --logfile 'Write logs to this file instead of stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
    ]
    $completions[$command]
}
