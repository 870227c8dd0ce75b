//! A stand-in for `warp-cli` (the Cloudflare One Client's command line, which cannot be installed
//! here): a script on `PATH` that prints, for each argument list, the answer the test wrote,
//! in the shapes ../shared/docs/warp-path.md documents. `-j` picks the `.json` answer when the
//! test wrote one (else the text one, as a client without JSON for that command would); an
//! answer's exit status is in `NAME.exit` (default 0); an unknown command exits 2. Every call is
//! recorded, so a test can assert the stand-in was asked.

use std::path::{Path, PathBuf};

use super::set_mode;

/// The documented `warp-cli target list` sample, with the targets a test chooses.
pub fn target_table(rows: &[(&str, u16, &str, &str, &str)], header_users: &str) -> String {
    let mut t = String::from(
        "╭──────────────────────────────────────┬──────────┬───────┬───────────────────────┬──────────────────────┬────────────╮\n",
    );
    t.push_str(&format!(
        "│ Target ID                            │ Protocol │ Port  │ Attributes            │ IP (Virtual Network) │ {header_users} │\n"
    ));
    for (i, (hostname, port, ip, vnet, users)) in rows.iter().enumerate() {
        t.push_str("├──────────────────────────────────────┼──────────┼───────┼───────────────────────┼──────────────────────┼────────────┤\n");
        t.push_str(&format!(
            "│ 0193f22a-9df3-78e3-b5bb-7ab63190330{i} │ SSH      │ {port:<5} │ hostname: {hostname:<11} │ {:<20} │ {users:<10} │\n",
            format!("{ip} ({vnet})")
        ));
    }
    t.push_str("╰──────────────────────────────────────┴──────────┴───────┴───────────────────────┴──────────────────────┴────────────╯\n");
    t
}

/// The default Split Tunnels exclude list (warp-path.md), as `warp-cli -j settings` prints it.
pub fn default_settings_json() -> String {
    let ips: Vec<String> = [
        ("10.0.0.0/8", ""),
        ("100.64.0.0/10", ""),
        ("169.254.0.0/16", "DHCP Unspecified"),
        ("172.16.0.0/12", ""),
        ("192.0.0.0/24", ""),
        ("192.168.0.0/16", ""),
        ("224.0.0.0/24", ""),
        ("240.0.0.0/4", ""),
        ("255.255.255.255/32", "DHCP Broadcast"),
        ("fe80::/10", "IPv6 Link Local"),
        ("fd00::/8", ""),
        ("ff01::/16", ""),
        ("ff02::/16", ""),
        ("ff03::/16", ""),
        ("ff04::/16", ""),
        ("ff05::/16", ""),
    ]
    .iter()
    .map(|(v, d)| format!("{{\"value\":\"{v}\",\"description\":\"{d}\"}}"))
    .collect();
    format!(
        "{{\"settings\":{{\"operation_mode\":\"WarpWithDnsOverHttps\",\"split_tunnel_mode\":\"Exclude\",\"split_tunnel_ips\":[{}],\"split_tunnel_hosts\":[],\"always_on\":true}}}}\n",
        ips.join(",")
    )
}

pub struct WarpCli {
    /// Put this directory first on PATH.
    pub bin: PathBuf,
    answers: PathBuf,
}

impl WarpCli {
    pub fn new(dir: &Path) -> WarpCli {
        let bin = dir.join("warp-bin");
        let answers = dir.join("warp-answers");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&answers).unwrap();
        let script = bin.join("warp-cli");
        std::fs::write(
            &script,
            format!(
                r#"#!/bin/sh
dir='{}'
ext=
if [ "$1" = "-j" ] || [ "$1" = "--json" ]; then ext=.json; shift; fi
echo "$ext $*" >> "$dir/calls"
name=$(echo "$*" | tr ' ' '_')
f="$dir/$name$ext"
[ -f "$f" ] || f="$dir/$name"
[ -f "$f" ] || {{ echo "error: unrecognized subcommand '$1'" >&2; exit 2; }}
cat "$f"
exit "$(cat "$f.exit" 2>/dev/null || echo 0)"
"#,
                answers.display()
            ),
        )
        .unwrap();
        set_mode(&script, 0o755);
        WarpCli { bin, answers }
    }

    /// The answer to `warp-cli [-j] ARGS` (`json` picks which), exiting `code`.
    pub fn answer(&self, args: &str, json: bool, body: &str, code: i32) -> &WarpCli {
        let name = args.replace(' ', "_") + if json { ".json" } else { "" };
        let file = self.answers.join(&name);
        std::fs::write(&file, body).unwrap();
        std::fs::write(self.answers.join(name + ".exit"), code.to_string()).unwrap();
        self
    }

    /// No answer to `warp-cli [-j] ARGS` at all (a client without that command).
    pub fn unknown(&self, args: &str) -> &WarpCli {
        let name = args.replace(' ', "_");
        for f in [name.clone(), name + ".json"] {
            let _ = std::fs::remove_file(self.answers.join(f));
        }
        self
    }

    /// A connected client with the default settings, one virtual network and these targets.
    pub fn connected(&self, table: &str) -> &WarpCli {
        self.answer("status", true, "{\"status\":\"Connected\"}\n", 0)
            .answer("settings", true, &default_settings_json(), 0)
            .answer(
                "vnet",
                true,
                "{\"virtual_networks\":[{\"id\":\"a1\",\"name\":\"a1net\"}],\"active_vnet_id\":\"a1\"}\n",
                0,
            )
            .answer("target list", false, table, 0)
    }

    /// The daemon is stopped: every command answers the error body, with exit 0.
    pub fn daemon_down(&self) -> &WarpCli {
        let body = "{\"code\":\"FailedToConnectToDaemon\",\"error\":\"Is warp-svc running?\"}\n";
        for cmd in ["status", "settings", "vnet", "target list"] {
            self.answer(cmd, true, body, 0);
        }
        self
    }

    /// The argument lists it was called with, one per line (`.json ` first with `-j`).
    pub fn calls(&self) -> String {
        std::fs::read_to_string(self.answers.join("calls")).unwrap_or_default()
    }

    /// PATH with the stand-in first.
    pub fn path(&self) -> std::ffi::OsString {
        let rest = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![self.bin.clone()];
        dirs.extend(std::env::split_paths(&rest));
        std::env::join_paths(dirs).unwrap()
    }
}
