//! A small phrase language over tokens, so the lexicon reads as phrases rather than code.
//!
//! A phrase is a list of steps separated by spaces:
//! - `bad|poor` one of these words; `make+` the word or an inflection ("made", "makes");
//!   `$person` a class from `words`; a trailing `?` makes the step optional;
//! - `~3` skips up to three words;
//! - `>word` / `!word` the next word is / is not this (without consuming it);
//! - `^word` the phrase does not directly follow this word;
//! - `:` a colon, equals sign, dash or arrow follows ("Root cause: …"); `$` the sentence ends.
//!
//! Every word after the first must follow the previous one inside the same clause, so
//! "should, have" or "who. Deployed" never match.

use super::tokens::{Gap, Token};
use super::words::{self, Class};

#[derive(Debug, Clone, Copy)]
enum Atom {
    Exact(&'static str),
    Inflected(&'static str),
    Class(Class),
}

#[derive(Debug)]
enum Step {
    Word { atoms: Vec<Atom>, optional: bool },
    Skip(usize),
    Ahead { atoms: Vec<Atom>, wanted: bool },
    NotAfter(Vec<Atom>),
    Label,
    End,
}

#[derive(Debug)]
pub(super) struct Phrase {
    steps: Vec<Step>,
}

impl Phrase {
    /// None when the source names an unknown class or is empty (a unit test compiles
    /// every phrase in the lexicon, so this never happens in a release).
    pub(super) fn compile(source: &'static str) -> Option<Phrase> {
        let steps = source
            .split_whitespace()
            .map(step)
            .collect::<Option<Vec<_>>>()?;
        (!steps.is_empty()).then_some(Phrase { steps })
    }

    /// The words the phrase can start with, or None when it can start with any word.
    pub(super) fn first_words(&self) -> Option<Vec<String>> {
        let mut words = Vec::new();
        for step in &self.steps {
            match step {
                Step::NotAfter(_) => continue,
                Step::Word { atoms, optional } => {
                    words.extend(atom_words(atoms)?);
                    if !*optional {
                        return Some(words);
                    }
                }
                _ => return None,
            }
        }
        None
    }

    /// The index just past the phrase when it starts at token `start`.
    pub(super) fn find(&self, tokens: &[Token], start: usize) -> Option<usize> {
        self.run(0, tokens, start, start)
    }

    fn run(&self, k: usize, tokens: &[Token], start: usize, i: usize) -> Option<usize> {
        let Some(step) = self.steps.get(k) else {
            return Some(i);
        };
        let next = |at: usize| self.run(k + 1, tokens, start, at);
        match step {
            Step::Word { atoms, optional } => {
                let here = reachable(tokens, start, i)
                    .then(|| first_match(atoms, tokens, i))
                    .flatten();
                here.and_then(next)
                    .or_else(|| optional.then(|| next(i)).flatten())
            }
            Step::Skip(most) => (0..=*most)
                .take_while(|&n| n == 0 || reachable(tokens, start, i + n - 1))
                .find_map(|n| next(i + n)),
            Step::Ahead { atoms, wanted } => {
                let seen = reachable(tokens, start, i) && first_match(atoms, tokens, i).is_some();
                (seen == *wanted).then(|| next(i)).flatten()
            }
            Step::NotAfter(atoms) => {
                let joined = i > 0 && tokens.get(i).is_some_and(|t| t.gap <= Gap::Clause);
                let after = joined && first_match(atoms, tokens, i - 1).is_some();
                (!after).then(|| next(i)).flatten()
            }
            Step::Label => tokens
                .get(i)
                .is_some_and(|t| t.label)
                .then(|| next(i))
                .flatten(),
            Step::End => tokens
                .get(i)
                .is_none_or(|t| t.gap == Gap::Sentence)
                .then(|| next(i))
                .flatten(),
        }
    }
}

/// Inside a phrase, a word must follow its predecessor with only a space between.
fn reachable(tokens: &[Token], start: usize, j: usize) -> bool {
    tokens
        .get(j)
        .is_some_and(|t| j == start || t.gap == Gap::Space)
}

fn first_match(atoms: &[Atom], tokens: &[Token], i: usize) -> Option<usize> {
    let token = tokens.get(i)?;
    atoms.iter().find_map(|atom| match *atom {
        Atom::Exact(w) => (token.word == w).then_some(i + 1),
        Atom::Inflected(base) => words::inflects(&token.word, base).then_some(i + 1),
        Atom::Class(class) => words::class_end(class, tokens, i),
    })
}

fn atom_words(atoms: &[Atom]) -> Option<Vec<String>> {
    let mut words = Vec::new();
    for atom in atoms {
        match *atom {
            Atom::Exact(w) => words.push(w.to_string()),
            Atom::Inflected(base) => words.extend(words::forms(base)),
            Atom::Class(class) => {
                words.extend(words::first_words(class)?.into_iter().map(String::from))
            }
        }
    }
    Some(words)
}

fn step(source: &'static str) -> Option<Step> {
    if let Some(n) = source.strip_prefix('~') {
        return n.parse().ok().map(Step::Skip);
    }
    match source {
        ":" => return Some(Step::Label),
        "$" => return Some(Step::End),
        _ => {}
    }
    if let Some(rest) = source.strip_prefix('>') {
        return atoms(rest).map(|atoms| Step::Ahead {
            atoms,
            wanted: true,
        });
    }
    if let Some(rest) = source.strip_prefix('!') {
        return atoms(rest).map(|atoms| Step::Ahead {
            atoms,
            wanted: false,
        });
    }
    if let Some(rest) = source.strip_prefix('^') {
        return atoms(rest).map(Step::NotAfter);
    }
    let (body, optional) = match source.strip_suffix('?') {
        Some(body) => (body, true),
        None => (source, false),
    };
    atoms(body).map(|atoms| Step::Word { atoms, optional })
}

fn atoms(source: &'static str) -> Option<Vec<Atom>> {
    source
        .split('|')
        .map(|atom| {
            if let Some(name) = atom.strip_prefix('$') {
                words::class(name).map(Atom::Class)
            } else if let Some(base) = atom.strip_suffix('+') {
                Some(Atom::Inflected(base))
            } else {
                (!atom.is_empty()).then_some(Atom::Exact(atom))
            }
        })
        .collect()
}
