//! Purpose: a team's own survey questions. `/debrief template [name]` opens a form with
//! one question per line (the current version, or the default questions to start
//! from): adding a line adds a question, moving it reorders, deleting it retires it. A
//! line may end with its type, `[scale 1-5]` or `[choice: A | B | C]`; without one it is
//! answered in words. `/debrief review template=<name>` makes a review's survey ask it,
//! and the vendor section is still added when a third party failed.
//!
//! Saving adds a version; a review keeps the version its survey asked, so answers are
//! always shown with the words of the questions people actually saw.

use std::borrow::Cow;

use jiff::Timestamp;
use slack_morphism::prelude::*;

use super::questions::{self, Kind, Question};
use crate::app::AppState;
use crate::domain::ReviewId;
use crate::error::{Error, FieldErrors};
use crate::features::framing::{self, FramingKind, Nudge};
use crate::request::{CommandRequest, Reply};
use crate::slack::blocks;
use crate::slack::forms::{self, FormValues};
use crate::user_error;

/// Form blocks.
const NAME_BLOCK: &str = "template_name";
const LINES_BLOCK: &str = "template_questions";

/// The name `/debrief template` edits when none is given.
pub const DEFAULT_NAME: &str = "our questions";

/// Most questions a template may hold: with the vendor section the survey stays well
/// inside Slack's 100 blocks, and people answer it.
pub const MAX_QUESTIONS: usize = 20;
/// Slack's limit on an input's label.
const MAX_PROMPT_CHARS: usize = 2_000;

/// A problem with one line of the form, for its field error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    pub line: usize,
    pub problem: String,
}

