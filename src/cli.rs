//! The command line, as clap types only. `///` comments here are user-facing: they become
//! `--help`, the man pages and the shell completions.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::error::UserError;
use crate::secret::Secret;

/// `zssh cert --help` and its man page: what it does, and the key's lifecycle.
const CERT_LONG_ABOUT: &str = "Get a short-lived SSH certificate for an application: reuse the stored one while it \
has more than --margin left (files only, no network: the path ssh's Match exec takes on every connection), otherwise \
get a token (cache, login or service token), have the edge sign the key, check the certificate and store it.

Concurrent runs renew once. Parallel ssh processes and Ansible forks that all find the certificate due make one \
request to the edge: one process renews while holding a lock on the application (a kernel file lock, released even \
if that process is killed), the others wait for it and use its certificate.

The key's lifecycle. ssh reads the certificate and the private key at different moments (the key again when it \
signs), so the pair on disk must match at every instant. zssh therefore keeps one private key per application, \
~/.cloudflared/<host>-cf_key, across renewals: a renewal replaces only the certificate file, atomically. A new key \
is made only when there is none, when it is unreadable or protected by a passphrase, or when its certificate \
expired more than 10 minutes ago, when no ssh can still be using the old pair (sshd refuses the expired \
certificate). A new key is installed in an order in which every state a reader can find is a matching pair or a \
key without a certificate: the old certificate and .pub are removed, the new key and its .pub are written, and the \
new certificate comes last. A process killed at any step leaves one of those states, and the next run carries on \
from it. --key-type chooses the type of new keys only. With --public-key the key is yours and zssh never touches \
it; only the certificate beside it is replaced, atomically.";

/// The heading of the options every command takes, shown after the command's own.
const GLOBAL: &str = "Global options";

