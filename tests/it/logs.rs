//! `zssh logs`: the built binary on the two known-answer fixtures of
//! ../shared/docs/ssh-logs-format.md (exact ZIP contents, checked by Python's zipfile and
//! Info-ZIP's `unzip -t`), on random sessions sealed by the test writer (the `hpke` crate), with
//! asciicast output accepted by the real `asciinema cat`; keygen's files and refusals; the
//! output checked before any work; wrong key, damage and --partial; replay.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use proptest::prelude::*;

use crate::support::sshlog_writer::{
    LogWriter, RawPacket, key_pair, sort_times_per_side, write_log,
};
use crate::support::{
    assert_ok, assert_zssh_error, run, send_signal, set_mode, stop_code, text, which, zssh_bin,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/sshlog")
}

fn zssh_in(dir: &Path, args: &[&str]) -> Output {
    run(Command::new(zssh_bin()).current_dir(dir).args(args))
}

/// The entries of a ZIP as (name, compression method, bytes), read by Python's zipfile, which
/// also checks every CRC (`testzip`).
fn zip_entries(zip: &Path) -> Vec<(String, u64, Vec<u8>)> {
    let script = "import sys, zipfile, json\n\
z = zipfile.ZipFile(sys.argv[1])\n\
assert z.testzip() is None\n\
print(json.dumps([[i.filename, i.compress_type, list(z.read(i))] for i in z.infolist()]))";
    let python = which("python3").expect("python3 is installed (.ci/setup)");
    let out = run(Command::new(python).args(["-c", script]).arg(zip));
    assert_ok(&out);
    let v: Vec<(String, u64, Vec<u8>)> = serde_json::from_slice(&out.stdout).unwrap();
    v
}

fn unzip_test(zip: &Path) {
    let unzip = which("unzip").expect("unzip is installed (.ci/setup)");
    assert_ok(&run(Command::new(unzip).arg("-t").arg(zip)));
}

fn tmp_with_fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["terminal.log", "exec.log", "key", "key.pub"] {
        std::fs::copy(fixtures().join(f), dir.path().join(f)).unwrap();
    }
    dir
}

#[test]
fn the_fixtures_decrypt_to_the_reference_zips() {
    let dir = tmp_with_fixtures();
    let out = zssh_in(
        dir.path(),
        &["logs", "decrypt", "-i", "terminal.log", "-k", "key"],
    );
    assert_ok(&out);
    let zip = dir.path().join("terminal.log-decrypted.zip");
    unzip_test(&zip);
    let data = "Session started on 2023-11-14 22:13:20+00 [TERM=\"xterm-256color\" COLUMNS=\"120\" LINES=\"40\"]\nls\r\nfile1  file2\r\n$ logout\r\n\nScript done on 2023-11-14 22:13:22+00 [COMMAND_EXIT_CODE=\"0\"]\n";
    let times = "0.001500 4\n0.248500 16\n0.950000 8\n";
    assert_eq!(
        zip_entries(&zip),
        vec![
            ("term_data.txt".to_string(), 0, data.as_bytes().to_vec()),
            ("term_times.txt".to_string(), 0, times.as_bytes().to_vec()),
        ]
    );
    // ssh-log-cli's spelling of the flags works too.
    let out = zssh_in(
        dir.path(),
        &[
            "logs",
            "decrypt",
            "--input-filename",
            "exec.log",
            "--private-key-filename",
            "key",
            "--output-file-name",
            "x.zip",
        ],
    );
    assert_ok(&out);
    let zip = dir.path().join("x.zip");
    unzip_test(&zip);
    assert_eq!(
        zip_entries(&zip),
        vec![
            (
                "data_from_client.txt".to_string(),
                0,
                b"ls\rexit\r".to_vec()
            ),
            (
                "data_from_server.txt".to_string(),
                0,
                b"ls\r\nfile1  file2\r\n$ logout\r\n".to_vec()
            ),
        ]
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&zip).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "decrypted sessions are private");
    }
}

