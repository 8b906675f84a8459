//! Purpose: group short free-text answers and observations into labelled themes, offline and
//! deterministically, whatever order the items arrive in.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::text::{Word, words};

/// One text to cluster. `id` is the caller's handle (unique); `contributor` identifies who
/// gave it (a pseudonym, or an opaque per-item token for anonymous observations), used only
/// to count distinct contributors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: usize,
    pub text: String,
    pub contributor: String,
}

/// A group of similar items.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// Two or three representative words, e.g. "cache ttl".
    pub label: String,
    /// Item ids in the theme, most representative first (highest similarity to the theme's centroid; ties by id).
    pub items: Vec<usize>,
    /// Number of distinct contributors among the items.
    pub contributors: usize,
}

/// Tuning; `Default` gives the values used in production.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterOptions {
    pub threshold: f64,
}

/// Minimum cosine similarity, both between two texts and between the centroids of two groups
/// being merged. Tuned on four sample reviews (the two in the tests and two more): results were
/// the same from 0.24 to 0.29, and 0.27 sits in the middle. Lower, a word common to the whole
/// incident ("database", "checkout") glued themes together; higher, differently worded answers
/// on one topic split apart. For scale: two texts of four content words sharing one score
/// 0.25 (not enough); texts of five sharing two score 0.4.
const DEFAULT_THRESHOLD: f64 = 0.27;

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
        }
    }
}

/// Label of themes whose texts have no content words.
const OTHER: &str = "other";

/// Clusters items into themes. Themes are ordered by distinct contributors (descending),
/// then number of items (descending), then label (ascending). Every item belongs to exactly one theme
/// (singletons are themes of one). Empty or stop-word-only texts form singleton themes with label "other".
pub fn cluster(items: &[Item], options: ClusterOptions) -> Vec<Theme> {
    let corpus = Corpus::new(items);
    let mut groups = Groups::new(&corpus.docs);
    for pair in similar_pairs(&corpus.docs, options.threshold) {
        groups.merge_if_coherent(pair.a, pair.b, options.threshold);
    }
    groups.adopt_singletons(&corpus.docs, options.threshold);
    let mut themes: Vec<Theme> = groups
        .members()
        .into_iter()
        .map(|(root, members)| corpus.theme(&members, &groups.sum[root]))
        .collect();
    themes.sort_by(|a, b| {
        b.contributors
            .cmp(&a.contributors)
            .then(b.items.len().cmp(&a.items.len()))
            .then_with(|| a.label.cmp(&b.label))
            // Only reached by same-label singletons; ids keep the order total.
            .then_with(|| a.items.cmp(&b.items))
    });
    themes
}

// ---------------------------------------------------------------------------------------------
// Vectors

/// A sparse vector: (term id, weight), sorted by term id.
type Sparse = Vec<(u32, f64)>;

/// One item, prepared.
struct Doc<'a> {
    item: &'a Item,
    words: Vec<Word>,
    /// Term id of each word, in text order.
    terms: Vec<u32>,
    /// Term weights, L2-normalised; empty for texts without content words.
    vector: Sparse,
}

/// The prepared items in a canonical order (normalised text, then text, then id), with term
/// ids that are ranks in the sorted vocabulary. Everything downstream works on positions in
/// this order and breaks ties by them, so the caller's order cannot leak into the result,
/// down to the order of floating-point additions.
struct Corpus<'a> {
    docs: Vec<Doc<'a>>,
    /// Number of docs containing each term.
    df: Vec<usize>,
}

impl<'a> Corpus<'a> {
    fn new(items: &'a [Item]) -> Self {
        let mut prepared: Vec<(String, &Item, Vec<Word>)> = items
            .iter()
            .map(|item| {
                let words = words(&item.text);
                let stems: Vec<&str> = words.iter().map(|w| w.stem.as_str()).collect();
                (stems.join(" "), item, words)
            })
            .collect();
        prepared.sort_by(|(ka, a, _), (kb, b, _)| {
            (ka, &a.text, a.id, &a.contributor).cmp(&(kb, &b.text, b.id, &b.contributor))
        });
        let (terms, vocab) = term_ids(prepared.iter().map(|p| p.2.as_slice()));
        let mut df = vec![0; vocab];
        let docs = prepared
            .into_iter()
            .zip(terms)
            .map(|((_, item, words), terms)| {
                let vector = weigh(&terms);
                for &(term, _) in &vector {
                    df[term as usize] += 1;
                }
                Doc {
                    item,
                    words,
                    terms,
                    vector,
                }
            })
            .collect();
        Corpus { docs, df }
    }
}

