//! Plain data shared by every layer: what ingest produces (`Evidence`) and what
//! correlate derives from it (`Case`). No I/O, no behaviour beyond small helpers.

mod alert;
mod case;
mod evidence;
mod forge;
mod raw;

pub use alert::*;
pub use case::*;
pub use evidence::*;
pub use forge::*;
pub use raw::RawValue;
