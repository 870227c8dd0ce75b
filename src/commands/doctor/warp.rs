//! `zssh doctor` on the WARP path (Access for Infrastructure: plain `ssh user@IP`, the Cloudflare
//! One Client routes it to the Gateway SSH proxy). One verdict each, with its fix, for the walls
//! users hit (../shared/docs/warp-path.md): the client (installed, connected, mode, virtual
//! network), the kernel's route, the Split Tunnels entry that keeps the target out (and the exact
//! entries to add back, by the `zssh cidr exclude` computation) or the missing include, the
//! target and its port and usernames, TCP to the ssh port and the host key it presents against
//! known_hosts (the proxy's key versus the server's old direct key), and the path's limits.
//! Without a client, a bare IP gets the local checks only.

use std::net::{IpAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Instant;

use super::{Report, SshView, Status};
use crate::cidr::{self, Cidr};
use crate::cli::DoctorArgs;
use crate::hostkey::{self, FetchError};
use crate::known_hosts::{self, Key, KnownHosts};
use crate::warp::{self, Route, Settings, SplitMode, Target, Vnets};

/// What the client said (each `None` when it was not asked: the daemon is down or absent).
struct Client {
    status: Result<warp::Status, warp::Error>,
    settings: Option<Result<Settings, warp::Error>>,
    vnets: Option<Result<Vnets, warp::Error>>,
    targets: Option<Result<warp::TargetList, warp::Error>>,
}

impl Client {
    /// All the calls together get one and a half times one call's time (15 s): a client that
    /// answers each just in time cannot hold doctor for 40 s; the calls left are not made.
    fn ask() -> Client {
        let by = Some(Instant::now() + warp::exec::timeout() * 3 / 2);
        let status = warp::status_by(by);
        // Without its daemon the client answers nothing else.
        let daemon = !matches!(
            status,
            Err(warp::Error::DaemonDown(_) | warp::Error::NotInstalled | warp::Error::Timeout(_))
        );
        Client {
            status,
            settings: daemon.then(|| warp::settings_by(by)),
            vnets: daemon.then(|| warp::vnets_by(by)),
            targets: daemon.then(|| warp::target_list_by(by)),
        }
    }

    fn targets(&self) -> &[Target] {
        match &self.targets {
            Some(Ok(l)) => &l.targets,
            _ => &[],
        }
    }
}

pub(super) async fn check(
    r: &mut Report,
    args: &DoctorArgs,
    host: &str,
    view: &SshView,
    program: Result<PathBuf, warp::Error>,
) {
    let target = if view.hostname.is_empty() {
        host
    } else {
        &view.hostname
    };
    let path = if program.is_ok() {
        ": the WARP path"
    } else {
        ""
    };
    r.ok(
        "ssh config",
        format!(
            "ssh {host} connects to {target} port {} as {} without a ProxyCommand{path}",
            view.port, view.user
        ),
    );
    let (client, unasked) = ask_client(r, target, &program);
    if let Some(why) = unasked {
        for check in ["warp mode", "warp vnet"] {
            r.skip(check, why);
        }
    }
    let Some(ip) = resolve(
        r,
        target,
        client.as_ref().map_or(&[], Client::targets),
        &view.user,
    ) else {
        if let Some(c) = client.as_ref().filter(|_| unasked.is_none()) {
            mode_verdict(r, c.settings.as_ref());
            vnet_verdict(r, c.vnets.as_ref(), &[]);
        }
        let why = format!("{target} has no address (see hostname), so there is nothing to check");
        for check in [
            "route",
            "split tunnel",
            "target",
            "username",
            "tcp",
            "host key",
        ] {
            r.skip(check, why.clone());
        }
        return;
    };
    // An IPv4-mapped IPv6 address (::ffff:10.1.2.3) is the IPv4 address on the wire.
    let ip = ip.to_canonical();
    let mut listed: Vec<&Target> = client
        .as_ref()
        .map(|c| c.targets().iter().filter(|t| t.ip == ip).collect())
        .unwrap_or_default();
    // The same IP may be a target in several virtual networks: the active one's first.
    let active = client.as_ref().and_then(|c| match &c.vnets {
        Some(Ok(v)) => v.active_name(),
        _ => None,
    });
    listed.sort_by_key(|t| t.vnet.is_none() || t.vnet != active);
    if let Some(c) = client.as_ref().filter(|_| unasked.is_none()) {
        mode_verdict(r, c.settings.as_ref());
        vnet_verdict(r, c.vnets.as_ref(), &listed);
    }
    let route = route_verdict(r, ip, client.is_some());
    match (&client, unasked) {
        (Some(c), None) => {
            split_verdict(r, c.settings.as_ref(), ip);
            target_verdicts(r, c.targets.as_ref(), ip, &listed, view);
        }
        (_, why) => {
            for check in ["split tunnel", "target", "username"] {
                r.skip(check, why.unwrap_or_default());
            }
        }
    }
    let tunnelled = route.as_ref().is_some_and(|r| r.tunnelled);
    let connected = client
        .as_ref()
        .is_some_and(|c| c.status.as_ref().is_ok_and(|s| s.connected()));
    let unreached = if tunnelled {
        "the Gateway SSH proxy did not let it through: check the target and username verdicts above, and that the server's tunnel is up"
    } else if client.as_ref().is_some_and(|c| c.status.is_err()) {
        "the client did not say whether it is connected: see warp client above"
    } else if client.is_some() && !connected {
        "the client is not connected: see warp client above"
    } else if route.is_none() {
        "the route to it is unknown (see route above), so whether it goes through the client cannot be told"
    } else if connected {
        "it does not go through the client: see route and split tunnel above"
    } else {
        "see route above"
    };
    reach_verdicts(r, args, host, ip, view, (tunnelled, unreached)).await;
    if client.is_some() {
        limits_verdict(r, view);
    }
}

/// The client's verdict, and what it answered (`None` without one), with why its other answers
/// are missing when they are (their layers are then skipped with that reason).
fn ask_client(
    r: &mut Report,
    target: &str,
    program: &Result<PathBuf, warp::Error>,
) -> (Option<Client>, Option<&'static str>) {
    let client = program.as_ref().ok().map(|p| (p, Client::ask()));
    match (&client, &program) {
        (Some((p, c)), _) => client_verdict(r, p, &c.status),
        (None, Err(e @ warp::Error::CannotRun { .. })) => {
            r.fail("warp client", format!("the Cloudflare One Client is installed but {e}"), e.hint())
        }
        (None, _) => r.fail(
            "warp client",
            format!("no Cloudflare One Client (warp-cli is not on PATH): nothing sends {target} through Access for Infrastructure; ssh goes to it directly"),
            "install the Cloudflare One Client and enrol this device (Traffic and DNS mode), then run this check again; an Access application is reached by its hostname instead (zssh config with the application's hostname)",
        ),
    }
    let client = client.map(|(_, c)| c);
    // Why the client's own answers are missing, when they are: their layers are skipped.
    let unasked = match (&client, &program) {
        (None, Err(warp::Error::CannotRun { .. })) => {
            Some("the client cannot be run (see warp client), so it was not asked")
        }
        (None, _) => Some("there is no Cloudflare One Client to ask (see warp client)"),
        (Some(c), _) if c.settings.is_none() => {
            Some("the client's daemon does not answer (see warp client), so it was not asked")
        }
        (Some(_), _) => None,
    };
    (client, unasked)
}

fn client_verdict(
    r: &mut Report,
    program: &std::path::Path,
    status: &Result<warp::Status, warp::Error>,
) {
    let s = match status {
        Ok(s) => s,
        Err(e) => return r.fail("warp client", e.to_string(), e.hint()),
    };
    let reason = s
        .reason
        .as_ref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    match &s.state {
        warp::State::Connected => r.ok(
            "warp client",
            format!("the Cloudflare One Client is connected ({})", program.display()),
        ),
        warp::State::Connecting => r.add(
            "warp client",
            Status::Warn,
            format!("the Cloudflare One Client is still connecting{reason}"),
            Some("wait a moment; if it stays so: warp-cli disconnect, then warp-cli connect".into()),
        ),
        warp::State::Disconnected => r.fail(
            "warp client",
            format!("the Cloudflare One Client is disconnected{reason}: nothing goes through it"),
            "connect it: warp-cli connect (or the client's switch)",
        ),
        warp::State::Other(word) => r.fail(
            "warp client",
            format!("the Cloudflare One Client reports {word}{reason}"),
            "run warp-cli status; RegistrationMissing means this device is not enrolled in your Zero Trust organization yet (enrol it in the client)",
        ),
    }
}

/// The address ssh connects to: the HostName if it is an IP, else what the resolver says. A
/// target's hostname is a label in the target list, not a DNS name: ssh cannot use it, which is a
/// failure of its own (the checks go on with that target's IP).
fn resolve(r: &mut Report, target: &str, targets: &[Target], user: &str) -> Option<IpAddr> {
    if let Ok(ip) = target.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(Some(a)) = (target, 22).to_socket_addrs().map(|mut a| a.next()) {
        return Some(a.ip());
    }
    if let Some(t) = targets
        .iter()
        .find(|t| t.hostname.as_deref() == Some(target))
    {
        r.fail(
            "hostname",
            format!(
                "{target} is the hostname of a target ({}), but not a name ssh can resolve",
                t.ip
            ),
            format!(
                "ssh {user}@{}, or in ssh config: Host {target} with HostName {} (zssh config --warp-targets writes one for every target)",
                t.ip, t.ip
            ),
        );
        return Some(t.ip);
    }
    r.fail(
        "hostname",
        format!("{target} is neither an IP, nor a name the resolver knows, nor a target's hostname"),
        "ssh to the target's IP, or set HostName to it in ssh config (zssh targets lists the targets)",
    );
    None
}

fn mode_verdict(r: &mut Report, settings: Option<&Result<Settings, warp::Error>>) {
    let mode = match settings {
        Some(Ok(s)) => s.mode.clone(),
        Some(Err(e)) => {
            return r.add(
                "warp mode",
                Status::Warn,
                format!("cannot read the client's settings: {e}"),
                None,
            );
        }
        None => return r.skip("warp mode", "the client was not asked for its settings"),
    };
    let Some(mode) = mode else {
        return r.skip(
            "warp mode",
            "the client's settings name no mode, so which traffic it carries cannot be told",
        );
    };
    let m = mode.to_ascii_lowercase();
    // DNS only (1.1.1.1 / DoH mode) or the local proxy mode route no TCP to the Gateway.
    if m.contains("posture") {
        r.fail(
            "warp mode",
            format!("the client runs in mode {mode}, which only reports device posture and routes no traffic: nothing reaches the Gateway SSH proxy"),
            "switch the device profile to Traffic and DNS mode (Gateway with WARP), with the Gateway proxy for TCP on",
        );
    } else if m.contains("proxy") || (m.contains("dns") && !m.contains("warp")) {
        r.fail(
            "warp mode",
            format!("the client runs in mode {mode}, which sends no SSH traffic to the Gateway SSH proxy"),
            "switch the device profile to Traffic and DNS mode (Gateway with WARP), with the Gateway proxy for TCP on",
        );
    } else {
        r.ok("warp mode", format!("mode {mode}"));
    }
}

fn vnet_verdict(r: &mut Report, vnets: Option<&Result<Vnets, warp::Error>>, listed: &[&Target]) {
    let active = match vnets {
        Some(Ok(v)) => v.active_name(),
        // Clients without `vnet` are common: only a call cut short is worth a line.
        Some(Err(e @ (warp::Error::OutOfTime | warp::Error::Timeout(_)))) => {
            let detail = format!("cannot read the client's virtual networks: {e}");
            return r.add("warp vnet", Status::Warn, detail, Some(e.hint()));
        }
        Some(Err(e)) => {
            return r.skip(
                "warp vnet",
                format!("the client did not list its virtual networks ({e}); clients without virtual networks say so, which is fine unless the target is on one"),
            );
        }
        None => None,
    };
    let Some(active) = active else {
        return r.skip(
            "warp vnet",
            "the client shows no active virtual network, so the target's cannot be compared with it",
        );
    };
    let mut wanted: Vec<&str> = Vec::new();
    for v in listed.iter().filter_map(|t| t.vnet.as_deref()) {
        if !wanted.contains(&v) {
            wanted.push(v);
        }
    }
    if wanted.is_empty() || wanted.contains(&active.as_str()) {
        return r.ok("warp vnet", format!("virtual network {active}"));
    }
    r.fail(
        "warp vnet",
        format!(
            "the target is on virtual network {}, the client on {active}",
            wanted.join(", ")
        ),
        format!(
            "switch the client to {} (warp-cli vnet {}, or the client's virtual network menu)",
            wanted[0], wanted[0]
        ),
    );
}

fn route_verdict(r: &mut Report, ip: IpAddr, client: bool) -> Option<Route> {
    let route = match warp::route::lookup(ip) {
        Ok(route) => route,
        Err(why) => {
            r.fail(
                "route",
                format!("the kernel has no route to {ip}: {why}"),
                "connect the client (or the network) that reaches it",
            );
            return None;
        }
    };
    if route.tunnelled {
        r.ok(
            "route",
            format!(
                "the kernel sends {ip} through the client ({})",
                route.describe()
            ),
        );
    } else if client {
        r.fail(
            "route",
            format!("the kernel sends {ip} out {}, not through the client: no Access policy applies, and whatever answers there is not the Gateway SSH proxy", route.describe()),
            "route it through the client: connect it (see warp client) and keep the target out of the Split Tunnels exclusions, or in the inclusions (see split tunnel)",
        );
    } else {
        r.ok(
            "route",
            format!("the kernel sends {ip} out {}", route.describe()),
        );
    }
    Some(route)
}

fn split_verdict(r: &mut Report, settings: Option<&Result<Settings, warp::Error>>, ip: IpAddr) {
    let split = match settings {
        Some(Ok(Settings {
            split: Some(split), ..
        })) => split,
        Some(Ok(_)) => {
            return r.skip(
                "split tunnel",
                "the client's settings show no Split Tunnels list, so whether it keeps the target out cannot be told",
            );
        }
        Some(Err(e)) => {
            return r.skip(
                "split tunnel",
                format!("the client's settings could not be read ({e}), so its Split Tunnels list is unknown"),
            );
        }
        None => return r.skip("split tunnel", "the client was not asked for its settings"),
    };
    let covering = split.covering(ip);
    match split.mode {
        SplitMode::Exclude if covering.is_empty() => r.ok(
            "split tunnel",
            format!("Exclude mode: none of the {} exclude entries covers {ip}", split.entries.len()),
        ),
        SplitMode::Exclude => {
            let host = warp::settings::host_block(ip);
            let blocks: Vec<Cidr> = covering.iter().map(|(_, c)| *c).collect();
            let plan = ReAdd::new(&blocks, host);
            r.fail(
                "split tunnel",
                format!("{ip} is in the Split Tunnels exclude entry {}: the client leaves it to the local network", plan.names.join(" and ")),
                plan.fix(host),
            );
        }
        SplitMode::Include if covering.is_empty() => r.fail(
            "split tunnel",
            format!("Include mode, and no include entry covers {ip}: the client leaves it to the local network"),
            format!("add {} (or the target's network) to the Split Tunnels include list (Zero Trust: Settings, WARP Client, Device settings, Split Tunnels)", warp::settings::host_block(ip)),
        ),
        SplitMode::Include => r.ok(
            "split tunnel",
            format!("Include mode: {ip} is in the include entry {}", covering[0].1),
        ),
    }
}

/// What to do about the exclude entries that cover the target: delete each (named once), and
/// add back the rest of their union, which is the widest of them (blocks that share an address
/// are nested): the `zssh cidr exclude` computation.
struct ReAdd {
    names: Vec<String>,
    widest: Cidr,
    readd: Vec<String>,
}

impl ReAdd {
    /// `covering`: not empty, every block holding `host`.
    fn new(covering: &[Cidr], host: Cidr) -> ReAdd {
        let mut names: Vec<String> = Vec::new();
        for c in covering {
            let name = c.to_string();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let widest = covering
            .iter()
            .copied()
            .min_by_key(|c| c.len)
            .unwrap_or(host);
        let readd = cidr::exclude(widest, &[host])
            .iter()
            .map(Cidr::to_string)
            .collect();
        ReAdd {
            names,
            widest,
            readd,
        }
    }

    fn fix(&self, host: Cidr) -> String {
        let place = "in Zero Trust (Settings, WARP Client, Device settings, Split Tunnels)";
        if self.readd.is_empty() {
            return format!(
                "{place} delete {} from the exclude list; nothing needs to be added back (the entry is exactly this address)",
                self.names.join(" and ")
            );
        }
        format!(
            "{place} delete {} from the exclude list and add back these {} entries: {} (zssh cidr exclude {} --except {host}; to send the target's whole network through the client instead, give --except that network)",
            self.names.join(" and "),
            self.readd.len(),
            self.readd.join(", "),
            self.widest,
        )
    }
}

/// Listed, on which port, and whether the ssh user is among its usernames.
fn target_verdicts(
    r: &mut Report,
    targets: Option<&Result<warp::TargetList, warp::Error>>,
    ip: IpAddr,
    listed: &[&Target],
    view: &SshView,
) {
    let no_usernames = "no target of the list allows SSH to this address and port (see target), so there are no usernames to compare";
    let all = match targets {
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            r.add(
                "target",
                Status::Warn,
                format!("cannot list the targets: {e}"),
                Some(
                    "warp-cli target list needs client 2024.9.346.0 or later (not on mobile)"
                        .into(),
                ),
            );
            return r.skip(
                "username",
                "the target list could not be read (see target), so there are no usernames to compare",
            );
        }
        None => {
            let why = "the client was not asked for its targets";
            r.skip("target", why);
            return r.skip("username", why);
        }
    };
    if listed.is_empty() {
        let unread = match all.unreadable.len() {
            0 => String::new(),
            n => format!(" ({n} more entries could not be read)"),
        };
        r.fail(
            "target",
            format!("{ip} is not among the {} targets warp-cli target list shows for you{unread}", all.targets.len()),
            format!("ask your administrator for an Access for Infrastructure target for {ip} and a policy that allows you (zssh targets lists what you may reach)"),
        );
        return r.skip("username", no_usernames);
    }
    let name = listed[0].hostname.clone().unwrap_or_else(|| ip.to_string());
    let Some(on_port) = listed.iter().find(|t| t.port == view.port) else {
        let ports: Vec<String> = listed.iter().map(|t| t.port.to_string()).collect();
        r.fail(
            "target",
            format!(
                "ssh connects to port {}, but target {name} allows SSH on port {}",
                view.port,
                ports.join(", ")
            ),
            format!(
                "ssh -p {} {ip} (or Port {} in ssh config)",
                ports[0], ports[0]
            ),
        );
        return r.skip("username", no_usernames);
    };
    r.ok(
        "target",
        format!(
            "{name} ({ip}{}) allows SSH on port {}",
            on_port
                .vnet
                .as_ref()
                .map(|v| format!(", virtual network {v}"))
                .unwrap_or_default(),
            on_port.port
        ),
    );
    username_verdict(r, on_port, &name, ip, &view.user);
}

fn username_verdict(r: &mut Report, t: &Target, name: &str, ip: IpAddr, user: &str) {
    if t.usernames.iter().any(|u| u == user) {
        return r.ok(
            "username",
            format!("{user} is among the usernames the policy allows on {name}"),
        );
    }
    let prefix = "if the policy allows the e-mail prefix, your lowercased e-mail local part works too (Jdoe@company.com: jdoe); the user must exist on the server";
    if t.usernames.is_empty() {
        return r.add(
            "username",
            Status::Warn,
            format!("the target list shows no usernames for {name}"),
            Some(prefix.into()),
        );
    }
    let first = &t.usernames[0];
    r.fail(
        "username",
        format!(
            "ssh logs in as {user}, but the policy allows only {} on {name}",
            t.usernames.join(", ")
        ),
        format!("ssh {first}@{ip} (or User {first} in ssh config); {prefix}"),
    );
}

/// TCP to the ssh port, and the host key shown there against known_hosts.
/// `path`: whether the route is tunnelled, and the fix when the port cannot be reached.
async fn reach_verdicts(
    r: &mut Report,
    args: &DoctorArgs,
    host: &str,
    ip: IpAddr,
    view: &SshView,
    (tunnelled, unreached): (bool, &str),
) {
    let port = view.port;
    let kh = known_hosts::parse_ssh_g(&view.raw);
    // ssh looks the key up under the HostKeyAlias, else the HostName as written (not its IP).
    let name = kh.host_key_alias.clone().unwrap_or_else(|| {
        let hostname = kh.hostname.clone().unwrap_or_else(|| ip.to_string());
        known_hosts::lookup_name(&hostname, port)
    });
    let stored = stored_keys(&kh, &name);
    let prefer: Vec<String> = stored.iter().map(|k| k.algo.clone()).collect();
    let key = match hostkey::fetch_direct(&ip.to_string(), port, &prefer).await {
        Ok(key) => key,
        Err(FetchError::Handshake(why)) => {
            let detail = format!("{ip} port {port} accepts TCP but shows no SSH host key: {why}");
            r.fail("tcp", detail, unreached);
            return r.skip(
                "host key",
                "no SSH handshake completed (see tcp), so there is no host key to compare with known_hosts",
            );
        }
        Err(e) => {
            r.fail(
                "tcp",
                format!("cannot reach {ip} port {port}: {e}"),
                unreached,
            );
            return r.skip(
                "host key",
                format!("no TCP connection to {ip} port {port} (see tcp), so there is no host key to compare with known_hosts"),
            );
        }
    };
    r.ok(
        "tcp",
        format!("{ip} port {port} accepts TCP and shows an SSH host key"),
    );
    let mut repair = format!(
        "zssh known-hosts repair --direct {port} {}",
        crate::human::shell_word(host)
    );
    if let Some(f) = &args.ssh_config {
        let f = crate::human::shell_word(&f.display().to_string());
        repair.push_str(&format!(" --ssh-config {f}"));
    }
    let new = key.fingerprint();
    if stored.contains(&key) {
        return r.ok(
            "host key",
            format!("known_hosts holds the key {ip} shows ({new}, as {name})"),
        );
    }
    // --fix: the repair shows both keys and asks on the terminal before it changes anything.
    if args.fix && repaired(args, port, host) {
        let detail = format!("known_hosts now holds the key {ip} shows ({new})");
        return r.add("host key", Status::Fixed, detail, None);
    }
    if stored.is_empty() {
        return r.add(
            "host key",
            Status::Warn,
            format!(
                "known_hosts has no entry for {name}: ssh will ask you to trust {new} on first use"
            ),
            Some(repair),
        );
    }
    let old: Vec<String> = stored.iter().map(Key::fingerprint).collect();
    let why = if tunnelled {
        "through the client the Gateway SSH proxy presents its own host key, not the server's: the entry is the server's key from the direct path (or the proxy's from before the account rotated it)"
    } else {
        "the address now reaches a different machine, or its key was changed"
    };
    r.fail(
        "host key",
        format!("known_hosts holds {} for {name}, but {ip} shows {new}: ssh will refuse (REMOTE HOST IDENTIFICATION HAS CHANGED); {why}", old.join(", ")),
        format!("{repair} (check {new} with your administrator first); zssh config --warp-targets gives every target one HostKeyAlias for the proxy's key, apart from the server's direct key"),
    );
}

/// `zssh known-hosts repair --direct PORT HOST` against the same ssh config; true when it
/// repaired (it asks first, on the terminal; without one it refuses).
fn repaired(args: &DoctorArgs, port: u16, host: &str) -> bool {
    let me = std::env::current_exe().unwrap_or_else(|_| "zssh".into());
    let mut cmd = std::process::Command::new(me);
    cmd.args(["known-hosts", "repair", "--direct", &port.to_string()]);
    if let Some(f) = &args.ssh_config {
        cmd.arg("--ssh-config").arg(f);
    }
    // A host that starts with '-' is a host, not an option.
    super::probe(&mut cmd)
        .args(["--", host])
        .stdout(super::to_stderr())
        .status()
        .is_ok_and(|s| s.success())
}

/// The keys known_hosts holds (no markers) under `name`, in every file ssh reads.
fn stored_keys(view: &known_hosts::SshView, name: &str) -> Vec<Key> {
    let home = crate::paths::home().ok();
    view.user_files
        .iter()
        .chain(&view.global_files)
        .map(|f| match (f.strip_prefix("~/"), &home) {
            (Some(rest), Some(h)) => h.join(rest),
            _ => PathBuf::from(f),
        })
        .filter_map(|p| {
            crate::fsutil::read_regular(&p, crate::userfile::MAX_FILE)
                .ok()
                .flatten()
        })
        .flat_map(|bytes| KnownHosts::parse(&bytes).lookup(name))
        .filter(|f| f.marker.is_none())
        .map(|f| f.key)
        .collect()
}

/// What this path cannot carry, when ssh config asks for it.
fn limits_verdict(r: &mut Report, view: &SshView) {
    if view.forwards.is_empty() {
        return;
    }
    r.add(
        "limits",
        Status::Warn,
        format!("ssh config asks for {}: the Gateway SSH proxy carries no port, agent or X11 forwarding; sessions are also cut after about 10 h", view.forwards.join(", ")),
        Some("drop the forwardings for this host; for long work, ControlMaster auto with ControlPersist reconnects at once".into()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidrs(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|c| Cidr::parse(c).unwrap()).collect()
    }

    #[test]
    fn the_re_add_list_is_the_rest_of_the_union_of_the_covering_entries() {
        let host = Cidr::parse("10.1.2.3/32").unwrap();
        // Python: sorted(str(n) for n in ip_network("10.0.0.0/8").address_exclude(ip_network("10.1.2.3/32")))
        let mut python = vec![
            "10.0.0.0/16",
            "10.1.0.0/23",
            "10.1.128.0/17",
            "10.1.16.0/20",
            "10.1.2.0/31",
            "10.1.2.128/25",
            "10.1.2.16/28",
            "10.1.2.2/32",
            "10.1.2.32/27",
            "10.1.2.4/30",
            "10.1.2.64/26",
            "10.1.2.8/29",
            "10.1.3.0/24",
            "10.1.32.0/19",
            "10.1.4.0/22",
            "10.1.64.0/18",
            "10.1.8.0/21",
            "10.128.0.0/9",
            "10.16.0.0/12",
            "10.2.0.0/15",
            "10.32.0.0/11",
            "10.4.0.0/14",
            "10.64.0.0/10",
            "10.8.0.0/13",
        ];
        python.sort();
        // Nested entries, one listed twice, in any order: each named once, one re-add list.
        for covering in [
            vec!["10.0.0.0/8"],
            vec!["10.1.0.0/16", "10.0.0.0/8", "10.1.2.3/32", "10.0.0.0/8"],
        ] {
            let plan = ReAdd::new(&cidrs(&covering), host);
            let mut got = plan.readd.clone();
            got.sort();
            assert_eq!(got, python, "{covering:?}");
            let mut names = covering.clone();
            names.truncate(3);
            assert_eq!(
                plan.names, names,
                "each entry named once, in the order listed"
            );
            assert_eq!(plan.widest.to_string(), "10.0.0.0/8");
            let fix = plan.fix(host);
            assert!(fix.contains("add back these 24 entries: "), "{fix}");
        }
        // The target's own /32: delete it, nothing to add back.
        let plan = ReAdd::new(&cidrs(&["10.1.2.3/32"]), host);
        let fix = plan.fix(host);
        assert!(plan.readd.is_empty());
        assert!(!fix.contains("add back these"), "{fix}");
        assert!(
            fix.contains(
                "delete 10.1.2.3/32 from the exclude list; nothing needs to be added back"
            ),
            "{fix}"
        );
    }
}
