//! Purpose: the agenda as data, synthesized from the survey, the observations and the
//! counterfactuals, then rendered as Block Kit messages, Markdown or plain text. Pure and
//! deterministic: the same inputs give the same agenda, whatever their order.

use std::collections::{BTreeMap, BTreeSet};

use slack_morphism::prelude::*;

use super::cluster::{self, ClusterOptions, Item};
use crate::domain::{Condition, Control, ReviewId};
use crate::features::counterfactual;
use crate::features::framing::{self, FramingKind, IncidentFacts};
use crate::features::survey::questions::{self, Kind, Question};
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
    /// How many people other than the facilitator answered (what the k-floor counts).
    pub answered: i64,
    /// The answers the facilitator may see: after the first reveal, later changes come
    /// out only in batches of k.
    pub answers: Vec<SurveyAnswer>,
    /// New or changed answers waiting for such a batch.
    pub held_back: usize,
    pub observations: Vec<String>,
    pub counterfactuals: Vec<Condition>,
    /// Each counterfactual's id and the action item made from it, if any, by text.
    pub links: Vec<CounterfactualLink>,
    /// The postmortem was marked done.
    pub done: bool,
    /// The questions the survey asked (its template's or the default ones, then the
    /// vendor section), for themes and for naming what nobody answered.
    pub questions: Vec<Question>,
}

/// Which stored counterfactual a condition is, and whether it became an action item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterfactualLink {
    pub id: i64,
    pub text: String,
    pub item: Option<i64>,
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
    /// The review it belongs to (its Rank buttons carry it).
    pub review_id: ReviewId,
    pub title: String,
    pub facts: Vec<String>,
    /// Why survey answers are missing, when they are.
    pub survey_note: Option<String>,
    pub themes: Vec<Theme>,
    /// Standing questions chosen for the incident first, then reframed framings, then
    /// what people asked to discuss.
    pub questions: Vec<String>,
    pub portfolio: Portfolio,
    /// Ranked conditions still only proposals: (counterfactual id, text), for the
    /// "Make an action item" buttons.
    pub action_proposals: Vec<(i64, String)>,
    /// The review, for the "Mark the review done" button; `None` once it is done.
    pub review_to_close: Option<ReviewId>,
    pub vendor: Option<VendorSection>,
    pub unanswered: Vec<String>,
    pub single_voice_themes: Vec<String>,
    /// What was left out to keep the agenda short, counted (never silently dropped).
    pub left_out: Vec<String>,
}

/// What would have had to be true: the trigger apart, then the set of conditions that
/// together were enough, ranked ones first, then those proposed in the survey.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Portfolio {
    /// The event that set the incident off, as recorded on the incident.
    pub trigger: Option<String>,
    /// Conditions from the form, described, in the ranking rule's order.
    pub ranked: Vec<String>,
    /// Conditions proposed in the survey's counterfactual question and not ranked yet:
    /// the text alone, never a pseudonym, in alphabetical order.
    pub proposals: Vec<String>,
    /// Every condition in the set is known to be outside our control.
    pub all_outside_our_control: bool,
}

