//! Purpose: the agenda as data, synthesized from the survey, the observations and the
//! counterfactuals, then rendered as Block Kit messages, Markdown or plain text. Pure and
//! deterministic: the same inputs give the same agenda, whatever their order.

use std::collections::{BTreeMap, BTreeSet};

use slack_morphism::prelude::*;

use super::cluster::{self, ClusterOptions, Item};
use crate::domain::Condition;
use crate::features::framing::{self, FramingKind};
use crate::features::counterfactual;
use crate::features::survey::questions::{self, Kind};
use crate::slack::blocks::{self, limits};
use crate::store::reviews::{Incident, Review};

/// One survey answer as the agenda sees it: under a pseudonym, never a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyAnswer {
    pub pseudonym: String,
    pub question: String,
    pub text: String,
}

/// Where one clustered text came from.
struct Source {
    quote: Quote,
    /// An anonymous observation, not a survey answer.
    observation: bool,
}

/// Everything the agenda is made from.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub incident: Incident,
    pub recurrence_of: Option<String>,
    pub review: Review,
    /// How many participants answered the survey (for the k-floor).
    pub answered: i64,
    pub answers: Vec<SurveyAnswer>,
    pub observations: Vec<String>,
    pub counterfactuals: Vec<Condition>,
}

/// A quote in a theme, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub text: String,
    /// A pseudonym, or "anonymous observation".
    pub source: String,
}

/// A theme: similar items, with who raised it (counted, never named) and quotes.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub label: String,
    pub respondents: usize,
    pub observations: usize,
    pub quotes: Vec<Quote>,
}

/// The synthesized agenda, in the order it is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Agenda {
    pub title: String,
    pub facts: Vec<String>,
    /// Why survey answers are missing, when they are.
    pub survey_note: Option<String>,
    pub themes: Vec<Theme>,
    pub questions: Vec<String>,
    pub counterfactuals: Vec<String>,
    pub vendor: Option<VendorSection>,
    pub unanswered: Vec<String>,
    pub single_voice_themes: Vec<String>,
    /// What was left out to keep the agenda short, counted (never silently dropped).
    pub left_out: Vec<String>,
}

/// The external dependency's section.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorSection {
    pub vendor: String,
    pub tallies: Vec<String>,
    pub quotes: Vec<Quote>,
    pub standing_question: String,
    /// What respondents said to the standing question, shown under it.
    pub proposals: Vec<Quote>,
    /// Answers beyond those quoted.
    pub answers_left_out: usize,
}

const MAX_QUOTES: usize = 3;
const MAX_QUESTIONS: usize = 12;
const OBSERVATION_SOURCE: &str = "anonymous observation";

