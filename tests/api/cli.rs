//! `debrief serve` as a user starts it: a bad configuration stops it with one line and exit code 2.

use std::process::Command;

fn serve_with(env: &[(&str, &str)]) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_debrief"));
    command.arg("serve");
    for key in [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "DATABASE_URL",
        "DEBRIEF_LISTEN",
        "DEBRIEF_PSEUDONYM_KEY",
        "DEBRIEF_WORKERS",
    ] {
        command.env_remove(key);
    }
    command.envs(env.iter().copied());
    let output = command.output().expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn missing_or_malformed_settings_stop_start_up_with_one_line_naming_the_variable() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[], "SLACK_BOT_TOKEN"),
        (&[("SLACK_BOT_TOKEN", "xoxb-1")], "SLACK_SIGNING_SECRET"),
        (
            &[
                ("SLACK_BOT_TOKEN", "not-a-token"),
                ("SLACK_SIGNING_SECRET", "abc123"),
            ],
            "SLACK_BOT_TOKEN",
        ),
        (
            &[
                ("SLACK_BOT_TOKEN", "xoxb-1"),
                ("SLACK_SIGNING_SECRET", "abc123"),
                ("DEBRIEF_LISTEN", "nowhere"),
            ],
            "DEBRIEF_LISTEN",
        ),
        (
            &[
                ("SLACK_BOT_TOKEN", "xoxb-1"),
                ("SLACK_SIGNING_SECRET", "abc123"),
                ("DATABASE_URL", "mysql://x"),
            ],
            "DATABASE_URL",
        ),
        (
            &[
                ("SLACK_BOT_TOKEN", "xoxb-1"),
                ("SLACK_SIGNING_SECRET", "abc123"),
                ("SLACK_API_URL", "ftp://x"),
            ],
            "SLACK_API_URL",
        ),
    ];
    for (env, variable) in cases {
        let (code, stderr) = serve_with(env);
        assert_eq!(code, 2, "{env:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        assert!(stderr.contains(variable), "{variable} named in {stderr}");
        assert!(
            !stderr.contains("xoxb-1"),
            "secrets never printed: {stderr}"
        );
    }
}

#[test]
fn secrets_cannot_be_given_as_flags() {
    for flag in [
        "--slack-bot-token",
        "--slack-signing-secret",
        "--slack-app-token",
        "--pseudonym-key",
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_debrief"))
            .args(["serve", flag, "xoxb-1-secret"])
            .output()
            .expect("the binary runs");
        assert_eq!(output.status.code(), Some(2), "{flag} is refused");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("unexpected argument"), "{flag}: {stderr}");
    }
    let help = Command::new(env!("CARGO_BIN_EXE_debrief"))
        .args(["serve", "--help"])
        .env("SLACK_BOT_TOKEN", "xoxb-1-secret")
        .output()
        .expect("the binary runs");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("SLACK_BOT_TOKEN"),
        "the help names the variable: {help}"
    );
    assert!(!help.contains("xoxb-1-secret"), "and never its value");
}

/// Each command's line in `debrief --help` describes that command and no other: a doc
/// comment that lands on the wrong variant (as a merge once put purge's on migrate-to,
/// leaving purge described by its database flag's struct) reads as plausible prose.
#[test]
fn the_command_list_describes_each_command_by_its_own_words() {
    let output = Command::new(env!("CARGO_BIN_EXE_debrief"))
        .arg("--help")
        .output()
        .expect("the binary runs");
    let help = String::from_utf8_lossy(&output.stdout);
    let described = |command: &str| -> String {
        let prefix = format!("  {command} ");
        help.lines()
            .find(|line| line.starts_with(&prefix))
            .unwrap_or_else(|| panic!("{command} is listed: {help}"))[prefix.len()..]
            .trim()
            .to_owned()
    };
    let openings = [
        ("serve", "Run the Slack bot"),
        ("demo", "Run a complete scripted incident review"),
        ("import", "Backfill history"),
        ("export", "Write a quarter's learning review"),
        ("learning-review", "Print a quarter's learning review"),
        ("forget-user", "Erase a person"),
        ("migrate-to", "Copy everything"),
        ("purge", "Delete everything a workspace left behind"),
    ];
    for (command, opening) in openings {
        let description = described(command);
        assert!(
            description.starts_with(opening),
            "{command} is described as {description:?}"
        );
        for (other, other_opening) in openings {
            assert!(
                other == command || !description.contains(other_opening),
                "{command}'s description also holds {other}'s: {description:?}"
            );
        }
    }
}