/// The note for a set that is entirely someone else's to change.
pub const ALL_OUTSIDE_NOTE: &str =
    "All conditions listed are outside our control: what would make one of them ours?";

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
/// Survey proposals shown (each is a block with its Rank button).
const MAX_PROPOSALS: usize = 15;
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
    let survey_note = survey_note.or_else(|| {
        (inputs.held_back > 0).then(|| {
            crate::features::survey::render::held_back_note(
                inputs.held_back,
                inputs.review.min_responses,
            )
        })
    });
    let vendor = inputs.incident.vendor.as_deref();
    // The counterfactual question feeds the portfolio, not the themes.
    let open_ids: Vec<&str> = inputs
        .questions
        .iter()
        .filter(|q| q.kind == Kind::Open && !q.id.starts_with("vendor_"))
        .filter(|q| q.id != questions::COUNTERFACTUAL_ID)
        .map(|q| q.id.as_ref())
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

    let facts = IncidentFacts {
        is_recurrence: inputs.recurrence_of.is_some() || inputs.incident.recurrence_of.is_some(),
        has_vendor: vendor.is_some(),
        deploy_related: inputs.incident.deploy_related == Some(true),
    };
    let (questions, questions_left_out) =
        questions_for_the_room(facts, &answers, &inputs.observations);
    let (portfolio, proposals_left_out) = portfolio(inputs, &answers);
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
    if proposals_left_out > 0 {
        left_out.push(format!(
            "{proposals_left_out} more conditions proposed in the survey; `/debrief answers` has every answer"
        ));
    }
    if let Some(section) = vendor_section.as_ref().filter(|v| v.answers_left_out > 0) {
        left_out.push(format!(
            "{} more answers about {}; `/debrief answers` has every answer",
            section.answers_left_out, section.vendor
        ));
    }
    let ranked = counterfactual::rank(inputs.counterfactuals.clone());
    let link_of = |c: &Condition| inputs.links.iter().find(|l| l.text == c.text);
    Agenda {
        review_id: inputs.review.id,
        title: inputs.incident.title.clone(),
        facts: header_facts(inputs),
        survey_note,
        themes,
        questions,
        portfolio,
        action_proposals: ranked
            .iter()
            .filter_map(link_of)
            .filter(|l| l.item.is_none())
            .map(|l| (l.id, l.text.clone()))
            .collect(),
        review_to_close: (!inputs.done).then_some(inputs.review.id),
        vendor: vendor_section,
        unanswered: if k_met {
            unanswered(&inputs.questions, vendor, &answers)
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

/// The standing questions chosen for the incident (asked even when the inputs are clean),
/// then every framing turned into its systemic question, then what people asked to discuss.
fn questions_for_the_room(
    facts: IncidentFacts,
    answers: &[&SurveyAnswer],
    observations: &[String],
) -> (Vec<String>, usize) {
    let mut questions: Vec<String> = framing::standing_questions(facts)
        .into_iter()
        .map(str::to_string)
        .collect();
    let texts = answers
        .iter()
        .map(|a| a.text.as_str())
        .chain(observations.iter().map(String::as_str));
    // Every framing becomes its question ("who deployed" and "should have" in one
    // answer are two different conversations); a question already standing is not repeated.
    let mut reframed: Vec<String> = texts
        .flat_map(|text| framing::detect(text).into_iter().map(|n| n.reframing))
        .filter(|q| !questions.contains(q))
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
        match &question.kind {
            Kind::Choice { options } => {
                let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                for a in answers.iter().filter(|a| a.question == question.id) {
                    *counts.entry(a.text.as_str()).or_default() += 1;
                }
                let line = options
                    .iter()
                    .map(|(value, label)| {
                        format!(
                            "{label} {}",
                            counts.get(value.as_ref()).copied().unwrap_or(0)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" · ");
                tallies.push(format!(
                    "{} {line}",
                    questions::prompt(question, Some(vendor))
                ));
            }
            Kind::Minutes => {
                let minutes: Vec<u32> = answers
                    .iter()
                    .filter(|a| a.question == question.id)
                    .filter_map(|a| questions::parse_minutes(&a.text).ok())
                    .collect();
                tallies.push(format!(
                    "{} {}",
                    questions::prompt(question, Some(vendor)),
                    minutes_summary(minutes)
                ));
            }
            Kind::Open | Kind::Scale { .. } => {}
        }
    }
    let open_vendor_question = |id: &str| {
        questions::VENDOR
            .iter()
            .any(|q| q.id == id && q.kind == Kind::Open && q.id != questions::STANDING_ID)
    };
    let mut quotes: Vec<Quote> = answers
        .iter()
        .filter(|a| open_vendor_question(&a.question))
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
        .filter(|a| a.question == questions::STANDING_ID)
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
        standing_question: framing::STANDING_EXTERNAL.into(),
    }
}

/// "Median 15 min across 3 answers (10 to 40 min)": how long it took to see the failure
/// was external, as the learning review will add it up.
fn minutes_summary(mut minutes: Vec<u32>) -> String {
    minutes.sort_unstable();
    match minutes.as_slice() {
        [] => "No answers.".into(),
        [only] => format!("{only} min (1 answer)."),
        [first, .., last] => {
            let n = minutes.len();
            let median = if n % 2 == 1 {
                minutes[n / 2]
            } else {
                (minutes[n / 2 - 1] + minutes[n / 2]) / 2
            };
            format!("Median {median} min across {n} answers ({first} to {last} min).")
        }
    }
}

/// The portfolio, and how many survey proposals were left out to keep the agenda short.
fn portfolio(inputs: &Inputs, answers: &[&SurveyAnswer]) -> (Portfolio, usize) {
    let ranked = counterfactual::rank(inputs.counterfactuals.clone());
    // Answers arrive only above the k-floor, so no proposal can rest on one known answer.
    let mut proposals: Vec<String> = answers
        .iter()
        .filter(|a| a.question == questions::COUNTERFACTUAL_ID)
        .flat_map(|a| counterfactual::split_conditions(&a.text))
        .filter(|p| {
            !ranked
                .iter()
                .any(|c| counterfactual::same_condition(&c.text, p))
        })
        .collect();
    // Sorted, so the order says nothing about who answered first.
    proposals.sort_by_key(|p| p.to_lowercase());
    proposals.dedup_by(|a, b| counterfactual::same_condition(a, b));
    // A proposal's control is unknown until it is ranked, so it keeps the note away.
    let all_outside_our_control = !ranked.is_empty()
        && proposals.is_empty()
        && ranked.iter().all(|c| c.control == Control::No);
    let left_out = proposals.len().saturating_sub(MAX_PROPOSALS);
    proposals.truncate(MAX_PROPOSALS);
    let portfolio = Portfolio {
        trigger: inputs.incident.trigger.clone(),
        ranked: ranked
            .iter()
            .map(|c| {
                let described = counterfactual::describe(c);
                // A condition already turned into an action item says which one.
                match inputs
                    .links
                    .iter()
                    .find(|l| l.text == c.text)
                    .and_then(|l| l.item)
                {
                    Some(item) => {
                        described.replace("(proposal)", &format!("(action item #{item})"))
                    }
                    None => described,
                }
            })
            .collect(),
        proposals,
        all_outside_our_control,
    };
    (portfolio, left_out)
}

fn unanswered(asked: &[Question], vendor: Option<&str>, answers: &[&SurveyAnswer]) -> Vec<String> {
    asked
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
    push_portfolio(&mut content, agenda.review_id, &agenda.portfolio);
    if !agenda.action_proposals.is_empty() {
        let buttons = agenda
            .action_proposals
            .iter()
            .take(5)
            .enumerate()
            .map(|(n, (id, text))| {
                blocks::button(
                    &format!("Make an action item: {text}"),
                    &crate::ids::numbered(crate::ids::COUNTERFACTUAL_TO_ACTION, n),
                    &id.to_string(),
                    blocks::Style::Default,
                )
            })
            .collect();
        content.push(blocks::actions(None, buttons));
    }
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
    if let Some(review) = agenda.review_to_close {
        content.push(blocks::actions(
            None,
            vec![blocks::button(
                "Mark the review done",
                crate::ids::REVIEW_DONE,
                &review.to_string(),
                blocks::Style::Default,
            )],
        ));
    }
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

const JOINTLY_ENOUGH: &str = "Together, these conditions were enough for the incident to happen; change any one and it might not have. Each is a place to intervene.";
const NO_CONDITIONS: &str = "No conditions yet: add them with `/debrief counterfactual`.";
const NO_TRIGGER: &str = "No trigger recorded: `/debrief incident trigger=\"…\"` keeps the event that set it off apart from these conditions.";
const BRITTLE: &str = "Conditions that made the system brittle enough for it to matter";
const PROPOSED: &str = "Proposed in the survey, not yet ranked";

/// The portfolio as blocks: the trigger apart, the ranked set, then survey proposals,
/// each with a Rank button for the facilitator (the agenda is sent to them alone).
fn push_portfolio(content: &mut Vec<SlackBlock>, review_id: ReviewId, p: &Portfolio) {
    match &p.trigger {
        Some(trigger) => content.push(blocks::section(format!(
            "*Trigger:* {}",
            blocks::escape(trigger)
        ))),
        None => content.push(blocks::context(NO_TRIGGER)),
    }
    if p.ranked.is_empty() && p.proposals.is_empty() {
        content.push(blocks::context(NO_CONDITIONS));
        return;
    }
    content.push(blocks::section(format!("*{BRITTLE}*")));
    content.push(blocks::context(JOINTLY_ENOUGH));
    push_list(content, &p.ranked, "");
    if !p.proposals.is_empty() {
        content.push(blocks::section(format!("*{PROPOSED}*")));
    }
    for proposal in &p.proposals {
        let text = format!("• {}", blocks::escape(proposal));
        content.push(match counterfactual::rank_value(review_id, proposal) {
            Some(value) => {
                let button = blocks::button(
                    "Rank",
                    crate::ids::COUNTERFACTUAL_RANK,
                    &value,
                    blocks::Style::Default,
                );
                SlackSectionBlock::new()
                    .with_text(md!(blocks::truncate_words(&text, limits::SECTION_TEXT)))
                    .with_accessory(button.into())
                    .into()
            }
            None => blocks::section(text),
        });
    }
    if p.all_outside_our_control {
        content.push(blocks::section(format!("*{ALL_OUTSIDE_NOTE}*")));
    }
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

/// The portfolio section of the Markdown agenda.
fn portfolio_markdown(p: &Portfolio) -> String {
    let mut out = String::from("## What would have had to be true\n\n");
    match &p.trigger {
        Some(trigger) => out.push_str(&format!("**Trigger:** {trigger}\n\n")),
        None => out.push_str(&format!("_{NO_TRIGGER}_\n\n")),
    }
    if p.ranked.is_empty() && p.proposals.is_empty() {
        out.push_str(&format!("_{NO_CONDITIONS}_\n\n"));
        return out;
    }
    out.push_str(&format!("### {BRITTLE}\n\n_{JOINTLY_ENOUGH}_\n\n"));
    for condition in &p.ranked {
        out.push_str(&format!("- {condition}\n"));
    }
    if !p.proposals.is_empty() {
        out.push_str(&format!("\n{PROPOSED}:\n\n"));
        for proposal in &p.proposals {
            out.push_str(&format!("- {proposal}\n"));
        }
    }
    if p.all_outside_our_control {
        out.push_str(&format!("\n**{ALL_OUTSIDE_NOTE}**\n"));
    }
    out.push('\n');
    out
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
    out.push_str(&portfolio_markdown(&agenda.portfolio));
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
    // One newline at the end, however the last section closed: a trailing blank line
    // pastes as an empty paragraph in Confluence, Notion or Google Docs.
    let mut out = out.trim_end().to_string();
    out.push('\n');
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
            questions: questions::questions_for(None, vendor),
            incident: incident(vendor),
            recurrence_of: Some("Cache storm".into()),
            review: review(3),
            answered,
            answers,
            held_back: 0,
            observations: vec!["the cache ttl was 24h and nobody knew".into()],
            counterfactuals: vec![],
            links: vec![],
            done: false,
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

    /// Inputs with nothing that reads as a framing, for an incident that is neither a
    /// recurrence nor a deploy nor a vendor's.
    fn clean_inputs() -> Inputs {
        let mut clean = inputs(
            vec![answer(
                "Respondent A",
                "surprise",
                "the cache ttl was a day",
            )],
            3,
            None,
        );
        clean.recurrence_of = None;
        clean.incident.recurrence_of = None;
        clean.incident.deploy_related = Some(false);
        clean.observations = vec!["the dashboard had no ttl panel".into()];
        clean
    }

    #[test]
    fn clean_inputs_still_get_standing_questions_first() {
        let agenda = synthesize(&clean_inputs());
        assert_eq!(
            agenda.questions,
            [framing::STANDING_CONDITIONS, framing::STANDING_JOINT],
            "exactly the generic pair, and nothing reframed"
        );
        let mut vendor = clean_inputs();
        vendor.incident.vendor = Some("Stripe".into());
        vendor.incident.deploy_related = Some(true);
        vendor.recurrence_of = Some("Earlier".into());
        let agenda = synthesize(&vendor);
        assert_eq!(
            agenda.questions,
            [
                framing::STANDING_RECURRENCE,
                framing::STANDING_EXTERNAL,
                framing::STANDING_DEPLOY
            ]
        );
        assert_eq!(
            agenda.vendor.unwrap().standing_question,
            "Given that this external failure will happen again, what is the desired system \
             behavior, and does the current architecture produce it?"
        );
    }

    #[test]
    fn an_external_framing_does_not_repeat_the_standing_question() {
        let mut vendor = clean_inputs();
        vendor.incident.vendor = Some("Stripe".into());
        vendor.observations = vec!["Stripe was down, nothing we could have done".into()];
        let agenda = synthesize(&vendor);
        let standing = agenda
            .questions
            .iter()
            .filter(|q| q.as_str() == framing::STANDING_EXTERNAL)
            .count();
        assert_eq!(standing, 1, "{:?}", agenda.questions);
    }

    #[test]
    fn every_kind_of_framing_becomes_its_own_question() {
        let mut framed = clean_inputs();
        framed.observations = vec![
            "The root cause was the purge job.".into(),
            "We need more training on purges.".into(),
        ];
        let agenda = synthesize(&framed);
        assert!(
            agenda
                .questions
                .iter()
                .any(|q| q.starts_with("What else had to be true for this to happen? List")),
            "{:?}",
            agenda.questions
        );
        assert!(
            agenda
                .questions
                .iter()
                .any(|q| q.starts_with("What would make the right action the default")),
            "{:?}",
            agenda.questions
        );
    }

    fn condition(text: &str, control: Control) -> Condition {
        Condition {
            text: text.into(),
            control,
            cost: crate::domain::Cost::S,
            reach: crate::domain::Reach::ThisClass,
        }
    }

    #[test]
    fn survey_conditions_join_the_portfolio_without_pseudonyms_and_only_above_k() {
        let answers = vec![
            answer(
                "Respondent Teal",
                questions::COUNTERFACTUAL_ID,
                "the purge had a canary stage\n- origin had headroom",
            ),
            answer(
                "Respondent Amber",
                questions::COUNTERFACTUAL_ID,
                "Origin had headroom.; the TTL was on the dashboard",
            ),
        ];
        let mut with = inputs(answers.clone(), 3, None);
        with.counterfactuals = vec![condition("The TTL was on the dashboard", Control::Yes)];
        let agenda = synthesize(&with);
        assert_eq!(
            agenda.portfolio.proposals,
            ["origin had headroom", "the purge had a canary stage"],
            "split, deduplicated, sorted, and the ranked one shown once"
        );
        assert_eq!(agenda.portfolio.ranked.len(), 1);
        let markdown = to_markdown(&agenda);
        let section = &markdown[markdown.find("## What would have had to be true").unwrap()..];
        let section = &section[..section.find("\n## ").unwrap()];
        assert!(!section.contains("Respondent"), "{section}");
        assert!(section.contains("Proposed in the survey, not yet ranked"));
        let blocks = serde_json::to_string(&to_messages(&agenda)).unwrap();
        assert_eq!(
            blocks.matches(crate::ids::COUNTERFACTUAL_RANK).count(),
            2,
            "one Rank button per proposal"
        );
        // Below the k-floor nothing from a survey answer appears, proposals included.
        let below = synthesize(&inputs(answers, 2, None));
        assert!(below.portfolio.proposals.is_empty());
        assert!(!to_markdown(&below).contains("headroom"));
    }

    #[test]
    fn a_set_entirely_outside_our_control_is_called_out() {
        let mut outside = inputs(vec![], 0, None);
        outside.counterfactuals = vec![
            condition("Fastly had announced the maintenance", Control::No),
            condition("traffic was lower", Control::No),
        ];
        let agenda = synthesize(&outside);
        assert!(agenda.portfolio.all_outside_our_control);
        assert!(to_markdown(&agenda).contains(
            "All conditions listed are outside our control: what would make one of them ours?"
        ));
        outside
            .counterfactuals
            .push(condition("the purge had a canary", Control::Partly));
        assert!(!synthesize(&outside).portfolio.all_outside_our_control);
        let mut unknown = inputs(
            vec![answer(
                "R",
                questions::COUNTERFACTUAL_ID,
                "origin had headroom",
            )],
            3,
            None,
        );
        unknown.counterfactuals = vec![condition("traffic was lower", Control::No)];
        assert!(
            !synthesize(&unknown).portfolio.all_outside_our_control,
            "an unranked proposal might be ours"
        );
    }

    #[test]
    fn the_trigger_stands_apart_from_the_conditions() {
        let mut with = inputs(vec![], 0, None);
        with.incident.trigger = Some("the 09:00 CDN purge".into());
        with.counterfactuals = vec![condition("the purge had a canary", Control::Yes)];
        let markdown = to_markdown(&synthesize(&with));
        let trigger = markdown.find("**Trigger:** the 09:00 CDN purge").unwrap();
        let brittle = markdown
            .find("### Conditions that made the system brittle enough for it to matter")
            .unwrap();
        let condition = markdown.find("- the purge had a canary").unwrap();
        assert!(trigger < brittle && brittle < condition, "{markdown}");
        assert!(markdown.contains("were enough for the incident to happen"));
        let without = to_markdown(&synthesize(&inputs(vec![], 0, None)));
        assert!(without.contains("No trigger recorded"), "{without}");
    }

    #[test]
    fn time_to_see_the_failure_was_external_is_summarised() {
        assert_eq!(minutes_summary(vec![]), "No answers.");
        assert_eq!(minutes_summary(vec![15]), "15 min (1 answer).");
        assert_eq!(
            minutes_summary(vec![40, 10, 15]),
            "Median 15 min across 3 answers (10 to 40 min)."
        );
        assert_eq!(
            minutes_summary(vec![10, 20]),
            "Median 15 min across 2 answers (10 to 20 min)."
        );
        let answers = vec![
            answer("A", questions::MINUTES_TO_EXTERNAL_ID, "20"),
            answer("B", questions::MINUTES_TO_EXTERNAL_ID, "10"),
        ];
        let agenda = synthesize(&inputs(answers, 3, Some("Stripe")));
        let tallies = agenda.vendor.unwrap().tallies;
        assert!(
            tallies.iter().any(|t| t
                == "How long did it take to determine the failure was external? (minutes) \
                    Median 15 min across 2 answers (10 to 20 min)."),
            "{tallies:?}"
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
        // Two standing questions (a recurrence, a deploy) and 20 topics make 22.
        assert!(
            to_markdown(&agenda).contains("- 10 more questions for the room, left out"),
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
                .any(|q| q.starts_with("What conditions made the actions taken seem reasonable"))
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
                    &questions::CORE[n % 5].id,
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
