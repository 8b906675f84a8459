//! Purpose: errors, split by who reads them.
//!
//! * [`UserError`]: the person in Slack made a mistake they can fix. Shown to them as an
//!   ephemeral sentence that says what to do next; the HTTP answer is still 200.
//! * [`Error::Form`]: a modal field failed validation; Slack shows it under the field
//!   (`response_action: errors`) and the person's text stays in the modal.
//! * [`Error::Internal`]: our fault. Logged once with a reference; the person sees the
//!   reference and is told nothing they typed was lost.

use std::collections::BTreeMap;

/// A mistake the user can fix; its text is shown as-is, so write a whole sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

/// Field errors for a modal, keyed by the input block's `block_id`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, block_id: impl Into<String>, message: impl Into<String>) {
        self.0
            .entry(block_id.into())
            .or_insert_with(|| message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    User(#[from] UserError),
    #[error("the form has {} field error(s)", .0.0.len())]
    Form(FieldErrors),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// A form error with one message, under the input block `block_id`.
    pub fn on_field(block_id: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(block_id, message);
        Error::Form(errors)
    }

    /// A user mistake found by the path a form shares with its typed command, moved next
    /// to `block_id` so the form stays open with what was chosen; other errors unchanged.
    pub fn shown_at(self, block_id: &str) -> Self {
        match self {
            Error::User(UserError(message)) => Error::on_field(block_id, message),
            other => other,
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        Error::Internal(err.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Returns early with a [`UserError`] built like `format!`.
#[macro_export]
macro_rules! user_error {
    ($($arg:tt)*) => {
        return Err($crate::error::Error::User($crate::error::UserError(format!($($arg)*))))
    };
}

/// A short random reference that ties what the user sees to the log line.
pub fn new_reference() -> String {
    use rand::RngExt;
    let n: u32 = rand::rng().random();
    format!("{n:08x}")
}

/// What a person sees when we failed them.
pub fn internal_error_text(reference: &str) -> String {
    format!(
        "Something went wrong on debrief's side (reference `{reference}`), so this was not done. Please try again in a minute."
    )
}