#[derive(Debug, Parser)]
#[command(
    name = "zssh",
    version,
    about = "SSH through Cloudflare Access: the ProxyCommand, login and short-lived certificates",
    long_about = "zssh carries SSH through a zero-trust edge (Cloudflare Access + Tunnel). Use it as ssh's \
ProxyCommand. It speaks the same protocol and reads the same token files as `cloudflared access`, so an \
existing ~/.ssh/config keeps working with only the binary path changed.",
    after_help = "Examples:\n  zssh config ssh.example.com   # once: the ssh config stanza\n  ssh alice@ssh.example.com     # then ssh as usual\n  zssh doctor ssh.example.com   # when it fails: what and why\n  zssh help proxy               # any command's options"
)]
pub struct Cli {
    /// How much to log on stderr: error, warn, info or debug.
    #[arg(
        long = "log-level",
        visible_alias = "loglevel",
        global = true,
        env = "ZSSH_LOG",
        value_name = "LEVEL",
        help_heading = GLOBAL
    )]
    pub log_level: Option<String>,

    /// Write logs to this file instead of stderr.
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL)]
    pub logfile: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Carry one SSH connection (stdin/stdout) through the edge: ssh's ProxyCommand.
    #[command(
        override_usage = "zssh proxy [OPTIONS] <HOST>",
        after_help = "Examples:\n  # ~/.ssh/config (zssh config HOST writes it)\n  Host ssh.example.com\n    ProxyCommand zssh proxy %h\n\n  ssh -o ProxyCommand='zssh proxy %h' alice@ssh.example.com\n  zssh proxy ssh.example.com --url 127.0.0.1:2222  # ssh -p 2222 localhost\n\n  # CI, with a service token from the environment\n  export TUNNEL_SERVICE_TOKEN_ID=... TUNNEL_SERVICE_TOKEN_SECRET=...\n  ssh -o ProxyCommand='zssh proxy %h' deploy@ssh.example.com"
    )]
    Proxy(CarrierArgs),

    /// Log in to an Access application in the browser and cache the token (one browser prompt
    /// however many processes need it).
    #[command(
        override_usage = "zssh login [OPTIONS] <URL|HOST>",
        after_help = "Examples:\n  zssh login ssh.example.com\n  zssh login ssh.example.com --no-browser --qr   # log in from a phone",
        mut_arg("app", |a| a.hide(true)),
        mut_arg("no_verbose", |a| a.hide(true)),
        mut_arg("auto_close", |a| a.hide(true)),
        mut_arg("fedramp", |a| a.hide(true))
    )]
    Login(LoginArgs),

    /// Remove cached tokens: for one application, or --all.
    #[command(override_usage = "zssh logout <HOST>\n       zssh logout --all")]
    #[command(
        after_help = "Examples:\n  zssh logout ssh.example.com\n  zssh logout --all   # every application, zssh's and cloudflared's"
    )]
    Logout(LogoutArgs),

    /// List cached tokens: application, identity, expiry, where each is stored.
    #[command(after_help = "Examples:\n  zssh status\n  zssh status --json")]
    Status(StatusArgs),

    /// Print the cached token of an application (for scripts); never logs in.
    #[command(
        override_usage = "zssh token <URL|HOST>",
        mut_arg("app", |a| a.hide(true)),
        after_help = "Examples:\n  curl -H \"cf-access-token: $(zssh token ssh.example.com)\" \\\n    https://ssh.example.com/"
    )]
    Token(TokenArgs),

    /// Get a short-lived SSH certificate for an application (reused while valid; for ssh's
    /// `Match exec`).
    #[command(
        long_about = CERT_LONG_ABOUT,
        override_usage = "zssh cert [OPTIONS] <HOST>",
        after_help = "Examples:\n  # ~/.ssh/config (zssh config HOST --short-lived-cert writes it)\n  Host ssh.example.com\n    ProxyCommand zssh proxy %h\n  Match host ssh.example.com exec \"zssh cert %h\"\n    IdentityFile ~/.cloudflared/%h-cf_key\n    CertificateFile ~/.cloudflared/%h-cf_key-cert.pub\n\n  zssh cert ssh.example.com --agent   # into ssh-agent instead\n\n  # your own key (writes ~/.ssh/id_ecdsa_sk-cert.pub)\n  zssh cert ssh.example.com --public-key ~/.ssh/id_ecdsa_sk.pub"
    )]
    Cert(CertArgs),

    /// Write ssh config stanzas for Access hosts into a file zssh manages, included from
    /// ~/.ssh/config (your own lines are kept byte for byte; --uninstall removes only zssh's).
    /// With --warp-targets, for the targets the Cloudflare One Client lists instead.
    #[command(
        after_help = "Examples:\n  zssh config ssh.example.com   # then: ssh ssh.example.com\n  zssh config ssh.example.com --short-lived-cert\n  zssh config --warp-targets --dry-run\n\n  # the WARP path: a stanza per target, then trust the proxy's key\n  zssh config --warp-targets --user alice\n  zssh known-hosts repair web   # then: ssh web\n\n  zssh config --uninstall --warp-targets"
    )]
    Config(ConfigArgs),

    /// Check or repair known_hosts entries for a host behind the edge (after its host key
    /// changed, or after routing through the edge changed the key ssh sees).
    #[command(subcommand)]
    KnownHosts(KnownHostsCommand),

    /// Diagnose why ssh to HOST fails, layer by layer, with the fix for each problem found.
    #[command(
        long_about = "Diagnose why ssh to HOST fails, layer by layer, with the fix for each problem \
found. An IP, or a host ssh reaches without a ProxyCommand, is checked on the WARP path (Access for \
Infrastructure) when the Cloudflare One Client is installed: the client, the kernel's route, split \
tunnels, the target and its usernames, the host key.",
        override_usage = "zssh doctor [OPTIONS] <HOST>",
        after_help = "Examples:\n  zssh doctor ssh.example.com\n  zssh doctor ssh.example.com --fix   # and make the safe repairs\n  zssh doctor 10.0.0.5                # the WARP path: an IP\n  zssh doctor ssh.example.com --json"
    )]
    Doctor(DoctorArgs),

    /// Server-side helpers: trust the Access SSH CA in sshd, check it, fetch the CA, set the
    /// session-log key.
    #[command(subcommand)]
    Server(ServerCommand),

    /// CIDR arithmetic for Split Tunnel lists.
    #[command(subcommand)]
    Cidr(CidrCommand),

    /// Session command logs of Access for Infrastructure: make the key pair they are encrypted
    /// to, decrypt a downloaded log, replay it (replaces ssh-log-cli: same flags).
    #[command(subcommand)]
    Logs(LogsCommand),

    /// List the Access for Infrastructure targets this user may reach through the Cloudflare One
    /// Client (`warp-cli target list`): hostname, IP, virtual network, port, usernames, and
    /// whether the kernel routes the IP through the client now.
    #[command(
        after_help = "Examples:\n  zssh targets\n  zssh targets --json | jq -r '.[] | select(.tunnelled | not) | .ip'"
    )]
    Targets(TargetsArgs),

    /// Print the completion script for SHELL (the files of completions/ in the source).
    #[command(
        after_help = "Examples:\n  zssh completions bash > ~/.local/share/bash-completion/completions/zssh\n  zssh completions zsh > ~/.zfunc/_zssh   # fpath+=(~/.zfunc) in ~/.zshrc\n  zssh completions fish > ~/.config/fish/completions/zssh.fish"
    )]
    Completions(CompletionsArgs),

    /// Print a man page as roff: zssh's, or a command's (the files of man/ in the source).
    #[command(
        after_help = "Examples:\n  zssh man proxy | man -l -\n  zssh man known-hosts repair | man -l -\n  zssh man --dir ~/.local/share/man/man1   # all pages, for man zssh-proxy"
    )]
    Man(ManArgs),

    /// cloudflared-compatible commands: `zssh access ssh --hostname %h` works where
    /// `cloudflared access ssh --hostname %h` did.
    Access(AccessArgs),

    /// Regenerate shell completions and man pages into DIR/completions and DIR/man.
    #[command(hide = true)]
    Generate {
        /// The project directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish.
    #[arg(value_enum, value_name = "SHELL", hide_possible_values = true)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print, e.g. proxy, or known-hosts repair (none: zssh's own).
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    pub command: Vec<String>,

    /// Write every page into DIR as zssh.1, zssh-proxy.1, … instead (created if missing;
    /// existing pages are replaced).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AccessArgs {
    /// Use the FedRAMP login service (login.fed.cloudflareaccess.org).
    #[arg(long, hide = true)]
    pub fedramp: bool,

    #[command(subcommand)]
    pub command: AccessCommand,
}

#[derive(Debug, Subcommand)]
pub enum AccessCommand {
    /// Carry a TCP stream through the edge (same as `zssh proxy`); also spelled tcp, rdp, smb.
    #[command(
        visible_aliases = ["tcp", "rdp", "smb"],
        override_usage = "zssh access ssh --hostname <HOST> [OPTIONS] [ADDR]",
        mut_arg("host", |a| a
            .value_name("ADDR")
            .help("The local address to listen on, as cloudflared takes it (same as --url)")),
        mut_arg("hostname", |a| a.help(
            "The Access application's hostname or URL (in ssh config: %h) [env: TUNNEL_SERVICE_HOSTNAME]"
        )),
        after_help = "Examples:\n  # ~/.ssh/config, as cloudflared writes it\n  Host ssh.example.com\n    ProxyCommand zssh access ssh --hostname %h\n\n  zssh access tcp --hostname db.example.com --url 127.0.0.1:5432"
    )]
    Ssh(CarrierArgs),

    /// Log in as `cloudflared access login` does (same output; tokens in ~/.cloudflared).
    Login(LoginArgs),

    /// Print the cached token as `cloudflared access token` does.
    Token(TokenArgs),

    /// Get a short-lived certificate into cloudflared's files (same as `zssh cert`).
    #[command(
        name = "ssh-gen",
        long_about = CERT_LONG_ABOUT,
        after_help = "Examples:\n  Host ssh.example.com\n    ProxyCommand zssh access ssh --hostname %h\n  Match host ssh.example.com exec \"zssh access ssh-gen --hostname %h\"\n    IdentityFile ~/.cloudflared/%h-cf_key\n    CertificateFile ~/.cloudflared/%h-cf_key-cert.pub"
    )]
    SshGen(CertArgs),
}

