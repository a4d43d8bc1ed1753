//! The model's shape: its modules import each other without circles, so each can be read
//! (and tested) from the leaves up. Reads the source, as a newcomer would.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The model module a source file belongs to (`src/model/playground/edits.rs` is `playground`).
fn module_of(relative: &Path) -> String {
    let first = relative
        .components()
        .next()
        .and_then(|component| component.as_os_str().to_str())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

/// The names a file takes from `crate::model::` (or `super::` in a direct child of the model):
/// `use super::{a, b::c}` gives `a` and `b`.
fn names_used(text: &str, super_is_model: bool) -> BTreeSet<String> {
    let mut prefixes = vec!["crate::model::"];
    if super_is_model {
        prefixes.push("super::");
    }
    let mut names = BTreeSet::new();
    for prefix in prefixes {
        for (at, _) in text.match_indices(prefix) {
            let rest = &text[at + prefix.len()..];
            let group = if let Some(inner) = rest.strip_prefix('{') {
                inner.split('}').next().unwrap_or_default()
            } else {
                rest
            };
            for item in group.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    names.insert(name);
                }
                if !rest.starts_with('{') {
                    break;
                }
            }
        }
    }
    names
}

fn files_under(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable source tree") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files_under(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn the_models_modules_import_each_other_without_circles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model");
    let mut files = Vec::new();
    files_under(&root, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|file| file.strip_prefix(&root).ok())
        .map(module_of)
        .filter(|module| module != "mod")
        .collect();
    // Items the model re-exports (`pub use action::{Action, ...}`) count as their module.
    let index = std::fs::read_to_string(root.join("mod.rs")).expect("src/model/mod.rs");
    let mut home: BTreeMap<String, String> = BTreeMap::new();
    for line in index.lines() {
        let Some(rest) = line.strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, items)) = rest.split_once("::") else {
            continue;
        };
        for item in items.trim_matches(|c| "{};".contains(c)).split(',') {
            home.insert(item.trim().to_string(), module.to_string());
        }
    }
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let relative = file.strip_prefix(&root).expect("under src/model");
        let module = module_of(relative);
        if module == "mod" {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("a source file");
        let direct_child = relative.components().count() == 1;
        for name in names_used(&text, direct_child) {
            let target = if modules.contains(&name) {
                name
            } else if let Some(module) = home.get(&name) {
                module.clone()
            } else {
                continue;
            };
            if target != module {
                imports.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    assert!(imports.len() > 8, "the graph was read: {imports:?}");
    // Depth-first search for a way back to where it started.
    fn circle(
        start: &str,
        at: &str,
        imports: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
    ) -> bool {
        for next in imports.get(at).into_iter().flatten() {
            if next == start {
                return true;
            }
            if !path.contains(next) {
                path.push(next.clone());
                if circle(start, next, imports, path) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    for module in imports.keys() {
        let mut path = vec![module.clone()];
        assert!(
            !circle(module, module, &imports, &mut path),
            "a module circle: {} -> {module}\n(imports: {imports:#?})",
            path.join(" -> ")
        );
    }
}
