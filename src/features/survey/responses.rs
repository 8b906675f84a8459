//! Purpose: the anonymous side of the survey, where the key is used: sealing a response
//! with its pseudonym, finding a person's own answers, telling who has answered (in
//! memory, never stored), and what the facilitator may see under the k-floor.
//!
//! The facilitator's own answer never counts towards k: it tells them nothing about
//! anyone else. After the first reveal, new and edited answers become visible only in
//! batches of at least k other respondents (see `Store::save_response`).

use std::collections::HashSet;

use crate::app::AppState;
use crate::domain::ReviewId;
use crate::pseudonym::PseudonymKey;
use crate::store::Store;
use crate::store::reviews::Review;
use crate::store::surveys::{ResponseRefused, RevealRule, SealedRow};

use super::questions::Answers;

/// The kind of sealed value, bound into the seal.
const SEALED_AS: &str = "survey response";

/// One respondent's response, as sealed at rest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Response {
    pub pseudonym: String,
    pub answers: Answers,
}

/// What the facilitator may see now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Visible {
    pub responses: Vec<Response>,
    /// New or changed responses waiting for a batch of k.
    pub held_back: usize,
}

/// How many answered, all told and not counting the facilitator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub answered: i64,
    pub others: i64,
}

fn rule(state: &AppState, review: &Review) -> RevealRule {
    RevealRule {
        k: review.min_responses,
        facilitator_key: state
            .pseudonym_key
            .respondent_key(review.id, &review.facilitator_id),
    }
}

/// Saves `user_id`'s answers under their keyed hash, keeping their pseudonym when they
/// edit and choosing an unused one when they answer first. Returns whether it was new.
pub async fn save(
    state: &AppState,
    review: &Review,
    user_id: &str,
    answers: &Answers,
) -> anyhow::Result<Result<bool, ResponseRefused>> {
    let key = &state.pseudonym_key;
    let respondent = key.respondent_key(review.id, user_id);
    state
        .store
        .save_response(
            review.id,
            user_id,
            &respondent,
            &rule(state, review),
            |own, all| {
                let pseudonym = match own {
                    Some(sealed) => open(state, review.id, sealed)?.pseudonym,
                    None => {
                        let taken: HashSet<String> = all
                            .iter()
                            .map(|sealed| open(state, review.id, sealed).map(|r| r.pseudonym))
                            .collect::<anyhow::Result<_>>()?;
                        (0..10_000)
                            .map(|n| key.pseudonym_candidate(review.id, user_id, n))
                            .find(|p| !taken.contains(p))
                            .ok_or_else(|| anyhow::anyhow!("no free pseudonym"))?
                    }
                };
                let response = Response {
                    pseudonym,
                    answers: answers.clone(),
                };
                Ok(seal(state, review.id, &response))
            },
        )
        .await
}

/// `user_id`'s own answers, to prefill the form when they edit.
pub async fn own(
    state: &AppState,
    review: &Review,
    user_id: &str,
) -> anyhow::Result<Option<Answers>> {
    let respondent = state.pseudonym_key.respondent_key(review.id, user_id);
    match state.store.own_response(review.id, &respondent).await? {
        Some(sealed) => Ok(Some(open(state, review.id, &sealed)?.answers)),
        None => Ok(None),
    }
}

/// Which of `users` have answered. Worked out with the key, in memory: the database
/// holds no answered flag that a transaction could pair with an answer.
pub async fn who_answered(
    state: &AppState,
    review_id: ReviewId,
    users: &[String],
) -> anyhow::Result<HashSet<String>> {
    let keys: HashSet<String> = state
        .store
        .respondent_keys(review_id)
        .await?
        .into_iter()
        .collect();
    Ok(users
        .iter()
        .filter(|user| keys.contains(&state.pseudonym_key.respondent_key(review_id, user)))
        .cloned()
        .collect())
}

/// Whether `user_id` has answered.
pub async fn has_answered(
    state: &AppState,
    review_id: ReviewId,
    user_id: &str,
) -> anyhow::Result<bool> {
    Ok(!who_answered(state, review_id, &[user_id.to_string()])
        .await?
        .is_empty())
}

/// How many answered: all told, and not counting the facilitator.
pub async fn counts(state: &AppState, review: &Review) -> anyhow::Result<Counts> {
    let (answered, others) = state
        .store
        .response_counts(review.id, &rule(state, review).facilitator_key)
        .await?;
    Ok(Counts { answered, others })
}

/// Whether the facilitator may see answers: k respondents other than themselves.
pub fn k_met(review: &Review, counts: Counts) -> bool {
    counts.others >= review.min_responses
}

/// What the facilitator may see, revealing everything the first time k is met.
pub async fn visible(state: &AppState, review: &Review) -> anyhow::Result<Visible> {
    let shown = state
        .store
        .shown_responses(review.id, &rule(state, review))
        .await?;
    let responses = shown
        .sealed
        .iter()
        .map(|sealed| open(state, review.id, sealed))
        .collect::<anyhow::Result<_>>()?;
    Ok(Visible {
        responses,
        held_back: shown.held_back,
    })
}

/// Seals the plaintext rows a version before sealing left behind, and drops their tables.
/// Runs at start-up, where the key is at hand; returns how many rows it sealed.
pub async fn seal_legacy(store: &Store, key: &PseudonymKey) -> anyhow::Result<usize> {
    let Some((responses, observations)) = store.legacy_plaintext().await? else {
        return Ok(0);
    };
    let mut rows = Vec::with_capacity(responses.len() + observations.len());
    for legacy in responses {
        let response = Response {
            pseudonym: legacy.pseudonym,
            answers: serde_json::from_str(&legacy.answers)?,
        };
        let json = serde_json::to_vec(&response)?;
        rows.push(SealedRow {
            id: legacy.id,
            review_id: legacy.review_id,
            respondent_key: Some(legacy.respondent_key),
            sealed: key.seal(legacy.review_id, SEALED_AS, &json),
            released: false,
        });
    }
    for legacy in observations {
        rows.push(SealedRow {
            id: legacy.id,
            review_id: legacy.review_id,
            respondent_key: None,
            sealed: key.seal(
                legacy.review_id,
                crate::features::observation::SEALED_AS,
                legacy.body.as_bytes(),
            ),
            released: legacy.released,
        });
    }
    store.replace_legacy_plaintext(&rows).await?;
    Ok(rows.len())
}

fn seal(state: &AppState, review_id: ReviewId, response: &Response) -> Vec<u8> {
    let json = serde_json::to_vec(response).expect("a response serialises");
    state.pseudonym_key.seal(review_id, SEALED_AS, &json)
}

fn open(state: &AppState, review_id: ReviewId, sealed: &[u8]) -> anyhow::Result<Response> {
    open_with(&state.pseudonym_key, review_id, sealed)
}

/// Opens a response with the key alone, for readers without the app's state (the
/// learning review's offline commands). Callers read only what was already shown.
pub fn open_with(
    key: &PseudonymKey,
    review_id: ReviewId,
    sealed: &[u8],
) -> anyhow::Result<Response> {
    let json = key.open(review_id, SEALED_AS, sealed)?;
    Ok(serde_json::from_slice(&json)?)
}
