//! CIDR arithmetic for Split Tunnel lists: a base range minus some excluded ranges, as the
//! minimal sorted list of aligned blocks. Both families use u128 arithmetic; IPv4 addresses live
//! in the low 32 bits.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The address family of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn bits(self) -> u32 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }
}

/// An aligned block: `addr/len` with no host bits set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub family: Family,
    pub addr: u128,
    pub len: u32,
}

/// Why a CIDR text was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Not an address, or a prefix length that is not a number in range.
    Invalid(String),
    /// Host bits set; carries the corrected (masked) form.
    HostBits { given: String, corrected: Cidr },
}

/// `2^k - 1` without overflow for k = 128.
fn low_mask(k: u32) -> u128 {
    if k >= 128 {
        u128::MAX
    } else {
        (1u128 << k) - 1
    }
}

impl Cidr {
    /// The first address.
    pub fn first(&self) -> u128 {
        self.addr
    }

    /// The last address (inclusive).
    pub fn last(&self) -> u128 {
        self.addr | low_mask(self.family.bits() - self.len)
    }

    /// Whether the two blocks share any address (same family).
    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.family == other.family && self.first() <= other.last() && other.first() <= self.last()
    }

    /// Whether `ip` is in the block.
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        let (family, value) = match ip {
            std::net::IpAddr::V4(v4) => (Family::V4, u128::from(u32::from(v4))),
            std::net::IpAddr::V6(v6) => (Family::V6, u128::from(v6)),
        };
        self.family == family && self.first() <= value && value <= self.last()
    }

    /// Parse `ADDR/LEN` (or a bare address, meaning a single host).
    pub fn parse(text: &str) -> Result<Cidr, ParseError> {
        let t = text.trim();
        let invalid = || ParseError::Invalid(t.to_string());
        let (addr_text, len_text) = match t.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (t, None),
        };
        let ip: IpAddr = addr_text.parse().map_err(|_| invalid())?;
        let (family, addr) = match ip {
            IpAddr::V4(v4) => (Family::V4, u128::from(u32::from(v4))),
            IpAddr::V6(v6) => (Family::V6, u128::from(v6)),
        };
        let len = match len_text {
            None => family.bits(),
            Some(l) => {
                if l.is_empty() || !l.bytes().all(|b| b.is_ascii_digit()) || l.len() > 3 {
                    return Err(invalid());
                }
                let n: u32 = l.parse().map_err(|_| invalid())?;
                if n > family.bits() {
                    return Err(invalid());
                }
                n
            }
        };
        let host = low_mask(family.bits() - len);
        let cidr = Cidr {
            family,
            addr: addr & !host,
            len,
        };
        if addr & host != 0 {
            return Err(ParseError::HostBits {
                given: t.to_string(),
                corrected: cidr,
            });
        }
        Ok(cidr)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.family {
            // IPv4 values are always below 2^32 by construction.
            Family::V4 => write!(f, "{}/{}", Ipv4Addr::from(self.addr as u32), self.len),
            Family::V6 => write!(f, "{}/{}", Ipv6Addr::from(self.addr), self.len),
        }
    }
}

/// The minimal list of aligned blocks covering exactly `first..=last`, in address order.
pub fn range_to_cidrs(family: Family, first: u128, last: u128) -> Vec<Cidr> {
    let bits = family.bits();
    let mut out = Vec::new();
    if first > last {
        return out;
    }
    let mut start = first;
    loop {
        // The largest block that starts at `start` (alignment) and ends at or before `last`.
        let align = if start == 0 {
            bits
        } else {
            start.trailing_zeros().min(bits)
        };
        let mut k = align;
        while start.checked_add(low_mask(k)).is_none_or(|end| end > last) {
            k -= 1;
        }
        let block = Cidr {
            family,
            addr: start,
            len: bits - k,
        };
        out.push(block);
        let end = block.last();
        if end >= last {
            break;
        }
        start = end + 1;
    }
    out
}