fn mode_of(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn keygen_writes_a_private_pair_that_decrypts_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    set_mode(dir.path(), 0o700);
    let out = zssh_in(dir.path(), &["logs", "generate-key-pair", "-o", "sshkey"]);
    assert_ok(&out);
    let private = std::fs::read_to_string(dir.path().join("sshkey")).unwrap();
    let public = std::fs::read_to_string(dir.path().join("sshkey.pub")).unwrap();
    assert_eq!(
        (private.len(), public.len()),
        (44, 44),
        "base64 of 32 bytes, no newline"
    );
    assert_eq!(
        text(&out.stdout).trim(),
        public,
        "the public key is printed"
    );
    assert_eq!(mode_of(&dir.path().join("sshkey")), 0o600);
    // The pair works: a log sealed (by the hpke crate) to the public key opens with the private one,
    // even after an editor added a newline to the key file.
    std::fs::write(dir.path().join("sshkey"), format!("{private}\n")).unwrap();
    let pk: [u8; 32] = base64_decode(&public).try_into().unwrap();
    let log = write_log(&pk, terminal_meta(), &[(true, 10, b"hello".to_vec())], &[8]);
    std::fs::write(dir.path().join("sshlog"), log).unwrap();
    let out = zssh_in(
        dir.path(),
        &[
            "logs", "decrypt", "-i", "sshlog", "-k", "sshkey", "--format", "text", "-o", "-",
        ],
    );
    assert_ok(&out);
    assert_eq!(
        text(&out.stdout),
        "Session started on 2023-11-14 22:13:20+00 [TERM=\"xterm\" COLUMNS=\"100\" LINES=\"30\"]\nhello\nSession has no termination data\n"
    );

    // No overwrite without --force, whichever of the two exists; the files stay as they were.
    let out = zssh_in(dir.path(), &["logs", "keygen", "-o", "sshkey"]);
    assert_zssh_error(&out, 2, "sshkey already exists");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sshkey.pub")).unwrap(),
        public
    );
    std::fs::write(dir.path().join("other.pub"), "x").unwrap();
    let out = zssh_in(dir.path(), &["logs", "keygen", "-o", "other"]);
    assert_zssh_error(&out, 2, "other.pub already exists");
    assert!(!dir.path().join("other").exists());
    let out = zssh_in(dir.path(), &["logs", "keygen", "-o", "sshkey", "--force"]);
    assert_ok(&out);
    assert_ne!(
        std::fs::read_to_string(dir.path().join("sshkey.pub")).unwrap(),
        public
    );

    // A directory everyone can write to is no place for the private key.
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    set_mode(&open, 0o777);
    let out = zssh_in(&open, &["logs", "keygen", "-o", "k"]);
    assert_zssh_error(&out, 7, "writable by everyone");
    assert!(!open.join("k").exists() && !open.join("k.pub").exists());
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .unwrap()
}

fn terminal_meta() -> serde_json::Value {
    serde_json::json!({"started_at": 1_700_000_000u64, "data_size": 0,
        "pty": {"term": "xterm", "width": 100, "height": 30, "modes": []}, "exit_data": null})
}

fn exec_meta() -> serde_json::Value {
    serde_json::json!({"started_at": 1_700_000_000u64, "data_size": 0, "pty": null,
        "exit_data": {"timestamp": 1_700_000_005u64, "status": 1}})
}

#[test]
fn the_output_is_checked_before_the_key_or_the_log_is_read() {
    let dir = tmp_with_fixtures();
    std::fs::write(dir.path().join("taken.zip"), "mine").unwrap();
    // A missing key and a missing log would be errors too: the existing output is reported first.
    let out = zssh_in(
        dir.path(),
        &[
            "logs",
            "decrypt",
            "-i",
            "nolog",
            "-k",
            "nokey",
            "-o",
            "taken.zip",
        ],
    );
    assert_zssh_error(&out, 2, "taken.zip already exists");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("taken.zip")).unwrap(),
        "mine"
    );
    let out = zssh_in(
        dir.path(),
        &[
            "logs",
            "decrypt",
            "-i",
            "nolog",
            "-k",
            "nokey",
            "-o",
            "no/such/dir/out.zip",
        ],
    );
    assert_zssh_error(&out, 7, "cannot write in no/such/dir");
    // --force replaces it, atomically, with the decrypted session.
    let out = zssh_in(
        dir.path(),
        &[
            "logs",
            "decrypt",
            "-i",
            "exec.log",
            "-k",
            "key",
            "-o",
            "taken.zip",
            "--force",
        ],
    );
    assert_ok(&out);
    assert_eq!(zip_entries(&dir.path().join("taken.zip")).len(), 2);
    let out = zssh_in(
        dir.path(),
        &["logs", "decrypt", "-i", "exec.log", "-k", "key", "-o", "-"],
    );
    assert_zssh_error(&out, 2, "ZIP cannot be written to standard output");
}

#[test]
fn jsonl_on_stdout_and_a_warning_for_a_key_others_can_read() {
    let dir = tmp_with_fixtures();
    set_mode(&dir.path().join("key"), 0o644);
    let args = [
        "logs", "decrypt", "-i", "exec.log", "-k", "key", "--format", "jsonl", "-o", "-",
    ];
    let out = zssh_in(dir.path(), &args);
    assert_ok(&out);
    assert!(
        text(&out.stderr).contains("zssh: warn: key can be read by other users"),
        "{}",
        text(&out.stderr)
    );
    let records: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(String, u64, String)> = records
        .iter()
        .map(|r| {
            (
                r["source"].as_str().unwrap().to_string(),
                r["elapsed_us"].as_u64().unwrap(),
                r["data"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("client", 1000, "ls\r"),
        ("server", 1500, "ls\r\n"),
        ("server", 250_000, "file1  file2\r\n$ "),
        ("client", 900_000, "exit\r"),
        ("server", 1_200_000, "logout\r\n"),
    ];
    let want: Vec<(String, u64, String)> = want
        .iter()
        .map(|(s, t, d)| (s.to_string(), *t, base64_encode(d.as_bytes())))
        .collect();
    assert_eq!(got, want);
    set_mode(&dir.path().join("key"), 0o600);
    let out = zssh_in(dir.path(), &args);
    assert_ok(&out);
    assert!(!text(&out.stderr).contains("warn"), "{}", text(&out.stderr));
}

/// Files in `dir` other than the inputs: what a failed run left behind.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            ![
                "terminal.log",
                "exec.log",
                "key",
                "key.pub",
                "cut.log",
                "other",
            ]
            .contains(&n.as_str())
        })
        .collect();
    names.sort();
    names
}

