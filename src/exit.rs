//! The one exit-code table. Every way zssh can end maps to a code here; the man page's EXIT STATUS
//! section is rendered from [`TABLE`], so the documentation cannot drift from the behaviour.

/// How a zssh process ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Ok,
    Failure,
    Usage,
    Auth,
    Refused,
    Unreachable,
    Protocol,
    Local,
    Broken,
    Warp,
    BadLog,
    WrongKey,
    CheckFailed,
    Interrupted,
    HungUp,
    Terminated,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::Auth => 3,
            Exit::Refused => 4,
            Exit::Unreachable => 5,
            Exit::Protocol => 6,
            Exit::Local => 7,
            Exit::Broken => 8,
            Exit::Warp => 9,
            Exit::BadLog => 10,
            Exit::WrongKey => 11,
            Exit::CheckFailed => 12,
            Exit::Interrupted => 130,
            Exit::HungUp => 129,
            Exit::Terminated => 143,
        }
    }
}

/// (code, meaning) rows for the man page and README.
pub const TABLE: &[(Exit, &str)] = &[
    (
        Exit::Ok,
        "success; for proxy, the session ended normally (local EOF, close code 1000, or a clean TLS end)",
    ),
    (
        Exit::Failure,
        "an unexpected failure (a bug or an unclassified I/O error)",
    ),
    (
        Exit::Usage,
        "bad command line or bad input value (hostname, header, listener address)",
    ),
    (
        Exit::Auth,
        "authentication needed or refused: no usable token, a token or service token the edge rejected",
    ),
    (
        Exit::Refused,
        "the edge refused the connection: 401, 403, 307 or 5xx on the WebSocket upgrade",
    ),
    (
        Exit::Unreachable,
        "the edge could not be reached: DNS, TCP, TLS, proxy or timeout",
    ),
    (
        Exit::Protocol,
        "the edge answered something zssh cannot use: no signed Access metadata (not an application zssh can trust), bad metadata, garbage",
    ),
    (
        Exit::Local,
        "a local file, directory, stdin or stdout is unusable (permissions, unreadable, unwritable, a full disk), or a block of zssh's ssh config file whose begin and end lines no longer pair up",
    ),
    (
        Exit::Broken,
        "proxy: the open session ended abnormally: the connection was reset or cut, the edge closed it with an error code, or stopped answering keepalives",
    ),
    (
        Exit::Warp,
        "targets, config --warp-targets: the Cloudflare One Client (warp-cli) is missing, its daemon is not running, it is not connected, or it gave no usable answer (or no SSH target); known-hosts: a WARP target's address is not routed through the client",
    ),
    (
        Exit::BadLog,
        "logs decrypt: the input is not a session log, or it is truncated or damaged, or its times go backwards (with --partial, what was decrypted before the damage is still written)",
    ),
    (
        Exit::WrongKey,
        "logs decrypt: the private key does not open the log (it was encrypted to another public key)",
    ),
    (
        Exit::CheckFailed,
        "doctor: a check failed; each failed layer is marked FAIL with its fix, and the layers it kept from being checked are marked skip with why (warnings and skips alone exit 0)",
    ),
    (
        Exit::HungUp,
        "the terminal closed (SIGHUP): as for Ctrl-C, locks are released and what zssh was publishing (a login's URL and lock files) is removed",
    ),
    (
        Exit::Interrupted,
        "interrupted by Ctrl-C (SIGINT): locks are released and what zssh was publishing is removed",
    ),
    (
        Exit::Terminated,
        "told to stop (SIGTERM): cleaned up as for Ctrl-C",
    ),
];
