//! Purpose: the round-robin check-in as a pure state machine:
//! `next(state, event) -> (state, actions)`. No I/O, no clock, no randomness (the one time
//! it needs, when a call was posted, comes in its event):
//! the speaking order is fixed when the round starts (from a stored seed), so replaying
//! the same events always gives the same round.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// How one person's turn ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Replied in the thread (in turn or out of turn).
    Shared,
    /// Pressed Pass.
    Passed,
    /// The turn's time ran out.
    TimedOut,
    /// The facilitator skipped them.
    Skipped,
    /// Their turn ended (skipped, or the round ended) before the message calling them was
    /// posted: they were never asked, so they did not pass.
    NotReached,
}

/// The whole round, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckinState {
    pub facilitator: String,
    /// Speaking order, fixed at the start.
    pub order: Vec<String>,
    /// Index into `order` of the person whose turn it is (`order.len()` once nobody is left).
    pub position: usize,
    /// Turn counter: each call of a speaker is a new turn, so a stale timeout is recognised.
    pub turn: u64,
    pub turn_seconds: i64,
    /// The turn whose call message is in the thread; its timer runs from that moment.
    /// Older rows without it read as "not called yet".
    #[serde(default)]
    pub called: Option<u64>,
    pub outcomes: BTreeMap<String, Outcome>,
    pub started: bool,
    pub ended: bool,
}

/// Something that happened during the round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The parent message is posted; call the first speaker.
    Start,
    /// A reply in the round's thread.
    Reply {
        user: String,
    },
    Share {
        user: String,
    },
    Pass {
        user: String,
    },
    /// The facilitator skips the speaker of `turn` (the turn on the button pressed).
    Skip {
        by: String,
        turn: u64,
    },
    End {
        by: String,
    },
    /// The message calling the speaker of `turn` is in the thread, posted at `at`.
    Called {
        turn: u64,
        at: i64,
    },
    /// A turn's timer fired.
    Timeout {
        turn: u64,
    },
}

/// What the I/O layer should do after a transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Mention `user` in the thread with the turn's buttons.
    Call { user: String, turn: u64 },
    /// Fire `Timeout { turn }` at `at`.
    ScheduleTimeout { turn: u64, at: i64 },
    /// Post "moving on" (never says why, so nobody is singled out).
    MoveOn { turn: u64 },
    /// Tell `user` privately.
    Tell { user: String, message: Notice },
    /// Post the closing summary.
    Summary {
        shared: usize,
        passed: usize,
        total: usize,
    },
}

/// Private notices, rendered by the I/O layer (which knows display names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// "It's <name>'s turn."
    NotYourTurn { current: String },
    /// Only the facilitator can skip or end the round.
    FacilitatorOnly,
    /// "Reply in this thread with your observation."
    ReplyInThread,
    /// The round has already ended.
    RoundOver,
}

/// The speaking order: people who have not spoken in this review first, each group
/// shuffled by `seed`. Sorting first makes the result independent of input order.
pub fn speaking_order(participants: &[String], already_spoke: &[String], seed: u64) -> Vec<String> {
    let mut fresh: Vec<String> = participants
        .iter()
        .filter(|p| !already_spoke.contains(p))
        .cloned()
        .collect();
    let mut spoke: Vec<String> = participants
        .iter()
        .filter(|p| already_spoke.contains(p))
        .cloned()
        .collect();
    fresh.sort();
    fresh.dedup();
    spoke.sort();
    spoke.dedup();
    let mut rng = StdRng::seed_from_u64(seed);
    fresh.shuffle(&mut rng);
    spoke.shuffle(&mut rng);
    fresh.extend(spoke);
    fresh
}

impl CheckinState {
    pub fn new(facilitator: &str, order: Vec<String>, turn_seconds: i64) -> Self {
        Self {
            facilitator: facilitator.to_string(),
            order,
            position: 0,
            turn: 0,
            turn_seconds,
            called: None,
            outcomes: BTreeMap::new(),
            started: false,
            ended: false,
        }
    }

    /// The person whose turn it is.
    pub fn current(&self) -> Option<&str> {
        if self.ended || !self.started {
            return None;
        }
        self.order.get(self.position).map(String::as_str)
    }

    pub fn shared(&self) -> usize {
        self.outcomes
            .values()
            .filter(|o| **o == Outcome::Shared)
            .count()
    }

    /// People who were called and did not share. Someone never called did not pass.
    pub fn passed(&self) -> usize {
        self.outcomes
            .values()
            .filter(|o| !matches!(o, Outcome::Shared | Outcome::NotReached))
            .count()
    }

    /// Whether the speaker of the current turn has been called (their call is posted).
    fn current_called(&self) -> bool {
        self.called == Some(self.turn)
    }

