//! Purpose: the learning review's facts, read from the store for one workspace: incidents,
//! action items with their history (streamed, and joined in id order), reviews with how they
//! were run and their participation, counterfactuals, vendor answers above the k-floor,
//! trials and lookup counts. Rows that cannot be read are skipped with a log line rather
//! than stopping the report.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::actions::{ActionItem, StatusChange};
use super::facts::{
    Counterfactual, Facts, Incident, LookupCount, Observations, ParticipationFacts, PulseResult,
    Review, ReviewFormat, ServiceInfo, Severity, SurveyTurnout, Trial, VendorReview,
};
use super::quarter::Quarter;
use crate::domain::{ActionKind, Control, Cost, ItemStatus, Reach};
use crate::features::participation;
use crate::features::survey::{
    self,
    questions::{self, Kind},
};
use crate::pseudonym::PseudonymKey;
use crate::store::Store;
use crate::store::checkins::Participation;
use crate::store::learning::{IncidentRow, ItemRow};

/// The survey question whose whole-minute answers say how long it took to see that the
/// failure was external (added by the framing work, issue 14).
pub const MINUTES_TO_EXTERNAL: &str = "vendor_minutes_to_external";
/// The survey's answer to the standing question about the vendor.
const STANDING_QUESTION: &str = "vendor_future";

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn tags(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn severity(code: Option<&str>) -> Option<Severity> {
    match code? {
        "P1" => Some(Severity::P1),
        "P2" => Some(Severity::P2),
        "P3" => Some(Severity::P3),
        "P4" => Some(Severity::P4),
        _ => None,
    }
}

fn incident(row: IncidentRow) -> Incident {
    Incident {
        id: row.id,
        title: row.title,
        severity: severity(row.severity.as_deref()),
        services: tags(&row.services),
        failure_mode: row.failure_mode,
        vendor: row.vendor,
        deploy_related: row.deploy_related,
        deployed_at: row.deployed_at.map(at),
        started_at: row.started_at.map(at),
        created_at: at(row.created_at),
        resolved_at: row.resolved_at.map(at),
        recurrence_of: row.recurrence_of,
    }
}

fn item(row: ItemRow) -> ActionItem {
    ActionItem {
        id: row.id,
        incident_id: row.incident_id,
        title: row.title,
        owner: row.owner_id,
        kind: row.kind.as_deref().and_then(ActionKind::parse),
        services: tags(&row.services),
        failure_mode: row.failure_mode,
        due: row.due_on.as_deref().and_then(|d| d.parse::<Date>().ok()),
        created_at: at(row.created_at),
        url: row.url,
        individual: row.individual,
        history: Vec::new(),
    }
}

/// Everything recorded about one workspace. Survey answers are sealed: without `key`
/// the vendor reviews carry no survey tallies.
pub async fn facts(
    store: &Store,
    key: Option<&PseudonymKey>,
    team_id: &str,
) -> anyhow::Result<Facts> {
    facts_since(store, key, team_id, Timestamp::MIN).await
}

/// What a quarter's report reads: everything but the action items already done before its
/// four-quarter window opened, which no figure of that report looks at.
pub async fn facts_for(
    store: &Store,
    key: Option<&PseudonymKey>,
    team_id: &str,
    quarter: Quarter,
    tz: &TimeZone,
) -> anyhow::Result<Facts> {
    facts_since(store, key, team_id, quarter.shifted(-3).start(tz)).await
}

async fn facts_since(
    store: &Store,
    key: Option<&PseudonymKey>,
    team_id: &str,
    since: Timestamp,
) -> anyhow::Result<Facts> {
    let mut facts = Facts::default();
    store
        .each_incident(team_id, |row| facts.incidents.push(incident(row)))
        .await?;
    store
        .each_item(team_id, since, |row| facts.action_items.push(item(row)))
        .await?;
    attach_history(store, team_id, since, &mut facts.action_items).await?;
    name_people(store, &mut facts.action_items).await?;
    facts.services = store
        .services(team_id)
        .await?
        .into_iter()
        .map(|(service, domain, owner_team)| ServiceInfo {
            service,
            domain,
            owner_team,
        })
        .collect();
    facts.reviews = reviews(store, team_id).await?;
    facts.counterfactuals = counterfactuals(store, team_id).await?;
    facts.vendor_reviews = vendor_reviews(store, key, team_id, &facts).await?;
    if let Some(key) = key {
        facts.pulses = pulses(store, key, team_id).await?;
    }
    facts.trials = store
        .trials(team_id)
        .await?
        .into_iter()
        .filter_map(|(name, from)| {
            Some(Trial {
                name,
                from: from.parse().ok()?,
            })
        })
        .collect();
    facts.learnings_lookups = store
        .lookup_counts(team_id)
        .await?
        .into_iter()
        .filter_map(|(quarter, count)| {
            Some(LookupCount {
                quarter: quarter.parse::<Quarter>().ok()?,
                count: u32::try_from(count).unwrap_or(u32::MAX),
            })
        })
        .collect();
    Ok(facts)
}

/// Status changes arrive by item id, as the items do: one pass joins them.
async fn attach_history(
    store: &Store,
    team_id: &str,
    since: Timestamp,
    items: &mut [ActionItem],
) -> anyhow::Result<()> {
    let mut next = 0;
    store
        .each_status_change(team_id, since, |row| {
            while next < items.len() && items[next].id < row.item_id {
                next += 1;
            }
            let (Some(item), Some(status)) = (items.get_mut(next), ItemStatus::parse(&row.status))
            else {
                return;
            };
            if item.id == row.item_id {
                item.history.push(StatusChange {
                    at: at(row.at),
                    status,
                    by: row.actor,
                    reason: row.reason,
                });
            }
        })
        .await
}

/// Owners and the people who changed items, by their Slack names where debrief knows them:
/// the report is posted in a channel, and a name there pings nobody.
async fn name_people(store: &Store, items: &mut [ActionItem]) -> anyhow::Result<()> {
    let names: HashMap<String, String> = store.user_names().await?.into_iter().collect();
    if names.is_empty() {
        return Ok(());
    }
    let rename = |id: &mut String| {
        if let Some(name) = names.get(id.as_str()) {
            *id = name.clone();
        }
    };
    for item in items {
        if let Some(owner) = &mut item.owner {
            rename(owner);
        }
        for change in &mut item.history {
            rename(&mut change.by);
        }
    }
    Ok(())
}

async fn reviews(store: &Store, team_id: &str) -> anyhow::Result<Vec<Review>> {
    let mut people: HashMap<i64, Vec<String>> = HashMap::new();
    for (review, user) in store.learning_participants(team_id).await? {
        people.entry(review).or_default().push(user);
    }
    let mut spoke: HashMap<i64, Vec<Participation>> = HashMap::new();
    for (review, user_id, messages, checkin_shared) in store.learning_participation(team_id).await?
    {
        spoke.entry(review).or_default().push(Participation {
            user_id,
            messages,
            checkin_shared,
        });
    }
    let rows = store.learning_reviews(team_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let participation = spoke.get(&r.id).map(|recorded| {
                let figures = participation::figures(
                    people.get(&r.id).map(Vec::as_slice).unwrap_or_default(),
                    recorded,
                );
                ParticipationFacts {
                    attendees: figures.attendees as u32,
                    speakers: figures.speakers as u32,
                    top3_share: figures.top3_share,
                }
            });
            let survey = r.survey_sent_at.is_some();
            Review {
                incident_id: r.incident_id,
                meeting_at: r.meeting_at.map(at),
                done_at: r.done_at.map(at),
                format: ReviewFormat {
                    survey,
                    checkin: r.checkins > 0,
                    checkin_turn_seconds: r.turn_seconds.and_then(|s| u32::try_from(s).ok()),
                    observations: if r.observations_live {
                        Observations::Live
                    } else {
                        Observations::Held
                    },
                    k_floor: u32::try_from(r.min_responses).unwrap_or(3),
                },
                participation,
                survey: survey.then_some(SurveyTurnout {
                    invited: r.invited as u32,
                    answered: r.answered as u32,
                }),
            }
        })
        .collect())
}

