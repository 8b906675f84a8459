//! Purpose: the wording of section 4: pulse, participation, format comparisons and trials.

use super::super::report::{FormatGroup, LearningReport, MeanOf, Pulse};
use super::{Block, Section, Text, list_or, num, pct, timeboxed};

pub(super) fn section(r: &LearningReport) -> Section {
    let mut blocks = pulse(r);
    blocks.extend(participation(r));
    blocks.extend(formats(r));
    blocks.extend(trials(r));
    Section {
        title: timeboxed(r, 4),
        blocks,
    }
}

fn pulse(r: &LearningReport) -> Vec<Block> {
    let text: Text = match &r.culture.pulse {
        Pulse::NotRun => "No pulse run this quarter.".into(),
        Pulse::BelowFloor { responses, k_floor } => format!(
            "The pulse had {responses} responses, fewer than {k_floor}: no figures are shown, to keep answers anonymous."
        )
        .into(),
        Pulse::Results(p) => {
            let change = p.change.map_or(String::new(), |c| {
                format!(" ({:+.1} against last quarter)", c)
            });
            Text::new()
                .p("“I feel comfortable raising concerns during incident reviews”: mean ")
                .b(format!("{:.1}", p.mean))
                .p(format!(
                    " of 5{change}, {} responded. Answers 1→5: {}.",
                    super::ratio(&p.response_rate),
                    p.distribution.map(|n| n.to_string()).join(" · ")
                ))
        }
    };
    vec![Block::Heading("Pulse".into()), Block::Para(text)]
}

fn participation(r: &LearningReport) -> Vec<Block> {
    let p = &r.culture.participation;
    let heading = Block::Heading("Participation across this quarter's reviews".into());
    let (Some(ratio), Some(top3)) = (p.speaker_ratio, p.top3_share) else {
        return vec![
            heading,
            Block::Para("No review held this quarter has participation figures.".into()),
        ];
    };
    let summary = format!(
        "{} reviews held. Unique speakers ÷ attendees: median {}, mean {}, range {}–{}. Top-three share of messages: median {}, mean {}.",
        ratio.n,
        pct(Some(ratio.median)),
        pct(Some(ratio.mean)),
        pct(Some(ratio.min)),
        pct(Some(ratio.max)),
        pct(Some(top3.median)),
        pct(Some(top3.mean))
    );
    let labels = ["under 25%", "25–50%", "50–75%", "75% and over"];
    let buckets = labels
        .iter()
        .zip(p.ratio_buckets)
        .map(|(l, n)| format!("{l}: {n}"))
        .collect::<Vec<_>>()
        .join(" · ");
    let reviews = p
        .reviews
        .items
        .iter()
        .map(|v| {
            Text::new().p(format!(
                "#{}: {} of {} spoke ({}), top three wrote {}",
                v.incident_id,
                v.speakers,
                v.attendees,
                pct(Some(v.speaker_ratio)),
                pct(Some(v.top3_share))
            ))
        })
        .collect();
    vec![
        heading,
        Block::Para(summary.into()),
        Block::Para(Text::new().b("Speaker ratio: ").p(buckets)),
        Block::List(reviews, p.reviews.more()),
    ]
}

fn mean(m: &MeanOf) -> String {
    m.mean
        .map_or_else(|| "–".into(), |v| format!("{} (n = {})", pct(Some(v)), m.n))
}

fn group_line(g: &FormatGroup) -> Text {
    Text::new().b(&g.value).p(format!(
        ": {} reviews, speaker ratio {}, survey response {}",
        g.reviews,
        mean(&g.speaker_ratio),
        mean(&g.response_rate)
    ))
}

fn formats(r: &LearningReport) -> Vec<Block> {
    let c = &r.culture;
    let mut blocks = vec![
        Block::Heading("How reviews were run".into()),
        Block::Para(
            format!(
                "Mean speaker ratio and survey response rate by format setting, over the reviews held this quarter. Groups need {} reviews each to be compared.",
                c.min_group
            )
            .into(),
        ),
    ];
    let items = c
        .formats
        .iter()
        .filter(|f| !f.groups.is_empty())
        .map(|f| {
            let groups: Vec<String> = f
                .groups
                .iter()
                .map(|g| format!("{} ({})", g.value, g.reviews))
                .collect();
            let mut t = Text::new().b(&f.setting).p(": ");
            if f.comparable {
                for (n, g) in f.groups.iter().enumerate() {
                    t.0.extend(group_line(g).0);
                    t = t.p(if n + 1 < f.groups.len() { "; " } else { "." });
                }
                t
            } else {
                t.p(format!(
                    "too few reviews to compare ({}).",
                    groups.join(", ")
                ))
            }
        })
        .collect();
    blocks.push(list_or(items, "No reviews were held this quarter."));
    blocks
}

fn trials(r: &LearningReport) -> Vec<Block> {
    let items: Vec<Text> = r
        .culture
        .trials
        .iter()
        .map(|t| {
            let head = Text::new().bu(&t.name).p(format!(
                " (from {}, {} days each side): ",
                t.from,
                num(t.window_days.into())
            ));
            let mut text = head;
            if t.comparable {
                text.0.extend(group_line(&t.before).0);
                text = text.p("; ");
                text.0.extend(group_line(&t.after).0);
                text.p(".")
            } else {
                text.p(format!(
                    "too few reviews to compare ({} before, {} after).",
                    t.before.reviews, t.after.reviews
                ))
            }
        })
        .collect();
    vec![
        Block::Heading("Named trials started this quarter".into()),
        list_or(items, "No trial was started this quarter."),
    ]
}
