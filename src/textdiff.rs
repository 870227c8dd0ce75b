//! Unified diffs of small text files, for the dry runs of `zssh config` and `zssh server
//! trust-ca` (what would change in `~/.ssh/config`, `sshd_config`). GNU `diff -u` format, three
//! lines of context, `\ No newline at end of file` where a last line has none.
//!
//! Written here instead of a diff crate: the one tried (similar) cost 619 KiB of the binary (54
//! instantiations of its Myers diff) for two dry-run messages. Files of this kind are short and
//! edits local: the common head and tail are skipped, and the middle gets an exact longest
//! common subsequence when it is small; a middle too large for that (more than [`MAX_CELLS`]
//! line pairs) is shown as removed, then added, which is still a correct diff.
//!
//! Must not: print, panic on any input, or use memory beyond [`MAX_CELLS`] counters.

/// The largest middle section (old lines × new lines) compared line by line.
const MAX_CELLS: usize = 1 << 20;

/// Lines around each change.
const CONTEXT: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Del,
    Add,
}

/// Split keeping each line's terminator (the last line may lack one).
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// The edit script from `old` to `new`, one op per line, in order.
fn script(old: &[&str], new: &[&str]) -> Vec<Op> {
    let head = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let tail = old[head..]
        .iter()
        .rev()
        .zip(new[head..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (a, b) = (&old[head..old.len() - tail], &new[head..new.len() - tail]);
    let mut ops = vec![Op::Same; head];
    if a.len().saturating_mul(b.len()) <= MAX_CELLS {
        ops.extend(lcs_script(a, b));
    } else {
        ops.extend(std::iter::repeat_n(Op::Del, a.len()));
        ops.extend(std::iter::repeat_n(Op::Add, b.len()));
    }
    ops.extend(std::iter::repeat_n(Op::Same, tail));
    ops
}

/// An exact longest-common-subsequence script (dynamic programming from the end).
fn lcs_script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let (n, m) = (a.len(), b.len());
    let width = m + 1;
    // len[i * width + j]: the LCS length of a[i..] and b[j..].
    let mut len = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            len[i * width + j] = if a[i] == b[j] {
                len[(i + 1) * width + j + 1] + 1
            } else {
                len[(i + 1) * width + j].max(len[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push(Op::Same);
            i += 1;
            j += 1;
        } else if j < m && (i == n || len[i * width + j + 1] >= len[(i + 1) * width + j]) {
            ops.push(Op::Add);
            j += 1;
        } else {
            ops.push(Op::Del);
            i += 1;
        }
    }
    // Deletions first within each run of changes, as diff tools show them.
    reorder_runs(&mut ops);
    ops
}

/// Within every run of non-`Same` ops, put the `Del`s before the `Add`s (same counts).
fn reorder_runs(ops: &mut [Op]) {
    let mut start = 0;
    while start < ops.len() {
        if ops[start] == Op::Same {
            start += 1;
            continue;
        }
        let end = ops[start..]
            .iter()
            .position(|o| *o == Op::Same)
            .map_or(ops.len(), |k| start + k);
        let dels = ops[start..end].iter().filter(|o| **o == Op::Del).count();
        for (k, op) in ops[start..end].iter_mut().enumerate() {
            *op = if k < dels { Op::Del } else { Op::Add };
        }
        start = end;
    }
}

/// `start,len` of a hunk side in GNU's form (1-based; an empty side names the line before).
fn range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{len}", start + 1),
    }
}