fn duration_text(seconds: i64) -> String {
    let minutes = seconds / 60;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

fn header_facts(inputs: &Inputs) -> Vec<String> {
    let i = &inputs.incident;
    let mut facts = Vec::new();
    if let Some(sev) = &i.severity {
        facts.push(format!("Severity {sev}"));
    }
    let services = i.services();
    if !services.is_empty() {
        facts.push(format!("Services: {}", services.join(", ")));
    }
    if let (Some(start), Some(end)) = (i.started_at, i.resolved_at) {
        facts.push(format!("Duration: {}", duration_text(end - start)));
    }
    match (&inputs.recurrence_of, &i.failure_mode) {
        (Some(earlier), Some(mode)) => {
            facts.push(format!("Recurrence of “{earlier}” (failure mode {mode})"))
        }
        (None, Some(mode)) => facts.push(format!("Failure mode: {mode} (first time seen)")),
        _ => {}
    }
    if let Some(vendor) = &i.vendor {
        facts.push(format!("Third party involved: {vendor}"));
    }
    facts
}

/// Builds the agenda. Survey answers are used only once the k-floor is met, so no theme
/// can rest on one identifiable answer before then.
pub fn synthesize(inputs: &Inputs) -> Agenda {
    let k_met = inputs.answered >= inputs.review.min_responses;
    let answers: Vec<&SurveyAnswer> = if k_met {
        inputs.answers.iter().collect()
    } else {
        Vec::new()
    };
    let survey_note = (!k_met).then(|| {
        format!(
            "Survey answers are not included yet: {} of the {} needed have answered.",
            inputs.answered, inputs.review.min_responses
        )
    });
    let vendor = inputs.incident.vendor.as_deref();
    let open_ids: Vec<&str> = questions::questions_for(vendor)
        .iter()
        .filter(|q| q.kind == Kind::Open && !q.id.starts_with("vendor_"))
        .map(|q| q.id)
        .collect();

    // Items to cluster: open answers (not the vendor section) and observations. Ids index
    // a side table so each item's source can be recovered.
    //
    // Nothing here depends on who spoke in a check-in: the facilitator watched it, so an
    // order that favoured people who stayed quiet would tell them whose pseudonym is whose.
    let mut sources: Vec<Source> = Vec::new();
    let mut items = Vec::new();
    for answer in answers
        .iter()
        .filter(|a| open_ids.contains(&a.question.as_str()))
    {
        items.push(Item {
            id: sources.len(),
            text: answer.text.clone(),
            contributor: answer.pseudonym.clone(),
        });
        sources.push(Source {
            quote: Quote {
                text: answer.text.clone(),
                source: answer.pseudonym.clone(),
            },
            observation: false,
        });
    }
    for (n, text) in inputs.observations.iter().enumerate() {
        items.push(Item {
            id: sources.len(),
            text: text.clone(),
            contributor: format!("observation-{n}"),
        });
        sources.push(Source {
            quote: Quote {
                text: text.clone(),
                source: OBSERVATION_SOURCE.into(),
            },
            observation: true,
        });
    }
    let clustered = cluster::cluster(&items, ClusterOptions::default());
    let blames: Vec<bool> = sources
        .iter()
        .map(|source| reads_as_blame(&source.quote.text))
        .collect();
    let mut themes: Vec<Theme> = clustered
        .iter()
        .map(|theme| {
            let respondents: BTreeSet<&str> = theme
                .items
                .iter()
                .filter(|&&id| !sources[id].observation)
                .map(|&id| sources[id].quote.source.as_str())
                .collect();
            let observations = theme
                .items
                .iter()
                .filter(|&&id| sources[id].observation)
                .count();
            // Quotes in representative order. Words of blame are quoted only when the theme
            // has nothing else: the room gets them back as systemic questions.
            let mut ordered: Vec<usize> = theme.items.clone();
            if ordered.iter().any(|&id| !blames[id]) {
                ordered.retain(|&id| !blames[id]);
            }
            let quotes = ordered
                .iter()
                .take(MAX_QUOTES)
                .map(|&id| sources[id].quote.clone())
                .collect();
            Theme {
                label: theme.label.clone(),
                respondents: respondents.len(),
                observations,
                quotes,
            }
        })
        .collect();
    // Several voices first.
    themes.sort_by(|a, b| {
        (b.respondents + b.observations)
            .cmp(&(a.respondents + a.observations))
            .then(a.label.cmp(&b.label))
    });
    let single_voice_themes = themes
        .iter()
        .filter(|t| t.respondents + t.observations == 1)
        .map(|t| t.label.clone())
        .collect();

    let (questions, questions_left_out) = questions_for_the_room(&answers, &inputs.observations);
    let vendor_section = vendor.map(|v| {
        let mut section = vendor_section(v, &answers);
        if !k_met {
            section.tallies = vec![
                "Answers about the dependency are held back until enough people have answered."
                    .into(),
            ];
        }
        section
    });
    let mut left_out = Vec::new();
    if questions_left_out > 0 {
        left_out.push(format!(
            "{questions_left_out} more questions for the room, left out to keep the meeting focused"
        ));
    }
    if let Some(section) = vendor_section.as_ref().filter(|v| v.answers_left_out > 0) {
        left_out.push(format!(
            "{} more answers about {}; `/debrief answers` has every answer",
            section.answers_left_out, section.vendor
        ));
    }
    Agenda {
        title: inputs.incident.title.clone(),
        facts: header_facts(inputs),
        survey_note,
        themes,
        questions,
        counterfactuals: counterfactual::rank(inputs.counterfactuals.clone())
            .iter()
            .map(counterfactual::describe)
            .collect(),
        vendor: vendor_section,
        unanswered: if k_met {
            unanswered(vendor, &answers)
        } else {
            Vec::new()
        },
        single_voice_themes,
        left_out,
    }
}

/// Open items: unanswered questions, single-voice themes, and what was left out.
fn open_items(agenda: &Agenda) -> Vec<String> {
    let mut open: Vec<String> = agenda
        .unanswered
        .iter()
        .map(|q| format!("Nobody answered: {q}"))
        .collect();
    open.extend(
        agenda
            .single_voice_themes
            .iter()
            .map(|t| format!("Raised by one voice only: {t}")),
    );
    open.extend(agenda.left_out.iter().cloned());
    open
}

/// Words of blame are kept out of quotes where a theme has anything else to quote.
fn reads_as_blame(text: &str) -> bool {
    framing::detect(text)
        .iter()
        .any(|n| n.kind == FramingKind::Blame)
}

/// Framings turned into systemic questions, then what people asked to discuss.
fn questions_for_the_room(
    answers: &[&SurveyAnswer],
    observations: &[String],
) -> (Vec<String>, usize) {
    let mut questions: Vec<String> = Vec::new();
    let texts = answers
        .iter()
        .map(|a| a.text.as_str())
        .chain(observations.iter().map(String::as_str));
    // Every framing becomes its question ("who deployed" and "should have" in one
    // answer are two different conversations).
    let mut reframed: Vec<String> = texts
        .flat_map(|text| framing::detect(text).into_iter().map(|n| n.reframing))
        .collect();
    reframed.sort();
    reframed.dedup();
    questions.extend(reframed);
    let mut topics: Vec<String> = answers
        .iter()
        .filter(|a| a.question == "discuss" && !reads_as_blame(&a.text))
        .map(|a| {
            format!(
                "Raised for discussion: “{}”",
                blocks::truncate_words(&a.text, 300)
            )
        })
        .collect();
    topics.sort();
    topics.dedup();
    questions.extend(topics);
    let dropped = questions.len().saturating_sub(MAX_QUESTIONS);
    questions.truncate(MAX_QUESTIONS);
    (questions, dropped)
}

fn vendor_section(vendor: &str, answers: &[&SurveyAnswer]) -> VendorSection {
    let mut tallies = Vec::new();
    for question in questions::VENDOR {
        match question.kind {
            Kind::Choice(options) => {
                let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                for a in answers.iter().filter(|a| a.question == question.id) {
                    *counts.entry(a.text.as_str()).or_default() += 1;
                }
                let line = options
                    .iter()
                    .map(|(value, label)| {
                        format!("{label} {}", counts.get(value).copied().unwrap_or(0))
                    })
                    .collect::<Vec<_>>()
                    .join(" · ");
                tallies.push(format!(
                    "{} {line}",
                    questions::prompt(question, Some(vendor))
                ));
            }
            Kind::Open => {}
        }
    }
    let mut quotes: Vec<Quote> = answers
        .iter()
        .filter(|a| a.question.starts_with("vendor_") && a.question != "vendor_future")
        .filter(|a| {
            !matches!(
                questions::VENDOR
                    .iter()
                    .find(|q| q.id == a.question)
                    .map(|q| q.kind),
                Some(Kind::Choice(_))
            )
        })
        .map(|a| Quote {
            text: a.text.clone(),
            source: a.pseudonym.clone(),
        })
        .collect();
    quotes.sort_by(|a, b| a.text.cmp(&b.text));
    let mut dropped = quotes.len().saturating_sub(MAX_QUOTES * 2);
    quotes.truncate(MAX_QUOTES * 2);
    let mut proposals: Vec<Quote> = answers
        .iter()
        .filter(|a| a.question == "vendor_future")
        .map(|a| Quote {
            text: a.text.clone(),
            source: a.pseudonym.clone(),
        })
        .collect();
    proposals.sort_by(|a, b| a.text.cmp(&b.text));
    dropped += proposals.len().saturating_sub(MAX_QUOTES * 2);
    proposals.truncate(MAX_QUOTES * 2);
    VendorSection {
        vendor: vendor.to_string(),
        tallies,
        quotes,
        proposals,
        answers_left_out: dropped,
        standing_question: "Given that this external failure will happen again, what should our system do, and does the current architecture do it?".into(),
    }
}

fn unanswered(vendor: Option<&str>, answers: &[&SurveyAnswer]) -> Vec<String> {
    questions::questions_for(vendor)
        .iter()
        .filter(|q| !answers.iter().any(|a| a.question == q.id))
        .map(|q| questions::prompt(q, vendor))
        .collect()
}

fn quote_line(q: &Quote) -> String {
    format!(
        "{}\n— _{}_",
        crate::features::survey::render::quote(&q.text),
        q.source
    )
}

/// "3 respondents, 1 observation": who raised a theme, counted.
fn theme_sources(t: &Theme) -> String {
    let mut who = Vec::new();
    if t.respondents > 0 {
        who.push(format!(
            "{} respondent{}",
            t.respondents,
            if t.respondents == 1 { "" } else { "s" }
        ));
    }
    if t.observations > 0 {
        who.push(format!(
            "{} observation{}",
            t.observations,
            if t.observations == 1 { "" } else { "s" }
        ));
    }
    who.join(", ")
}

/// The agenda as Slack messages: ≤50 blocks each, sections ≤3,000 characters, split
/// between blocks (never inside a word), in order.
pub fn to_messages(agenda: &Agenda) -> Vec<SlackMessageContent> {
    let mut content = vec![blocks::header(format!("Agenda: {}", agenda.title))];
    if !agenda.facts.is_empty() {
        content.push(blocks::context(blocks::escape(&agenda.facts.join(" · "))));
    }
    content.push(blocks::header("Themes"));
    if let Some(note) = &agenda.survey_note {
        content.push(blocks::context(note));
    }
    if agenda.themes.is_empty() {
        content.push(blocks::context("Nothing has come in yet."));
    }
    for theme in &agenda.themes {
        content.push(blocks::section(format!(
            "*{}* ({})",
            blocks::escape(&theme.label),
            theme_sources(theme)
        )));
        for quote in &theme.quotes {
            content.extend(blocks::long_section(&quote_line(quote)));
        }
    }
    content.push(blocks::header("Questions for the room"));
    push_list(&mut content, &agenda.questions, "No questions yet.");
    content.push(blocks::header("What would have had to be true"));
    push_list(
        &mut content,
        &agenda.counterfactuals,
        "No conditions yet: add them with `/debrief counterfactual`.",
    );
    if let Some(v) = &agenda.vendor {
        content.push(blocks::header(format!(
            "The external dependency: {}",
            v.vendor
        )));
        push_list(&mut content, &v.tallies, "");
        for quote in &v.quotes {
            content.extend(blocks::long_section(&quote_line(quote)));
        }
        content.push(blocks::section(format!("*{}*", v.standing_question)));
        for quote in &v.proposals {
            content.extend(blocks::long_section(&quote_line(quote)));
        }
    }
    content.push(blocks::header("Open items"));
    push_list(&mut content, &open_items(agenda), "None.");
    let pages = blocks::paginate(content, limits::MESSAGE_BLOCKS);
    let total = pages.len();
    pages
        .into_iter()
        .enumerate()
        .map(|(n, page)| {
            blocks::message(
                format!("Agenda for “{}” ({} of {total})", agenda.title, n + 1),
                page,
            )
        })
        .collect()
}

/// Bullets, packed into as few sections as Slack's limit allows.
fn push_list(content: &mut Vec<SlackBlock>, items: &[String], empty: &str) {
    if items.is_empty() {
        if !empty.is_empty() {
            content.push(blocks::context(empty));
        }
        return;
    }
    let bullets: Vec<String> = items
        .iter()
        .map(|i| format!("• {}", blocks::escape(i)))
        .collect();
    content.extend(blocks::long_section(&bullets.join("\n")));
}

/// The agenda as a Markdown document.
pub fn to_markdown(agenda: &Agenda) -> String {
    let mut out = format!("# Agenda: {}\n\n", agenda.title);
    for fact in &agenda.facts {
        out.push_str(&format!("- {fact}\n"));
    }
    out.push_str("\n## Themes\n\n");
    if let Some(note) = &agenda.survey_note {
        out.push_str(&format!("_{note}_\n\n"));
    }
    for theme in &agenda.themes {
        out.push_str(&format!(
            "### {} ({})\n\n",
            theme.label,
            theme_sources(theme)
        ));
        for q in &theme.quotes {
            for line in q.text.lines() {
                out.push_str(&format!("> {line}\n"));
            }
            out.push_str(&format!("> — {}\n\n", q.source));
        }
    }
    let list = |out: &mut String, title: &str, items: &[String]| {
        out.push_str(&format!("## {title}\n\n"));
        if items.is_empty() {
            out.push_str("_None yet._\n");
        }
        for item in items {
            out.push_str(&format!("- {item}\n"));
        }
        out.push('\n');
    };
    list(&mut out, "Questions for the room", &agenda.questions);
    list(
        &mut out,
        "What would have had to be true",
        &agenda.counterfactuals,
    );
    if let Some(v) = &agenda.vendor {
        let mut lines = v.tallies.clone();
        lines.extend(
            v.quotes
                .iter()
                .map(|q| format!("“{}” — {}", q.text, q.source)),
        );
        lines.push(format!("**{}**", v.standing_question));
        lines.extend(
            v.proposals
                .iter()
                .map(|q| format!("Proposed: “{}” — {}", q.text, q.source)),
        );
        list(
            &mut out,
            &format!("The external dependency: {}", v.vendor),
            &lines,
        );
    }
    list(&mut out, "Open items", &open_items(agenda));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ReviewId, SurveyStatus};

    fn incident(vendor: Option<&str>) -> Incident {
        Incident {
            id: 1,
            team_id: "T".into(),
            channel_id: "C".into(),
            title: "Checkout errors".into(),
            severity: Some("P1".into()),
            services: "checkout".into(),
            failure_mode: Some("cache-invalidation".into()),
            vendor: vendor.map(str::to_string),
            deploy_related: Some(true),
            started_at: Some(0),
            resolved_at: Some(5700),
            recurrence_of: Some(7),
            created_by: "U".into(),
            created_at: 0,
            updated_at: 0,
            trigger: None,
        }
    }

    fn review(k: i64) -> Review {
        Review {
            id: ReviewId(1),
            incident_id: 1,
            team_id: "T".into(),
            channel_id: "C".into(),
            facilitator_id: "U".into(),
            min_responses: k,
            reminders: 1,
            survey_status: SurveyStatus::Closed,
            participants_ready: true,
            agenda_before: 3600,
            ..Default::default()
        }
    }

    fn answer(p: &str, q: &str, text: &str) -> SurveyAnswer {
        SurveyAnswer {
            pseudonym: p.into(),
            question: q.into(),
            text: text.into(),
        }
    }

    fn inputs(answers: Vec<SurveyAnswer>, answered: i64, vendor: Option<&str>) -> Inputs {
        Inputs {
            incident: incident(vendor),
            recurrence_of: Some("Cache storm".into()),
            review: review(3),
            answered,
            answers,
            observations: vec!["the cache ttl was 24h and nobody knew".into()],
            counterfactuals: vec![],
        }
    }

    fn sample() -> Vec<SurveyAnswer> {
        vec![
            answer(
                "Respondent A",
                "information",
                "the cache ttl dashboard showed 24h",
            ),
            answer(
                "Respondent B",
                "surprise",
                "cache ttl of 24 hours surprised me",
            ),
            answer(
                "Respondent C",
                "detection",
                "who deployed the purge job on a friday?",
            ),
            answer("Respondent C", "discuss", "ownership of the purge job"),
        ]
    }

    #[test]
    fn the_header_states_the_facts_and_the_recurrence() {
        let agenda = synthesize(&inputs(sample(), 3, None));
        assert!(agenda.facts.contains(&"Severity P1".to_string()));
        assert!(agenda.facts.contains(&"Duration: 1 h 35 min".to_string()));
        assert!(
            agenda
                .facts
                .iter()
                .any(|f| f.starts_with("Recurrence of “Cache storm”"))
        );
    }

    #[test]
    fn survey_answers_wait_for_the_k_floor() {
        let below = synthesize(&inputs(sample(), 2, None));
        assert!(below.survey_note.is_some());
        let text = to_markdown(&below);
        assert!(!text.contains("Respondent"), "{text}");
        assert!(
            text.contains("the cache ttl was 24h"),
            "observations still count"
        );
        let met = synthesize(&inputs(sample(), 3, None));
        assert!(met.survey_note.is_none());
        assert!(to_markdown(&met).contains("Respondent B"));
    }

    #[test]
    fn blame_becomes_a_systemic_question() {
        let agenda = synthesize(&inputs(sample(), 3, None));
        assert!(
            agenda.questions.iter().any(|q| q
                .starts_with("What information was available to the person making this decision")),
            "{:?}",
            agenda.questions
        );
        assert!(
            agenda
                .questions
                .iter()
                .any(|q| q.contains("ownership of the purge job"))
        );
        assert!(
            !to_markdown(&agenda).contains("who deployed the purge job on a friday?\n- "),
            "the blame question itself is not a question for the room"
        );
    }

    #[test]
    fn what_is_left_out_is_counted_in_open_items() {
        let answers: Vec<SurveyAnswer> = (0..20)
            .map(|n| {
                answer(
                    &format!("Respondent {n}"),
                    "discuss",
                    &format!("topic number {n} deserves time"),
                )
            })
            .collect();
        let agenda = synthesize(&inputs(answers, 20, None));
        assert_eq!(agenda.questions.len(), MAX_QUESTIONS);
        assert!(
            to_markdown(&agenda).contains("- 8 more questions for the room, left out"),
            "{}",
            to_markdown(&agenda)
        );
    }

    #[test]
    fn blame_is_quoted_only_when_a_theme_has_nothing_else() {
        let agenda = synthesize(&inputs(sample(), 3, None));
        let purge = agenda
            .themes
            .iter()
            .find(|t| t.label.contains("purge"))
            .expect("a purge theme");
        assert!(
            purge
                .quotes
                .iter()
                .all(|q| !q.text.contains("who deployed")),
            "{purge:?}"
        );
        let only_blame = vec![answer(
            "Respondent A",
            "discuss",
            "who deployed the purge job on a friday?",
        )];
        let agenda = synthesize(&inputs(only_blame, 3, None));
        assert!(
            agenda
                .themes
                .iter()
                .any(|t| t.quotes.iter().any(|q| q.text.contains("who deployed"))),
            "nothing is hidden when blame is all a theme has: {:?}",
            agenda.themes
        );
    }

    #[test]
    fn themes_raised_by_several_voices_come_first() {
        let mut answers = sample();
        answers.extend([
            answer("Respondent D", "discuss", "the pager rota"),
            answer("Respondent E", "discuss", "the deploy calendar"),
            answer("Respondent F", "discuss", "the status page"),
        ]);
        let agenda = synthesize(&inputs(answers, 6, None));
        let first = &agenda.themes[0];
        assert!(
            first.label.contains("cache") || first.label.contains("ttl"),
            "{first:?}"
        );
        assert!(first.respondents + first.observations >= 2);
    }

    #[test]
    fn the_vendor_section_appears_only_with_a_vendor() {
        assert!(synthesize(&inputs(sample(), 3, None)).vendor.is_none());
        let mut answers = sample();
        answers.push(answer("Respondent A", "vendor_breakers", "partly"));
        answers.push(answer(
            "Respondent B",
            "vendor_customers",
            "a spinner, then a 500",
        ));
        let agenda = synthesize(&inputs(answers, 3, Some("Stripe")));
        let v = agenda.vendor.unwrap();
        assert!(v.tallies[0].contains("Partly 1"), "{:?}", v.tallies);
        assert_eq!(v.quotes[0].text, "a spinner, then a 500");
        assert!(
            v.standing_question
                .starts_with("Given that this external failure will happen again")
        );
    }

    #[test]
    fn open_items_list_unanswered_questions_and_single_voices() {
        let agenda = synthesize(&inputs(sample(), 3, None));
        assert!(
            agenda
                .unanswered
                .iter()
                .any(|q| q.starts_with("What made the actions taken seem reasonable"))
        );
        assert!(!agenda.single_voice_themes.is_empty());
    }

    #[test]
    fn the_same_inputs_in_another_order_give_the_same_agenda() {
        let a = synthesize(&inputs(sample(), 3, None));
        let mut reversed = sample();
        reversed.reverse();
        let mut other = inputs(reversed, 3, None);
        other.observations.reverse();
        assert_eq!(to_markdown(&a), to_markdown(&synthesize(&other)));
    }

    #[test]
    fn a_300_answer_agenda_respects_block_kit_limits() {
        let long = "the failover runbook assumed a manual step that nobody on call had practised "
            .repeat(20);
        let answers: Vec<SurveyAnswer> = (0..300)
            .map(|n| {
                answer(
                    &format!("Respondent {n}"),
                    questions::CORE[n % 5].id,
                    &format!("{long} variant {}", n % 37),
                )
            })
            .collect();
        let agenda = synthesize(&inputs(answers, 300, Some("Stripe")));
        let messages = to_messages(&agenda);
        assert!(!messages.is_empty());
        for message in &messages {
            let blocks = message.blocks.as_ref().unwrap();
            assert!(blocks.len() <= limits::MESSAGE_BLOCKS);
            for block in serde_json::to_value(blocks).unwrap().as_array().unwrap() {
                let text = block["text"]["text"].as_str().unwrap_or("");
                assert!(
                    text.chars().count() <= limits::SECTION_TEXT,
                    "{} chars",
                    text.len()
                );
                let elements = block["elements"].as_array().map(|e| e.len()).unwrap_or(0);
                assert!(elements <= 10);
            }
        }
    }
}
