//! Dependencies point inward only: a crate may depend on the workspace crates listed
//! for it here and on no other. Adding an edge means changing this table and
//! ARCHITECTURE.md together.

use std::path::Path;

const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("demo", &["linli-domain"]),
    ("testkit", &[]),
    ("analytics", &[]),
    ("delivery", &[]),
    ("store", &["linli-domain", "linli-testkit"]),
    (
        "app",
        &[
            "linli-domain",
            "linli-store",
            "linli-demo",
            "linli-analytics",
            "linli-delivery",
            "linli-testkit",
        ],
    ),
    ("web", &["linli-app", "linli-domain", "linli-store", "linli-testkit"]),
    (
        "cli",
        &[
            "linli-app",
            "linli-web",
            "linli-store",
            "linli-domain",
            "linli-analytics",
            "linli-testkit",
        ],
    ),
];

#[test]
fn workspace_dependencies_point_inward_only() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut seen = 0;
    for entry in std::fs::read_dir(&crates).expect("the crates folder") {
        let dir = entry.expect("a crate folder").path();
        let manifest = dir.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a folder name")
            .to_string();
        let allowed = ALLOWED
            .iter()
            .find(|(c, _)| *c == name)
            .unwrap_or_else(|| panic!("crates/{name} is new: add it to ALLOWED here and to ARCHITECTURE.md"))
            .1;
        for line in text.lines() {
            let dep = line.split(['=', '.', ' ']).next().unwrap_or("").trim();
            if dep.starts_with("linli-") && !line.starts_with("name") {
                assert!(
                    allowed.contains(&dep),
                    "crates/{name} depends on {dep}, which points the wrong way"
                );
            }
        }
        seen += 1;
    }
    assert_eq!(seen, ALLOWED.len(), "every crate was checked");
}