#[derive(Debug, Args, Clone)]
pub struct ConfigArgs {
    /// Hostnames or patterns (e.g. ssh.example.com, *.example.com).
    #[arg(value_name = "HOST", required_unless_present_any = ["uninstall", "warp_targets"])]
    pub hosts: Vec<String>,

    /// The WARP path (Access for Infrastructure): one stanza per target that `warp-cli target
    /// list` shows, `Host <hostname>` (its IP when it has none) with its HostName, Port, User
    /// (the one username it allows, or --user) and HostKeyAlias zssh-warp-proxy, one name for
    /// the Gateway SSH proxy's key of every target. Targets gone from the list lose their
    /// stanza; with --uninstall, only these stanzas go.
    #[arg(long, conflicts_with_all = ["hosts", "short_lived_cert", "agent", "destination", "print"])]
    pub warp_targets: bool,

    /// Use short-lived certificates (Match exec "zssh cert"), with their key and certificate files.
    #[arg(long, conflicts_with = "agent")]
    pub short_lived_cert: bool,

    /// Use short-lived certificates loaded into ssh-agent (no key files in the config).
    #[arg(long)]
    pub agent: bool,

    /// With --short-lived-cert: have this key of yours certified (zssh cert --public-key) instead
    /// of a key zssh makes. FILE is ssh's IdentityFile (the private key, or the .pub of a key held
    /// by ssh-agent or a token); its public key is FILE.pub (or FILE itself if it ends in .pub).
    #[arg(long, value_name = "FILE", requires = "short_lived_cert")]
    pub identity: Option<PathBuf>,

    /// The remote user name.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,

    /// Bastion mode: the host:port the edge should connect to.
    #[arg(long, value_name = "HOST:PORT")]
    pub destination: Option<String>,

    /// Share one connection per host (ControlMaster/ControlPersist).
    #[arg(long)]
    pub connection_sharing: bool,

    /// Show what would change (a unified diff) and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Remove everything zssh added, and nothing else.
    #[arg(long, conflicts_with_all = ["short_lived_cert", "agent", "print"])]
    pub uninstall: bool,

    /// Print cloudflared-style snippets on stdout instead of writing files.
    #[arg(long)]
    pub print: bool,

    /// The ssh config file to edit.
    #[arg(long, value_name = "FILE", default_value = "~/.ssh/config")]
    pub ssh_config: String,
}

/// A required host: HOST as an argument, or cloudflared's spelling `--hostname` (hidden).
#[derive(Debug, Args, Clone)]
pub struct GivenHost {
    /// The host, as you type it after `ssh`.
    #[arg(id = "host", value_name = "HOST", required_unless_present = "hostname")]
    pub host_arg: Option<String>,

    /// HOST, in cloudflared's spelling.
    #[arg(
        long,
        short = 'T',
        value_name = "HOST",
        hide = true,
        conflicts_with = "host"
    )]
    pub hostname: Option<String>,
}

#[derive(Debug, Args, Clone)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub given: GivenHost,

    /// The host, from HOST or --hostname ([`DoctorArgs::resolve`]).
    #[arg(skip)]
    pub host: String,

    /// Perform the safe repairs (drop bad tokens, clear dead locks, renew the certificate,
    /// repair known_hosts after confirmation).
    #[arg(long)]
    pub fix: bool,

    /// Print the verdicts as JSON: {host, result (ok, warn or fail), exit, checks: [{check,
    /// status (ok, warn, fail, skip or fixed), detail, fix}]}; a skip's detail says why.
    #[arg(long)]
    pub json: bool,

    /// The ssh config file to inspect (default: ssh's own choice).
    #[arg(long, short = 'F', value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Make sshd trust the Access SSH CA (dry run unless --apply).
    #[command(
        after_help = "Examples:\n  zssh server fetch-ca --account ID > ca.pub\n  sudo zssh server trust-ca --ca-key ca.pub           # shows the change\n  sudo zssh server trust-ca --ca-key ca.pub --apply   # makes it"
    )]
    TrustCa(TrustCaArgs),
    /// Report whether sshd trusts the CA and whether the ssh port still answers directly.
    #[command(after_help = "Examples:\n  sudo zssh server check --ca-key ca.pub")]
    Check(ServerCheckArgs),
    /// Get the account's SSH CA public key through the Cloudflare API (token from the environment).
    #[command(
        after_help = "Examples:\n  export CLOUDFLARE_API_TOKEN=...\n  zssh server fetch-ca --account ID > ca.pub"
    )]
    FetchCa(FetchCaArgs),
    /// Set, show or clear the public key that SSH session command logs are encrypted to
    /// (Cloudflare API; token from the environment).
    #[command(
        after_help = "Examples:\n  zssh logs generate-key-pair -o ~/.ssh/session-logs\n  export CLOUDFLARE_API_TOKEN=...\n  zssh server log-key --account ID --public-key ~/.ssh/session-logs.pub\n  zssh server log-key --account ID --show\n  zssh server log-key --account ID --disable"
    )]
    LogKey(LogKeyArgs),
}

#[derive(Debug, Args, Clone)]
pub struct LogKeyArgs {
    /// The Cloudflare account ID.
    #[arg(long, value_name = "ID")]
    pub account: String,

    /// Upload this public key (NAME.pub from `zssh logs generate-key-pair -o NAME`): new
    /// sessions' command logs are encrypted to it. The file name must end in .pub (a private key
    /// and its public key look alike, and keygen never names a private key *.pub), and a file
    /// that is the private half of a pair is refused.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present_any = ["show", "disable"],
        conflicts_with_all = ["show", "disable"]
    )]
    pub public_key: Option<PathBuf>,

    /// Print the current settings: public_key, seed_id, created_at, updated_at.
    #[arg(long, conflicts_with = "disable")]
    pub show: bool,

    /// Clear the public key, which stops command logging for new sessions (asks first).
    #[arg(long)]
    pub disable: bool,

    /// With --disable: don't ask.
    #[arg(long, short = 'y', requires = "disable")]
    pub yes: bool,
}

