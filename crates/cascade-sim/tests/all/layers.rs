//! The core's modules form layers (see "Modules, bottom up" in the crate docs): each module
//! imports only from the layers below its own, so there are no import circles. This reads the
//! sources and checks every `crate::` path outside comments, unit tests included.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// Bottom up, as in the crate docs. A module's sub-modules (`engine/*`, `scenario/*`) count as
/// the module.
const LAYERS: &[&[&str]] = &[
    &["time", "ids", "rng", "arena", "vocabulary"],
    &["distribution", "breaker", "queue", "metrics"],
    &["policy", "trace"],
    &["scenario", "policy_presets"],
    &["engine", "swarm"],
    &["presets"],
    &["stories"],
    &["fixtures"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// Every source file of the crate but `lib.rs`, with the top-level module it belongs to.
fn sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut pending = vec![src.clone()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).expect("src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path.strip_prefix(&src).expect("under src");
            let first = relative.iter().next().expect("a file name");
            let module = first.to_string_lossy().trim_end_matches(".rs").to_string();
            if module != "lib" && path.extension().is_some_and(|ending| ending == "rs") {
                let text = fs::read_to_string(&path).expect("a source file is text");
                files.push((module, text));
            }
        }
    }
    files
}

/// The modules a source names as `crate::module`, outside comments.
fn imports(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        for (at, _) in code.match_indices("crate::") {
            let name: String = code[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

#[test]
fn every_module_imports_only_from_the_layers_below_it() {
    let mut problems = Vec::new();
    let mut modules = BTreeSet::new();
    for (module, text) in sources() {
        modules.insert(module.clone());
        let Some(own) = layer_of(&module) else {
            problems.push(format!(
                "{module} is in no layer: add it to LAYERS and the crate docs"
            ));
            continue;
        };
        for imported in imports(&text) {
            match layer_of(&imported) {
                _ if imported == module => {}
                Some(layer) if layer < own => {}
                Some(_) => problems.push(format!(
                    "{module} (layer {}) imports {imported}, which is not below it",
                    own + 1
                )),
                None => problems.push(format!(
                    "{module} names crate::{imported}: import items from their module"
                )),
            }
        }
    }
    for layer in LAYERS {
        for module in *layer {
            if !modules.contains(*module) {
                problems.push(format!("LAYERS lists {module}, which has no source"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
