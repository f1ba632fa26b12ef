//! Every text a value holds, reached by its type: the masker walks evidence
//! through this trait, so a field cannot be forgotten. Each record type lists
//! all of its fields by destructuring (no `..`): a field added without saying
//! how its text reads does not compile, and a field of a new type needs that
//! type to say what text it holds.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

/// How a text reads, which decides how much of it is masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// Free text written by someone (a commit message, a user agent, an error):
    /// anything that looks like a secret goes, besides the known values.
    Prose,
    /// An identifier, a name, an address or a path: the known values go,
    /// while an id that merely looks random stays (it is how records join).
    Name,
}

/// The visitor a walk hands each text to.
pub type Visit<'a> = dyn FnMut(&mut String, TextKind) + 'a;

/// A value whose texts can be walked, each once, mutably.
pub trait Texts {
    fn texts(&mut self, visit: &mut Visit<'_>);
}

/// Walk a field that holds free text: every string in it reads as prose.
pub fn prose<T: Texts + ?Sized>(value: &mut T, visit: &mut Visit<'_>) {
    value.texts(&mut |s: &mut String, _| visit(s, TextKind::Prose));
}

impl Texts for String {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        visit(self, TextKind::Name);
    }
}

impl<T: Texts> Texts for Option<T> {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        if let Some(v) = self {
            v.texts(visit);
        }
    }
}

impl<T: Texts> Texts for Vec<T> {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        self.iter_mut().for_each(|v| v.texts(visit));
    }
}

impl<T: Texts + ?Sized> Texts for Box<T> {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        (**self).texts(visit);
    }
}

impl<A: Texts, B: Texts> Texts for (A, B) {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        self.0.texts(visit);
        self.1.texts(visit);
    }
}

/// Keys are texts too (a commit id, `#12`): the map is rebuilt around the
/// walked keys. Two keys that a walk makes equal keep the first one's value
/// and the later values join nothing; for the maps evidence holds (commit ids,
/// pull numbers) that cannot happen, since masking leaves hex ids as they are.
impl<K: Texts + Ord, V: Texts> Texts for BTreeMap<K, V> {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        for (mut key, mut value) in std::mem::take(self) {
            key.texts(visit);
            value.texts(visit);
            self.entry(key).or_insert(value);
        }
    }
}

/// Walk each named field: `walk!(visit; a, b)` names, `walk!(visit; prose a)` free text.
macro_rules! walk {
    ($visit:expr; $($f:ident),* $(,)?) => {
        { $( $crate::model::Texts::texts($f, $visit); )* }
    };
    ($visit:expr; prose $($f:ident),* $(,)?) => {
        { $( $crate::model::texts::prose($f, $visit); )* }
    };
}
pub(crate) use walk;

/// Types that hold no text: numbers, times, flags and the closed enums.
macro_rules! no_text {
    ($($t:ty),* $(,)?) => {
        $(impl Texts for $t {
            fn texts(&mut self, _: &mut Visit<'_>) {}
        })*
    };
}

no_text!(
    bool,
    u32,
    u64,
    usize,
    i64,
    DateTime<Utc>,
    super::SourceKind,
    super::ChangeKind,
    super::GrantKind,
    super::Scope,
    super::Lifecycle,
    super::AdvisoryEffect,
    // Never shown or written; dropped once the evidence is masked.
    super::RawValue,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_is_walked_key_and_value_and_stays_sorted() {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        map.insert("b".into(), vec!["x".into()]);
        map.insert("a".into(), vec!["y".into(), "z".into()]);
        let mut seen = Vec::new();
        map.texts(&mut |s: &mut String, kind| {
            seen.push((s.clone(), kind));
            s.push('!');
        });
        assert_eq!(seen.len(), 5);
        assert_eq!(map.keys().cloned().collect::<Vec<_>>(), vec!["a!", "b!"]);
        assert_eq!(map["a!"], vec!["y!", "z!"]);
    }

    #[test]
    fn prose_marks_every_string_inside_as_prose() {
        let mut v = Some(vec![("k".to_string(), "v".to_string())]);
        let mut kinds = Vec::new();
        prose(&mut v, &mut |_: &mut String, kind| kinds.push(kind));
        assert_eq!(kinds, vec![TextKind::Prose, TextKind::Prose]);
    }
}