#[test]
fn wrong_key_damage_and_not_a_log_are_distinct_errors_that_leave_nothing() {
    let dir = tmp_with_fixtures();
    let (other, _) = key_pair();
    std::fs::write(dir.path().join("other"), base64_encode(&other)).unwrap();
    let out = zssh_in(
        dir.path(),
        &["logs", "decrypt", "-i", "terminal.log", "-k", "other"],
    );
    assert_zssh_error(&out, 11, "the private key other does not open terminal.log");
    let out = zssh_in(dir.path(), &["logs", "decrypt", "-i", "key", "-k", "key"]);
    assert_zssh_error(&out, 10, "key is not an encrypted session log");
    let out = zssh_in(
        dir.path(),
        &["logs", "decrypt", "-i", "terminal.log", "-k", "key.pub"],
    );
    assert_zssh_error(&out, 2, "key.pub is a public key");
    let log = std::fs::read(dir.path().join("terminal.log")).unwrap();
    std::fs::write(dir.path().join("cut.log"), &log[..600]).unwrap();
    let out = zssh_in(
        dir.path(),
        &[
            "logs", "decrypt", "-i", "cut.log", "-k", "key", "--format", "text",
        ],
    );
    assert_zssh_error(&out, 10, "cut.log: truncated at block 3");
    assert_eq!(
        leftovers(dir.path()),
        Vec::<String>::new(),
        "no output, no temp file"
    );
    // --partial keeps what decrypted before the cut: the first three blocks hold the first four packets.
    let out = zssh_in(
        dir.path(),
        &[
            "logs",
            "decrypt",
            "-i",
            "cut.log",
            "-k",
            "key",
            "--format",
            "text",
            "--partial",
        ],
    );
    assert_zssh_error(&out, 10, "truncated at block 3");
    assert!(text(&out.stderr).contains("kept what decrypted before the damage in cut.log.txt"));
    let kept = std::fs::read_to_string(dir.path().join("cut.log.txt")).unwrap();
    assert!(kept.contains("]\nls\r\nfile1  file2\r\n$ \n"), "{kept:?}");
    assert!(!kept.contains("logout"));
    // The same for the ZIP: both entries, the server bytes up to the cut.
    let out = zssh_in(
        dir.path(),
        &["logs", "decrypt", "-i", "cut.log", "-k", "key", "--partial"],
    );
    assert_zssh_error(&out, 10, "truncated at block 3");
    let entries = zip_entries(&dir.path().join("cut.log-decrypted.zip"));
    assert_eq!(entries.len(), 2);
    assert!(text(&entries[0].2).contains("]\nls\r\nfile1  file2\r\n$ \n"));
    assert_eq!(entries[1].2, b"0.001500 4\n0.248500 16\n");
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[test]
fn replay_plays_the_server_bytes_and_caps_pauses() {
    let dir = tempfile::tempdir().unwrap();
    let (sk, pk) = key_pair();
    std::fs::write(dir.path().join("k"), base64_encode(&sk)).unwrap();
    // An hour of silence in the middle: --max-idle makes it a millisecond.
    let packets: Vec<RawPacket> = vec![
        (true, 1000, b"$ ".to_vec()),
        (false, 2000, b"x".to_vec()),
        (true, 3_600_000_000, b"x\r\n".to_vec()),
    ];
    std::fs::write(
        dir.path().join("log"),
        write_log(&pk, terminal_meta(), &packets, &[9]),
    )
    .unwrap();
    let out = zssh_in(
        dir.path(),
        &[
            "logs",
            "decrypt",
            "-i",
            "log",
            "-k",
            "k",
            "-r",
            "--max-idle",
            "0.001",
        ],
    );
    assert_ok(&out);
    assert_eq!(out.stdout, b"$ x\r\n");
    assert!(text(&out.stderr).contains("Session has no termination data"));
    let out = zssh_in(
        dir.path(),
        &[
            "logs", "decrypt", "-i", "log", "-k", "k", "-r", "--speed", "0",
        ],
    );
    assert_zssh_error(&out, 2, "--speed 0");
}

fn asciinema_cat(cast: &Path) -> Vec<u8> {
    let asciinema =
        which("asciinema").expect("asciinema is installed (.ci/setup installs it from PyPI)");
    let out = run(Command::new(asciinema).arg("cat").arg(cast));
    assert_ok(&out);
    out.stdout
}

fn session() -> impl Strategy<Value = (bool, Vec<RawPacket>, Vec<usize>)> {
    let data = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        "[a-z \\r\\n€é✓]{0,40}".prop_map(String::into_bytes),
    ];
    let packet = (any::<bool>(), 0u64..10_000_000, data);
    (
        any::<bool>(),
        proptest::collection::vec(packet, 0..12),
        proptest::collection::vec(1usize..120, 1..4),
    )
        .prop_map(|(terminal, mut packets, sizes)| {
            sort_times_per_side(&mut packets);
            (terminal, packets, sizes)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Random sessions through the built binary: the ZIP holds what the rendering rules say, and
    /// asciinema accepts the asciicast and shows exactly the server's text.
    #[test]
    fn random_sessions_zip_and_asciicast((terminal, packets, sizes) in session()) {
        let dir = tempfile::tempdir().unwrap();
        let (sk, pk) = key_pair();
        std::fs::write(dir.path().join("k"), base64_encode(&sk)).unwrap();
        let meta = if terminal { terminal_meta() } else { exec_meta() };
        std::fs::write(dir.path().join("log"), write_log(&pk, meta, &packets, &sizes)).unwrap();
        let out = zssh_in(dir.path(), &["logs", "decrypt", "-i", "log", "-k", "k", "-o", "s.zip"]);
        assert_ok(&out);
        let entries = zip_entries(&dir.path().join("s.zip"));
        let server: Vec<u8> = packets.iter().filter(|p| p.0).flat_map(|p| p.2.clone()).collect();
        let client: Vec<u8> = packets.iter().filter(|p| !p.0).flat_map(|p| p.2.clone()).collect();
        if terminal {
            let mut data = b"Session started on 2023-11-14 22:13:20+00 [TERM=\"xterm\" COLUMNS=\"100\" LINES=\"30\"]\n".to_vec();
            data.extend_from_slice(&server);
            data.extend_from_slice(b"\nSession has no termination data\n");
            let mut last = 0;
            let mut times = String::new();
            for (_, at, bytes) in packets.iter().filter(|p| p.0) {
                times.push_str(&format!("{:.6} {}\n", (at - last) as f32 / 1_000_000f32, bytes.len()));
                last = *at;
            }
            prop_assert_eq!(entries, vec![
                ("term_data.txt".to_string(), 0, data),
                ("term_times.txt".to_string(), 0, times.into_bytes()),
            ]);
        } else {
            prop_assert_eq!(entries, vec![
                ("data_from_client.txt".to_string(), 0, client),
                ("data_from_server.txt".to_string(), 0, server.clone()),
            ]);
        }
        let out = zssh_in(dir.path(), &["logs", "decrypt", "-i", "log", "-k", "k", "--format", "asciicast", "-o", "s.cast"]);
        assert_ok(&out);
        let shown = asciinema_cat(&dir.path().join("s.cast"));
        prop_assert_eq!(text(&shown), String::from_utf8_lossy(&server).into_owned());
    }
}

/// A log of a few MiB in packets of every size across blocks decrypts with the same bytes: the
/// reader streams (its memory is measured separately, see the report in the commit).
#[test]
fn a_larger_log_round_trips_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let (sk, pk) = key_pair();
    std::fs::write(dir.path().join("k"), base64_encode(&sk)).unwrap();
    let file = std::fs::File::create(dir.path().join("log")).unwrap();
    let mut w = LogWriter::new(
        std::io::BufWriter::new(file),
        &pk,
        exec_meta(),
        &[65_536, 1, 4093],
    );
    let mut want = Vec::new();
    for i in 0..600u64 {
        let chunk: Vec<u8> = (0..(i * 37 % 20_000)).map(|j| (i + j) as u8).collect();
        w.packet(true, i * 1000, &chunk);
        want.extend_from_slice(&chunk);
    }
    drop(w.finish());
    let out = zssh_in(
        dir.path(),
        &["logs", "decrypt", "-i", "log", "-k", "k", "-o", "out.zip"],
    );
    assert_ok(&out);
    unzip_test(&dir.path().join("out.zip"));
    let entries = zip_entries(&dir.path().join("out.zip"));
    assert_eq!(entries[1].2.len(), want.len());
    assert!(entries[1].2 == want);
}

/// One `zssh: error:` line and one hint, or success: what every damaged input must give.
fn assert_clean_outcome(out: &Output, what: &str) -> i32 {
    let code = out.status.code().unwrap_or(-1);
    let err = text(&out.stderr);
    assert!([0, 10, 11].contains(&code), "{what}: exit {code}\n{err}");
    if code != 0 {
        let errors = err
            .lines()
            .filter(|l| l.starts_with("zssh: error: "))
            .count();
        let hints = err
            .lines()
            .filter(|l| l.starts_with("zssh: hint: "))
            .count();
        assert_eq!((errors, hints), (1, 1), "{what}:\n{err}");
    }
    code
}

/// The built binary on the terminal fixture cut at every byte offset, and with a bit flipped in
/// every byte: exit 0, 10 (not a log, truncated, damaged) or 11 (block 0 does not open), always
/// with one error line and one hint, never a crash.
#[test]
fn every_cut_and_every_flipped_byte_gives_a_clean_error() {
    let dir = tmp_with_fixtures();
    let log = std::fs::read(dir.path().join("terminal.log")).unwrap();
    let args = [
        "logs", "decrypt", "-i", "bad.log", "-k", "key", "--format", "text", "-o", "-",
    ];
    let mut codes = std::collections::BTreeMap::new();
    for cut in 0..log.len() {
        std::fs::write(dir.path().join("bad.log"), &log[..cut]).unwrap();
        let out = zssh_in(dir.path(), &args);
        let code = assert_clean_outcome(&out, &format!("cut at {cut}"));
        *codes.entry(("cut", code)).or_insert(0) += 1;
        assert!(code != 11, "cut at {cut}: a short file is not a wrong key");
        // A cut that reads cleanly (between blocks, where a packet ends) is still noticed: the
        // metadata's data_size announces 121 bytes.
        if code == 0 {
            let err = text(&out.stderr);
            assert!(
                err.contains("it may have been cut between two blocks"),
                "cut at {cut}: {err}"
            );
        }
    }
    for at in 0..log.len() {
        let mut bad = log.clone();
        bad[at] ^= 0x10;
        std::fs::write(dir.path().join("bad.log"), &bad).unwrap();
        let code = assert_clean_outcome(&zssh_in(dir.path(), &args), &format!("flip at {at}"));
        *codes.entry(("flip", code)).or_insert(0) += 1;
        // A flip inside a sealed block (past the metadata and the block's length) never opens.
        let in_ciphertext = [428..481, 485..538, 542..595, 599..625]
            .iter()
            .any(|r| r.contains(&at));
        if in_ciphertext {
            assert_eq!(code, if at < 481 { 11 } else { 10 }, "flip at {at}");
        }
    }
    // Cuts read cleanly only at a block boundary where a packet ends too: after block 1 (74
    // bytes: three whole packets). Right after the metadata (no block) is an error: data_size
    // announces data, and no block means the key was never checked.
    assert_eq!(codes.get(&("cut", 0)), Some(&1), "{codes:?}");
    // The whole file: no warning.
    std::fs::write(dir.path().join("bad.log"), &log).unwrap();
    let out = zssh_in(dir.path(), &args);
    assert_ok(&out);
    assert!(
        !text(&out.stderr).contains("cut between"),
        "{}",
        text(&out.stderr)
    );
}

// ---- hostile metadata, odd outputs, damaged or odd logs, interruptions ----

/// A terminal session whose metadata strings carry a newline, quotes and terminal escape
/// sequences (an OSC that sets the window title, a screen clear).
fn hostile_meta() -> serde_json::Value {
    serde_json::json!({"started_at": 1_700_000_000u64, "data_size": 0,
        "pty": {"term": "xterm\u{1b}]0;PWNED\u{7}\u{1b}[2J\"\n INJECT=\"1", "width": 80, "height": 24},
        "exit_data": {"timestamp": 1_700_000_002u64,
            "error_msg": "bad\u{1b}]2;title\u{7}\nScript done on fake [COMMAND_EXIT_CODE=\"0\"]"}})
}

fn hostile_log(dir: &Path) {
    let (sk, pk) = key_pair();
    std::fs::write(dir.join("k"), base64_encode(&sk)).unwrap();
    set_mode(&dir.join("k"), 0o600);
    let packets: Vec<RawPacket> = vec![(true, 1500, b"out\r\n".to_vec())];
    std::fs::write(
        dir.join("log"),
        write_log(&pk, hostile_meta(), &packets, &[64]),
    )
    .unwrap();
}

/// Metadata strings must not put control characters into term_data.txt's header/footer: a
/// newline in `term` splits the header line, and scriptreplay (which skips exactly one line)
/// then replays the header's tail instead of the session.
#[test]
fn metadata_strings_do_not_inject_control_characters_into_term_data() {
    let dir = tempfile::tempdir().unwrap();
    hostile_log(dir.path());
    let out = zssh_in(
        dir.path(),
        &["logs", "decrypt", "-i", "log", "-k", "k", "-o", "out.zip"],
    );
    assert_ok(&out);
    let entries = zip_entries(&dir.path().join("out.zip"));
    let data = &entries[0].2;
    let header_end = data.iter().position(|&b| b == b'\n').unwrap();
    let header = &data[..header_end];
    assert!(
        header.ends_with(b"COLUMNS=\"80\" LINES=\"24\"]"),
        "the header is one line: {:?}",
        String::from_utf8_lossy(header)
    );
    assert_eq!(&data[header_end + 1..header_end + 6], b"out\r\n");
    let footer = &data[header_end + 6..];
    assert!(
        !footer.contains(&0x1b) && footer.iter().filter(|&&b| b == b'\n').count() == 2,
        "the footer is one line without escapes: {:?}",
        String::from_utf8_lossy(footer)
    );
}

/// --replay writes the footer to stderr (the user's terminal): metadata must not carry escape
/// sequences (window title, colours) there.
#[test]
fn replay_footer_carries_no_escape_sequences_from_metadata() {
    let dir = tempfile::tempdir().unwrap();
    hostile_log(dir.path());
    let out = zssh_in(
        dir.path(),
        &[
            "logs",
            "decrypt",
            "-i",
            "log",
            "-k",
            "k",
            "-r",
            "--max-idle",
            "0.001",
        ],
    );
    assert_ok(&out);
    assert!(
        !out.stderr.contains(&0x1b) && !out.stderr.contains(&0x07),
        "stderr: {:?}",
        text(&out.stderr)
    );
}

/// `-o X --force` where X is not a regular file (a FIFO here; /dev/null as root is the same
/// code path) must not replace X with a regular file holding the decrypted session.
#[test]
fn force_does_not_replace_a_non_regular_output() {
    let dir = tmp_with_fixtures();
    let fifo = dir.path().join("pipe");
    assert_ok(&run(Command::new("mkfifo").arg(&fifo)));
    let out = zssh_in(
        dir.path(),
        &[
            "logs",
            "decrypt",
            "-i",
            "terminal.log",
            "-k",
            "key",
            "--format",
            "text",
            "-o",
            "pipe",
            "--force",
        ],
    );
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(
        kind.is_fifo(),
        "the FIFO was replaced by a regular file; stderr: {}",
        text(&out.stderr)
    );
    assert_ne!(out.status.code(), Some(0));
}

/// `-o` naming the input log or the private key (with --force) destroys it: the encrypted
/// original, or the only key that reads the logs. Expected: refused before any work.
#[test]
fn output_may_not_be_the_input_or_the_key() {
    let dir = tmp_with_fixtures();
    let log = std::fs::read(dir.path().join("terminal.log")).unwrap();
    let key = std::fs::read(dir.path().join("key")).unwrap();
    for (target, before) in [("terminal.log", &log), ("key", &key)] {
        let out = zssh_in(
            dir.path(),
            &[
                "logs",
                "decrypt",
                "-i",
                "terminal.log",
                "-k",
                "key",
                "--format",
                "text",
                "-o",
                target,
                "--force",
            ],
        );
        assert!(
            &std::fs::read(dir.path().join(target)).unwrap() == before,
            "{target} was overwritten; exit {:?}",
            out.status.code()
        );
        assert_zssh_error(&out, 2, target);
    }
}

/// A log cut right after its metadata (no block at all, data_size announcing 121 bytes) opened
/// with a key that is NOT its key: nothing ever checked the key, and zssh reports success with
/// an archive claiming a clean session (COMMAND_EXIT_CODE="0"). Expected: an error (exit 10).
#[test]
fn a_log_with_no_block_is_not_a_successful_decrypt_with_any_key() {
    let dir = tmp_with_fixtures();
    let log = std::fs::read(dir.path().join("terminal.log")).unwrap();
    let meta_len = u32::from_be_bytes(log[..4].try_into().unwrap()) as usize;
    std::fs::write(dir.path().join("cut.log"), &log[..4 + meta_len]).unwrap();
    let (other, _) = key_pair();
    std::fs::write(dir.path().join("other"), base64_encode(&other)).unwrap();
    set_mode(&dir.path().join("other"), 0o600);
    let out = zssh_in(
        dir.path(),
        &[
            "logs", "decrypt", "-i", "cut.log", "-k", "other", "-o", "out.zip",
        ],
    );
    assert_zssh_error(&out, 10, "cut.log");
    assert!(!dir.path().join("out.zip").exists());
}

/// The ZIP is written 0600 because the session holds what the user typed, but its entries carry
/// unix mode 0644 in their external attributes, so `unzip` extracts data_from_client.txt (every
/// keystroke, passwords typed at prompts included) readable by every user. Expected: 0600.
#[test]
fn zip_entries_extract_private() {
    let dir = tmp_with_fixtures();
    set_mode(&dir.path().join("key"), 0o600);
    let out = zssh_in(
        dir.path(),
        &["logs", "decrypt", "-i", "exec.log", "-k", "key"],
    );
    assert_ok(&out);
    let script = "import sys, zipfile\n\
print(' '.join(oct(i.external_attr >> 16) for i in zipfile.ZipFile(sys.argv[1]).infolist()))";
    let python = which("python3").expect("python3 is installed (.ci/setup)");
    let out = run(Command::new(python)
        .args(["-c", script])
        .arg(dir.path().join("exec.log-decrypted.zip")));
    assert_ok(&out);
    for mode in text(&out.stdout).split_whitespace() {
        let mode = u32::from_str_radix(mode.trim_start_matches("0o"), 8).unwrap();
        assert_eq!(mode & 0o077, 0, "entry mode {mode:o}");
    }
}

/// The reference tool decrypts a log whose server packets go back in time (its delta
/// underflows); the renderers here already clamp such deltas (saturating_sub, max), but the
/// reader refuses the whole log (exit 10), so zssh reads fewer files than the tool it
/// replaces. Expected: decrypted whole (delta 0, perhaps a warning).
#[test]
fn a_packet_stamped_earlier_than_the_one_before_still_decrypts() {
    let dir = tempfile::tempdir().unwrap();
    let (sk, pk) = key_pair();
    std::fs::write(dir.path().join("k"), base64_encode(&sk)).unwrap();
    set_mode(&dir.path().join("k"), 0o600);
    let packets: Vec<RawPacket> = vec![
        (true, 5000, b"a".to_vec()),
        (true, 4000, b"b".to_vec()),
        (true, 6000, b"c".to_vec()),
    ];
    std::fs::write(
        dir.path().join("log"),
        write_log(&pk, terminal_meta(), &packets, &[64]),
    )
    .unwrap();
    let out = zssh_in(
        dir.path(),
        &[
            "logs", "decrypt", "-i", "log", "-k", "k", "--format", "text", "-o", "-",
        ],
    );
    assert_ok(&out);
    assert!(text(&out.stdout).contains("abc"), "{}", text(&out.stdout));
    let warned = text(&out.stderr);
    assert_eq!(warned.matches("zssh: warn").count(), 1, "{warned}");
    assert!(warned.contains("stamped earlier"), "{warned}");
}

/// `keygen -o NAME.pub` writes the private key to NAME.pub (and the public to NAME.pub.pub), but
/// decrypt refuses `-k NAME.pub` by its name ("is a public key", hint: `-k NAME`, which does not
/// exist). Expected: keygen refuses such a name, or the pair it wrote decrypts.
#[test]
fn a_pair_keygen_wrote_is_usable_whatever_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let made = zssh_in(dir.path(), &["logs", "keygen", "-o", "k.pub"]);
    if made.status.code() == Some(2) {
        return; // refused up front: fine
    }
    assert_ok(&made);
    let public: [u8; 32] = base64_decode(
        std::fs::read_to_string(dir.path().join("k.pub.pub"))
            .unwrap()
            .trim(),
    )
    .try_into()
    .unwrap();
    let packets: Vec<RawPacket> = vec![(true, 1, b"hi".to_vec())];
    std::fs::write(
        dir.path().join("log"),
        write_log(&public, terminal_meta(), &packets, &[64]),
    )
    .unwrap();
    let out = zssh_in(
        dir.path(),
        &[
            "logs", "decrypt", "-i", "log", "-k", "k.pub", "--format", "text", "-o", "-",
        ],
    );
    assert_ok(&out);
}