fn push_line(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

/// The unified diff from `old` to `new` under the given names; empty when they are equal.
pub fn unified(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    let (a, b) = (lines(old), lines(new));
    let ops = script(&a, &b);
    // Positions (old index, new index) at each op.
    let mut at = Vec::with_capacity(ops.len() + 1);
    let (mut i, mut j) = (0, 0);
    for op in &ops {
        at.push((i, j));
        match op {
            Op::Same => {
                i += 1;
                j += 1;
            }
            Op::Del => i += 1,
            Op::Add => j += 1,
        }
    }
    at.push((i, j));
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k] != Op::Same).collect();
    if changed.is_empty() {
        return String::new();
    }
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    let mut k = 0;
    while k < changed.len() {
        // One hunk: changes whose gaps are at most twice the context.
        let first = changed[k];
        let mut last = first;
        while k + 1 < changed.len() && changed[k + 1] - last <= 2 * CONTEXT + 1 {
            k += 1;
            last = changed[k];
        }
        k += 1;
        let from = first.saturating_sub(CONTEXT);
        let to = (last + 1 + CONTEXT).min(ops.len());
        let (oi, nj) = at[from];
        let (oe, ne) = at[to];
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(oi, oe - oi),
            range(nj, ne - nj)
        ));
        for idx in from..to {
            let (i, j) = at[idx];
            match ops[idx] {
                Op::Same => push_line(&mut out, ' ', a[i]),
                Op::Del => push_line(&mut out, '-', a[i]),
                Op::Add => push_line(&mut out, '+', b[j]),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Apply a unified diff produced by [`unified`] to `old` (a minimal patch, for the tests).
    fn apply(old: &str, diff: &str) -> String {
        let a = lines(old);
        let mut out = String::new();
        let mut next = 0; // next old line to copy
        let mut body = diff.split_inclusive('\n').skip(2).peekable();
        while let Some(line) = body.next() {
            if let Some(h) = line.strip_prefix("@@ -") {
                let old_range = h.split(' ').next().unwrap();
                let (s, l) = old_range.split_once(',').unwrap_or((old_range, "1"));
                let (s, l): (usize, usize) = (s.parse().unwrap(), l.parse().unwrap());
                let start = if l == 0 { s } else { s - 1 };
                for line in &a[next..start] {
                    out.push_str(line);
                }
                next = start;
                continue;
            }
            let mut text = line[1..].to_string();
            if body.peek() == Some(&"\\ No newline at end of file\n") {
                body.next();
                text.pop();
            }
            match &line[..1] {
                " " => {
                    out.push_str(&text);
                    next += 1;
                }
                "-" => next += 1,
                "+" => out.push_str(&text),
                other => panic!("unexpected line {other:?}"),
            }
        }
        for line in &a[next..] {
            out.push_str(line);
        }
        out
    }

    #[test]
    fn a_small_edit_has_gnu_form() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\n";
        let d = unified(old, new, "x", "y");
        assert_eq!(
            d,
            "--- x\n+++ y\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
        );
        assert_eq!(unified(old, old, "x", "y"), "");
    }

    #[test]
    fn new_and_removed_files_and_missing_newlines() {
        assert_eq!(
            unified("", "Include x\n", "/dev/null", "f"),
            "--- /dev/null\n+++ f\n@@ -0,0 +1 @@\n+Include x\n"
        );
        assert_eq!(
            unified("a\n", "", "f", "/dev/null"),
            "--- f\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n"
        );
        assert_eq!(
            unified("a\nb", "a\nb\nc\n", "f", "f"),
            "--- f\n+++ f\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n"
        );
    }

    #[test]
    fn distant_changes_make_separate_hunks() {
        let old: String = (0..30).map(|i| format!("{i}\n")).collect();
        let new: String = (0..30)
            .map(|i| match i {
                2 => "two\n".to_string(),
                25 => "twenty-five\n".to_string(),
                _ => format!("{i}\n"),
            })
            .collect();
        let d = unified(&old, &new, "o", "n");
        assert_eq!(d.matches("@@ -").count(), 2, "{d}");
        assert_eq!(apply(&old, &d), new);
    }

    #[test]
    fn a_huge_middle_is_replaced_whole_and_still_correct() {
        let old: String = (0..1500).map(|i| format!("o{i}\n")).collect();
        let new: String = (0..1500).map(|i| format!("n{i}\n")).collect();
        let d = unified(&old, &new, "o", "n");
        assert_eq!(apply(&old, &d), new);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Any two texts over a small alphabet of lines (so lines repeat and match): the diff
        /// applies back to exactly the new text, and is empty exactly when they are equal.
        #[test]
        fn the_diff_turns_old_into_new(
            old in proptest::collection::vec(proptest::sample::select(vec!["a\n", "b\n", "c\n", "\n", "a", "b\r\n"]), 0..40),
            new in proptest::collection::vec(proptest::sample::select(vec!["a\n", "b\n", "c\n", "\n", "a", "b\r\n"]), 0..40),
        ) {
            // Only the last line may lack its newline, as in a real file.
            let fix = |v: Vec<&str>| {
                let n = v.len();
                v.into_iter()
                    .enumerate()
                    .map(|(k, l)| if k + 1 < n && !l.ends_with('\n') { format!("{l}\n") } else { l.to_string() })
                    .collect::<String>()
            };
            let (old, new) = (fix(old), fix(new));
            let d = unified(&old, &new, "o", "n");
            proptest::prop_assert_eq!(d.is_empty(), old == new);
            proptest::prop_assert_eq!(apply(&old, &d), new);
        }
    }
}
