//! Import circles between the modules of `src/`. A module (a file) depends on another when
//! its code names it: a `use crate::…`, `use super::…` or `use self::…` line, a path written
//! out in the code (`super::menu::Menu`), or a path through a name a `use` bound to a module
//! (`steps::authorize::start` after `use super::steps`). Comments, strings and character
//! literals are left out; `super` inside an inline module is that file. Code under
//! `#[cfg(test)]` (a `mod tests`, a test-only module file) is left out too: a unit test may
//! look at another part of the crate without making the parts depend on each other.
//!
//! The wizard must have none: `wizard::model` is the types every other part of the wizard
//! reads, and depends on nothing of the wizard but small modules that depend on nothing of
//! it either. The cycles elsewhere in `src/` are printed as information.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module → the modules it names (both by path, `a::b`; the crate root is `crate`).
type Graph = BTreeMap<String, BTreeSet<String>>;

const ROOT: &str = "crate";

/// The module path of a file under the source folder: `wizard/steps/mod.rs` is
/// `wizard::steps`, `lib.rs` the crate root. `main.rs` is another crate: `None`.
fn module_of(rel: &Path) -> Option<String> {
    let parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [only] if only == "lib" => Some(ROOT.to_string()),
        [only] if only == "main" => None,
        [dirs @ .., last] if last == "mod" => Some(dirs.join("::")),
        all => Some(all.join("::")),
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The code without comments, strings and character literals (each replaced by a space).
fn code_only(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < c.len() {
        let at = |k: usize| c.get(k).copied().unwrap_or('\0');
        if c[i] == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if (c[i] == 'r' || c[i] == 'b')
            && !at(i.wrapping_sub(1)).is_alphanumeric()
            && (at(i + 1) == '#' || at(i + 1) == '"' || (c[i] == 'b' && at(i + 1) == 'r'))
            && raw_string_end(&c, i).is_some()
        {
            i = raw_string_end(&c, i).unwrap_or(i + 1);
            out.push(' ');
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else if c[i] == '\'' {
            // A character literal ('x', '\n', '\u{7f}'), or a lifetime ('a).
            if at(i + 1) == '\\' {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push(' ');
            } else if at(i + 2) == '\'' {
                i += 3;
                out.push(' ');
            } else {
                out.push(c[i]);
                i += 1;
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// Where a raw string (`r"…"`, `r#"…"#`, `br"…"`) starting at `i` ends, if one does.
fn raw_string_end(c: &[char], mut i: usize) -> Option<usize> {
    if c.get(i) == Some(&'b') {
        i += 1;
    }
    if c.get(i) != Some(&'r') {
        // b"…" is an ordinary (byte) string: the caller's '"' branch would not see the b.
        return (c.get(i) == Some(&'"')).then(|| {
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            j + 1
        });
    }
    i += 1;
    let mut hashes = 0;
    while c.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    if c.get(i) != Some(&'"') {
        return None;
    }
    i += 1;
    while i < c.len() {
        if c[i] == '"' && (1..=hashes).all(|k| c.get(i + k) == Some(&'#')) {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    Some(c.len())
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Path,
    Open,
    Close,
    Comma,
    Semi,
    Star,
    Other(char),
}

fn tokens(code: &str) -> Vec<Tok> {
    let c: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            // r#type is the identifier `type`.
            if word == "r" && c.get(i) == Some(&'#') {
                i += 1;
                continue;
            }
            out.push(Tok::Ident(word));
            continue;
        }
        out.push(match ch {
            ':' if c.get(i + 1) == Some(&':') => {
                i += 1;
                Tok::Path
            }
            '{' => Tok::Open,
            '}' => Tok::Close,
            ',' => Tok::Comma,
            ';' => Tok::Semi,
            '*' => Tok::Star,
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            c => Tok::Other(c),
        });
        i += 1;
    }
    out
}

/// The paths a use tree names, flattened: `a::{b, c::{self as d}}` is `a::b` and `a::c`
/// (bound as `d`). Each path comes with the name it binds, if any.
fn use_paths(toks: &[Tok], i: &mut usize, prefix: &[String], out: &mut Vec<(Vec<String>, String)>) {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(*i) {
            Some(Tok::Ident(w)) => {
                *i += 1;
                if w == "as" {
                    if let Some(Tok::Ident(alias)) = toks.get(*i) {
                        *i += 1;
                        let target = if path.last().is_some_and(|l| l == "self") {
                            path[..path.len() - 1].to_vec()
                        } else {
                            path.clone()
                        };
                        out.push((target, alias.clone()));
                        path.clear();
                    }
                    continue;
                }
                path.push(w.clone());
            }
            Some(Tok::Path) => *i += 1,
            Some(Tok::Open) => {
                *i += 1;
                loop {
                    use_paths(toks, i, &path, out);
                    match toks.get(*i) {
                        Some(Tok::Comma) => *i += 1,
                        Some(Tok::Close) => {
                            *i += 1;
                            break;
                        }
                        _ => break,
                    }
                }
                return;
            }
            Some(Tok::Star) => {
                *i += 1;
                out.push((path.clone(), String::new()));
                return;
            }
            _ => {
                if path.len() > prefix.len() {
                    let (target, name) = if path.last().is_some_and(|l| l == "self") {
                        let t = path[..path.len() - 1].to_vec();
                        let n = t.last().cloned().unwrap_or_default();
                        (t, n)
                    } else {
                        (path.clone(), path.last().cloned().unwrap_or_default())
                    };
                    out.push((target, name));
                }
                return;
            }
        }
    }
}

/// Every module a file's code names, by module path.
struct Resolver<'a> {
    modules: &'a BTreeSet<String>,
}

impl Resolver<'_> {
    /// The absolute path of `path` written in module `here` (a path of segments, the root
    /// empty), given the names bound by `use` so far.
    fn absolute(
        &self,
        here: &[String],
        path: &[String],
        bound: &BTreeMap<String, Vec<String>>,
    ) -> Option<Vec<String>> {
        let first = path.first()?;
        let mut abs: Vec<String>;
        let mut rest = &path[1..];
        match first.as_str() {
            // The binary's modules (`src/cli/`) name the library by its name.
            "crate" | "xconnect" => abs = Vec::new(),
            "self" => abs = here.to_vec(),
            "super" => {
                abs = here.to_vec();
                abs.pop()?;
                while rest.first().is_some_and(|s| s == "super") {
                    abs.pop()?;
                    rest = &rest[1..];
                }
            }
            _ => {
                let mut child = here.to_vec();
                child.push(first.clone());
                if self.modules.contains(&child.join("::")) {
                    abs = child;
                } else if let Some(target) = bound.get(first) {
                    abs = target.clone();
                } else {
                    return None;
                }
            }
        }
        abs.extend(rest.iter().cloned());
        Some(abs)
    }

    /// The module (a file) a path lands in: its longest prefix that is one.
    fn module(&self, abs: &[String]) -> String {
        (0..=abs.len())
            .rev()
            .map(|n| abs[..n].join("::"))
            .find(|m| self.modules.contains(m))
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| ROOT.to_string())
    }
}

/// Whether `#[cfg(test)]` starts at `i`.
fn cfg_test_at(toks: &[Tok], i: usize) -> bool {
    matches!(
        toks.get(i..i + 7),
        Some([
            Tok::Other('#'),
            Tok::Other('['),
            Tok::Ident(cfg),
            Tok::Other('('),
            Tok::Ident(test),
            Tok::Other(')'),
            Tok::Other(']'),
        ]) if cfg == "cfg" && test == "test"
    )
}

/// Skips the item that starts at `i` (after its `#[cfg(test)]`): where it ends, and the name
/// of the module file it declares, if it is one (`mod tests;`).
fn skip_item(toks: &[Tok], mut i: usize) -> (usize, Option<String>) {
    // More attributes, and a visibility.
    while toks.get(i) == Some(&Tok::Other('#')) && toks.get(i + 1) == Some(&Tok::Other('[')) {
        let mut depth = 0;
        while let Some(t) = toks.get(i) {
            i += 1;
            match t {
                Tok::Other('[') => depth += 1,
                Tok::Other(']') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    if matches!(toks.get(i), Some(Tok::Ident(p)) if p == "pub") {
        i += 1;
        if toks.get(i) == Some(&Tok::Other('(')) {
            while toks.get(i).is_some_and(|t| *t != Tok::Other(')')) {
                i += 1;
            }
            i += 1;
        }
    }
    if let (Some(Tok::Ident(m)), Some(Tok::Ident(name)), Some(Tok::Semi)) =
        (toks.get(i), toks.get(i + 1), toks.get(i + 2))
    {
        if m == "mod" {
            return (i + 3, Some(name.clone()));
        }
    }
    let mut depth = 0;
    while let Some(t) = toks.get(i) {
        i += 1;
        match t {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            Tok::Semi if depth == 0 => break,
            _ => {}
        }
    }
    (i, None)
}

/// The module graph of the crate whose source folder is `src`.
fn graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let named: Vec<(String, PathBuf)> = files
        .into_iter()
        .filter_map(|f| {
            let rel = f.strip_prefix(src).expect("under src").to_path_buf();
            module_of(&rel).map(|m| (m, f))
        })
        .collect();
    let mut modules: BTreeSet<String> = named.iter().map(|(m, _)| m.clone()).collect();
    // The root is `crate`; as a prefix it is the empty path.
    modules.insert(String::new());
    let r = Resolver { modules: &modules };
    let mut g = Graph::new();
    let mut test_only: BTreeSet<String> = BTreeSet::new();
    for (module, file) in &named {
        let text = std::fs::read_to_string(file).expect("source file");
        let toks = tokens(&code_only(&text));
        let file_path: Vec<String> = if module == ROOT {
            Vec::new()
        } else {
            module.split("::").map(String::from).collect()
        };
        let deps = g.entry(module.clone()).or_default();
        let mut bound: BTreeMap<String, Vec<String>> = BTreeMap::new();
        // Inline modules: (name, the brace depth their body is at).
        let mut inline: Vec<(String, usize)> = Vec::new();
        let mut depth = 0usize;
        let mut i = 0;
        while i < toks.len() {
            let here: Vec<String> = file_path
                .iter()
                .cloned()
                .chain(inline.iter().map(|(n, _)| n.clone()))
                .collect();
            if cfg_test_at(&toks, i) {
                let (end, file) = skip_item(&toks, i + 7);
                if let Some(name) = file {
                    test_only.insert(
                        here.iter()
                            .chain([&name])
                            .cloned()
                            .collect::<Vec<_>>()
                            .join("::"),
                    );
                }
                i = end;
                continue;
            }
            match &toks[i] {
                Tok::Open => {
                    depth += 1;
                    i += 1;
                }
                Tok::Close => {
                    if inline.last().is_some_and(|(_, d)| *d == depth) {
                        inline.pop();
                    }
                    depth = depth.saturating_sub(1);
                    i += 1;
                }
                Tok::Ident(w) if w == "mod" => {
                    if let (Some(Tok::Ident(name)), Some(Tok::Open)) =
                        (toks.get(i + 1), toks.get(i + 2))
                    {
                        inline.push((name.clone(), depth + 1));
                    }
                    i += 1;
                }
                Tok::Ident(w) if w == "use" => {
                    i += 1;
                    let mut paths = Vec::new();
                    use_paths(&toks, &mut i, &[], &mut paths);
                    for (path, name) in paths {
                        if let Some(abs) = r.absolute(&here, &path, &bound) {
                            deps.insert(r.module(&abs));
                            if !name.is_empty() && name != "self" {
                                bound.insert(name, abs);
                            }
                        }
                    }
                }
                Tok::Ident(first) if toks.get(i + 1) == Some(&Tok::Path) => {
                    // A path written out: a::b::c.
                    let preceded_by_path = i > 0 && toks[i - 1] == Tok::Path;
                    let mut path = vec![first.clone()];
                    let mut j = i + 1;
                    while toks.get(j) == Some(&Tok::Path) {
                        match toks.get(j + 1) {
                            Some(Tok::Ident(w)) => {
                                path.push(w.clone());
                                j += 2;
                            }
                            _ => break,
                        }
                    }
                    if !preceded_by_path {
                        if let Some(abs) = r.absolute(&here, &path, &bound) {
                            deps.insert(r.module(&abs));
                        }
                    }
                    i = j.max(i + 1);
                }
                _ => i += 1,
            }
        }
        deps.remove(module);
    }
    // Test-only module files, and everything under them.
    let gone = |m: &str| {
        test_only
            .iter()
            .any(|t| m == t || m.starts_with(&format!("{t}::")))
    };
    g.retain(|m, _| !gone(m));
    for deps in g.values_mut() {
        deps.retain(|d| !gone(d));
    }
    g
}

/// The strongly connected parts of the graph with more than one module: each is one or more
/// circles. Tarjan's algorithm.
fn circles(g: &Graph) -> Vec<Vec<String>> {
    struct T<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        let g = t.g;
        for w in g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let l = t.low[v].min(t.low[w]);
                t.low.insert(v, l);
            } else if t.on.contains(w) {
                let l = t.low[v].min(t.index[w]);
                t.low.insert(v, l);
            }
        }
        if t.low[v] == t.index[v] {
            let mut part = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                part.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if part.len() > 1 {
                part.sort();
                t.out.push(part);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in g.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out.sort();
    t.out
}

/// One shortest circle through `from` inside `part`, as `a → b → a`.
fn one_circle(g: &Graph, part: &[String], from: &str) -> String {
    let inside: BTreeSet<&str> = part.iter().map(String::as_str).collect();
    let mut prev: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([from]);
    while let Some(v) = queue.pop_front() {
        for w in g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if w == from {
                let mut path = vec![from, v];
                let mut at = v;
                while let Some(p) = prev.get(at) {
                    path.push(p);
                    at = p;
                }
                path.reverse();
                path.push(from);
                path.dedup();
                return path.join(" → ");
            }
            if inside.contains(w) && !prev.contains_key(w) && w != from {
                prev.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    String::new()
}

/// The circles that touch the folder `under` (a module path such as `wizard`), in words.
fn report(g: &Graph, under: &str) -> Vec<String> {
    let inside = |m: &str| under.is_empty() || m == under || m.starts_with(&format!("{under}::"));
    circles(g)
        .into_iter()
        .filter(|part| part.iter().any(|m| inside(m)))
        .map(|part| {
            let start = part.iter().find(|m| inside(m)).cloned().unwrap_or_default();
            format!(
                "{} modules: {}\n    e.g. {}",
                part.len(),
                part.join(", "),
                one_circle(g, &part, &start)
            )
        })
        .collect()
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn the_wizard_has_no_import_circles() {
    let g = graph(&src());
    let found = report(&g, "wizard");
    println!("{} import circle(s) through src/wizard/", found.len());
    assert!(
        found.is_empty(),
        "import circles through src/wizard/:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_wizard_s_model_depends_on_nothing_of_the_wizard_that_depends_on_the_wizard() {
    let g = graph(&src());
    let wizard = |m: &str| m.starts_with("wizard::");
    let deps = &g["wizard::model"];
    for d in deps.iter().filter(|d| wizard(d)) {
        let theirs: Vec<&String> = g[d].iter().filter(|x| wizard(x)).collect();
        assert!(
            theirs.is_empty(),
            "wizard::model uses {d}, which uses {theirs:?}: model.rs should hold types only"
        );
    }
}

/// The rest of `src/` is being reshaped elsewhere: its circles are shown, not judged.
#[test]
fn the_circles_elsewhere_are_printed() {
    let g = graph(&src());
    let found = report(&g, "");
    let others: Vec<&String> = found.iter().filter(|c| !c.contains("wizard")).collect();
    println!("{} import circle(s) outside src/wizard/:", others.len());
    for c in others {
        println!("  {c}");
    }
}

/// No circle crosses from one part of the program to another (`commands`, `login`, `store`,
/// `profile`, `x`, `app`, `sandbox`…): a circle left is among the files of one folder, whose
/// parts use the types their `mod.rs` holds (and is printed above).
#[test]
fn no_import_circle_crosses_from_one_part_to_another() {
    let g = graph(&src());
    let crossing: Vec<String> = circles(&g)
        .into_iter()
        .filter(|part| {
            let top = |m: &String| m.split("::").next().unwrap_or_default().to_string();
            part.iter().map(top).collect::<BTreeSet<_>>().len() > 1
        })
        .map(|part| {
            let from = part[0].clone();
            format!(
                "{} modules: {}\n    e.g. {}",
                part.len(),
                part.join(", "),
                one_circle(&g, &part, &from)
            )
        })
        .collect();
    assert!(
        crossing.is_empty(),
        "import circles between parts of src/:\n{}",
        crossing.join("\n")
    );
}

/// The checker itself, on a small crate written here: it finds what it should, and nothing
/// that is not there.
#[test]
fn the_checker_finds_circles_and_only_circles() {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path();
    let write = |rel: &str, text: &str| {
        let p = src.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n");
    write(
        "a/mod.rs",
        "pub mod leaf;\npub mod user;\n// use crate::c; (a comment)\nconst S: &str = \"crate::c::X\";\n\
         pub fn f() { user::go(); let r = r#\"super::c\"#; let q = '{'; }\n",
    );
    write("a/leaf.rs", "pub struct T;\n");
    write("a/user.rs", "use super::leaf::T;\npub fn go() {}\n");
    write(
        "b.rs",
        "use crate::{a::{self as first}, c};\npub fn g() { first::f(); }\n\
         #[cfg(test)]\nmod tests { use super::*; use crate::c; }\n",
    );
    write(
        "c.rs",
        "pub fn h() { super::b::g(); }\n#[cfg(test)]\n#[allow(unused)]\nmod t { use crate::a::user; }\n\
         #[cfg(test)]\nmod checks;\n",
    );
    write("c/checks.rs", "use crate::a::user;\n");
    let g = graph(src);
    assert_eq!(
        g["a"],
        BTreeSet::from(["a::user".to_string()]),
        "comments and strings name nothing"
    );
    assert_eq!(g["a::user"], BTreeSet::from(["a::leaf".to_string()]));
    assert_eq!(
        g["b"],
        BTreeSet::from(["a".to_string(), "c".to_string()]),
        "{g:?}"
    );
    assert_eq!(
        g["c"],
        BTreeSet::from(["b".to_string()]),
        "code under #[cfg(test)] is left out"
    );
    assert!(!g.contains_key("c::checks"), "a test-only file too");
    assert_eq!(circles(&g), vec![vec!["b".to_string(), "c".to_string()]]);
    assert!(report(&g, "a").is_empty());
    let found = report(&g, "c");
    assert_eq!(found.len(), 1);
    assert!(found[0].contains("c → b → c"), "{found:?}");
}