/// With `-o -`, `--partial` is ignored (render_stream gets `false`): the transcript stops without
/// its end line, and the hint tells the user to pass the --partial they passed.
#[test]
fn partial_on_stdout_is_honoured() {
    let dir = tmp_with_fixtures();
    set_mode(&dir.path().join("key"), 0o600);
    let log = std::fs::read(dir.path().join("terminal.log")).unwrap();
    std::fs::write(dir.path().join("cut.log"), &log[..log.len() - 5]).unwrap();
    let out = zssh_in(
        dir.path(),
        &[
            "logs",
            "decrypt",
            "-i",
            "cut.log",
            "-k",
            "key",
            "--format",
            "text",
            "-o",
            "-",
            "--partial",
        ],
    );
    assert_zssh_error(&out, 10, "cut.log");
    assert!(
        !text(&out.stderr).contains("--partial keeps"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).ends_with("]\n"),
        "the transcript ends with its end line: {:?}",
        text(&out.stdout)
    );
}

/// A connected socket pair whose send buffer is already full: a process given the sending end
/// as stderr blocks at its first write there. Returns (receiving end, sending end).
fn full_socket() -> (
    std::os::unix::net::UnixStream,
    std::os::unix::net::UnixStream,
) {
    use std::io::Write;
    let (read, mut write) = std::os::unix::net::UnixStream::pair().unwrap();
    write.set_nonblocking(true).unwrap();
    let chunk = [b'x'; 4096];
    for size in [chunk.len(), 1] {
        while write.write(&chunk[..size]).is_ok() {}
    }
    write.set_nonblocking(false).unwrap();
    (read, write)
}