    fn summary(&self) -> Action {
        Action::Summary {
            shared: self.shared(),
            passed: self.passed(),
            total: self.order.len(),
        }
    }
}

/// Applies one event. Unknown or stale events change nothing.
pub fn next(mut state: CheckinState, event: Event) -> (CheckinState, Vec<Action>) {
    let mut actions = Vec::new();
    if state.ended {
        if let Event::Pass { user }
        | Event::Share { user }
        | Event::Skip { by: user, .. }
        | Event::End { by: user } = event
        {
            actions.push(Action::Tell {
                user,
                message: Notice::RoundOver,
            });
        }
        return (state, actions);
    }
    match event {
        Event::Start if !state.started => {
            state.started = true;
            state.position = 0;
            call_next_from(&mut state, &mut actions);
        }
        Event::Start => {}
        Event::Reply { user } => {
            if !state.order.contains(&user) || state.outcomes.contains_key(&user) || !state.started
            {
                return (state, actions);
            }
            state.outcomes.insert(user.clone(), Outcome::Shared);
            // Out of turn: recorded, and they will not be called later; the order stands.
            if state.current() == Some(user.as_str()) {
                advance(&mut state, &mut actions);
            }
        }
        Event::Share { user } => {
            let message = match state.current() {
                Some(current) if current == user => Notice::ReplyInThread,
                Some(current) => Notice::NotYourTurn {
                    current: current.to_string(),
                },
                None => Notice::RoundOver,
            };
            actions.push(Action::Tell { user, message });
        }
        Event::Pass { user } => match state.current().map(str::to_string) {
            Some(current) if current == user => {
                state.outcomes.insert(user, Outcome::Passed);
                actions.push(Action::MoveOn { turn: state.turn });
                advance(&mut state, &mut actions);
            }
            Some(current) => actions.push(Action::Tell {
                user,
                message: Notice::NotYourTurn { current },
            }),
            None => actions.push(Action::Tell {
                user,
                message: Notice::RoundOver,
            }),
        },
        Event::Skip { by, turn } => {
            if by != state.facilitator {
                actions.push(Action::Tell {
                    user: by,
                    message: Notice::FacilitatorOnly,
                });
            } else if turn != state.turn {
                // A Skip on an earlier call (or a double click): that turn is already over,
                // and whoever speaks now is not the person the facilitator meant to skip.
            } else if let Some(current) = state.current().map(str::to_string) {
                let outcome = if state.current_called() {
                    Outcome::Skipped
                } else {
                    Outcome::NotReached
                };
                state.outcomes.insert(current, outcome);
                actions.push(Action::MoveOn { turn: state.turn });
                advance(&mut state, &mut actions);
            }
        }
        Event::End { by } => {
            if by != state.facilitator {
                actions.push(Action::Tell {
                    user: by,
                    message: Notice::FacilitatorOnly,
                });
            } else {
                state.ended = true;
                actions.push(state.summary());
            }
        }
        Event::Called { turn, at } => {
            // The turn's time starts now, when the person can see they are up: a call
            // delayed by a Slack outage or a restart costs them nothing.
            if turn == state.turn && state.started && !state.current_called() {
                state.called = Some(turn);
                actions.push(Action::ScheduleTimeout {
                    turn,
                    at: at + state.turn_seconds,
                });
            }
        }
        Event::Timeout { turn } => {
            // A timer from an earlier turn is stale: that turn already ended. One for a
            // turn whose call was never posted cannot happen, and would not count.
            if turn == state.turn
                && state.started
                && state.current_called()
                && let Some(current) = state.current().map(str::to_string)
            {
                state.outcomes.insert(current, Outcome::TimedOut);
                actions.push(Action::MoveOn { turn });
                advance(&mut state, &mut actions);
            }
        }
    }
    (state, actions)
}

fn advance(state: &mut CheckinState, actions: &mut Vec<Action>) {
    state.position += 1;
    call_next_from(state, actions);
}

