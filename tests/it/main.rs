//! zssh's integration tests: one binary, real processes, real sockets on loopback, real OpenSSH.

// Test code reports on a captured stderr: zssh's rule (no eprintln!, which panics on a
// broken stderr) is for the binary people run.
#![allow(clippy::disallowed_macros)]

mod support;

mod cached_hostile;
mod cached_path;
mod cert;
mod cert_parallel;
mod chromium;
mod cidr;
mod cli;
mod config;
mod deb;
mod discovery;
mod doctor;
mod fetch_ca;
mod first_hour;
mod hostile_env;
mod impostor;
mod keyring;
mod known_hosts;
mod log_key;
mod login;
mod logs;
mod netns;
mod proxy;
mod proxy_faults;
mod relay;
mod server;
mod warp;