fn temps_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".zssh-"))
        .collect()
}

/// A temp dir holding `k` (a fresh private key, 0600) and `log` (a terminal session of
/// `packets` in 64-byte blocks, encrypted to it).
fn terminal_log_dir(packets: &[RawPacket]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (sk, pk) = key_pair();
    std::fs::write(dir.path().join("k"), base64_encode(&sk)).unwrap();
    set_mode(&dir.path().join("k"), 0o600);
    std::fs::write(
        dir.path().join("log"),
        write_log(&pk, terminal_meta(), packets, &[64]),
    )
    .unwrap();
    dir
}

/// SIGINT, SIGTERM or SIGHUP while a decrypt writes its output must leave nothing: not the
/// output, not the temp file holding the decrypted session. The process is held mid-decrypt
/// deterministically: its stderr is a full pipe, and the warning about a packet stamped early
/// is written after the session is decrypted into the temp file and before it is renamed.
#[test]
fn a_signal_during_a_decrypt_leaves_no_decrypted_file() {
    for sig in ["INT", "TERM", "HUP"] {
        let packets: Vec<RawPacket> = vec![
            (true, 5000, b"secret".to_vec()),
            (true, 4000, b"b".to_vec()),
        ];
        let dir = terminal_log_dir(&packets);
        let (_read, write) = full_socket();
        let mut child = Command::new(zssh_bin())
            .current_dir(dir.path())
            .args(["logs", "decrypt", "-i", "log", "-k", "k", "-o", "out.zip"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::from(std::os::fd::OwnedFd::from(write)))
            .spawn()
            .unwrap();
        // The temp file is made after the handlers are set; the process then blocks before the
        // rename, at the warning. Poll for the temp file (a condition, not a delay).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while temps_in(dir.path()).is_empty() {
            assert!(
                std::time::Instant::now() < deadline,
                "no temp file appeared"
            );
            assert!(child.try_wait().unwrap().is_none(), "zssh exited early");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        send_signal(&child, sig);
        // A process that ignores the signal stays blocked on its stderr: fail, don't hang.
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("signal {sig}: zssh did not exit");
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        assert_eq!(
            status.code(),
            Some(stop_code(sig)),
            "signal {sig}: {status:?}"
        );
        let left = temps_in(dir.path());
        assert!(left.is_empty(), "signal {sig} left {left:?}");
        assert!(!dir.path().join("out.zip").exists(), "signal {sig}");
    }
}

/// `-o` naming a directory (existing, or a new name ending in /) is refused before any work:
/// the key here does not exist, and the error is about the output (it was only noticed at the
/// final rename, after the whole decrypt).
#[test]
fn an_output_naming_a_directory_is_refused_first() {
    let dir = tmp_with_fixtures();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    for (target, force) in [("sub", true), ("sub", false), ("newname/", false)] {
        let mut args = vec![
            "logs",
            "decrypt",
            "-i",
            "terminal.log",
            "-k",
            "nokey",
            "-o",
            target,
        ];
        if force {
            args.push("--force");
        }
        let out = zssh_in(dir.path(), &args);
        assert_zssh_error(&out, 2, target.trim_end_matches('/'));
        assert!(
            !text(&out.stderr).contains("nokey"),
            "{}",
            text(&out.stderr)
        );
    }
    assert!(!dir.path().join("newname").exists());
}

/// A replay stopped by a signal in a pause restores the terminal: the session switched to the
/// alternate screen and hid the cursor; zssh leaves them before exiting (exit 130, 143, 129). The test
/// signals once the first packet has been read from zssh's stdout, while it waits out an hour.
#[test]
fn an_interrupted_replay_resets_the_terminal() {
    use std::io::Read;
    for sig in ["INT", "TERM", "HUP"] {
        let packets: Vec<RawPacket> = vec![
            (true, 1000, b"\x1b[?1049h\x1b[?25lA".to_vec()),
            (true, 3_600_000_000, b"B".to_vec()),
        ];
        let dir = terminal_log_dir(&packets);
        let mut child = Command::new(zssh_bin())
            .current_dir(dir.path())
            .args(["logs", "decrypt", "-i", "log", "-k", "k", "-r"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 256];
        while !seen.ends_with(b"A") {
            let n = stdout.read(&mut buf).unwrap();
            assert!(n > 0, "stdout ended: {seen:?}");
            seen.extend_from_slice(&buf[..n]);
        }
        send_signal(&child, sig);
        stdout.read_to_end(&mut seen).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(stop_code(sig)), "signal {sig}");
        let seen = text(&seen);
        assert!(!seen.contains('B'), "{seen:?}");
        assert!(
            seen.ends_with(
                "\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[0m"
            ),
            "signal {sig}: {seen:?}"
        );
    }
}