/// Calls the first person at or after `position` who has no outcome yet, or ends the round.
fn call_next_from(state: &mut CheckinState, actions: &mut Vec<Action>) {
    while let Some(user) = state.order.get(state.position) {
        if !state.outcomes.contains_key(user) {
            state.turn += 1;
            // The timer is scheduled once the call is posted (`Event::Called`).
            actions.push(Action::Call {
                user: user.clone(),
                turn: state.turn,
            });
            return;
        }
        state.position += 1;
    }
    state.ended = true;
    actions.push(state.summary());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn started(order: &[&str]) -> CheckinState {
        let (state, actions) = next(CheckinState::new("F", people(order), 180), Event::Start);
        assert_eq!(
            actions,
            vec![Action::Call {
                user: order[0].into(),
                turn: 1
            }],
            "no timer before the call is posted"
        );
        called(state, 1000)
    }

    /// The current turn's call is posted at `at`: its timer starts then.
    fn called(state: CheckinState, at: i64) -> CheckinState {
        let turn = state.turn;
        let (state, actions) = next(state, Event::Called { turn, at });
        assert_eq!(
            actions,
            vec![Action::ScheduleTimeout { turn, at: at + 180 }]
        );
        state
    }

    #[test]
    fn a_turn_starts_when_its_call_is_posted_and_an_unposted_call_never_times_out() {
        let (state, _) = next(
            CheckinState::new("F", people(&["a", "b"]), 180),
            Event::Start,
        );
        // The call is late (Slack was rate-limiting): a timeout meanwhile counts for nothing.
        let (late, actions) = next(state.clone(), Event::Timeout { turn: 1 });
        assert_eq!(late, state);
        assert!(actions.is_empty());
        let state = called(state, 5000);
        let (state, _) = next(state.clone(), Event::Called { turn: 1, at: 9000 });
        assert_eq!(
            state.called,
            Some(1),
            "a repeated confirmation changes nothing"
        );
        let (state, actions) = next(state, Event::Timeout { turn: 1 });
        assert_eq!(state.outcomes["a"], Outcome::TimedOut);
        assert_eq!(calls(&actions), vec!["b"]);
        // The facilitator skips b before b's call is posted: b was never reached.
        let (state, actions) = next(
            state,
            Event::Skip {
                by: "F".into(),
                turn: 2,
            },
        );
        assert_eq!(state.outcomes["b"], Outcome::NotReached);
        assert_eq!(
            actions.last(),
            Some(&Action::Summary {
                shared: 0,
                passed: 1,
                total: 2
            }),
            "not reached is not passed"
        );
    }

    fn calls(actions: &[Action]) -> Vec<String> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Call { user, .. } => Some(user.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_order_is_stable_for_a_seed_and_puts_new_voices_first() {
        let all = people(&["a", "b", "c", "d", "e", "f"]);
        let spoke = people(&["a", "b"]);
        let order = speaking_order(&all, &spoke, 42);
        assert_eq!(order, speaking_order(&all, &spoke, 42));
        let mut reversed = all.clone();
        reversed.reverse();
        assert_eq!(
            order,
            speaking_order(&reversed, &spoke, 42),
            "input order does not matter"
        );
        assert!(order[..4].iter().all(|p| !spoke.contains(p)));
        assert!(order[4..].iter().all(|p| spoke.contains(p)));
        let variety: std::collections::BTreeSet<Vec<String>> =
            (0..20).map(|s| speaking_order(&all, &[], s)).collect();
        assert!(variety.len() > 5, "different seeds give different orders");
    }

    #[test]
    fn a_reply_from_the_speaker_completes_the_turn_and_calls_the_next() {
        let state = started(&["a", "b", "c"]);
        let (state, actions) = next(state, Event::Reply { user: "a".into() });
        assert_eq!(calls(&actions), vec!["b"]);
        assert_eq!(state.outcomes["a"], Outcome::Shared);
        assert_eq!(state.current(), Some("b"));
    }

    #[test]
    fn pass_timeout_and_skip_move_on_without_naming_anyone() {
        let state = started(&["a", "b", "c", "d"]);
        let (state, actions) = next(state, Event::Pass { user: "a".into() });
        assert_eq!(actions[0], Action::MoveOn { turn: 1 });
        let state = called(state, 1100);
        let (state, actions) = next(state, Event::Timeout { turn: 2 });
        assert_eq!(actions[0], Action::MoveOn { turn: 2 });
        assert_eq!(state.outcomes["b"], Outcome::TimedOut);
        let state = called(state, 1300);
        let (state, actions) = next(
            state,
            Event::Skip {
                by: "F".into(),
                turn: 3,
            },
        );
        assert_eq!(actions[0], Action::MoveOn { turn: 3 });
        assert_eq!(calls(&actions), vec!["d"]);
        let (state, actions) = next(state, Event::Reply { user: "d".into() });
        assert!(state.ended);
        assert_eq!(
            actions,
            vec![Action::Summary {
                shared: 1,
                passed: 3,
                total: 4
            }]
        );
    }

    #[test]
    fn a_skip_from_an_earlier_call_skips_nobody() {
        let state = started(&["a", "b", "c"]);
        let (state, _) = next(state, Event::Reply { user: "a".into() });
        assert_eq!(state.current(), Some("b"));
        // The facilitator presses Skip on a's call message, or clicks twice.
        let (after, actions) = next(
            state.clone(),
            Event::Skip {
                by: "F".into(),
                turn: 1,
            },
        );
        assert!(actions.is_empty(), "{actions:?}");
        assert_eq!(after, state);
    }

    #[test]
    fn a_stale_timeout_changes_nothing() {
        let state = started(&["a", "b"]);
        let (state, _) = next(state, Event::Reply { user: "a".into() });
        let (after, actions) = next(state.clone(), Event::Timeout { turn: 1 });
        assert_eq!(after, state);
        assert!(actions.is_empty());
    }

    #[test]
    fn an_out_of_turn_reply_counts_keeps_the_order_and_is_not_called_again() {
        let state = started(&["a", "b", "c"]);
        let (state, actions) = next(state, Event::Reply { user: "c".into() });
        assert!(actions.is_empty(), "the order is not broken");
        assert_eq!(state.current(), Some("a"));
        let (state, _) = next(state, Event::Reply { user: "a".into() });
        let (state, actions) = next(state, Event::Pass { user: "b".into() });
        assert!(
            !calls(&actions).contains(&"c".to_string()),
            "c already spoke"
        );
        assert!(state.ended);
        assert_eq!(
            actions.last(),
            Some(&Action::Summary {
                shared: 2,
                passed: 1,
                total: 3
            })
        );
    }

    #[test]
    fn a_second_reply_or_a_non_participant_is_not_a_turn() {
        let state = started(&["a", "b"]);
        let (state, _) = next(state, Event::Reply { user: "a".into() });
        let (again, actions) = next(state.clone(), Event::Reply { user: "a".into() });
        assert_eq!(again, state);
        assert!(actions.is_empty());
        let (outsider, actions) = next(state.clone(), Event::Reply { user: "zed".into() });
        assert_eq!(outsider, state);
        assert!(actions.is_empty());
    }

    #[test]
    fn the_wrong_person_pressing_buttons_changes_nothing() {
        let state = started(&["a", "b"]);
        let (after, actions) = next(state.clone(), Event::Pass { user: "b".into() });
        assert_eq!(after, state);
        assert_eq!(
            actions,
            vec![Action::Tell {
                user: "b".into(),
                message: Notice::NotYourTurn {
                    current: "a".into()
                }
            }]
        );
        let (after, actions) = next(
            state.clone(),
            Event::Skip {
                by: "a".into(),
                turn: state.turn,
            },
        );
        assert_eq!(after, state);
        assert_eq!(
            actions,
            vec![Action::Tell {
                user: "a".into(),
                message: Notice::FacilitatorOnly
            }]
        );
        let (after, actions) = next(state.clone(), Event::End { by: "b".into() });
        assert_eq!(after, state);
        assert_eq!(
            actions[0],
            Action::Tell {
                user: "b".into(),
                message: Notice::FacilitatorOnly
            }
        );
    }

    #[test]
    fn the_facilitator_can_end_the_round_early() {
        let state = started(&["a", "b", "c"]);
        let (state, _) = next(state, Event::Reply { user: "a".into() });
        let (state, actions) = next(state, Event::End { by: "F".into() });
        assert!(state.ended);
        assert_eq!(
            actions,
            vec![Action::Summary {
                shared: 1,
                passed: 0,
                total: 3
            }]
        );
        let (_, actions) = next(state, Event::Pass { user: "b".into() });
        assert_eq!(
            actions,
            vec![Action::Tell {
                user: "b".into(),
                message: Notice::RoundOver
            }]
        );
    }

    #[test]
    fn replaying_the_same_events_gives_the_same_round() {
        let events = [
            Event::Reply { user: "b".into() },
            Event::Pass { user: "a".into() },
            Event::Called { turn: 2, at: 1100 },
            Event::Timeout { turn: 2 },
            Event::Reply { user: "d".into() },
        ];
        let run = || {
            let mut state = started(&["a", "c", "b", "d"]);
            let mut all = Vec::new();
            for event in events.clone() {
                let (s, actions) = next(state, event);
                state = s;
                all.extend(actions);
            }
            (state, all)
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn share_focuses_the_speaker_and_redirects_others() {
        let state = started(&["a", "b"]);
        let (_, actions) = next(state.clone(), Event::Share { user: "a".into() });
        assert_eq!(
            actions,
            vec![Action::Tell {
                user: "a".into(),
                message: Notice::ReplyInThread
            }]
        );
        let (_, actions) = next(state, Event::Share { user: "b".into() });
        assert_eq!(
            actions,
            vec![Action::Tell {
                user: "b".into(),
                message: Notice::NotYourTurn {
                    current: "a".into()
                }
            }]
        );
    }
}
