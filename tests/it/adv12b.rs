//! Adversarial reproducers for `zssh config --warp-targets` and `zssh known-hosts` on the WARP
//! path (issue 12 items 3-4). Each test asserts the behaviour a fix should give; they fail on
//! the code they were written against (see the report on branch adv12b).

use crate::support::warp_cli::target_table;
use crate::support::*;
use crate::warp::{WarpHome as Case, value};

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
