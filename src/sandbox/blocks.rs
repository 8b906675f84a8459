//! Purpose: Slack's Block Kit and view limits, checked the way Slack checks them
//! (`invalid_blocks`, `invalid_arguments`), and a readable rendering for transcripts.

use serde_json::Value;

/// A readable one-line-per-block rendering of a message, for transcripts.
pub fn readable(text: &str, blocks: &Value) -> String {
    let Some(list) = blocks.as_array() else {
        return text.to_string();
    };
    let mut lines = Vec::new();
    for block in list {
        match block["type"].as_str().unwrap_or("") {
            "section" | "header" => {
                if let Some(t) = block["text"]["text"].as_str() {
                    lines.push(t.to_string());
                }
                for field in block["fields"].as_array().into_iter().flatten() {
                    if let Some(t) = field["text"].as_str() {
                        lines.push(t.to_string());
                    }
                }
            }
            "context" => {
                let parts: Vec<&str> = block["elements"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["text"].as_str())
                    .collect();
                if !parts.is_empty() {
                    lines.push(parts.join(" "));
                }
            }
            "actions" => {
                let buttons: Vec<String> = block["elements"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["text"]["text"].as_str())
                    .map(|t| format!("[{t}]"))
                    .collect();
                lines.push(buttons.join(" "));
            }
            "divider" => lines.push("---".into()),
            _ => {}
        }
    }
    if lines.is_empty() {
        text.to_string()
    } else {
        lines.join("\n")
    }
}

/// Checks blocks against Slack's documented limits; `invalid_blocks` like Slack when not.
pub fn validate_blocks(blocks: &[Value], max_blocks: usize) -> Result<(), String> {
    if blocks.len() > max_blocks {
        return Err("invalid_blocks".into());
    }
    for block in blocks {
        let kind = block["type"].as_str().ok_or("invalid_blocks")?;
        let text_len = block["text"]["text"]
            .as_str()
            .map_or(0, |t| t.chars().count());
        let too_long = match kind {
            "section" => text_len > 3000,
            "header" => text_len > 150 || block["text"]["type"] != "plain_text",
            _ => false,
        };
        if too_long {
            return Err("invalid_blocks".into());
        }
        if block["block_id"].as_str().is_some_and(|id| id.len() > 255) {
            return Err("invalid_blocks".into());
        }
        // Slack refuses a block whose interactive elements share an action id.
        let mut action_ids = std::collections::HashSet::new();
        for element in block["elements"].as_array().into_iter().flatten() {
            if let Some(id) = element["action_id"].as_str()
                && !action_ids.insert(id)
            {
                return Err("invalid_blocks".into());
            }
            if element["type"] == "button" {
                let label = element["text"]["text"]
                    .as_str()
                    .map_or(0, |t| t.chars().count());
                let value = element["value"].as_str().map_or(0, str::len);
                if label > 75
                    || value > 2000
                    || element["action_id"].as_str().is_some_and(|a| a.len() > 255)
                {
                    return Err("invalid_blocks".into());
                }
                // A confirmation dialog: plain-text title (100), text (300), and the two
                // buttons' labels (30 each), all required.
                let confirm = &element["confirm"];
                if !confirm.is_null() {
                    let within = |key: &str, max: usize| {
                        confirm[key]["text"]
                            .as_str()
                            .is_some_and(|t| !t.is_empty() && t.chars().count() <= max)
                    };
                    if !(within("title", 100)
                        && within("text", 300)
                        && within("confirm", 30)
                        && within("deny", 30)
                        && confirm["title"]["type"] == "plain_text")
                    {
                        return Err("invalid_blocks".into());
                    }
                }
            }
        }
    }
    Ok(())
}

/// Checks a modal or Home view against Slack's view limits.
pub fn validate_view(view: &Value) -> Result<(), String> {
    let blocks = view["blocks"].as_array().ok_or("invalid_arguments")?;
    validate_blocks(blocks, 100).map_err(|_| "invalid_arguments".to_string())?;
    if view["type"] == "modal" {
        for key in ["title", "submit", "close"] {
            if view[key]["text"]
                .as_str()
                .is_some_and(|t| t.chars().count() > 24)
            {
                return Err("invalid_arguments".into());
            }
        }
        if view["title"]["text"].as_str().is_none() {
            return Err("invalid_arguments".into());
        }
        let has_input = blocks.iter().any(|b| b["type"] == "input");
        if has_input && view["submit"].is_null() {
            return Err("invalid_arguments".into());
        }
        for block in blocks.iter().filter(|b| b["type"] == "input") {
            if block["element"]["max_length"]
                .as_u64()
                .is_some_and(|m| m > 3000)
            {
                return Err("invalid_arguments".into());
            }
        }
    }
    if view["private_metadata"]
        .as_str()
        .is_some_and(|m| m.len() > 3000)
    {
        return Err("invalid_arguments".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn oversized_views_are_refused_like_slack() {
        let long_title = json!({ "type": "modal", "title": { "type": "plain_text", "text": "x".repeat(25) }, "blocks": [] });
        assert_eq!(validate_view(&long_title), Err("invalid_arguments".into()));
        let many: Vec<Value> = (0..51).map(|_| json!({ "type": "divider" })).collect();
        assert_eq!(validate_blocks(&many, 50), Err("invalid_blocks".into()));
    }
}