#[derive(Debug, Args, Clone)]
pub struct TrustCaArgs {
    /// The CA public key file, or - for standard input.
    #[arg(long, value_name = "FILE|-")]
    pub ca_key: String,

    /// Change the files and reload sshd (otherwise show what would change).
    #[arg(long)]
    pub apply: bool,

    /// The sshd configuration file.
    #[arg(long, value_name = "FILE", default_value = "/etc/ssh/sshd_config")]
    pub sshd_config: PathBuf,

    /// Where trusted CA keys are kept.
    #[arg(long, value_name = "FILE", default_value = "/etc/ssh/ca.pub")]
    pub ca_file: PathBuf,
}

#[derive(Debug, Args, Clone)]
pub struct ServerCheckArgs {
    /// The sshd configuration file.
    #[arg(long, value_name = "FILE", default_value = "/etc/ssh/sshd_config")]
    pub sshd_config: PathBuf,

    /// The CA public key file to look for among the trusted keys.
    #[arg(long, value_name = "FILE")]
    pub ca_key: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct FetchCaArgs {
    /// The Cloudflare account ID.
    #[arg(long, value_name = "ID")]
    pub account: String,
}

#[derive(Debug, Subcommand)]
pub enum LogsCommand {
    /// Make the X25519 key pair that session logs are encrypted to: NAME (the private key, 0600)
    /// and NAME.pub (the public key, for the dashboard or `PUT .../gateway/audit_ssh_settings`).
    #[command(
        visible_alias = "keygen",
        after_help = "Examples:\n  zssh logs generate-key-pair -o ~/.ssh/session-logs\n  zssh logs keygen -o sshkey   # as ssh-log-cli: sshkey and sshkey.pub"
    )]
    GenerateKeyPair(LogsKeygenArgs),

    /// Decrypt a session log downloaded from the dashboard (Logs > Access) into a ZIP (the
    /// reference tool's files), asciicast, a transcript or JSON lines, or replay it here.
    #[command(
        after_help = "Examples:\n  zssh logs decrypt -i sshlog -k sshkey   # writes sshlog-decrypted.zip\n  zssh logs decrypt -i sshlog -k sshkey --format asciicast -o s.cast\n  asciinema play s.cast\n  zssh logs decrypt -i sshlog -k sshkey -r --speed 2 --max-idle 1\n  zssh logs decrypt -i sshlog -k sshkey --format jsonl -o - | jq .source"
    )]
    Decrypt(LogsDecryptArgs),
}

#[derive(Debug, Args, Clone)]
pub struct LogsKeygenArgs {
    /// The private key file to write (not ending in .pub); the public key goes to NAME.pub.
    #[arg(
        short = 'o',
        long = "output",
        alias = "output-file-name",
        value_name = "NAME"
    )]
    pub output: PathBuf,

    /// Replace existing key files (logs encrypted to the old key can no longer be read with
    /// the new one).
    #[arg(long)]
    pub force: bool,
}

/// What `zssh logs decrypt` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// A stored ZIP with the reference tool's files: term_data.txt and term_times.txt
    /// (scriptreplay) for terminal sessions, data_from_client.txt and data_from_server.txt
    /// otherwise.
    Zip,
    /// asciicast v2, for `asciinema play` (timing kept for sessions without a terminal too).
    Asciicast,
    /// What the terminal showed (the server's bytes) between a start and an end line.
    Text,
    /// One JSON object per packet: time, elapsed_us, source (client or server), code, data (base64).
    Jsonl,
}

#[derive(Debug, Args, Clone)]
pub struct LogsDecryptArgs {
    /// The encrypted session log.
    #[arg(
        short = 'i',
        long = "input",
        alias = "input-filename",
        value_name = "FILE"
    )]
    pub input: PathBuf,

    /// The private key file (base64, as `generate-key-pair` writes it; whitespace around it is
    /// ignored).
    #[arg(
        short = 'k',
        long = "key",
        alias = "private-key-filename",
        value_name = "FILE"
    )]
    pub key: PathBuf,

    /// Where to write the result (default: FILE-decrypted.zip, or FILE.cast, FILE.txt,
    /// FILE.jsonl for the other formats); - for standard output (not with zip).
    #[arg(
        short = 'o',
        long = "output",
        alias = "output-file-name",
        value_name = "OUT",
        conflicts_with = "replay"
    )]
    pub output: Option<PathBuf>,

    /// Play the session in this terminal, with its timing (what the server showed).
    #[arg(short = 'r', long)]
    pub replay: bool,

    /// The output format: zip (a stored ZIP with the reference tool's files: term_data.txt and
    /// term_times.txt, scriptreplay's pair, for terminal sessions; data_from_client.txt and
    /// data_from_server.txt otherwise), asciicast (v2, for `asciinema play`; timing kept for
    /// sessions without a terminal too), text (what the terminal showed, between a start and an
    /// end line) or jsonl (one JSON object per packet: time, elapsed_us, source, code, data in
    /// base64).
    #[arg(
        long,
        value_enum,
        default_value = "zip",
        hide_possible_values = true,
        conflicts_with = "replay"
    )]
    pub format: LogFormat,

    /// When the log is truncated or damaged, keep what was decrypted before the damage (the
    /// command still fails, with the error).
    #[arg(long, conflicts_with = "replay")]
    pub partial: bool,

    /// Replace OUT if it exists.
    #[arg(long, conflicts_with = "replay")]
    pub force: bool,

    /// With --replay: play this many times faster (0.5 is half speed).
    #[arg(long, value_name = "X", default_value = "1", requires = "replay")]
    pub speed: f64,

    /// With --replay: shorten every pause longer than S seconds to S.
    #[arg(long, value_name = "S", requires = "replay")]
    pub max_idle: Option<f64>,
}

