//! Purpose: vendor incidents grouped by dependency (section 2), and vendors nobody has yet
//! asked "what should our system do when this fails?" about (section 5).

use std::collections::{BTreeMap, HashMap};

use super::super::adapters::normalize_tag;
use super::super::facts::VendorReview;
use super::super::report::{Listed, UnreviewedVendor, VendorGroup};
use super::index::{Ctx, Inc};
use super::summarize;

fn vendor_reviews<'a>(ctx: &Ctx<'a>) -> HashMap<i64, &'a VendorReview> {
    ctx.facts
        .vendor_reviews
        .iter()
        .map(|v| (v.incident_id, v))
        .collect()
}

/// The grouping key of a vendor name and its display form, so "Stripe" and "stripe " meet.
fn vendor_of<'a>(inc: &Inc<'a>) -> Option<(String, &'a str)> {
    let name = inc.fact.vendor.as_deref()?.trim();
    let key = normalize_tag(name);
    (!key.is_empty()).then(|| (key.into_owned(), name))
}

#[derive(Default)]
struct Acc<'a> {
    display: &'a str,
    incidents: Vec<i64>,
    minutes: Vec<f64>,
    breakers: BTreeMap<String, u32>,
    customers: BTreeMap<String, u32>,
    behaviours: Vec<String>,
    answered: usize,
    sections: usize,
}

impl<'a> Acc<'a> {
    fn add_review(&mut self, review: &VendorReview) {
        self.sections += 1;
        self.answered += usize::from(review.standing_question_answered);
        self.minutes
            .extend(review.minutes_to_external.map(f64::from));
        merge_tally(&mut self.breakers, &review.breakers);
        merge_tally(&mut self.customers, &review.customers);
        for behaviour in &review.proposed_behaviours {
            let text = behaviour.trim();
            let seen = self.behaviours.iter().any(|b| b.eq_ignore_ascii_case(text));
            if !text.is_empty() && !seen {
                self.behaviours.push(text.to_string());
            }
        }
    }

    fn finish(self, max_ids: usize, max_listed: usize) -> VendorGroup {
        VendorGroup {
            vendor: self.display.to_string(),
            incidents: Listed::first(self.incidents.len(), self.incidents.into_iter(), max_ids),
            minutes_to_external: summarize(self.minutes),
            breakers: self.breakers,
            customers: self.customers,
            proposed_behaviours: Listed::first(
                self.behaviours.len(),
                self.behaviours.into_iter(),
                max_listed,
            ),
            standing_question_answered: self.answered,
            with_vendor_section: self.sections,
        }
    }
}

fn merge_tally(into: &mut BTreeMap<String, u32>, from: &BTreeMap<String, u32>) {
    for (answer, count) in from {
        *into.entry(answer.trim().to_lowercase()).or_default() += count;
    }
}

/// This quarter's vendor incidents by vendor, most incidents first.
pub(super) fn vendor_groups(ctx: &Ctx<'_>) -> Vec<VendorGroup> {
    let reviews = vendor_reviews(ctx);
    let mut groups: BTreeMap<String, Acc<'_>> = BTreeMap::new();
    for inc in ctx.quarter_incidents() {
        let Some((key, display)) = vendor_of(inc) else {
            continue;
        };
        let acc = groups.entry(key).or_insert_with(|| Acc {
            display,
            ..Acc::default()
        });
        acc.incidents.push(inc.fact.id);
        if let Some(review) = reviews.get(&inc.fact.id) {
            acc.add_review(review);
        }
    }
    let (max_ids, max_listed) = (ctx.settings.max_ids, ctx.settings.max_listed);
    let mut groups: Vec<VendorGroup> = groups
        .into_values()
        .map(|acc| acc.finish(max_ids, max_listed))
        .collect();
    groups.sort_by(|a, b| {
        b.incidents
            .total
            .cmp(&a.incidents.total)
            .then_with(|| a.vendor.cmp(&b.vendor))
    });
    groups
}

/// Vendors named in any incident up to the cut-off or in survey answers, whose failure no
/// review has answered the standing question about. By name.
pub(super) fn unreviewed_vendors(ctx: &Ctx<'_>) -> Vec<UnreviewedVendor> {
    let reviews = vendor_reviews(ctx);
    // key → (display, incidents, named in surveys, reviewed)
    let mut vendors: BTreeMap<String, (String, Vec<i64>, bool, bool)> = BTreeMap::new();
    for inc in &ctx.incidents {
        let Some((key, display)) = vendor_of(inc) else {
            continue;
        };
        let entry = vendors
            .entry(key)
            .or_insert_with(|| (display.to_string(), Vec::new(), false, false));
        entry.1.push(inc.fact.id);
        entry.3 |= reviews
            .get(&inc.fact.id)
            .is_some_and(|r| r.standing_question_answered);
    }
    for name in &ctx.facts.named_vendors {
        let key = normalize_tag(name).into_owned();
        if !key.is_empty() {
            let entry = vendors
                .entry(key)
                .or_insert_with(|| (name.trim().to_string(), Vec::new(), false, false));
            entry.2 = true;
        }
    }
    // In the order of the normalised names, which is alphabetical.
    vendors
        .into_values()
        .filter(|(_, _, _, reviewed)| !reviewed)
        .map(
            |(vendor, incidents, named_in_surveys, _)| UnreviewedVendor {
                vendor,
                incidents: Listed::first(
                    incidents.len(),
                    incidents.into_iter(),
                    ctx.settings.max_ids,
                ),
                named_in_surveys,
            },
        )
        .collect()
}
