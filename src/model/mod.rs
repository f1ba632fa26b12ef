//! Plain data shared by every layer: what ingest produces (`Evidence`) and what
//! correlate derives from it (`Case`). No I/O, no behaviour beyond small helpers.

mod advisory;
mod alert;
mod annotations;
mod audit;
mod case;
mod changes;
mod evidence;
mod forge;
mod inputs;
mod people;
mod raw;
mod reach;
pub mod texts;

pub use advisory::*;
pub use alert::*;
pub use annotations::*;
pub use audit::*;
pub use case::*;
pub use changes::*;
pub use evidence::*;
pub use forge::*;
pub use inputs::*;
pub use people::*;
pub use raw::RawValue;
pub use reach::*;
pub use texts::{TextKind, Texts, Visit};