/// The term id of every word of every doc, and the vocabulary size. Ids are ranks in the
/// sorted vocabulary; the hash map only answers lookups and is never iterated, so its order
/// cannot reach the output.
fn term_ids<'w>(docs: impl Iterator<Item = &'w [Word]> + Clone) -> (Vec<Vec<u32>>, usize) {
    let mut ids: HashMap<&str, u32> = HashMap::new();
    for word in docs.clone().flatten() {
        ids.insert(&word.stem, 0);
    }
    let mut vocab: Vec<&str> = ids.keys().copied().collect();
    vocab.sort_unstable();
    for (rank, stem) in (0..).zip(&vocab) {
        ids.insert(stem, rank);
    }
    let terms = docs
        .map(|words| words.iter().map(|w| ids[w.stem.as_str()]).collect())
        .collect();
    (terms, vocab.len())
}

/// Sublinear term frequency, L2-normalised so a dot product is a cosine.
///
/// No IDF: it was tried, and on review-sized corpora (a few dozen answers) the words that
/// define a theme are exactly the frequent ones ("cache" and "ttl" in 6 answers of 15), so IDF
/// ranked them below one-off words and split themes. Words common to every answer are
/// handled by the stop-word list and by the centroid test in [`Groups`] instead.
fn weigh(terms: &[u32]) -> Sparse {
    let mut sorted = terms.to_vec();
    sorted.sort_unstable();
    let mut vector: Sparse = sorted
        .chunk_by(|a, b| a == b)
        .map(|run| (run[0], 1.0 + (run.len() as f64).ln()))
        .collect();
    let norm = norm(&vector);
    for (_, weight) in &mut vector {
        *weight /= norm;
    }
    vector
}

fn norm(vector: &[(u32, f64)]) -> f64 {
    vector.iter().map(|(_, w)| w * w).sum::<f64>().sqrt()
}

/// Cosine from precomputed norms (a group's sum can be long; its norm is kept, not redone).
fn cosine(a: &[(u32, f64)], a_norm: f64, b: &[(u32, f64)], b_norm: f64) -> f64 {
    let norms = a_norm * b_norm;
    if norms > 0.0 { dot(a, b) / norms } else { 0.0 }
}

/// Dot product. Shared terms are summed in term-id order whichever side is iterated, so the
/// result is bit-for-bit the same for (a, b) and (b, a).
fn dot(a: &[(u32, f64)], b: &[(u32, f64)]) -> f64 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small
        .iter()
        .filter_map(|&(term, w)| {
            let i = large.binary_search_by_key(&term, |&(t, _)| t).ok()?;
            Some(w * large[i].1)
        })
        .sum()
}

