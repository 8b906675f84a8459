//! `debrief demo` as a user runs it: the binary, a scripted review end to end, every stage
//! in the transcript, the agenda at the end, and nothing left behind.

use std::path::Path;
use std::process::Command;

const NAMES: [&str; 6] = ["alice", "bob", "carol", "dan", "erin", "frank"];

fn run_demo(tmp: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_debrief"))
        .arg("demo")
        .args(args)
        .env("TMPDIR", tmp)
        .env_remove("DATABASE_URL")
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "exit {:?}\n{stdout}\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The transcript between the heading `from` and the next heading.
fn stage<'a>(transcript: &'a str, from: &str) -> &'a str {
    let start = transcript
        .find(&format!("== {from}"))
        .unwrap_or_else(|| panic!("stage {from} missing:\n{transcript}"));
    let rest = &transcript[start + 3..];
    let end = rest.find("\n== ").unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn the_demo_runs_every_stage_and_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_demo(tmp.path(), &[]);

    let incident = stage(&out, "1. The incident");
    assert!(incident.contains("marked as a recurrence"), "{incident}");
    let review = stage(&out, "2. The review");
    assert!(review.contains("Participants (6)"), "{review}");
    assert!(
        review.to_lowercase().contains("left out: @u0pager (a bot)"),
        "{review}"
    );
    assert!(
        review.contains("a modal opens: Open the review"),
        "the review form: {review}"
    );
    // Every reply is printed once: the story is what people would have seen, and a line
    // shown twice reads as debrief sending it twice.
    let lines: Vec<&str> = out.lines().collect();
    for pair in lines.windows(2) {
        assert!(
            pair[0].trim().is_empty() || pair[0] != pair[1],
            "printed twice in a row: {}",
            pair[0]
        );
    }
    let fanout = stage(&out, "3. Survey fan-out");
    assert_eq!(
        fanout.matches("Sending the survey for").count(),
        1,
        "{fanout}"
    );
    for name in NAMES {
        assert!(
            fanout.contains(&format!("[DM to {name}] debrief:")),
            "{name}: {fanout}"
        );
    }
    let answers = stage(&out, "4. Answers");
    assert!(
        answers.contains("A question that teaches more"),
        "{answers}"
    );
    assert!(
        answers.contains("keeps the answers as written"),
        "{answers}"
    );
    assert_eq!(
        answers.matches("your answers are saved").count(),
        4,
        "{answers}"
    );
    // One of each nudge kind appears somewhere in the story, each with its own header.
    assert!(
        answers.contains("something in your answers reads as blame"),
        "{answers}"
    );
    assert!(
        answers.contains("something in your answers puts the failure outside our control"),
        "{answers}"
    );
    let reminder = stage(&out, "5. A reminder");
    assert!(reminder.contains("[DM to frank] debrief:"), "{reminder}");
    assert!(
        !reminder.contains("[DM to bob]"),
        "bob answered: {reminder}"
    );
    let checkin = stage(&out, "6. Round-robin check-in");
    assert_eq!(
        checkin.matches("your turn: one observation").count(),
        6,
        "{checkin}"
    );
    assert_eq!(
        checkin.matches("moving on").count(),
        2,
        "a pass and a timeout: {checkin}"
    );
    assert!(
        checkin.contains("4 of 6 shared, 2 passed. The floor is open for discussion."),
        "{checkin}"
    );
    let observations = stage(&out, "7. Anonymous observations");
    assert_eq!(
        observations.matches("Recorded anonymously").count(),
        3,
        "{observations}"
    );
    assert!(
        observations.contains("*Before I record it:* this names a single root cause"),
        "{observations}"
    );
    assert!(
        observations.contains("[Record it as written] [Open the counterfactual form]"),
        "{observations}"
    );
    assert!(
        observations.contains("[bob] a modal opens: What had to be true"),
        "the button opens the counterfactual form: {observations}"
    );
    let counterfactuals = stage(&out, "8. Counterfactuals");
    assert!(
        counterfactuals
            .contains("this condition proposes a fix that relies on people trying harder"),
        "{counterfactuals}"
    );
    assert_eq!(
        counterfactuals.matches("It ranks").count(),
        3,
        "{counterfactuals}"
    );
    let agenda_stage = stage(&out, "9. The agenda");
    assert!(
        agenda_stage.contains("[DM to alice] debrief: Agenda:"),
        "{agenda_stage}"
    );
    assert!(
        agenda_stage.contains("debrief updated its message: Agenda:"),
        "replaced, not reposted: {agenda_stage}"
    );
    assert!(
        agenda_stage.contains("[alice's App Home]"),
        "{agenda_stage}"
    );
    let after = stage(&out, "10. After the meeting");
    // Who spoke: those who replied in the check-in (the order is random) and those who
    // wrote in the channel during the meeting.
    let mut speakers: Vec<&str> = checkin
        .lines()
        .filter_map(|l| l.split_once(" replies in the thread"))
        .map(|(name, _)| name)
        .chain(after.lines().filter_map(|l| {
            l.split_once(" writes in #inc-checkout-latency")
                .map(|(name, _)| name)
        }))
        .collect();
    speakers.sort();
    speakers.dedup();
    assert!(
        after.contains(&format!(
            "Participation: {} of 6 attendees spoke",
            speakers.len()
        )),
        "{speakers:?}: {after}"
    );
    assert!(after.contains("4 shared in the check-in"), "{after}");
    // The review is marked done and its summary, written from the draft, is posted.
    assert!(after.contains("a modal opens: Review summary"), "{after}");
    assert!(
        after
            .contains("debrief: *Review of “Checkout latency after cache purge”: what we learned*"),
        "{after}"
    );

    let agenda = stage(&out, "The agenda as text");
    for section in [
        "# Agenda: Checkout latency after cache purge",
        "## Themes",
        "## Questions for the room",
        "## What would have had to be true",
        "## The external dependency: Fastly",
        "## Open items",
    ] {
        assert!(agenda.contains(section), "{section}: {agenda}");
    }
    assert!(
        agenda.contains("What information was available to the person making this decision"),
        "{agenda}"
    );
    // Standing questions open the room's questions: a recurrence, a vendor, a deploy.
    let questions = &agenda[agenda.find("## Questions for the room").unwrap()..];
    assert!(
        questions.starts_with(
            "## Questions for the room\n\n- What did we learn last time, and why didn't it prevent this?\n\
             - Given that this external failure will happen again, what is the desired system behavior, and does the current architecture produce it?\n"
        ),
        "{questions}"
    );
    assert!(
        agenda.contains("**Trigger:** the 09:00 CDN purge"),
        "{agenda}"
    );
    assert!(
        agenda.contains(
            "Proposed in the survey, not yet ranked:\n\n- origin had headroom for a cold cache"
        ),
        "{agenda}"
    );
    assert!(
        agenda.contains("(minutes) Median 20 min across 2 answers (15 to 25 min)."),
        "{agenda}"
    );
    assert!(
        agenda.contains("a teammate only found out"),
        "mentions are scrubbed: {agenda}"
    );
    // Nobody is named in the agenda: pseudonyms and "anonymous observation" only.
    let words: Vec<String> = agenda
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .collect();
    for name in NAMES {
        assert!(
            !words.iter().any(|w| w == name),
            "{name} named in the agenda:\n{agenda}"
        );
    }
    let pulse = stage(
        &out,
        "12. Epilogue: the quarterly psychological-safety pulse",
    );
    assert!(
        pulse.contains("The pulse is on its way to 6 people"),
        "{pulse}"
    );
    assert!(
        pulse.contains("You asked 6 people, yourself among them"),
        "{pulse}"
    );
    assert!(
        pulse.contains("Mean *3.8* out of 5. 4 of 6 people answered (67%)."),
        "{pulse}"
    );
    assert!(
        pulse.contains("> The check-in made it normal to speak."),
        "{pulse}"
    );
    let epilogue = stage(&out, "11. Epilogue");
    assert!(epilogue.contains("Added action item #1"), "{epilogue}");
    assert!(
        epilogue.contains("incidents: 6 added, 0 updated, 0 unchanged."),
        "{epilogue}"
    );
    assert!(epilogue.contains("action items: 3 added"), "{epilogue}");
    assert!(
        epilogue.contains("debrief: Quarterly learning review:"),
        "posted in the channel: {epilogue}"
    );
    for expected in [
        "# Quarterly learning review: ",
        "**33%** of this quarter's incidents (2 of 6) had a failure mode seen before.",
        "## 3. Action-item audit (20 min)",
        "Version search cache keys",
        "No pulse run this quarter.",
    ] {
        assert!(epilogue.contains(expected), "{expected}: {epilogue}");
    }
    assert!(out.contains("== Done =="));
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "the temporary folder is removed"
    );
}

#[test]
fn keep_leaves_the_database_and_says_where() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_demo(tmp.path(), &["--keep"]);
    let kept: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].join("debrief.db").exists());
    assert!(out.contains(&kept[0].display().to_string()), "{out}");
    // The pulse chart whose path the epilogue printed is a PNG in the kept folder.
    let line = out
        .lines()
        .find(|l| l.starts_with("The pulse chart of "))
        .expect("the chart's path is printed");
    let path = line
        .split(" is at ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert!(path.starts_with(&kept[0].display().to_string()), "{line}");
    let png = std::fs::read(path).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{line}");
}
