//! `zssh cidr exclude`: the binary's output for known cases, its usage errors, and random small
//! ranges checked against enumeration.

use std::process::Command;

use crate::support::{assert_ok, assert_zssh_error, run, text, zssh_bin};

fn exclude(base: &str, except: &str) -> std::process::Output {
    run(Command::new(zssh_bin()).args(["cidr", "exclude", base, "--except", except]))
}

fn lines(out: &std::process::Output) -> Vec<String> {
    assert_ok(out);
    text(&out.stdout).lines().map(str::to_string).collect()
}

#[test]
fn split_tunnel_example() {
    let out = exclude("172.16.0.0/12", "172.31.0.0/16,172.28.0.0/15");
    assert_eq!(
        lines(&out),
        ["172.16.0.0/13", "172.24.0.0/14", "172.30.0.0/16"]
    );
}

#[test]
fn repeated_except_and_ipv6() {
    let out = run(Command::new(zssh_bin()).args([
        "cidr",
        "exclude",
        "fd00::/8",
        "--except",
        "fd12::/16",
        "--except",
        "fd00::/12",
    ]));
    assert_eq!(
        lines(&out),
        [
            "fd10::/15",
            "fd13::/16",
            "fd14::/14",
            "fd18::/13",
            "fd20::/11",
            "fd40::/10",
            "fd80::/9"
        ]
    );
}

#[test]
fn except_outside_base_is_noted_and_ignored() {
    let out = exclude("10.0.0.0/8", "192.168.0.0/16");
    assert_eq!(lines(&out), ["10.0.0.0/8"]);
    assert!(
        text(&out.stderr).contains("192.168.0.0/16 is outside 10.0.0.0/8"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn everything_excluded_prints_nothing() {
    let out = exclude("10.1.0.0/16", "10.0.0.0/8");
    assert!(lines(&out).is_empty());
}

#[test]
fn usage_errors() {
    let out = exclude("10.0.0.1/8", "10.1.0.0/16");
    assert_zssh_error(&out, 2, "10.0.0.1/8 has host bits set");
    assert!(text(&out.stderr).contains("10.0.0.0/8"));
    let out = exclude("10.0.0.0/8", "10.1.0.1/16");
    assert_zssh_error(&out, 2, "10.1.0.1/16 has host bits set");
    assert!(text(&out.stderr).contains("10.1.0.0/16"));
    assert_zssh_error(&exclude("10.0.0.0/8", "fd00::/8"), 2, "IPv6");
    assert_zssh_error(&exclude("10.0.0.0/33", "10.0.0.0/9"), 2, "not a CIDR");
    assert_zssh_error(&exclude("nonsense", "10.0.0.0/9"), 2, "not a CIDR");
}

fn parse(c: &str) -> (u32, u32) {
    let (a, l) = c.split_once('/').unwrap();
    (
        u32::from(a.parse::<std::net::Ipv4Addr>().unwrap()),
        l.parse().unwrap(),
    )
}

/// Random /24 bases minus random /26../32 excepts, checked address by address.
#[test]
fn random_small_ranges_cover_exactly() {
    let mut seed: u64 = 0x1234_5678_9abc_def1;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..25 {
        let base = (next() as u32) & 0xffff_ff00;
        let mut except = Vec::new();
        for _ in 0..1 + next() % 5 {
            let len = 26 + (next() % 7) as u32;
            let addr = (base | (next() as u32 & 0xff)) & !((1u32 << (32 - len)) - 1);
            except.push((addr, len));
        }
        let base_s = format!("{}/24", std::net::Ipv4Addr::from(base));
        let except_s: Vec<String> = except
            .iter()
            .map(|(a, l)| format!("{}/{l}", std::net::Ipv4Addr::from(*a)))
            .collect();
        let got = lines(&exclude(&base_s, &except_s.join(",")));
        let mut covered = [false; 256];
        let mut prev_end: Option<u32> = None;
        for c in &got {
            let (a, l) = parse(c);
            let size = 1u32 << (32 - l);
            assert_eq!(a % size, 0, "{c} aligned");
            if let Some(p) = prev_end {
                assert!(a > p, "sorted and disjoint: {got:?}");
            }
            prev_end = Some(a + size - 1);
            for x in a..a + size {
                assert!(x & 0xffff_ff00 == base, "{c} inside {base_s}");
                let i = (x & 0xff) as usize;
                assert!(!covered[i], "overlap in {got:?}");
                covered[i] = true;
            }
        }
        for (i, &cov) in covered.iter().enumerate() {
            let x = base | i as u32;
            let excluded = except
                .iter()
                .any(|(a, l)| x & !((1u32 << (32 - l)) - 1) == *a);
            assert_eq!(
                cov, !excluded,
                "{base_s} except {except_s:?}: address .{i} in {got:?}"
            );
        }
        for w in got.windows(2) {
            let ((a, la), (b, lb)) = (parse(&w[0]), parse(&w[1]));
            let mergeable = la == lb && la > 0 && (a ^ b) == 1u32 << (32 - la);
            assert!(!mergeable, "{} and {} merge: not minimal", w[0], w[1]);
        }
    }
}