/// Element-wise sum of two sparse vectors.
fn add(a: &[(u32, f64)], b: &[(u32, f64)]) -> Sparse {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            Ordering::Equal => {
                out.push((a[i].0, a[i].1 + b[j].1));
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

// ---------------------------------------------------------------------------------------------
// Clustering

/// Two docs (by canonical position, `a < b`) whose cosine similarity reaches the threshold.
struct Pair {
    similarity: f64,
    a: usize,
    b: usize,
}

/// All pairs at or above the threshold, most similar first (ties by position, so the order
/// is canonical). An inverted index means only pairs sharing a term are ever scored, which
/// for short texts is a small fraction of the n² pairs.
fn similar_pairs(docs: &[Doc], threshold: f64) -> Vec<Pair> {
    let vocab = docs
        .iter()
        .flat_map(|d| &d.terms)
        .max()
        .map_or(0, |&t| t as usize + 1);
    let mut postings: Vec<Vec<(usize, f64)>> = vec![Vec::new(); vocab];
    for (position, doc) in docs.iter().enumerate() {
        for &(term, weight) in &doc.vector {
            postings[term as usize].push((position, weight));
        }
    }
    let mut scores = vec![0.0; docs.len()];
    let mut seen_by = vec![usize::MAX; docs.len()];
    let mut touched = Vec::new();
    let mut pairs = Vec::new();
    for (a, doc) in docs.iter().enumerate() {
        for &(term, weight) in &doc.vector {
            let list = &postings[term as usize];
            // Each pair is scored once, from its lower position.
            let start = list.partition_point(|&(b, _)| b <= a);
            for &(b, other) in &list[start..] {
                if seen_by[b] != a {
                    seen_by[b] = a;
                    touched.push(b);
                }
                scores[b] += weight * other;
            }
        }
        for b in touched.drain(..) {
            if scores[b] >= threshold {
                pairs.push(Pair {
                    similarity: scores[b],
                    a,
                    b,
                });
            }
            scores[b] = 0.0;
        }
    }
    // Similarities are positive, so their bit patterns sort like the numbers; unstable
    // sorting is fine because no two pairs share (a, b).
    pairs.sort_unstable_by_key(|p| (Reverse(p.similarity.to_bits()), p.a, p.b));
    pairs
}

/// Union-find over doc positions, with each group's summed vector kept at its root.
///
/// Pairs are merged from most to least similar (single-linkage order), but two groups only
/// merge if their centroids are also at least `threshold` alike. Plain single-linkage chains:
/// "cache ttl" - "dns ttl" - "dns resolver" - "resolver timeout" would become one theme
/// though its ends share nothing, and one generic word shared across topics can glue two
/// themes together. The centroid test makes a newcomer resemble the group as a whole, which
/// stops the chain, while a large theme can still grow (a centroid sits closer to each
/// member than the members sit to one another). It costs one sparse dot product per pair.
struct Groups {
    parent: Vec<usize>,
    sum: Vec<Sparse>,
    /// Norm of each root's sum, kept so a merge check is a single sparse dot product.
    norm: Vec<f64>,
}

impl Groups {
    fn new(docs: &[Doc]) -> Self {
        Groups {
            parent: (0..docs.len()).collect(),
            sum: docs.iter().map(|d| d.vector.clone()).collect(),
            norm: docs.iter().map(|d| norm(&d.vector)).collect(),
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn merge_if_coherent(&mut self, a: usize, b: usize, threshold: f64) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb || self.cosine_to(&self.sum[ra], self.norm[ra], rb) < threshold {
            return;
        }
        // The lower position becomes the root, so the merge tree (and with it every
        // floating-point sum) is the same for every input order.
        let (root, child) = (ra.min(rb), ra.max(rb));
        let child_sum = std::mem::take(&mut self.sum[child]);
        self.grow(root, &child_sum);
        self.parent[child] = root;
    }

    /// Cosine between a vector (a doc's, or another group's sum) and group `root`'s centroid.
    fn cosine_to(&self, vector: &[(u32, f64)], vector_norm: f64, root: usize) -> f64 {
        cosine(vector, vector_norm, &self.sum[root], self.norm[root])
    }

    fn grow(&mut self, root: usize, vector: &[(u32, f64)]) {
        self.sum[root] = add(&self.sum[root], vector);
        self.norm[root] = norm(&self.sum[root]);
    }

    /// Refinement: a text still alone after the pair pass joins the group whose centroid it
    /// is most like, if that reaches the threshold. A centroid can be closer to a text than
    /// any single member is ("runbooks should be updated" next to three runbook complaints
    /// worded differently). Every loner is judged against the centroids of the pair pass, so
    /// the outcome does not depend on which loner is looked at first.
    fn adopt_singletons(&mut self, docs: &[Doc], threshold: f64) {
        let groups = self.members();
        let (targets, loners): (Vec<_>, Vec<_>) = groups.iter().partition(|(_, m)| m.len() > 1);
        let targets: Vec<usize> = targets.into_iter().map(|(&root, _)| root).collect();
        let adoptions: Vec<(usize, usize)> = loners
            .into_iter()
            // Texts without content words stay "other", whatever the threshold.
            .filter(|(loner, _)| !docs[**loner].vector.is_empty())
            .filter_map(|(&loner, _)| {
                let (score, root) = self.closest(&docs[loner].vector, &targets)?;
                (score >= threshold).then_some((loner, root))
            })
            .collect();
        for (loner, root) in adoptions {
            self.parent[loner] = root;
            self.grow(root, &docs[loner].vector);
        }
    }

    /// The most similar of `roots` to `vector`, with its cosine; ties go to the lower root.
    fn closest(&self, vector: &[(u32, f64)], roots: &[usize]) -> Option<(f64, usize)> {
        let vector_norm = norm(vector);
        let mut best: Option<(f64, usize)> = None;
        for &root in roots {
            let score = self.cosine_to(vector, vector_norm, root);
            if best.is_none_or(|(top, _)| score > top) {
                best = Some((score, root));
            }
        }
        best
    }

    /// Groups by root, members in canonical position order.
    fn members(&mut self) -> BTreeMap<usize, Vec<usize>> {
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for position in 0..self.parent.len() {
            let root = self.find(position);
            groups.entry(root).or_default().push(position);
        }
        groups
    }
}

// ---------------------------------------------------------------------------------------------
// Themes

/// What a theme's label is chosen from, for one term.
#[derive(Default)]
struct TermStats<'a> {
    /// Members containing the term.
    docs: usize,
    /// Sum over those members of the term's relative position of first use (0 = first word).
    position: f64,
    /// Original spellings and how often each was used.
    spellings: BTreeMap<&'a str, usize>,
}

impl TermStats<'_> {
    fn mean_position(&self) -> f64 {
        self.position / self.docs as f64
    }

    /// The commonest spelling; ties go to the shorter, then the alphabetically first.
    fn spelling(&self) -> &str {
        let best = self.spellings.iter().min_by(|x, y| {
            y.1.cmp(x.1)
                .then(x.0.len().cmp(&y.0.len()))
                .then(x.0.cmp(y.0))
        });
        best.map_or(OTHER, |(spelling, _)| spelling)
    }
}

impl Corpus<'_> {
    fn theme(&self, members: &[usize], centroid: &[(u32, f64)]) -> Theme {
        let centroid_norm = norm(centroid);
        let mut ranked: Vec<(f64, usize)> = members
            .iter()
            .map(|&m| {
                let doc = &self.docs[m];
                let similarity = cosine(&doc.vector, norm(&doc.vector), centroid, centroid_norm);
                (similarity, m)
            })
            .collect();
        // Ties (two members are always equally close to their own centroid) are broken by
        // canonical position, not by id, so the input order never changes the quotes.
        ranked.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        let contributors: BTreeSet<&str> = members
            .iter()
            .map(|&m| self.docs[m].item.contributor.as_str())
            .collect();
        Theme {
            label: self.label(members),
            items: ranked
                .into_iter()
                .map(|(_, m)| self.docs[m].item.id)
                .collect(),
            contributors: contributors.len(),
        }
    }

    /// The terms most members use, each in its commonest spelling, in the order they tend to
    /// appear in the texts ("cache ttl", not "ttl cache").
    ///
    /// Among terms used by as many members, a group prefers the term rarer elsewhere (it is
    /// what sets the group apart), while a lone text prefers the term other texts also use
    /// (it names the topic; the text's unique words are usually detail).
    fn label(&self, members: &[usize]) -> String {
        let stats = self.term_stats(members);
        let alone = members.len() == 1;
        let mut ranked: Vec<(&u32, &TermStats)> = stats.iter().collect();
        ranked.sort_by(|(t, x), (u, y)| {
            let (dx, dy) = (self.df[**t as usize], self.df[**u as usize]);
            y.docs
                .cmp(&x.docs)
                .then(if alone { dy.cmp(&dx) } else { dx.cmp(&dy) })
                .then(x.mean_position().total_cmp(&y.mean_position()))
                .then(t.cmp(u))
        });
        // Two terms, and a third when every member of a group uses it.
        let third = |s: &TermStats| !alone && s.docs == members.len();
        let mut chosen: Vec<&TermStats> = ranked
            .iter()
            .enumerate()
            .take_while(|(i, (_, s))| *i < 2 || (*i == 2 && third(s)))
            .map(|(_, (_, s))| *s)
            .collect();
        if chosen.is_empty() {
            return OTHER.to_owned();
        }
        chosen.sort_by(|x, y| x.mean_position().total_cmp(&y.mean_position()));
        chosen
            .iter()
            .map(|s| s.spelling())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn term_stats(&self, members: &[usize]) -> BTreeMap<u32, TermStats<'_>> {
        let mut stats: BTreeMap<u32, TermStats> = BTreeMap::new();
        for doc in members.iter().map(|&m| &self.docs[m]) {
            let mut first_seen = BTreeSet::new();
            for (i, (word, &term)) in doc.words.iter().zip(&doc.terms).enumerate() {
                let entry = stats.entry(term).or_default();
                *entry.spellings.entry(word.surface.as_str()).or_default() += 1;
                if first_seen.insert(term) {
                    entry.docs += 1;
                    entry.position += i as f64 / doc.words.len() as f64;
                }
            }
        }
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::super::text::STOP_WORDS;
    use super::*;

    fn item(id: usize, contributor: &str, text: &str) -> Item {
        Item {
            id,
            text: text.to_owned(),
            contributor: contributor.to_owned(),
        }
    }

    /// Items with ids 0.., from lines "contributor: text".
    fn items_by(lines: &[&str]) -> Vec<Item> {
        let parts = lines
            .iter()
            .map(|line| line.split_once(": ").expect("contributor: text"));
        parts
            .enumerate()
            .map(|(id, (who, text))| item(id, who, text))
            .collect()
    }

    /// Items with ids 0.., each from a different person.
    fn items(texts: &[&str]) -> Vec<Item> {
        texts
            .iter()
            .enumerate()
            .map(|(id, text)| item(id, &format!("person-{id}"), text))
            .collect()
    }

    fn theme_of(themes: &[Theme], id: usize) -> usize {
        themes
            .iter()
            .position(|t| t.items.contains(&id))
            .expect("every item has a theme")
    }

    fn together(themes: &[Theme], ids: &[usize]) -> bool {
        ids.iter()
            .all(|&id| theme_of(themes, id) == theme_of(themes, ids[0]))
    }

    fn default_cluster(items: &[Item]) -> Vec<Theme> {
        cluster(items, ClusterOptions::default())
    }

    /// A small review: 6 answers about cache TTLs, 4 about paging and alert routing, 3 about
    /// the deploy pipeline and 2 one-offs. Some contributors answered twice.
    const REVIEW: &[&str] = &[
        "alice: The cache TTL was 24h, so stale config kept being served long after the fix.",
        "bob: Stale entries stayed in the cache because the TTL is far too long.",
        "carol: We should shorten the cache TTL for feature flags.",
        "dan: Nobody knew the TTL on the edge cache was set to a day.",
        "erin: Cache invalidation took hours; the TTL should be minutes, not 24h.",
        "frank: Lower the TTL on the config cache or add a purge button.",
        "alice: The alert paged the wrong team because routing pointed at the old rotation.",
        "gina: Alert routing rules are out of date, so the page went to platform.",
        "hal: Paging went to the wrong on-call; the alert routing needs an owner.",
        "obs-1: Nobody got paged for 20 minutes: the alert was routed to a dead channel.",
        "bob: The deploy pipeline has no way to roll back quickly.",
        "ivan: Rolling back through the deploy pipeline took 40 minutes.",
        "obs-2: Our deploy pipeline skipped the canary stage for config changes.",
        "judy: The status page was updated late and customers noticed first.",
        "obs-3: Runbooks for the database failover were missing steps.",
    ];

    /// A second review, where "database" runs through answers on different topics.
    const DATABASE_REVIEW: &[&str] = &[
        "ann: The database failover took far longer than the runbook promised.",
        "ben: Failover to the replica was slow because replication lag was high.",
        "cat: Replication lag on the replica delayed the database failover by 15 minutes.",
        "dev: Automatic failover did not trigger, so we promoted the replica by hand.",
        "eli: Manual failover of the database should be rehearsed every quarter.",
        "ann: Database alerts are so noisy that the real one was ignored.",
        "fay: Too many low-priority alerts on the database dashboards; people mute them.",
        "gus: Alert fatigue: we get dozens of disk alerts a week and nobody reads them.",
        "hui: The noisy alerts channel hid the important database alert.",
        "ben: Customers heard about the outage from Twitter before our status page.",
        "ida: Status page updates lagged the incident by half an hour.",
        "jon: Nobody owned customer communication during the database outage.",
        "kim: Support had no status updates to give customers.",
        "cat: The app connection pool exhausted once the database came back.",
        "lea: Connection pool limits were too low for the retry storm after failover.",
        "max: Retries from every service exhausted the database connection pool.",
        "nia: Great teamwork from everyone on the bridge.",
        "oli: The incident channel had too many people talking at once.",
        "pat: Database backups should be verified monthly.",
    ];

    /// A deterministic permutation: stride through the values with a step coprime to their
    /// count, starting at `offset`.
    fn permuted<T: Clone>(values: &[T], step: usize, offset: usize) -> Vec<T> {
        let n = values.len();
        let gcd = |mut a: usize, mut b: usize| {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        let step = (step..)
            .find(|&s| gcd(s, n) == 1)
            .expect("a coprime step exists");
        (0..n)
            .map(|i| values[(offset + i * step) % n].clone())
            .collect()
    }

    /// Themes as the caller sees them: label and set of item ids, in theme order.
    fn as_sets(themes: &[Theme]) -> Vec<(String, BTreeSet<usize>)> {
        themes
            .iter()
            .map(|t| (t.label.clone(), t.items.iter().copied().collect()))
            .collect()
    }

    #[test]
    fn identical_texts_end_up_in_the_same_theme() {
        let texts = [
            "The dashboards did not show the error rate for the EU region.",
            "The on-call rotation is understaffed.",
            "The dashboards did not show the error rate for the EU region.",
        ];
        let themes = default_cluster(&items(&texts));
        assert!(together(&themes, &[0, 2]));
        assert!(!together(&themes, &[0, 1]));
    }

    #[test]
    fn near_identical_texts_end_up_in_the_same_theme() {
        let texts = [
            "The retry storm overloaded the payment gateway during the failover window.",
            // Case and punctuation.
            "the RETRY storm overloaded the payment-gateway, during the failover window!!",
            // Plurals and verb forms.
            "Retry storms overloading the payment gateways during failover windows.",
            // Word order.
            "During the failover window, the payment gateway was overloaded by the retry storm.",
            // One word changed.
            "The retry storm overloaded the billing gateway during the failover window.",
            // Unrelated, as controls.
            "The on-call rotation is understaffed.",
            "Our status page was updated late.",
        ];
        let themes = default_cluster(&items(&texts));
        assert!(together(&themes, &[0, 1, 2, 3, 4]), "{themes:#?}");
        assert!(!together(&themes, &[0, 5]));
        assert!(!together(&themes, &[0, 6]));
    }

    #[test]
    fn unrelated_texts_end_up_in_different_themes() {
        let texts = [
            "the dns ttl was too long",
            "the on-call rotation is understaffed",
        ];
        let themes = default_cluster(&items(&texts));
        assert_eq!(themes.len(), 2);
        assert!(themes.iter().all(|t| t.items.len() == 1));
    }

    #[test]
    fn the_same_input_gives_the_same_output() {
        let review = items_by(REVIEW);
        assert_eq!(default_cluster(&review), default_cluster(&review));
    }

    #[test]
    fn shuffling_the_input_does_not_change_the_themes() {
        let mut input = items_by(REVIEW);
        let offset = input.len();
        let database = items_by(DATABASE_REVIEW).into_iter();
        input.extend(database.map(|i| Item {
            id: i.id + offset,
            ..i
        }));
        // An exact duplicate and two empty texts make the canonical order fall back on ids.
        let next = input.len();
        input.push(item(next, "zed", &input[1].text.clone()));
        input.push(item(next + 1, "yan", ""));
        input.push(item(next + 2, "xia", ""));
        let expected = default_cluster(&input);
        let reversed: Vec<Item> = input.iter().rev().cloned().collect();
        for shuffled in [reversed, permuted(&input, 7, 3), permuted(&input, 11, 20)] {
            assert_ne!(shuffled, input);
            let themes = default_cluster(&shuffled);
            assert_eq!(as_sets(&themes), as_sets(&expected));
            // Stronger still: the same order of themes and of items within them.
            assert_eq!(themes, expected);
        }
    }

    #[test]
    fn labels_name_the_most_representative_words() {
        let themes = default_cluster(&items_by(REVIEW));
        let groups: Vec<&Theme> = themes.iter().filter(|t| t.items.len() > 1).collect();
        assert_eq!(groups.len(), 3, "{themes:#?}");
        let ids = |t: &Theme| t.items.iter().copied().collect::<BTreeSet<_>>();
        assert_eq!(ids(groups[0]), (0..6).collect());
        assert_eq!(ids(groups[1]), (6..10).collect());
        assert_eq!(ids(groups[2]), (10..13).collect());
        let mentions = |t: &Theme, words: &[&str]| words.iter().any(|w| t.label.contains(w));
        assert!(
            mentions(groups[0], &["cache", "ttl"]),
            "{}",
            groups[0].label
        );
        assert!(
            mentions(groups[1], &["alert", "page", "paging"]),
            "{}",
            groups[1].label
        );
        assert!(
            mentions(groups[2], &["deploy", "pipeline"]),
            "{}",
            groups[2].label
        );
        assert_eq!(groups[0].label, "cache ttl");
        assert_eq!(groups[2].label, "deploy pipeline");
        for theme in &themes {
            let words = theme.label.split(' ').count();
            assert!((2..=3).contains(&words), "{}", theme.label);
        }
    }

    #[test]
    fn labels_show_the_commonest_original_spelling_not_the_stem() {
        let texts = [
            "The pages for the billing queue were never acknowledged.",
            "Billing queue pages were ignored overnight.",
            "Nobody acknowledged the billing queue paging.",
        ];
        let themes = default_cluster(&items(&texts));
        assert_eq!(themes.len(), 1, "{themes:#?}");
        assert_eq!(themes[0].label, "billing queue pages");
    }

    #[test]
    fn a_contributor_with_two_items_counts_once() {
        let review = items_by(&[
            "alice: The cache TTL on the config service was far too long.",
            "alice: Our config cache TTL should be minutes, not a day.",
            "bob: The config service cache TTL kept stale values around.",
        ]);
        let themes = default_cluster(&review);
        assert_eq!(themes.len(), 1, "{themes:#?}");
        assert_eq!(themes[0].items.len(), 3);
        assert_eq!(themes[0].contributors, 2);
    }

    #[test]
    fn themes_are_ordered_by_contributors_then_size_then_label() {
        let review = items_by(&[
            // Two items, two contributors.
            "u1: Zookeeper session expired on the broker.",
            "u2: The zookeeper session expired again.",
            // Four items, two contributors.
            "u3: Terraform state lock was held by a dead job.",
            "u3: The terraform state lock blocked the fix.",
            "u4: Nobody could release the terraform state lock.",
            "u4: Terraform state lock needs a timeout.",
            // Three items, three contributors.
            "u5: Kafka consumer lag grew for an hour.",
            "u6: The kafka consumer lag alert never fired.",
            "u7: Kafka consumer lag was invisible on dashboards.",
            // Two items, two contributors; sorts before "zookeeper" by label.
            "u8: The audit log was missing the flag change.",
            "u9: Audit log entries had no author.",
        ]);
        let themes = default_cluster(&review);
        let summary: Vec<(usize, usize, &str)> = themes
            .iter()
            .map(|t| (t.contributors, t.items.len(), t.label.as_str()))
            .collect();
        let expected = [
            (3, 3, "kafka consumer lag"),
            (2, 4, "terraform state lock"),
            (2, 2, "audit log"),
            (2, 2, "zookeeper session expired"),
        ];
        assert_eq!(summary, expected);
    }

    #[test]
    fn items_are_listed_most_representative_first() {
        let texts = [
            "Cache TTL purge button was missing.",
            "The cache TTL was stale.",
            "Cache TTL values stayed stale; the config cache never refreshed.",
            "The cache TTL was stale.",
        ];
        let themes = default_cluster(&items(&texts));
        assert_eq!(themes.len(), 1, "{themes:#?}");
        // The two identical, central texts first (ties by id), the outlier last.
        assert_eq!(themes[0].items, [1, 3, 2, 0]);
    }

    #[test]
    fn empty_and_stop_word_only_texts_are_singleton_themes_labelled_other() {
        let texts = [
            "",
            "   ",
            "It was what it was.",
            "<@U024BE7LH> <!here>",
            "Cache TTL too long.",
        ];
        let themes = default_cluster(&items(&texts));
        assert_eq!(themes.len(), 5);
        let others: Vec<&Theme> = themes.iter().filter(|t| t.label == OTHER).collect();
        assert_eq!(others.len(), 4);
        assert!(
            others
                .iter()
                .all(|t| t.items.len() == 1 && t.contributors == 1)
        );
        // Even a threshold of zero does not group texts that have no words to compare.
        let loose = cluster(&items(&texts), ClusterOptions { threshold: 0.0 });
        assert_eq!(loose.len(), 5);
    }

    #[test]
    fn every_item_belongs_to_exactly_one_theme() {
        let review = items_by(DATABASE_REVIEW);
        let themes = default_cluster(&review);
        let mut seen: Vec<usize> = themes
            .iter()
            .flat_map(|t| t.items.iter().copied())
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..review.len()).collect::<Vec<_>>());
        assert!(default_cluster(&[]).is_empty());
    }

    #[test]
    fn a_word_shared_across_topics_does_not_merge_them() {
        let themes = default_cluster(&items_by(DATABASE_REVIEW));
        assert!(together(&themes, &[0, 1, 2, 3, 4]), "{themes:#?}");
        assert!(together(&themes, &[5, 6, 7, 8]));
        assert!(together(&themes, &[13, 14, 15]));
        assert!(!together(&themes, &[0, 5]));
        assert!(!together(&themes, &[0, 13]));
        assert!(!together(&themes, &[5, 18]));
    }

    #[test]
    fn a_chain_of_overlapping_texts_does_not_become_one_theme() {
        // Each text shares three of its four words with the next and none with the far end;
        // single-linkage alone would put all nine in one theme.
        let words = [
            "kafka",
            "consumer",
            "offset",
            "replay",
            "topic",
            "schema",
            "registry",
            "version",
            "drift",
            "terraform",
            "module",
            "pinning",
        ];
        let texts: Vec<String> = words.windows(4).map(|w| w.join(" ")).collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let themes = default_cluster(&items(&texts));
        assert!(themes.len() > 1, "{themes:#?}");
        assert!(!together(&themes, &[0, texts.len() - 1]));
        assert!(together(&themes, &[0, 1]));
    }

    /// A fixed pseudo-random corpus of `n` items, 15 to 40 words each, drawn from 40 topics:
    /// per word, 40% topic vocabulary, 30% shared vocabulary, 30% stop words.
    fn synthetic_items(n: usize) -> Vec<Item> {
        // A linear congruential generator: a fixed corpus without a rand dependency.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |bound: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % bound
        };
        let syllables = [
            "ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "sa", "do", "fu",
        ];
        let word = |k: usize| {
            [k % 12, k / 12 % 12, k / 144 % 12]
                .map(|s| syllables[s])
                .concat()
        };
        let suffixes = ["", "", "", "s", "ing", "ed"];
        (0..n)
            .map(|id| {
                let topic = next(40);
                let text: Vec<String> = (0..15 + next(26))
                    .map(|_| match next(10) {
                        0..=3 => word(1000 + topic * 8 + next(8)) + suffixes[next(suffixes.len())],
                        4..=6 => word(next(600)),
                        _ => STOP_WORDS[next(STOP_WORDS.len())].to_owned(),
                    })
                    .collect();
                item(id, &format!("person-{}", next(200)), &text.join(" "))
            })
            .collect()
    }

    #[test]
    #[ignore = "timing: cargo test --release -- --ignored --nocapture"]
    fn fifteen_hundred_items_cluster_quickly() {
        let items = synthetic_items(1500);
        let start = std::time::Instant::now();
        let themes = default_cluster(&items);
        let elapsed = start.elapsed();
        let grouped = themes.iter().filter(|t| t.items.len() > 1).count();
        println!(
            "{} items: {} themes ({grouped} of 2+) in {elapsed:?}",
            items.len(),
            themes.len()
        );
        assert_eq!(
            themes.iter().map(|t| t.items.len()).sum::<usize>(),
            items.len()
        );
    }
}