async fn counterfactuals(store: &Store, team_id: &str) -> anyhow::Result<Vec<Counterfactual>> {
    Ok(store
        .learning_counterfactuals(team_id)
        .await?
        .into_iter()
        .filter_map(|c| {
            Some(Counterfactual {
                id: c.id,
                incident_id: c.incident_id,
                text: c.body,
                control: Control::parse(&c.control)?,
                cost: Cost::parse(&c.cost)?,
                reach: Reach::parse(&c.reach)?,
                has_action_item: c.has_item,
                created_at: at(c.created_at),
            })
        })
        .collect())
}

/// The median of whole minutes; `None` for none.
fn median(mut minutes: Vec<u32>) -> Option<u32> {
    minutes.sort_unstable();
    let n = minutes.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(minutes[n / 2]),
        _ => Some((minutes[n / 2 - 1] + minutes[n / 2]).div_ceil(2)),
    }
}

/// Whether a survey question is answered by picking a choice (only those are tallied:
/// free text never leaves the review it was written for).
fn is_choice(question: &str) -> bool {
    questions::VENDOR
        .iter()
        .any(|q| q.id == question && matches!(q.kind, Kind::Choice { .. }))
}

/// Per vendor incident above its k-floor: the median minutes to see the failure was
/// external, the tallies of the choice questions, and whether the standing question was
/// answered. The proposed system behaviours are the incident's controllable
/// counterfactuals, recorded for everyone to read, not survey text.
async fn vendor_reviews(
    store: &Store,
    key: Option<&PseudonymKey>,
    team_id: &str,
    facts: &Facts,
) -> anyhow::Result<Vec<VendorReview>> {
    let mut by_incident: BTreeMap<i64, (Vec<u32>, VendorReview)> = BTreeMap::new();
    let shown = match key {
        Some(_) => store.vendor_answers(team_id).await?,
        None => Vec::new(),
    };
    for row in shown {
        let opened = key.map(|key| survey::responses::open_with(key, row.review_id, &row.shown));
        let Some(Ok(response)) = opened else {
            tracing::warn!(
                incident = row.incident_id,
                "a survey response that does not open with this key was skipped"
            );
            continue;
        };
        let answers = response.answers;
        let (minutes, review) = by_incident.entry(row.incident_id).or_insert_with(|| {
            (
                Vec::new(),
                VendorReview {
                    incident_id: row.incident_id,
                    ..VendorReview::default()
                },
            )
        });
        for (question, answer) in answers {
            let answer = answer.trim();
            if answer.is_empty() {
                continue;
            }
            match question.as_str() {
                MINUTES_TO_EXTERNAL => minutes.extend(answer.parse::<u32>().ok()),
                STANDING_QUESTION => review.standing_question_answered = true,
                "vendor_breakers" if is_choice(&question) => {
                    *review.breakers.entry(answer.to_lowercase()).or_default() += 1
                }
                "vendor_customers" if is_choice(&question) => {
                    *review.customers.entry(answer.to_lowercase()).or_default() += 1
                }
                _ => {}
            }
        }
    }
    Ok(by_incident
        .into_values()
        .map(|(minutes, mut review)| {
            review.minutes_to_external = median(minutes);
            review.proposed_behaviours = facts
                .counterfactuals
                .iter()
                .filter(|c| c.incident_id == review.incident_id && c.control != Control::No)
                .map(|c| c.text.clone())
                .collect();
            review
        })
        .collect())
}

/// Each quarter's closed pulses, answers opened with the key and added up. Quarters whose
/// pulses are all still open are left out: results wait for the close.
async fn pulses(
    store: &Store,
    key: &PseudonymKey,
    team_id: &str,
) -> anyhow::Result<Vec<PulseResult>> {
    let tallies = crate::features::pulse::tallies(store, key, team_id).await?;
    Ok(tallies
        .into_iter()
        .filter(|(_, tally)| tally.closed > 0)
        .map(|(quarter, tally)| {
            let (mean, distribution) = tally.figures().unwrap_or((0.0, [0; 5]));
            PulseResult {
                quarter,
                mean,
                distribution,
                responses: tally.answers.len() as u32,
                invited: tally.invited,
                counted: tally.counted(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_whole_minutes_rounds_half_up() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![30, 10, 20]), Some(20));
        assert_eq!(median(vec![10, 25]), Some(18));
    }

    #[test]
    fn only_choice_questions_are_tallied() {
        assert!(is_choice("vendor_breakers"));
        assert!(!is_choice("vendor_future"));
        assert!(!is_choice("no_such_question"));
    }
}
