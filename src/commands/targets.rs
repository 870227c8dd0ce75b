//! `zssh targets [--json]`: the Access for Infrastructure targets this user may reach (what
//! `warp-cli target list` shows), each with whether the kernel routes its IP through the
//! Cloudflare One Client now. The client must be installed, its daemon running and connected:
//! otherwise one error naming which, with the fix, and exit 9 (`Exit::Warp`).

use std::collections::HashMap;
use std::net::IpAddr;

use serde::Serialize;

use crate::cli::TargetsArgs;
use crate::error::UserError;
use crate::exit::Exit;
use crate::warp::{self, Target};

/// One target and the route to it now.
#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    target: Target,
    /// Whether the kernel sends the IP through the client (`null`: the route is unknown).
    tunnelled: Option<bool>,
    /// `dev CloudflareWARP table 65743`, `dev eth0 via 192.0.2.1`, or why it is unknown.
    route: String,
}

impl Row {
    /// `routes`: what the kernel said for each address asked so far (several targets, or one
    /// target on several ports, share an address: it is looked up once).
    fn new(target: Target, routes: &mut HashMap<IpAddr, (Option<bool>, String)>) -> Row {
        let (tunnelled, route) = routes
            .entry(target.ip)
            .or_insert_with(|| match warp::route::lookup(target.ip) {
                Ok(r) => (Some(r.tunnelled), r.describe()),
                Err(why) => (None, format!("unknown: {why}")),
            })
            .clone();
        Row {
            target,
            tunnelled,
            route,
        }
    }

    fn route_cell(&self) -> String {
        match self.tunnelled {
            Some(true) => format!("tunnelled ({})", self.route),
            Some(false) => format!("NOT tunnelled ({})", self.route),
            None => self.route.clone(),
        }
    }
}

/// The client must be there and connected: otherwise the list (and the routes) mislead.
fn connected_client() -> Result<(), UserError> {
    let status = warp::status()?;
    if status.connected() {
        return Ok(());
    }
    let reason = status.reason.map(|r| format!(" ({r})")).unwrap_or_default();
    Err(UserError::new(
        Exit::Warp,
        format!(
            "the Cloudflare One Client is not connected: {}{reason}",
            status.state.name()
        ),
        "connect it (warp-cli connect, or the client's switch), then run zssh targets again",
    ))
}

pub fn run(args: TargetsArgs) -> Result<Exit, UserError> {
    connected_client()?;
    let list = warp::target_list().map_err(|e| {
        let mut err = UserError::from(e.clone());
        if matches!(e, warp::Error::Failed(_) | warp::Error::Unreadable(_)) {
            err.hint = "warp-cli target list needs client 2024.9.346.0 or later (not on mobile): update the client (warp-cli --version shows yours)".into();
        }
        err
    })?;
    for u in &list.unreadable {
        let id = u.id.as_deref().unwrap_or("with no target ID");
        crate::errln!(
            "zssh: note: a row of warp-cli target list could not be read (target {id}: {}); not shown",
            u.why
        );
    }
    let mut routes = HashMap::new();
    let rows: Vec<Row> = list
        .targets
        .into_iter()
        .map(|t| Row::new(t, &mut routes))
        .collect();
    if args.json {
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        );
        return Ok(Exit::Ok);
    }
    if rows.is_empty() {
        if list.unreadable.is_empty() {
            crate::errln!("zssh: note: warp-cli target list shows no targets for this user");
        }
        return Ok(Exit::Ok);
    }
    crate::out!("{}", table(&rows));
    let mut direct: Vec<String> = Vec::new();
    let mut named = std::collections::HashSet::new();
    for r in rows.iter().filter(|r| r.tunnelled == Some(false)) {
        if named.insert(r.target.ip) {
            direct.push(r.target.ip.to_string());
        }
    }
    if let Some(first) = direct.first() {
        crate::errln!(
            "zssh: note: not routed through the client: {}; zssh doctor {first} says why and how to fix it",
            direct.join(", ")
        );
    }
    Ok(Exit::Ok)
}

/// The rows as aligned columns.
fn table(rows: &[Row]) -> String {
    let header = ["HOSTNAME", "IP", "VNET", "PORT", "USERNAMES", "ROUTE"].map(String::from);
    let cells: Vec<[String; 6]> = std::iter::once(header)
        .chain(rows.iter().map(|r| {
            let t = &r.target;
            [
                t.hostname.clone().unwrap_or_else(|| "-".into()),
                t.ip.to_string(),
                t.vnet.clone().unwrap_or_else(|| "-".into()),
                t.port.to_string(),
                if t.usernames.is_empty() {
                    "-".into()
                } else {
                    t.usernames.join(",")
                },
                r.route_cell(),
            ]
        }))
        .collect();
    let mut widths = [0usize; 6];
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for row in &cells {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
