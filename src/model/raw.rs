//! A raw secret value on its way from a scanner's output to the masker
//! (`ingest::mask`): never shown, never serialised, never printed by `Debug`.

#[derive(Clone, Default, PartialEq, Eq)]
pub struct RawValue(String);

impl RawValue {
    pub fn new(value: &str) -> Self {
        RawValue(value.to_string())
    }

    /// The value, for the masker only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for RawValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RawValue(…)")
    }
}