/// `base` minus every block in `except` (which must be of the same family; blocks outside
/// `base` are simply ignored), as the minimal sorted list of aligned blocks.
pub fn exclude(base: Cidr, except: &[Cidr]) -> Vec<Cidr> {
    let mut holes: Vec<(u128, u128)> = except
        .iter()
        .filter(|e| e.family == base.family && base.overlaps(e))
        .map(|e| (e.first().max(base.first()), e.last().min(base.last())))
        .collect();
    holes.sort_unstable();
    let mut out = Vec::new();
    // `cursor` is the next address not yet accounted for; None once past the end of base.
    let mut cursor = Some(base.first());
    for (first, last) in holes {
        let Some(c) = cursor else { break };
        if first > c {
            out.extend(range_to_cidrs(base.family, c, first - 1));
        }
        if last >= c {
            cursor = if last >= base.last() {
                None
            } else {
                Some(last + 1)
            };
        }
    }
    if let Some(c) = cursor {
        out.extend(range_to_cidrs(base.family, c, base.last()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr {
        Cidr::parse(s).unwrap()
    }

    fn strs(v: &[Cidr]) -> Vec<String> {
        v.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn parse_and_display() {
        assert_eq!(c("10.0.0.0/8").to_string(), "10.0.0.0/8");
        assert_eq!(c("10.1.2.3").to_string(), "10.1.2.3/32");
        assert_eq!(c("fd00::/8").to_string(), "fd00::/8");
        assert_eq!(c("::/0").last(), u128::MAX);
        assert_eq!(c("0.0.0.0/0").last(), u128::from(u32::MAX));
        assert!(matches!(
            Cidr::parse("10.0.0.1/8"),
            Err(ParseError::HostBits { corrected, .. }) if corrected.to_string() == "10.0.0.0/8"
        ));
        for bad in [
            "10.0.0.0/33",
            "x/8",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "::/129",
            "",
            "1.2.3/8",
        ] {
            assert!(
                matches!(Cidr::parse(bad), Err(ParseError::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn table() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            (
                "172.16.0.0/12",
                &["172.31.0.0/16", "172.28.0.0/15"],
                &["172.16.0.0/13", "172.24.0.0/14", "172.30.0.0/16"],
            ),
            ("10.0.0.0/8", &["10.0.0.0/8"], &[]),
            ("10.0.0.0/8", &["0.0.0.0/0"], &[]),
            ("10.0.0.0/8", &["192.168.0.0/16"], &["10.0.0.0/8"]),
            (
                "10.0.0.0/30",
                &["10.0.0.1/32"],
                &["10.0.0.0/32", "10.0.0.2/31"],
            ),
            (
                "0.0.0.0/0",
                &["10.0.0.0/8"],
                &[
                    "0.0.0.0/5",
                    "8.0.0.0/7",
                    "11.0.0.0/8",
                    "12.0.0.0/6",
                    "16.0.0.0/4",
                    "32.0.0.0/3",
                    "64.0.0.0/2",
                    "128.0.0.0/1",
                ],
            ),
            (
                "0.0.0.0/0",
                &["255.255.255.255/32"],
                &[
                    "0.0.0.0/1",
                    "128.0.0.0/2",
                    "192.0.0.0/3",
                    "224.0.0.0/4",
                    "240.0.0.0/5",
                    "248.0.0.0/6",
                    "252.0.0.0/7",
                    "254.0.0.0/8",
                    "255.0.0.0/9",
                    "255.128.0.0/10",
                    "255.192.0.0/11",
                    "255.224.0.0/12",
                    "255.240.0.0/13",
                    "255.248.0.0/14",
                    "255.252.0.0/15",
                    "255.254.0.0/16",
                    "255.255.0.0/17",
                    "255.255.128.0/18",
                    "255.255.192.0/19",
                    "255.255.224.0/20",
                    "255.255.240.0/21",
                    "255.255.248.0/22",
                    "255.255.252.0/23",
                    "255.255.254.0/24",
                    "255.255.255.0/25",
                    "255.255.255.128/26",
                    "255.255.255.192/27",
                    "255.255.255.224/28",
                    "255.255.255.240/29",
                    "255.255.255.248/30",
                    "255.255.255.252/31",
                    "255.255.255.254/32",
                ],
            ),
            (
                "fd00::/8",
                &["fd12::/16"],
                &[
                    "fd00::/12",
                    "fd10::/15",
                    "fd13::/16",
                    "fd14::/14",
                    "fd18::/13",
                    "fd20::/11",
                    "fd40::/10",
                    "fd80::/9",
                ],
            ),
            ("::/0", &["::/1"], &["8000::/1"]),
            ("::/0", &["8000::/1"], &["::/1"]),
            ("::/0", &[], &["::/0"]),
            // Duplicate and nested excepts.
            (
                "10.0.0.0/24",
                &["10.0.0.0/25", "10.0.0.0/26", "10.0.0.0/25"],
                &["10.0.0.128/25"],
            ),
        ];
        for (base, except, want) in cases {
            let ex: Vec<Cidr> = except.iter().map(|s| c(s)).collect();
            let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
            let got = strs(&exclude(c(base), &ex));
            // The table lists fd00::/8's pieces unsorted for readability; compare as sets of
            // strings but check ordering separately below.
            let mut sorted_got = got.clone();
            sorted_got.sort();
            want.sort();
            assert_eq!(sorted_got, want, "{base} except {except:?}");
            let got_cidrs = exclude(c(base), &ex);
            assert!(got_cidrs.windows(2).all(|w| w[0].last() < w[1].first()));
        }
    }

    #[test]
    fn range_edges() {
        assert_eq!(
            strs(&range_to_cidrs(Family::V6, 0, u128::MAX)),
            vec!["::/0"]
        );
        assert_eq!(strs(&range_to_cidrs(Family::V6, 1, u128::MAX)).len(), 128);
        assert_eq!(
            strs(&range_to_cidrs(Family::V4, 0, u128::from(u32::MAX))),
            vec!["0.0.0.0/0"]
        );
    }
    /// A small deterministic PRNG (xorshift64*), so failures reproduce.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Check `exclude` against enumeration: exact cover of base∖except, disjoint, aligned,
    /// sorted, and minimal (no two outputs are the halves of one aligned block).
    fn brute(family: Family, base: Cidr, except: &[Cidr]) {
        let out = exclude(base, except);
        let size = (base.last() - base.first() + 1) as usize;
        let mut want = vec![true; size];
        for e in except {
            for a in e.first().max(base.first())..=e.last().min(base.last()) {
                if e.first() <= base.last() && e.last() >= base.first() {
                    want[(a - base.first()) as usize] = false;
                }
            }
        }
        let mut got = vec![false; size];
        for c in &out {
            assert_eq!(c.family, family);
            let host = low_mask(family.bits() - c.len);
            assert_eq!(c.addr & host, 0, "{c} aligned");
            assert!(
                base.first() <= c.first() && c.last() <= base.last(),
                "{c} inside {base}"
            );
            for a in c.first()..=c.last() {
                let i = (a - base.first()) as usize;
                assert!(!got[i], "{c} overlaps another output");
                got[i] = true;
            }
        }
        assert_eq!(got, want, "{base} except {except:?} gave {out:?}");
        for w in out.windows(2) {
            assert!(w[0].last() < w[1].first(), "sorted");
        }
        for (i, a) in out.iter().enumerate() {
            for b in &out[i + 1..] {
                let mergeable = a.len == b.len
                    && a.len > 0
                    && (a.addr ^ b.addr) == 1u128 << (family.bits() - a.len);
                assert!(!mergeable, "{a} and {b} merge: not minimal");
            }
        }
    }

    #[test]
    fn brute_force_v4_and_v6() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..3000 {
            let (family, base_len, min_ex) = if round % 2 == 0 {
                (Family::V4, 24, 26)
            } else {
                (Family::V6, 120, 122)
            };
            let bits = family.bits();
            let hi = if family == Family::V4 {
                u128::from(rng.next() as u32)
            } else {
                (u128::from(rng.next()) << 64) | u128::from(rng.next())
            };
            let base_addr = hi & !low_mask(bits - base_len);
            let base = Cidr {
                family,
                addr: base_addr,
                len: base_len,
            };
            let n = rng.below(6) as usize;
            let mut except = Vec::new();
            for _ in 0..n {
                let len = min_ex + rng.below(u64::from(bits - min_ex + 1)) as u32;
                let addr = if rng.below(8) == 0 {
                    // Sometimes outside the base.
                    (base_addr ^ (1u128 << (bits - base_len))) & !low_mask(bits - len)
                } else {
                    (base_addr | u128::from(rng.next() as u8)) & !low_mask(bits - len)
                };
                except.push(Cidr { family, addr, len });
            }
            // Sometimes an except that covers the whole base.
            if rng.below(50) == 0 {
                except.push(Cidr {
                    family,
                    addr: base_addr & !low_mask(bits - (base_len - 1)),
                    len: base_len - 1,
                });
            }
            brute(family, base, &except);
        }
    }
}
