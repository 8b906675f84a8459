//! The Slack app manifest, the command registry and the migrations agree with each other.

use std::collections::BTreeSet;
use std::path::Path;

use debrief::bot::commands::{SLASH, SUBCOMMANDS};

fn manifest() -> serde_json::Value {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("manifest.yaml"))
        .unwrap();
    serde_norway::from_str(&text).expect("manifest.yaml is YAML")
}

#[test]
fn every_declared_slash_command_exists_in_the_parser_and_the_reverse() {
    let manifest = manifest();
    let declared: BTreeSet<String> = manifest["features"]["slash_commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(declared, BTreeSet::from([SLASH.to_string()]));
    let command = &manifest["features"]["slash_commands"][0];
    assert_eq!(
        command["should_escape"], true,
        "mentions must arrive escaped"
    );
    // The usage hint names every subcommand (first word), and nothing the parser lacks.
    let hint = command["usage_hint"].as_str().unwrap();
    let hinted: BTreeSet<&str> = hint
        .split(['|', ' '])
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect();
    let known: BTreeSet<&str> = SUBCOMMANDS
        .iter()
        .map(|s| s.name.split(' ').next().unwrap())
        .collect();
    assert_eq!(hinted, known, "usage_hint {hint:?}");
}

#[test]
fn every_declared_shortcut_has_a_handler_and_the_reverse() {
    let manifest = manifest();
    let declared: BTreeSet<String> = manifest["features"]["shortcuts"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|s| s["callback_id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    let handled: BTreeSet<String> = debrief::ids::SHORTCUTS
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(declared, handled);
}

#[test]
fn interactive_ids_are_unique_and_within_slacks_limits() {
    let mut seen = BTreeSet::new();
    for id in debrief::ids::ACTIONS
        .iter()
        .chain(debrief::ids::CALLBACKS)
        .chain(debrief::ids::SHORTCUTS)
    {
        assert!(seen.insert(*id), "{id} is used twice");
        assert!(id.len() <= 255);
    }
}

#[test]
fn subscribed_events_need_only_the_declared_scopes() {
    let manifest = manifest();
    let scopes: BTreeSet<&str> = manifest["oauth_config"]["scopes"]["bot"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]
        .as_array()
        .unwrap()
    {
        let needed = match event.as_str().unwrap() {
            "message.channels" => Some("channels:history"),
            "message.groups" => Some("groups:history"),
            "message.im" => Some("im:history"),
            "app_mention" => Some("app_mentions:read"),
            "app_home_opened" | "app_uninstalled" | "tokens_revoked" => None,
            other => panic!("{other} is subscribed but not handled"),
        };
        if let Some(scope) = needed {
            assert!(scopes.contains(scope), "{event} needs {scope}");
        }
    }
}

#[test]
fn request_urls_point_at_the_routes_the_service_serves() {
    let manifest = manifest();
    let path_of = |url: &serde_json::Value| {
        url.as_str()
            .unwrap()
            .split(".example.com")
            .nth(1)
            .unwrap()
            .to_string()
    };
    assert_eq!(
        path_of(&manifest["features"]["slash_commands"][0]["url"]),
        "/slack/commands"
    );
    assert_eq!(
        path_of(&manifest["settings"]["event_subscriptions"]["request_url"]),
        "/slack/events"
    );
    assert_eq!(
        path_of(&manifest["settings"]["interactivity"]["request_url"]),
        "/slack/interactions"
    );
}

#[test]
fn bot_scopes_are_exactly_the_ones_used() {
    let manifest = manifest();
    let scopes: BTreeSet<&str> = manifest["oauth_config"]["scopes"]["bot"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        scopes,
        debrief::slack::REQUIRED_BOT_SCOPES
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
    );
}

#[test]
fn the_manifest_is_valid_against_slacks_schema() {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/slack-reference/manifest-schema/schemas/manifest.schema.1.0.0.json");
    let Ok(schema_text) = std::fs::read_to_string(&schema_path) else {
        eprintln!(
            "SKIPPED LOUDLY: {} is absent; the manifest was not validated against Slack's schema",
            schema_path.display()
        );
        return;
    };
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::draft7::new(&schema).expect("Slack's schema compiles");
    let manifest = manifest();
    let errors: Vec<String> = validator
        .iter_errors(&manifest)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator really checks: a broken copy fails.
    let mut broken = manifest.clone();
    broken["features"]["slash_commands"][0]["command"] = "debrief".into();
    broken["features"]["bot_usr"] = serde_json::json!({});
    assert!(validator.iter_errors(&broken).count() >= 2);
}

#[test]
fn both_migration_folders_hold_the_same_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let names = |dir: &str| -> BTreeSet<String> {
        std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
}
