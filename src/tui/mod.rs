//! The TUI.
use crate::session::Session;

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("terminal: {0}")]
    Io(#[from] std::io::Error),
}

pub fn run(_s: Session) -> Result<(), TuiError> {
    Ok(())
}
