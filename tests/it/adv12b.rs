//! Adversarial reproducers for `zssh config --warp-targets` and `zssh known-hosts` on the WARP
//! path (issue 12 items 3-4). Each test asserts the behaviour a fix should give; they fail on
//! the code they were written against (see the report on branch adv12b).

use crate::support::warp_cli::target_table;
use crate::support::*;
use crate::warp::{WarpHome as Case, value};

/// One target listed with port 0 makes ssh reject the whole managed file, so no stanza at all
/// is written (exit 7, "Bad port '0'", without naming the target); `--dry-run` shows the diff
/// as if it worked. The odd target should be skipped with a note, as bad hostnames are.
#[test]
fn adv12b_one_target_on_port_0_does_not_block_the_others() {
    let c = Case::new("");
    c.warp.connected(&target_table(
        &[
            ("web.test", 22, "198.51.100.7", "a1net", "alice"),
            ("zero.test", 0, "198.51.100.8", "a1net", "alice"),
        ],
        "Usernames",
    ));
    let out = c.zssh(&["config", "--warp-targets"]);
    assert_ok(&out);
    assert!(c.managed().contains("Host web.test\n"), "{}", c.managed());
}

/// Two targets that normalise to one name on the same port but at different addresses: the
/// note tells the person `ssh -p 22 web.test` reaches the other one, which it does not (it
/// reaches the chosen one).
#[test]
fn adv12b_the_left_out_note_gives_no_wrong_command() {
    let c = Case::new("");
    c.targets_json(
        r#"[{"target_id":"t1","hostname":"WEB.test","ip":"198.51.100.7","port":22,"usernames":["alice"]},
            {"target_id":"t2","hostname":"web.test","ip":"198.51.100.9","port":22,"usernames":["alice"]}]"#,
    );
    let out = c.zssh(&["config", "--warp-targets"]);
    assert_ok(&out);
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains("ssh -p 22 web.test"),
        "a command that reaches 198.51.100.7, not 198.51.100.9:\n{stderr}"
    );
}
