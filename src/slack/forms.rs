//! Purpose: modal inputs and reading them back. Each input block has one element whose
//! action id is "value", so a submission is read by block id alone.

use std::collections::HashMap;

use slack_morphism::prelude::*;

use super::blocks::{limits, truncate_words};

/// The action id every input element uses.
const VALUE: &str = "value";

/// A plain-text input; `max_chars` is enforced by Slack's client and again on submit.
pub fn text_input(
    block_id: &str,
    label: &str,
    initial: Option<&str>,
    multiline: bool,
    optional: bool,
    max_chars: usize,
) -> SlackBlock {
    let mut element = SlackBlockPlainTextInputElement::new()
        .with_action_id(VALUE.into())
        .with_multiline(multiline)
        .with_max_length(max_chars.min(limits::INPUT_TEXT) as u64);
    if let Some(text) = initial.filter(|t| !t.is_empty()) {
        element = element.with_initial_value(text.to_string());
    }
    SlackInputBlock::new(pt!(truncate_words(label, 2000)), element.into())
        .with_block_id(block_id.into())
        .with_optional(optional)
        .into()
}

/// A whole-number input between `min` and `max`. Slack's client checks the bounds as the
/// person types; the submission is checked again, since a payload can say anything.
pub fn number_input(
    block_id: &str,
    label: &str,
    initial: Option<&str>,
    optional: bool,
    min: u32,
    max: u32,
) -> SlackBlock {
    let mut element = SlackBlockNumberInputElement::new(false)
        .with_action_id(VALUE.into())
        .with_min_value(min.to_string())
        .with_max_value(max.to_string());
    if let Some(value) = initial.filter(|v| !v.is_empty()) {
        element = element.with_initial_value(value.to_string());
    }
    SlackInputBlock::new(pt!(truncate_words(label, 2000)), element.into())
        .with_block_id(block_id.into())
        .with_optional(optional)
        .into()
}

/// Radio buttons: `(value, label)` pairs.
pub fn radio_input(
    block_id: &str,
    label: &str,
    options: &[(&str, &str)],
    initial: Option<&str>,
    optional: bool,
) -> SlackBlock {
    let choices: Vec<SlackBlockChoiceItem<SlackBlockText>> = options
        .iter()
        .map(|(value, text)| SlackBlockChoiceItem::new(pt!(*text), value.to_string()))
        .collect();
    let mut element =
        SlackBlockRadioButtonsElement::new(choices.clone()).with_action_id(VALUE.into());
    if let Some(chosen) = initial.and_then(|i| choices.iter().find(|c| c.value == i)) {
        element = element.with_initial_option(chosen.clone());
    }
    SlackInputBlock::new(pt!(label), element.into())
        .with_block_id(block_id.into())
        .with_optional(optional)
        .into()
}

/// A date and time picker (Slack shows it on the person's own clock); `initial` in unix
/// seconds.
pub fn datetime_input(
    block_id: &str,
    label: &str,
    initial: Option<i64>,
    optional: bool,
) -> SlackBlock {
    let mut element = SlackBlockDateTimePickerElement::new().with_action_id(VALUE.into());
    // Unix seconds, as Slack sends them; read through serde to avoid a second clock crate.
    if let Some(at) = initial.and_then(|s| serde_json::from_value(serde_json::json!(s)).ok()) {
        element = element.with_initial_date_time(at);
    }
    SlackInputBlock::new(pt!(truncate_words(label, 2000)), element.into())
        .with_block_id(block_id.into())
        .with_optional(optional)
        .into()
}

/// A picker of several people, pre-filled with `initial`.
pub fn users_input(block_id: &str, label: &str, initial: &[String], optional: bool) -> SlackBlock {
    let mut element = SlackBlockMultiUsersSelectElement::new().with_action_id(VALUE.into());
    if !initial.is_empty() {
        element = element.with_initial_users(initial.to_vec());
    }
    SlackInputBlock::new(pt!(truncate_words(label, 2000)), element.into())
        .with_block_id(block_id.into())
        .with_optional(optional)
        .into()
}

