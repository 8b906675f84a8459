//! The crate is layered: every `crate::…` path in `src/` points down the list below.
//! Reading the source tree (not the compiled crate) lets the failure name the file and line.
//!
//! `cargo test --test api layers -- --nocapture` prints the module graph it checked, one
//! line per module with the modules it names; every line names only modules printed above it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Top-level modules from the bottom layer up. A module may name itself and any module
/// before it, never one after it.
const LAYERS: &[&[&str]] = &[
    // Infrastructure: knows nothing of features.
    &["config", "clock", "error", "domain", "workspace"],
    &["charts"],
    &["telemetry", "pseudonym"],
    &["store"],
    &["metrics"],
    &["slack"],
    &["sandbox"],
    // The kit every feature shares.
    &["grammar", "ids", "request"],
    &["app"],
    &["queue"],
    &["outbox"],
    // One module per feature.
    &["features"],
    // Dispatch: the only code that names every feature.
    &["bot"],
    // The edge: transports, the job engine, start-up and the demo.
    &["jobs", "http", "socket_mode"],
    &["startup"],
    &["cli"],
    &["demo"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The module path of a file relative to `src/`: `store/jobs.rs` → [store, jobs],
/// `store/mod.rs` → [store], `lib.rs` → [].
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The source with comments and string literals blanked out (line breaks kept), so a
/// path mentioned in a doc comment or a message is not mistaken for an import.
fn code_only(source: &str) -> String {
    let bytes: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < bytes.len() && bytes[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            while i + 1 < bytes.len() && !(bytes[i] == '*' && bytes[i + 1] == '/') {
                out.push(if bytes[i] == '\n' { '\n' } else { ' ' });
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && is_raw_start(&bytes, i) {
            let hashes = bytes[i + 1..].iter().take_while(|&&h| h == '#').count();
            i += 2 + hashes;
            let closing: String = std::iter::once('"')
                .chain("#".repeat(hashes).chars())
                .collect();
            let closing: Vec<char> = closing.chars().collect();
            while i < bytes.len() && !bytes[i..].starts_with(&closing) {
                out.push(if bytes[i] == '\n' { '\n' } else { ' ' });
                i += 1;
            }
            i += closing.len();
        } else if c == '"' {
            i += 1;
            while i < bytes.len() && bytes[i] != '"' {
                if bytes[i] == '\\' {
                    i += 1;
                }
                out.push(if bytes.get(i) == Some(&'\n') {
                    '\n'
                } else {
                    ' '
                });
                i += 1;
            }
            i += 1;
        } else if c == '\'' && next.is_some() && bytes.get(i + 2) == Some(&'\'') {
            // A char literal such as '"' must not open a string.
            i += 3;
        } else if c == '\'' && next == Some('\\') {
            while i < bytes.len() && !(bytes[i] == '\'' && i > 0 && bytes[i - 1] != '\\') {
                i += 1;
            }
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_raw_start(bytes: &[char], i: usize) -> bool {
    let before_is_ident = i > 0 && (bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_');
    let hashes = bytes[i + 1..].iter().take_while(|&&h| h == '#').count();
    !before_is_ident && bytes.get(i + 1 + hashes) == Some(&'"')
}

/// What `code` names after `prefix` (1-based line numbers): `prefix x`, and each name in
/// `prefix{x, y::z}`.
fn names_after(code: &str, prefix: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (index, line) in code.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find(prefix) {
            let after = &rest[at + prefix.len()..];
            match after.strip_prefix('{') {
                Some(group) => {
                    let group = group.split('}').next().unwrap_or_default();
                    for item in group.split(',') {
                        found.push((index + 1, first_ident(item.trim())));
                    }
                }
                None => found.push((index + 1, first_ident(after))),
            }
            rest = after;
        }
    }
    found.retain(|(_, name)| !name.is_empty() && name != "self");
    found
}

/// Top-level modules named from `code`: `crate::` paths, and `super::` runs that climb
/// out of the file's own top module (`super::super::x` from `features/survey` is `crate::x`).
fn named_modules(code: &str, own: &[String]) -> Vec<(usize, String)> {
    let mut found = names_after(code, "crate::");
    for (index, line) in code.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("super::") {
            let mut after = &rest[at..];
            let mut climbs = 0;
            while let Some(next) = after.strip_prefix("super::") {
                climbs += 1;
                after = next;
            }
            if climbs >= own.len() {
                found.push((index + 1, first_ident(after)));
            }
            rest = after;
        }
    }
    found.retain(|(_, name)| !name.is_empty() && name != "self");
    found.sort();
    found
}

fn first_ident(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn every_import_in_src_points_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    let mut unknown = BTreeSet::new();
    for file in rust_files(&src) {
        let relative = file.strip_prefix(&src).unwrap();
        let path = module_path(relative);
        let Some(own) = path.first() else { continue };
        let Some(own_layer) = layer_of(own) else {
            unknown.insert(own.clone());
            continue;
        };
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        for (line, target) in named_modules(&code, &path) {
            if &target == own || target == "user_error" {
                continue;
            }
            match layer_of(&target) {
                Some(layer) if layer < own_layer => {}
                Some(_) => violations.push(format!(
                    "src/{}:{line}: `{own}` names `{target}`, which is not below it",
                    relative.display()
                )),
                None => {
                    unknown.insert(target);
                }
            }
        }
    }
    print_graph(&src);
    assert!(
        unknown.is_empty(),
        "modules missing from LAYERS: {unknown:?}"
    );
    assert!(violations.is_empty(), "\n{}\n", violations.join("\n"));
}

/// Prints each top-level module, bottom layer first, with the modules it names.
fn print_graph(src: &Path) {
    let mut edges: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for file in rust_files(src) {
        let path = module_path(file.strip_prefix(src).unwrap());
        let Some(own) = path.first() else { continue };
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        let named = edges.entry(own.clone()).or_default();
        named.extend(
            named_modules(&code, &path)
                .into_iter()
                .map(|(_, name)| name)
                .filter(|name| name != own && layer_of(name).is_some()),
        );
    }
    for module in LAYERS.iter().flat_map(|layer| layer.iter()) {
        let named = edges.get(*module).cloned().unwrap_or_default();
        let named: Vec<String> = named.into_iter().collect();
        println!("{module:>12} -> {}", named.join(", "));
    }
}

#[test]
fn only_bot_names_every_feature() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let features: BTreeSet<String> = std::fs::read_dir(src.join("features"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .filter(|name| name != "mod")
        .collect();
    let mut dispatchers = Vec::new();
    for file in rust_files(&src) {
        let relative = file.strip_prefix(&src).unwrap();
        if relative.starts_with("bot") {
            continue;
        }
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        let named: BTreeSet<String> = names_after(&code, "features::")
            .into_iter()
            .map(|(_, name)| name)
            .filter(|name| features.contains(name))
            .collect();
        // A file naming half the features is a dispatcher outside `bot`.
        if named.len() * 2 >= features.len() {
            dispatchers.push(format!("src/{}: names {named:?}", relative.display()));
        }
    }
    assert!(
        dispatchers.is_empty(),
        "only src/bot dispatches to the features:\n{}",
        dispatchers.join("\n")
    );
}

#[test]
fn the_layer_reader_sees_through_comments_strings_and_groups() {
    let code = code_only(
        "use crate::{app::AppState, store};\n// crate::bot\nlet s = \"crate::jobs\";\nlet r = r#\"crate::http\"#;\nsuper::super::queue::x();\n",
    );
    let found = named_modules(&code, &["features".into(), "survey".into()]);
    let names: Vec<&str> = found.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["app", "store", "queue"]);
    assert_eq!(found[2].0, 5, "line numbers are kept");
}