/// Reads the form's lines into questions. Pure: ids are the positions (`q1`, `q2`…),
/// which is enough because a saved version never changes.
pub fn parse_lines(text: &str) -> Result<Vec<Question>, Vec<LineProblem>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let number = index + 1;
        match parse_line(line) {
            Ok((prompt, kind)) => out.push(Question {
                id: Cow::Owned(format!("q{}", out.len() + 1)),
                prompt: Cow::Owned(prompt),
                kind,
            }),
            Err(problem) => problems.push(LineProblem {
                line: number,
                problem,
            }),
        }
    }
    if out.is_empty() && problems.is_empty() {
        problems.push(LineProblem {
            line: 1,
            problem: "Write at least one question, one per line.".into(),
        });
    }
    if out.len() > MAX_QUESTIONS {
        problems.push(LineProblem {
            line: text.lines().count(),
            problem: format!(
                "{} questions is more than people answer; keep it to {MAX_QUESTIONS}.",
                out.len()
            ),
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// One line: the prompt, and its type from a trailing `[…]`.
fn parse_line(line: &str) -> Result<(String, Kind), String> {
    let (prompt, kind) = match line.strip_suffix(']').and_then(|l| l.rsplit_once('[')) {
        Some((prompt, spec)) => (prompt.trim(), parse_kind(spec.trim())?),
        None => (line, Kind::Open),
    };
    if prompt.is_empty() {
        return Err("The question itself is missing before its […].".into());
    }
    if prompt.chars().count() > MAX_PROMPT_CHARS {
        return Err(format!(
            "A question can be at most {MAX_PROMPT_CHARS} characters."
        ));
    }
    Ok((prompt.to_string(), kind))
}

fn parse_kind(spec: &str) -> Result<Kind, String> {
    let lower = spec.to_lowercase();
    if let Some(range) = lower.strip_prefix("scale") {
        let range = range.trim();
        let (low, high) = if range.is_empty() {
            (1, 5)
        } else {
            let bounds = range.split_once(['-', '–']).and_then(|(l, h)| {
                Some((l.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?))
            });
            match bounds {
                Some((low, high)) if low <= 1 && high > low && high <= 10 => (low, high),
                _ => {
                    return Err(
                        "A scale goes from 0 or 1 up to at most 10, like `[scale 1-5]`.".into(),
                    );
                }
            }
        };
        return Ok(Kind::Scale { low, high });
    }
    if let Some(list) = spec
        .strip_prefix("choice:")
        .or_else(|| spec.strip_prefix("Choice:"))
    {
        let labels: Vec<&str> = list
            .split('|')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if !(2..=10).contains(&labels.len()) {
            return Err(
                "A choice needs 2 to 10 options separated by |, like `[choice: Yes | No | Partly]`."
                    .into(),
            );
        }
        let mut options: Vec<(Cow<'static, str>, Cow<'static, str>)> = Vec::new();
        for label in labels {
            let value = label.to_lowercase();
            if options.iter().any(|(v, _)| *v == value) {
                return Err(format!("The option “{label}” is there twice."));
            }
            if label.chars().count() > 75 {
                return Err("An option can be at most 75 characters (Slack's limit).".into());
            }
            options.push((Cow::Owned(value), Cow::Owned(label.to_string())));
        }
        return Ok(Kind::Choice {
            options: Cow::Owned(options),
        });
    }
    Err(format!(
        "“[{spec}]” is not a type; end the line with `[scale 1-5]`, `[choice: A | B]`, or nothing for a written answer."
    ))
}

/// The questions as the form's lines, so editing starts from what is there.
pub fn to_lines(questions: &[Question]) -> String {
    questions
        .iter()
        .map(|q| match &q.kind {
            Kind::Open | Kind::Minutes => q.prompt.to_string(),
            Kind::Scale { low, high } => format!("{} [scale {low}-{high}]", q.prompt),
            Kind::Choice { options } => format!(
                "{} [choice: {}]",
                q.prompt,
                options
                    .iter()
                    .map(|(_, label)| label.as_ref())
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Blame in a question's own words: the same nudge an answer would get (a template is
/// asked in every review that uses it, so a blaming question does the most harm).
pub fn blame_in(questions: &[Question]) -> Vec<Nudge> {
    questions
        .iter()
        .flat_map(|q| framing::detect(&q.prompt))
        .filter(|n| n.kind == FramingKind::Blame)
        .collect()
}

/// The form, holding `name` and `lines`; `nudges` (blame found on the last submit) are
/// shown above, and the next submit keeps the questions as written.
fn form(name: &str, lines: &str, nudges: &[Nudge]) -> SlackView {
    let mut content = Vec::new();
    if !nudges.is_empty() {
        content.push(blocks::section(framing::nudge::text(
            nudges,
            "*Before you save:*",
            "a question",
            "Edit it, or save again to keep it as written.",
        )));
    }
    content.push(forms::text_input(
        NAME_BLOCK,
        "Template name",
        Some(name),
        false,
        false,
        60,
    ));
    content.push(forms::text_input(
        LINES_BLOCK,
        "Questions, one per line, in order",
        Some(lines),
        true,
        false,
        3_000,
    ));
    content.push(blocks::context(
        "Add a line to add a question, move it to reorder, delete it to retire it (surveys already sent keep theirs). End a line with `[scale 1-5]` or `[choice: Yes | No | Partly]`; otherwise it is answered in words. Every question is optional to answer. A vendor section is added by itself when a third party failed.",
    ));
    forms::modal(
        "Survey template",
        "Save",
        crate::ids::TEMPLATE_SUBMIT,
        if nudges.is_empty() { "" } else { "nudged" },
        content,
    )
}

/// `/debrief template [name]` opens the form; `/debrief template list` lists them.
pub async fn command(
    state: &AppState,
    request: &CommandRequest,
    words: &str,
) -> Result<Reply, Error> {
    let words = words.trim();
    if words.eq_ignore_ascii_case("list") {
        let templates = state.store.templates(&request.team_id).await?;
        if templates.is_empty() {
            return Ok(Reply::ephemeral(
                "No survey templates yet: reviews ask the default questions. `/debrief template` starts one from them.",
            ));
        }
        let lines: Vec<String> = templates
            .iter()
            .map(|t| {
                let count = parse_stored(&t.questions).map_or(0, |q| q.len());
                format!("• *{}*: {count} questions", blocks::escape(&t.name))
            })
            .collect();
        return Ok(Reply::ephemeral(format!(
            "Survey templates:\n{}\nUse one with `/debrief review template=<name>`; change one with `/debrief template <name>`.",
            lines.join("\n")
        )));
    }
    let name = if words.is_empty() {
        DEFAULT_NAME
    } else {
        words
    };
    let lines = match state.store.template_named(&request.team_id, name).await? {
        Some(stored) => to_lines(&parse_stored(&stored.questions)?),
        None => to_lines(questions::CORE),
    };
    state
        .slack
        .open_view(&request.trigger_id, form(name, &lines, &[]))
        .await
        .map_err(|e| crate::features::form_did_not_open("the template form", e))?;
    Ok(Reply::ephemeral(
        "The template form is open: one question per line.",
    ))
}

/// The form is submitted: problems come back on their field, blame once as a nudge,
/// and a saved template is confirmed in the form itself.
pub async fn submit(
    state: &AppState,
    team_id: &str,
    user: &str,
    view: &SlackStatefulView,
    metadata: &str,
    now: Timestamp,
) -> Result<Option<SlackView>, Error> {
    let values = FormValues::from_view(view);
    let name = values.text(NAME_BLOCK).unwrap_or_default();
    let lines = values.text(LINES_BLOCK).unwrap_or_default();
    let mut errors = FieldErrors::default();
    if name.chars().count() > 60 || name.is_empty() {
        errors.add(
            NAME_BLOCK,
            "Give the template a short name (up to 60 characters).",
        );
    }
    let parsed = parse_lines(&lines);
    if let Err(problems) = &parsed {
        let said: Vec<String> = problems
            .iter()
            .take(3)
            .map(|p| format!("Line {}: {}", p.line, p.problem))
            .collect();
        errors.add(LINES_BLOCK, said.join(" "));
    }
    if !errors.is_empty() {
        return Err(Error::Form(errors));
    }
    let questions = parsed.expect("checked above");
    let nudges = blame_in(&questions);
    if !nudges.is_empty() && metadata != "nudged" {
        return Ok(Some(form(&name, &lines, &nudges)));
    }
    let json = serde_json::to_string(&questions).map_err(anyhow::Error::from)?;
    state
        .store
        .save_template(team_id, &name, &json, user, now)
        .await?;
    Ok(Some(forms::notice(
        "Survey template",
        &format!(
            "Saved *{}* with {} questions. A review asks it with `/debrief review template={}`; surveys already sent keep their questions.",
            blocks::escape(&name),
            questions.len(),
            if name.contains(' ') {
                format!("\"{name}\"")
            } else {
                name.clone()
            },
        ),
    )))
}

/// A stored template version's questions.
pub fn parse_stored(json: &str) -> anyhow::Result<Vec<Question>> {
    Ok(serde_json::from_str(json)?)
}

/// The questions a review's survey asks, the vendor section included: its template
/// version's, else the default ones.
pub async fn questions_of(
    state: &AppState,
    review_id: ReviewId,
    vendor: Option<&str>,
) -> anyhow::Result<Vec<Question>> {
    let custom = match state.store.review_template(review_id).await? {
        Some(stored) => Some(parse_stored(&stored.questions)?),
        None => None,
    };
    Ok(questions::questions_for(custom.as_deref(), vendor))
}

/// A template chosen with `template=<name>` on `/debrief review`: the version to ask
/// (`None`: the default questions) and what the facilitator is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub template_id: Option<i64>,
    pub said: String,
}

/// Looks up `template=<name>` before the review is saved, so a wrong name changes
/// nothing. Refused once the survey went out: people answered the questions they got.
pub async fn choose(
    state: &AppState,
    team_id: &str,
    existing: Option<&crate::store::reviews::Review>,
    name: &str,
) -> Result<Chosen, Error> {
    if existing.is_some_and(|r| r.survey_sent_at.is_some()) {
        user_error!(
            "The survey has gone out already, so its questions stay as they were sent. Nothing was changed."
        );
    }
    if ["default", "none", "standard"].contains(&name.to_lowercase().as_str()) {
        return Ok(Chosen {
            template_id: None,
            said: "The survey asks the default questions.".into(),
        });
    }
    let Some(stored) = state.store.template_named(team_id, name).await? else {
        user_error!(
            "There is no survey template called “{}”, so nothing was changed. `/debrief template list` shows them; `/debrief template {}` makes it.",
            blocks::escape(name),
            blocks::escape(name)
        );
    };
    let count = parse_stored(&stored.questions)?.len();
    Ok(Chosen {
        template_id: Some(stored.id),
        said: format!(
            "The survey asks the template *{}* ({count} questions).",
            blocks::escape(&stored.name)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_questions_of_each_type_in_order() {
        let questions = parse_lines(
            "What surprised you?\n\n  How prepared did you feel? [scale 1-5]\nWas the runbook used? [choice: Yes | No | Partly]\nRate the alerting [scale]",
        )
        .unwrap();
        assert_eq!(questions.len(), 4);
        assert_eq!(questions[0].kind, Kind::Open);
        assert_eq!(questions[0].id, "q1");
        assert_eq!(questions[1].prompt, "How prepared did you feel?");
        assert_eq!(questions[1].kind, Kind::Scale { low: 1, high: 5 });
        let Kind::Choice { options } = &questions[2].kind else {
            panic!("a choice");
        };
        let labels: Vec<&str> = options.iter().map(|(_, l)| l.as_ref()).collect();
        assert_eq!(labels, ["Yes", "No", "Partly"]);
        assert_eq!(questions[3].kind, Kind::Scale { low: 1, high: 5 });
        assert_eq!(questions[3].id, "q4");
        // Written back, the lines read the same, so editing starts from what is there.
        assert_eq!(parse_lines(&to_lines(&questions)).unwrap(), questions);
    }

    #[test]
    fn a_bad_line_is_named_with_what_to_write_instead() {
        let problems = parse_lines("Fine question\nBad one [choice: Only]\n[scale 1-5]\nOdd [rating]\nToo wide [scale 1-50]")
            .unwrap_err();
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 3, 4, 5]);
        assert!(problems[0].problem.contains("2 to 10 options"));
        assert!(problems[1].problem.contains("missing"));
        assert!(problems[2].problem.contains("not a type"));
        assert!(problems[3].problem.contains("at most 10"));
        assert!(
            parse_lines("  \n ").unwrap_err()[0]
                .problem
                .contains("at least one")
        );
        let many = "Q?\n".repeat(MAX_QUESTIONS + 1);
        assert!(
            parse_lines(&many).unwrap_err()[0]
                .problem
                .contains("keep it to 20")
        );
    }

    #[test]
    fn a_blaming_question_is_nudged_and_a_systemic_one_is_not() {
        let questions = parse_lines("Who deployed this?\nWhat made the deploy look safe?").unwrap();
        let nudges = blame_in(&questions);
        assert_eq!(nudges.len(), 1, "{nudges:?}");
        assert_eq!(nudges[0].kind, FramingKind::Blame);
        assert!(blame_in(&questions[1..]).is_empty());
        assert!(
            blame_in(questions::CORE).is_empty(),
            "the default questions are systemic"
        );
    }
}