#[derive(Debug, Subcommand)]
pub enum CidrCommand {
    /// Print BASE minus the EXCEPT ranges as a minimal list of CIDRs, one per line.
    #[command(
        after_help = "Examples:\n  zssh cidr exclude 172.16.0.0/12 --except 172.31.0.0/16,172.28.0.0/15"
    )]
    Exclude(CidrExcludeArgs),
}

#[derive(Debug, Args, Clone)]
pub struct CidrExcludeArgs {
    /// The range to start from, e.g. 172.16.0.0/12.
    #[arg(value_name = "BASE")]
    pub base: String,

    /// Ranges to take out, comma-separated or repeated.
    #[arg(long, value_name = "CIDR", value_delimiter = ',', required = true)]
    pub except: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum KnownHostsCommand {
    /// Report whether known_hosts matches the key the host presents now; change nothing.
    #[command(
        override_usage = "zssh known-hosts check [OPTIONS] <HOST>",
        after_help = "Examples:\n  zssh known-hosts check ssh.example.com\n  zssh known-hosts check 10.0.0.5 --direct"
    )]
    Check(KnownHostsArgs),
    /// Replace the host's known_hosts entries with the key it presents now (asks first).
    #[command(
        override_usage = "zssh known-hosts repair [OPTIONS] <HOST>",
        after_help = "Examples:\n  zssh known-hosts repair ssh.example.com\n  zssh known-hosts repair web -y   # a WARP target, without asking"
    )]
    Repair(KnownHostsArgs),
}

#[derive(Debug, Args, Clone)]
pub struct KnownHostsArgs {
    #[command(flatten)]
    pub given: GivenHost,

    /// The host, from HOST or --hostname ([`KnownHostsArgs::resolve`]).
    #[arg(skip)]
    pub host: String,

    /// Don't ask before changing known_hosts.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Fetch the key directly from HOST:PORT instead of through the edge (routing such as WARP);
    /// without PORT, the Port that `ssh -G HOST` shows (22 unless the config says otherwise).
    /// A host with a stanza of `zssh config --warp-targets` (HostKeyAlias zssh-warp-proxy, no
    /// ProxyCommand) is fetched directly from its HostName and Port without it.
    #[arg(long, value_name = "PORT", num_args = 0..=1)]
    pub direct: Option<Option<u16>>,

    /// The known_hosts file to check and repair (default: the UserKnownHostsFile list and
    /// GlobalKnownHostsFile that `ssh -G HOST` shows).
    #[arg(long, value_name = "FILE")]
    pub known_hosts: Option<PathBuf>,

    /// The name the entries are stored under (default: the HostKeyAlias that `ssh -G HOST`
    /// shows, e.g. HOST.zssh after `zssh config HOST`, zssh-warp-proxy after `zssh config
    /// --warp-targets`: one entry for every WARP target).
    #[arg(long, value_name = "ALIAS")]
    pub host_key_alias: Option<String>,

    /// The ssh config ssh is asked about (`ssh -G -F FILE`; default: ssh's own choice).
    #[arg(long, short = 'F', value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct CertArgs {
    /// The application's hostname (in ssh config: %h).
    #[arg(id = "host", value_name = "HOST")]
    pub host_arg: Option<String>,

    /// HOST, in cloudflared's spelling.
    #[arg(
        id = "hostname",
        long = "hostname",
        short = 'T',
        visible_alias = "tunnel-host",
        value_name = "HOST"
    )]
    pub hostname_arg: Option<String>,

    /// The host, from HOST or --hostname ([`CertArgs::resolve`]).
    #[arg(skip)]
    pub hostname: String,

    /// The kind of key to make when a new key is needed: ecdsa (P-256, as cloudflared sends) or
    /// ed25519. An existing key is kept whatever its type (see the key's lifecycle above).
    #[arg(long, value_enum, default_value = "ecdsa", hide_possible_values = true)]
    pub key_type: crate::cert_store::KeyType,

    /// Have your own key signed instead of one zssh makes: FILE is its public key (a FIDO sk-
    /// key, a key in ssh-agent, a PIV or PKCS#11 token). The certificate goes beside it, as
    /// OpenSSH names it: FILE without .pub, plus -cert.pub.
    #[arg(long, value_name = "FILE", conflicts_with = "key_type")]
    pub public_key: Option<PathBuf>,

    /// Reuse the current certificate while it has more than this much validity left.
    #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
    pub margin: Duration,

    /// Also load the key and certificate into ssh-agent (SSH_AUTH_SOCK) for their remaining
    /// lifetime, and remove expired ones zssh added before.
    #[arg(long, env = "ZSSH_AGENT", value_parser = clap::builder::BoolishValueParser::new(), num_args = 0, default_missing_value = "true", default_value = "false")]
    pub agent: bool,

    /// Get a new certificate even if the current one is still valid.
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub service_token: ServiceTokenArgs,
}

impl CertArgs {
    /// Settle the host: HOST or --hostname.
    pub fn resolve(mut self, compat: bool) -> Result<CertArgs, UserError> {
        let usage = if compat {
            "zssh access ssh-gen --hostname HOST"
        } else {
            "zssh cert [OPTIONS] HOST"
        };
        self.hostname = one_host(self.host_arg.take(), self.hostname_arg.take(), None, usage)?;
        Ok(self)
    }
}

impl GivenHost {
    /// The one host given (clap requires one of the two).
    fn resolve(self, usage: &str) -> Result<String, UserError> {
        one_host(self.host_arg, self.hostname, None, usage)
    }
}

impl DoctorArgs {
    /// Settle the host: HOST or --hostname.
    pub fn resolve(mut self) -> Result<DoctorArgs, UserError> {
        self.host = self.given.clone().resolve("zssh doctor HOST")?;
        Ok(self)
    }
}

