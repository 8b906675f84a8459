//! Purpose: the fixture's reviews (formats, participation, turnout), vendor sections and
//! counterfactuals, for the hand-computed tests of sections 2, 4 and 5.

use super::super::facts::{
    Control, Cost, Counterfactual, Observations, ParticipationFacts, Reach, Review, ReviewFormat,
    SurveyTurnout, VendorReview,
};
use super::fixture::ts;

/// (incident, meeting, done, survey, check-in turn, observations, k, speakers/attendees,
/// top-3 share, answered/invited)
type ReviewRow = (
    i64,
    Option<&'static str>,
    Option<&'static str>,
    bool,
    Option<u32>,
    Observations,
    u32,
    Option<(u32, u32)>,
    f64,
    Option<(u32, u32)>,
);

pub fn reviews() -> Vec<Review> {
    use Observations::*;
    #[rustfmt::skip]
    let rows: [ReviewRow; 10] = [
        (4, Some("2026-05-01T15:00:00Z"), Some("2026-05-02T10:00:00Z"), true, Some(120), Held, 3, Some((4, 10)), 0.95, Some((7, 10))),
        (5, Some("2026-07-02T15:00:00Z"), Some("2026-07-03T10:00:00Z"), true, None, Held, 3, Some((2, 6)), 1.0, Some((2, 5))),
        (10, Some("2026-07-06T15:00:00Z"), Some("2026-07-07T10:00:00Z"), true, Some(120), Live, 3, Some((6, 8)), 0.6, Some((4, 5))),
        (11, Some("2026-07-23T15:00:00Z"), Some("2026-07-24T10:00:00Z"), true, None, Held, 3, Some((3, 6)), 0.9, Some((3, 6))),
        (12, Some("2026-08-07T15:00:00Z"), Some("2026-08-08T10:00:00Z"), true, Some(120), Live, 3, Some((5, 5)), 0.5, Some((5, 5))),
        (13, Some("2026-08-21T15:00:00Z"), None, false, Some(90), Held, 5, Some((4, 8)), 0.7, None),
        (14, Some("2026-09-14T15:00:00Z"), Some("2026-09-15T10:00:00Z"), true, Some(120), Live, 3, Some((3, 4)), 0.8, Some((3, 5))),
        (15, Some("2026-10-05T15:00:00Z"), None, true, Some(120), Live, 3, None, 0.0, None),
        (16, None, None, true, None, Held, 3, None, 0.0, None),
        // A review of the Q4 incident: outside everything.
        (18, Some("2026-10-03T15:00:00Z"), None, true, None, Held, 3, Some((1, 9)), 1.0, None),
    ];
    rows.into_iter()
        .map(
            |(
                incident_id,
                meeting,
                done,
                survey,
                turn,
                observations,
                k_floor,
                spoke,
                top3,
                answered,
            )| Review {
                incident_id,
                meeting_at: meeting.map(ts),
                done_at: done.map(ts),
                format: ReviewFormat {
                    survey,
                    checkin: turn.is_some(),
                    checkin_turn_seconds: turn,
                    observations,
                    k_floor,
                },
                participation: spoke.map(|(speakers, attendees)| ParticipationFacts {
                    attendees,
                    speakers,
                    top3_share: top3,
                }),
                survey: answered.map(|(answered, invited)| SurveyTurnout { invited, answered }),
            },
        )
        .collect()
}

pub fn vendor_reviews() -> Vec<VendorReview> {
    let tally = |pairs: &[(&str, u32)]| pairs.iter().map(|(a, n)| (a.to_string(), *n)).collect();
    vec![
        VendorReview {
            incident_id: 12,
            minutes_to_external: Some(45),
            breakers: tally(&[("no", 2), ("yes", 1)]),
            customers: tally(&[("coherent error", 2)]),
            proposed_behaviours: vec!["Queue payments and retry when Stripe recovers".into()],
            standing_question_answered: true,
        },
        VendorReview {
            incident_id: 13,
            minutes_to_external: Some(20),
            breakers: tally(&[("no", 1), ("Partly", 1)]),
            customers: tally(&[("cascading chaos", 2)]),
            proposed_behaviours: vec![
                "Show a clear payment-delayed message".into(),
                "queue payments and retry when Stripe recovers".into(),
            ],
            standing_question_answered: false,
        },
    ]
}

fn counterfactual(
    id: i64,
    incident_id: i64,
    control: Control,
    cost: Cost,
    reach: Reach,
    created: &str,
) -> Counterfactual {
    Counterfactual {
        id,
        incident_id,
        text: format!("Condition {id}"),
        control,
        cost,
        reach,
        has_action_item: false,
        created_at: ts(created),
    }
}

pub fn counterfactuals() -> Vec<Counterfactual> {
    use Control::*;
    use Cost::*;
    use Reach::*;
    let mut with_item = counterfactual(206, 14, Yes, L, ManyClasses, "2026-09-16T00:00:00Z");
    with_item.has_action_item = true;
    vec![
        counterfactual(201, 10, Yes, S, ManyClasses, "2026-07-07T00:00:00Z"),
        counterfactual(202, 11, Yes, M, ThisClass, "2026-07-24T00:00:00Z"),
        counterfactual(203, 12, No, S, ManyClasses, "2026-08-08T00:00:00Z"),
        counterfactual(204, 13, Partly, S, ThisClass, "2026-08-22T00:00:00Z"),
        counterfactual(205, 10, Yes, S, ThisIncident, "2026-07-07T00:00:00Z"),
        with_item,
        counterfactual(207, 15, Yes, S, ManyClasses, "2026-10-01T10:00:00Z"),
    ]
}
