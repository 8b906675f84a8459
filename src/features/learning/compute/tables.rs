//! Purpose: the lookup tables the index is built from: tags interned to dense ids, and each
//! incident's tags by incident id, as items inherit them. Both sit on the hot path of half a
//! million items, so they avoid hashing where ids allow it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use super::super::adapters::normalize_tag;

/// Normalised tags to dense ids, so sections can index arrays instead of hashing strings.
#[derive(Default)]
pub(super) struct Interner<'a> {
    ids: HashMap<Cow<'a, str>, u32>,
    names: Vec<Cow<'a, str>>,
}

impl<'a> Interner<'a> {
    /// The id of a raw tag; `None` when it normalises to nothing.
    pub fn intern(&mut self, raw: &'a str) -> Option<u32> {
        let tag = normalize_tag(raw);
        if tag.is_empty() {
            return None;
        }
        if let Some(&id) = self.ids.get(tag.as_ref()) {
            return Some(id);
        }
        let id = self.names.len() as u32;
        self.names.push(tag.clone());
        self.ids.insert(tag, id);
        Some(id)
    }

    /// The id of an already normalised tag.
    pub fn get(&self, tag: &str) -> Option<u32> {
        self.ids.get(tag).copied()
    }

    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }
}

/// One incident's tags, packed: `mode == NONE` for none.
#[derive(Clone, Copy)]
struct Packed {
    start: u32,
    end: u32,
    mode: u32,
}

const NONE: u32 = u32::MAX;
const ABSENT: Packed = Packed {
    start: NONE,
    end: NONE,
    mode: NONE,
};

/// Incident id → (its services' range in the tag lists, its mode). Store ids are usually
/// dense, so a flat array indexed by id replaces a hash map: items look their incident up in
/// random order, and the array is several times smaller, so far fewer lookups miss the cache.
pub(super) struct IncidentTags(Table);

enum Table {
    Dense { first: i64, tags: Vec<Packed> },
    Sparse(HashMap<i64, Packed>),
}

impl IncidentTags {
    pub fn new(incidents: impl ExactSizeIterator<Item = (i64, Range<u32>, Option<u32>)>) -> Self {
        let entries: Vec<(i64, Packed)> = incidents
            .map(|(id, services, mode)| {
                let mode = mode.unwrap_or(NONE);
                (
                    id,
                    Packed {
                        start: services.start,
                        end: services.end,
                        mode,
                    },
                )
            })
            .collect();
        let (Some(first), Some(last)) = (
            entries.iter().map(|e| e.0).min(),
            entries.iter().map(|e| e.0).max(),
        ) else {
            return IncidentTags(Table::Sparse(HashMap::new()));
        };
        // Dense when the id range is at most four times the count (plus slack for tiny sets).
        let span = last.abs_diff(first);
        if span > 4 * entries.len() as u64 + 1024 {
            return IncidentTags(Table::Sparse(entries.into_iter().collect()));
        }
        let mut tags = vec![ABSENT; span as usize + 1];
        for (id, packed) in entries {
            tags[(id - first) as usize] = packed;
        }
        IncidentTags(Table::Dense { first, tags })
    }

    pub fn get(&self, id: i64) -> Option<(Range<u32>, Option<u32>)> {
        let packed = match &self.0 {
            Table::Dense { first, tags } => {
                let offset = usize::try_from(id.checked_sub(*first)?).ok()?;
                *tags.get(offset)?
            }
            Table::Sparse(map) => *map.get(&id)?,
        };
        (packed.start != NONE).then(|| {
            (
                packed.start..packed.end,
                (packed.mode != NONE).then_some(packed.mode),
            )
        })
    }
}
