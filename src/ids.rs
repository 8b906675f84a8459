//! Purpose: the id of every interactive element debrief puts in front of people: button
//! action ids, modal callback ids and shortcut callback ids. Features build their blocks
//! with these; `bot::interactions` routes on them; a test checks the lists are complete
//! and the shortcut matches manifest.yaml. Changing a value strands the buttons already
//! sitting in people's DMs, so values are never renamed, only added.

/// "Answer the survey" on the survey DM and its reminders.
pub const SURVEY_OPEN: &str = "survey_open";
/// "Don't remind me" on the survey DM.
pub const SURVEY_MUTE: &str = "survey_mute";
/// The survey modal.
pub const SURVEY_SUBMIT: &str = "survey_submit";
/// "Send" and "Edit participants" on the confirmation `/debrief survey` shows first.
pub const SURVEY_SEND: &str = "survey_send";
pub const SURVEY_EDIT_PARTICIPANTS: &str = "survey_edit_participants";

/// Check-in turn buttons.
pub const CHECKIN_SHARE: &str = "checkin_share";
pub const CHECKIN_PASS: &str = "checkin_pass";
pub const CHECKIN_SKIP: &str = "checkin_skip";
pub const CHECKIN_END: &str = "checkin_end";
/// The form Share opens: what the speaker wants to say, posted in the thread for them.
pub const CHECKIN_SHARE_SUBMIT: &str = "checkin_share_submit";
/// The small form `/debrief checkin` alone opens.
pub const CHECKIN_SUBMIT: &str = "checkin_submit";

/// The message shortcut "Anonymous observation" (declared in manifest.yaml).
pub const OBSERVE_SHORTCUT: &str = "observe_message";
/// The observation modal opened by the shortcut.
pub const OBSERVE_SUBMIT: &str = "observe_submit";
/// "Record it as written" after a blame nudge, and "For <review>" choices.
pub const OBSERVE_RECORD: &str = "observe_record";

/// One of several buttons of one kind in a block. Slack refuses a block whose buttons
/// share an action id, so each carries its place after its kind.
pub fn numbered(kind: &str, n: usize) -> String {
    format!("{kind}_{n}")
}

/// The kind of button an action id is, with any place number taken off.
pub fn kind_of(action_id: &str) -> &str {
    match action_id.rsplit_once('_') {
        Some((kind, n))
            if !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
                && ACTIONS.contains(&kind) =>
        {
            kind
        }
        _ => action_id,
    }
}

/// One of the "For <review>" choices after a DM observation.
pub fn observe_record_choice(n: usize) -> String {
    numbered(OBSERVE_RECORD, n)
}

/// Whether `action_id` records an observation: the single button, or one of the choices.
pub fn is_observe_record(action_id: &str) -> bool {
    kind_of(action_id) == OBSERVE_RECORD
}

/// App Home: "Open the latest agenda".
pub const AGENDA_OPEN_FROM_HOME: &str = "home_open_agenda";

/// Status buttons on an action item's message, in listings and in the App Home.
pub const ACTION_STATUS: &str = "action_status";
/// "Make this an action item" on a ranked counterfactual in the agenda.
pub const COUNTERFACTUAL_TO_ACTION: &str = "counterfactual_to_action";
/// The action item form (opened from a counterfactual).
pub const ACTION_SUBMIT: &str = "action_submit";
/// "Use <existing mode>" on a failure-mode suggestion.
pub const MODE_USE: &str = "mode_use";
/// "Mark the review done" on the agenda.
pub const REVIEW_DONE: &str = "review_done";

/// The counterfactual modal.
pub const COUNTERFACTUAL_SUBMIT: &str = "counterfactual_submit";
/// "Open the counterfactual form" under a root-cause nudge.
pub const COUNTERFACTUAL_OPEN: &str = "counterfactual_open";
/// "Rank" beside a condition proposed in the survey, in the facilitator's agenda.
pub const COUNTERFACTUAL_RANK: &str = "counterfactual_rank";
/// The incident modal.
pub const INCIDENT_SUBMIT: &str = "incident_submit";

/// "All commands" under the short help.
pub const HELP_ALL: &str = "help_all";
/// App Home: "Start a review".
pub const START_REVIEW: &str = "home_start_review";

/// "Delete" on `/debrief review delete`'s ephemeral, behind Slack's confirmation dialog.
pub const REVIEW_DELETE: &str = "review_delete";

/// The pulse DM's buttons: "Answer", "Don't remind me", "Don't send me pulses".
pub const PULSE_OPEN: &str = "pulse_open";
pub const PULSE_MUTE: &str = "pulse_mute";
pub const PULSE_OPT_OUT: &str = "pulse_opt_out";
/// The pulse form.
pub const PULSE_SUBMIT: &str = "pulse_submit";

/// "Write the summary" when a review is marked done, and its form.
pub const SUMMARY_OPEN: &str = "summary_open";
pub const SUMMARY_SUBMIT: &str = "summary_submit";

/// The review form (`/debrief review` with nothing after it).
pub const REVIEW_SUBMIT: &str = "review_submit";

/// The survey template form (`/debrief template`).
pub const TEMPLATE_SUBMIT: &str = "template_submit";

/// Every button action id, for the registry test.
pub const ACTIONS: &[&str] = &[
    SURVEY_OPEN,
    SURVEY_MUTE,
    SURVEY_SEND,
    SURVEY_EDIT_PARTICIPANTS,
    CHECKIN_SHARE,
    CHECKIN_PASS,
    CHECKIN_SKIP,
    CHECKIN_END,
    OBSERVE_RECORD,
    AGENDA_OPEN_FROM_HOME,
    COUNTERFACTUAL_OPEN,
    COUNTERFACTUAL_RANK,
    ACTION_STATUS,
    COUNTERFACTUAL_TO_ACTION,
    MODE_USE,
    REVIEW_DONE,
    HELP_ALL,
    START_REVIEW,
    REVIEW_DELETE,
    PULSE_OPEN,
    PULSE_MUTE,
    PULSE_OPT_OUT,
    SUMMARY_OPEN,
];
/// Every modal callback id, for the registry test.
pub const CALLBACKS: &[&str] = &[
    SURVEY_SUBMIT,
    INCIDENT_SUBMIT,
    OBSERVE_SUBMIT,
    COUNTERFACTUAL_SUBMIT,
    ACTION_SUBMIT,
    PULSE_SUBMIT,
    SUMMARY_SUBMIT,
    REVIEW_SUBMIT,
    CHECKIN_SHARE_SUBMIT,
    CHECKIN_SUBMIT,
    TEMPLATE_SUBMIT,
];
/// Every shortcut callback id (declared in manifest.yaml).
pub const SHORTCUTS: &[&str] = &[OBSERVE_SHORTCUT];