impl KnownHostsArgs {
    /// Settle the host: HOST or --hostname.
    pub fn resolve(mut self) -> Result<KnownHostsArgs, UserError> {
        self.host = self
            .given
            .clone()
            .resolve("zssh known-hosts check|repair HOST")?;
        Ok(self)
    }
}

#[derive(Debug, Args, Clone)]
pub struct LoginArgs {
    /// The application's URL or hostname.
    #[arg(value_name = "URL|HOST", required_unless_present_any = ["app", "hostname"])]
    pub target: Option<String>,

    /// URL|HOST, in cloudflared's spelling.
    #[arg(long, short = 'T', value_name = "HOST", hide = true, conflicts_with_all = ["target", "app"])]
    pub hostname: Option<String>,

    /// The application's URL (cloudflared's spelling); prints only the token.
    #[arg(long, value_name = "URL", conflicts_with = "target")]
    pub app: Option<String>,

    /// Print nothing on success.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Print only the token (no newline) on stdout.
    #[arg(long)]
    pub no_verbose: bool,

    /// Ask the login page to close itself when done.
    #[arg(long)]
    pub auto_close: bool,

    /// Don't open a browser: print the URL (to open on another machine or a phone).
    #[arg(long)]
    pub no_browser: bool,

    /// Also show the login URL as a QR code.
    #[arg(long)]
    pub qr: bool,

    /// Use the FedRAMP login service.
    #[arg(long)]
    pub fedramp: bool,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The application's hostname or URL.
    #[arg(
        value_name = "HOST",
        required_unless_present_any = ["all", "hostname"],
        conflicts_with = "all"
    )]
    pub host: Option<String>,

    /// HOST, in cloudflared's spelling.
    #[arg(long, short = 'T', value_name = "HOST", hide = true, conflicts_with_all = ["host", "all"])]
    pub hostname: Option<String>,

    /// Remove every cached token (zssh's and cloudflared's, which are shared).
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TargetsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The application's URL or hostname.
    #[arg(value_name = "URL|HOST", required_unless_present_any = ["app", "hostname"])]
    pub target: Option<String>,

    /// URL|HOST, in cloudflared's spelling.
    #[arg(long, short = 'T', value_name = "HOST", hide = true, conflicts_with_all = ["target", "app"])]
    pub hostname: Option<String>,

    /// The application's URL (cloudflared's spelling).
    #[arg(long, value_name = "URL", conflicts_with = "target")]
    pub app: Option<String>,
}

/// Options of the carrier, with cloudflared's names, aliases and environment variables.
#[derive(Debug, Args, Clone)]
pub struct CarrierArgs {
    /// The Access application's hostname or URL, e.g. ssh.example.com (in ssh config: %h).
    #[arg(id = "host", value_name = "HOST", index = 1)]
    pub host_arg: Option<String>,

    /// HOST, in cloudflared's spelling [env: TUNNEL_SERVICE_HOSTNAME].
    #[arg(
        id = "hostname",
        long = "hostname",
        short = 'T',
        visible_alias = "tunnel-host",
        value_name = "HOST"
    )]
    pub hostname_arg: Option<String>,

    /// The host, from HOST, --hostname or TUNNEL_SERVICE_HOSTNAME ([`CarrierArgs::resolve`]).
    #[arg(skip)]
    pub hostname: String,

    /// Bastion mode: the host:port the edge's cloudflared should connect to.
    #[arg(long, env = "TUNNEL_SERVICE_DESTINATION", value_name = "HOST:PORT")]
    pub destination: Option<String>,

    /// Listen on this local address instead of using stdin/stdout; every accepted connection gets
    /// its own tunnel (e.g. 127.0.0.1:2222) [env: TUNNEL_SERVICE_URL].
    #[arg(long, short = 'L', visible_alias = "listener", value_name = "ADDR")]
    pub url: Option<String>,

    /// A second argument. `zssh access ssh` takes its arguments as the listener address, as
    /// cloudflared does ([`CarrierArgs::resolve`]); `zssh proxy` refuses it.
    #[arg(hide = true, value_name = "ADDR", index = 2)]
    pub listener: Option<String>,

    /// An extra request header, "Name: value"; repeatable.
    #[arg(long, short = 'H', value_name = "HEADER")]
    pub header: Vec<String>,

    #[command(flatten)]
    pub service_token: ServiceTokenArgs,

    /// Send a WebSocket ping this often so idle sessions survive the edge's idle cut, and end the
    /// session with an error when nothing comes back for 3 periods; 0 disables both.
    #[arg(long, default_value = "30s", value_parser = parse_duration, value_name = "DURATION")]
    pub keepalive: Duration,

    /// Give up on connecting to the edge after this long.
    #[arg(long, default_value = "15s", value_parser = parse_duration, value_name = "DURATION")]
    pub connect_timeout: Duration,

    /// Accepted for compatibility with cloudflared; logs go to --logfile or stderr.
    #[arg(long, hide = true, value_name = "DIR")]
    pub log_directory: Option<PathBuf>,
}

/// A service token (Access "Service Auth"), with cloudflared's names and environment variables.
/// `Debug` is written by hand: it must never show the secret.
#[derive(Args, Clone, Default)]
pub struct ServiceTokenArgs {
    /// Service token client ID (for CI; no browser is ever opened when a service token is given).
    #[arg(
        long,
        visible_alias = "id",
        env = "TUNNEL_SERVICE_TOKEN_ID",
        value_name = "ID"
    )]
    pub service_token_id: Option<String>,

    /// Service token client secret. Prefer the environment variable: arguments are visible to
    /// other users in the process list.
    #[arg(
        long,
        visible_alias = "secret",
        env = "TUNNEL_SERVICE_TOKEN_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub service_token_secret: Option<String>,
}