/// A drop-down of `(value, label)` pairs.
pub fn select_input(
    block_id: &str,
    label: &str,
    options: &[(&str, &str)],
    initial: Option<&str>,
    optional: bool,
) -> SlackBlock {
    let choices: Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> = options
        .iter()
        .map(|(value, text)| SlackBlockChoiceItem::new(pt!(*text), value.to_string()))
        .collect();
    let mut element = SlackBlockStaticSelectElement::new()
        .with_action_id(VALUE.into())
        .with_options(choices.clone());
    if let Some(chosen) = initial.and_then(|i| choices.iter().find(|c| c.value == i)) {
        element = element.with_initial_option(chosen.clone());
    }
    SlackInputBlock::new(pt!(label), element.into())
        .with_block_id(block_id.into())
        .with_optional(optional)
        .into()
}

/// A person picker; `initial` is a user id.
pub fn user_input(
    block_id: &str,
    label: &str,
    initial: Option<&str>,
    optional: bool,
) -> SlackBlock {
    let mut element = SlackBlockUsersSelectElement::new().with_action_id(VALUE.into());
    if let Some(user) = initial {
        element = element.with_initial_user(user.to_string());
    }
    SlackInputBlock::new(pt!(label), element.into())
        .with_block_id(block_id.into())
        .with_optional(optional)
        .into()
}

/// A modal with a title, submit and close label (each cut to Slack's 24 characters).
pub fn modal(
    title: &str,
    submit: &str,
    callback_id: &str,
    private_metadata: &str,
    blocks: Vec<SlackBlock>,
) -> SlackView {
    SlackView::Modal(
        SlackModalView::new(pt!(truncate_words(title, limits::VIEW_TITLE)), blocks)
            .with_submit(pt!(truncate_words(submit, limits::VIEW_TITLE)))
            .with_close(pt!("Cancel"))
            .with_callback_id(callback_id.into())
            .with_private_metadata(private_metadata.to_string()),
    )
}

/// A modal with only a message and a Close button.
pub fn notice(title: &str, text: &str) -> SlackView {
    SlackView::Modal(
        SlackModalView::new(
            pt!(truncate_words(title, limits::VIEW_TITLE)),
            vec![super::blocks::section(text)],
        )
        .with_close(pt!("Close")),
    )
}

/// The values of a submitted modal, by block id.
#[derive(Debug, Clone, Default)]
pub struct FormValues(HashMap<String, SlackViewStateValue>);

impl FormValues {
    pub fn from_view(view: &SlackStatefulView) -> Self {
        let mut values = HashMap::new();
        if let Some(state) = &view.state_params.state {
            for (block, actions) in &state.values {
                if let Some(value) = actions.values().next() {
                    values.insert(block.to_string(), value.clone());
                }
            }
        }
        Self(values)
    }

    /// Trimmed text of a text input; `None` when empty.
    pub fn text(&self, block_id: &str) -> Option<String> {
        self.0
            .get(block_id)
            .and_then(|v| v.value.as_deref())
            .map(super::blocks::storable)
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
    }

    /// The person chosen in a user picker.
    pub fn user(&self, block_id: &str) -> Option<String> {
        self.0
            .get(block_id)
            .and_then(|v| v.selected_user.as_ref())
            .map(|u| u.to_string())
    }

    /// A date and time picker's choice, in unix seconds.
    pub fn date_time(&self, block_id: &str) -> Option<i64> {
        let chosen = self.0.get(block_id)?.selected_date_time.as_ref()?;
        serde_json::to_value(chosen).ok()?.as_i64()
    }

    /// The people chosen in a multi-person picker (`None` when the block is absent).
    pub fn users(&self, block_id: &str) -> Option<Vec<String>> {
        self.0.get(block_id).map(|v| {
            v.selected_users
                .iter()
                .flatten()
                .map(|u| u.to_string())
                .collect()
        })
    }

    /// The chosen option's value of a radio or select input.
    pub fn selected(&self, block_id: &str) -> Option<String> {
        self.0
            .get(block_id)
            .and_then(|v| v.selected_option.as_ref())
            .map(|o| o.value.clone())
    }
}