impl std::fmt::Debug for ServiceTokenArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceTokenArgs")
            .field("service_token_id", &self.service_token_id)
            .field(
                "service_token_secret",
                &self.service_token_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl ServiceTokenArgs {
    /// The service token, checked: both halves or neither; one trailing newline (env files,
    /// secret mounts) is dropped; any other control character is a usage error naming the
    /// variable, never showing the value.
    pub fn resolve(&self) -> Result<Option<(String, Secret)>, UserError> {
        let clean = |value: &str, what: &str, var: &str| -> Result<String, UserError> {
            let v = value
                .strip_suffix("\r\n")
                .or_else(|| value.strip_suffix('\n'))
                .unwrap_or(value);
            if v.chars().any(char::is_control) {
                return Err(UserError::usage(
                    format!(
                        "the service token {what} ({var}) contains a control character (CR, LF, tab or similar)"
                    ),
                    "set it to the value alone, without line breaks (a single trailing newline is fine)",
                ));
            }
            Ok(v.to_string())
        };
        let id = self
            .service_token_id
            .as_deref()
            .map(|v| clean(v, "ID", "TUNNEL_SERVICE_TOKEN_ID or --service-token-id"))
            .transpose()?;
        let secret = self
            .service_token_secret
            .as_deref()
            .map(|v| {
                clean(
                    v,
                    "secret",
                    "TUNNEL_SERVICE_TOKEN_SECRET or --service-token-secret",
                )
            })
            .transpose()?;
        match (id, secret) {
            (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => {
                Ok(Some((id, Secret::new(secret))))
            }
            (None, None) => Ok(None),
            (Some(id), _) if !id.is_empty() => Err(UserError::usage(
                "a service token ID was given without its secret",
                "set TUNNEL_SERVICE_TOKEN_SECRET (or --service-token-secret) too",
            )),
            (_, Some(secret)) if !secret.is_empty() => Err(UserError::usage(
                "a service token secret was given without its ID",
                "set TUNNEL_SERVICE_TOKEN_ID (or --service-token-id) too",
            )),
            _ => Err(UserError::usage(
                "the service token ID and secret are empty",
                "set TUNNEL_SERVICE_TOKEN_ID and TUNNEL_SERVICE_TOKEN_SECRET, or unset both",
            )),
        }
    }
}

/// The host of a command that takes it as HOST or as cloudflared's `--hostname`: one of them,
/// or `fallback` (an environment variable's value), or a usage error showing `usage`.
fn one_host(
    positional: Option<String>,
    flag: Option<String>,
    fallback: Option<String>,
    usage: &str,
) -> Result<String, UserError> {
    match (positional, flag) {
        (Some(h), None) | (None, Some(h)) => Ok(h),
        (Some(a), Some(b)) if a == b => Ok(a),
        (Some(a), Some(b)) => Err(UserError::usage(
            format!(
                "two hosts given: {} and --hostname {}",
                crate::human::shown(&a, 200),
                crate::human::shown(&b, 200)
            ),
            format!("give one; usage: {usage}"),
        )),
        (None, None) => fallback.ok_or_else(|| {
            UserError::usage(
                "no host given",
                format!("usage: {usage} (in ssh config, HOST is %h)"),
            )
        }),
    }
}

/// The value of an environment variable, unless unset or empty.
fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl CarrierArgs {
    /// Settle the host and the listener. `zssh proxy`: HOST, else --hostname, else
    /// TUNNEL_SERVICE_HOSTNAME; no second argument. `zssh access ssh` (cloudflared's form): an
    /// argument is the listener address, the host comes from --hostname or the environment. An
    /// address typed as an argument beats TUNNEL_SERVICE_URL; with --url too, it is refused.
    /// Empty TUNNEL_SERVICE_* variables count as unset.
    pub fn resolve(mut self, compat: bool) -> Result<CarrierArgs, UserError> {
        let (first, second) = (self.host_arg.take(), self.listener.take());
        let usage = if compat {
            "zssh access ssh --hostname HOST [--url ADDR]"
        } else {
            "zssh proxy [OPTIONS] HOST"
        };
        let (positional_host, positional_addr) = match (compat, first, second) {
            (_, None, _) => (None, None),
            (true, Some(addr), None) => (None, Some(addr)),
            (false, host, None) => (host, None),
            (_, Some(_), Some(extra)) => {
                return Err(UserError::usage(
                    format!("unexpected argument {:?}", crate::human::shown(&extra, 200)),
                    if compat {
                        format!("give one listener address; usage: {usage}")
                    } else {
                        format!("to listen on a local port, use --url ADDR; usage: {usage}")
                    },
                ));
            }
        };
        self.hostname = one_host(
            positional_host,
            self.hostname_arg.take(),
            env_value("TUNNEL_SERVICE_HOSTNAME"),
            usage,
        )?;
        self.url = match (self.url.take(), positional_addr) {
            (Some(flag), Some(arg)) if flag != arg => {
                return Err(UserError::usage(
                    format!(
                        "two listener addresses given: --url {} and {}",
                        crate::human::shown(&flag, 200),
                        crate::human::shown(&arg, 200)
                    ),
                    format!("give one; usage: {usage}"),
                ));
            }
            (Some(addr), _) | (None, Some(addr)) => Some(addr),
            (None, None) => env_value("TUNNEL_SERVICE_URL"),
        };
        self.destination = self.destination.take().filter(|d| !d.is_empty());
        Ok(self)
    }

    /// What `zssh proxy --hostname HOST` would use with no flags: the service token and bastion
    /// destination from the environment. For commands that open a tunnel themselves.
    pub fn from_env_for(hostname: &str, connect_timeout: Duration) -> CarrierArgs {
        CarrierArgs {
            host_arg: None,
            hostname_arg: None,
            hostname: hostname.to_string(),
            destination: env_value("TUNNEL_SERVICE_DESTINATION"),
            url: None,
            listener: None,
            header: Vec::new(),
            service_token: ServiceTokenArgs {
                service_token_id: env_value("TUNNEL_SERVICE_TOKEN_ID"),
                service_token_secret: env_value("TUNNEL_SERVICE_TOKEN_SECRET"),
            },
            keepalive: Duration::ZERO,
            connect_timeout,
            log_directory: None,
        }
    }
}

/// clap's error as one `zssh: error:` line and one `zssh: hint:` line. The message is clap's
/// first paragraph folded into one line; the hint is built from the error's structured context
/// (the suggestion for a typo, the usage line), never parsed from the rendered text, so an
/// argument carrying newlines or `tip:` cannot forge a hint. Both lose every control character.
pub fn usage_error(e: &clap::Error) -> UserError {
    use clap::error::{ContextKind, ContextValue};
    let rendered = e.render().to_string();
    // What follows the message is ours (tips, usage, "For more information"): cut at the last
    // such tail, then drop the tip lines just before it.
    let cut = ["\n\nUsage:", "\n\nFor more information"]
        .iter()
        .filter_map(|t| rendered.rfind(t))
        .min()
        .unwrap_or(rendered.len());
    let mut message: Vec<&str> = rendered[..cut].lines().collect();
    while message
        .last()
        .is_some_and(|l| l.trim().is_empty() || l.trim_start().starts_with("tip:"))
    {
        message.pop();
    }
    let first = crate::human::shown(
        &message
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        400,
    );
    let first = if e.kind() == clap::error::ErrorKind::MissingSubcommand {
        // clap lists every subcommand here, hidden ones included: `zssh help` lists the real ones.
        "no command given (`zssh help` lists the commands)".to_string()
    } else {
        first.trim_start_matches("error: ").to_string()
    };
    let quoted = |v: &ContextValue| match v {
        ContextValue::String(s) => vec![s.clone()],
        ContextValue::Strings(v) => v.clone(),
        _ => Vec::new(),
    };
    let mut tips = Vec::new();
    for (kind, what) in [
        (ContextKind::SuggestedSubcommand, "subcommand"),
        (ContextKind::SuggestedArg, "argument"),
        (ContextKind::SuggestedValue, "value"),
    ] {
        let names = e.get(kind).map(quoted).unwrap_or_default();
        let names: Vec<String> = names
            .iter()
            .map(|n| format!("'{}'", crate::human::shown(n, 100)))
            .collect();
        match names.len() {
            0 => {}
            1 => tips.push(format!("a similar {what} exists: {}", names[0])),
            _ => tips.push(format!("some similar {what}s exist: {}", names.join(", "))),
        }
    }
    if let Some(ContextValue::StyledStrs(more)) = e.get(ContextKind::Suggested) {
        tips.extend(
            more.iter()
                .map(|t| crate::human::shown(&t.to_string(), 200)),
        );
    }
    let usage = match e.get(ContextKind::Usage) {
        Some(ContextValue::StyledStr(u)) => {
            let u = u.to_string();
            let forms: Vec<String> = u
                .trim()
                .trim_start_matches("Usage:")
                .lines()
                .map(|form| form.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|form| !form.is_empty())
                .collect();
            Some(crate::human::shown(&forms.join(" or "), 300))
        }
        _ => None,
    };
    let tip = (!tips.is_empty()).then(|| tips.join("; "));
    let hint = match (tip, usage) {
        (Some(tip), Some(usage)) => format!("{tip}; usage: {usage}"),
        (Some(tip), None) => format!("{tip}; run `zssh --help` for the commands"),
        (None, Some(usage)) => format!("usage: {usage} (`--help` explains every option)"),
        (None, None) => "run `zssh --help` (or `zssh COMMAND --help`) for usage".to_string(),
    };
    UserError::usage(first, hint)
}

/// The application `login` and `token` name: `--app URL`, else URL|HOST, else cloudflared's
/// `--hostname` (clap requires one of them and lets no two through).
pub fn app_named<'a>(
    app: &'a Option<String>,
    target: &'a Option<String>,
    hostname: &'a Option<String>,
) -> &'a str {
    app.as_deref()
        .or(target.as_deref())
        .or(hostname.as_deref())
        .unwrap_or("")
}

/// Parse "30s", "500ms", "2m", "1h" or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or((s, ""), |i| s.split_at(i));
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (try 30s, 500ms, 2m)"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("{s:?} has an unknown unit (use ms, s, m or h)")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("{s:?} is not a valid duration"));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{s:?} is too long a duration"))
}

/// Long flags cloudflared accepts with one dash (`-hostname x`, `-app=URL`).
const SINGLE_DASH_LONG: &[&str] = &[
    "hostname",
    "tunnel-host",
    "destination",
    "url",
    "listener",
    "header",
    "service-token-id",
    "id",
    "service-token-secret",
    "secret",
    "loglevel",
    "log-level",
    "logfile",
    "log-directory",
    "app",
    "fedramp",
    "quiet",
    "no-verbose",
    "auto-close",
    "no-browser",
    "qr",
];

/// Rewrite cloudflared's single-dash long flags to clap's double-dash form.
pub fn normalize_args(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut rest_literal = false;
    for arg in args {
        if rest_literal {
            out.push(arg);
            continue;
        }
        if let Some(s) = arg.to_str() {
            if s == "--" {
                rest_literal = true;
            } else if let Some(body) = s.strip_prefix('-')
                && !body.starts_with('-')
            {
                let name = body.split('=').next().unwrap_or("");
                if SINGLE_DASH_LONG.contains(&name) {
                    out.push(OsString::from(format!("-{s}")));
                    continue;
                }
            }
        }
        out.push(arg);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("7").unwrap(), Duration::from_secs(7));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("3 parsecs").is_err());
    }

    #[test]
    fn single_dash_long_flags() {
        let got = normalize_args(
            [
                "zssh",
                "access",
                "ssh",
                "-hostname",
                "h",
                "-id=x",
                "-H",
                "A: b",
                "--",
                "-url",
            ]
            .map(OsString::from),
        );
        let want = [
            "zssh",
            "access",
            "ssh",
            "--hostname",
            "h",
            "--id=x",
            "-H",
            "A: b",
            "--",
            "-url",
        ];
        assert_eq!(got, want.map(OsString::from));
    }
}
