//! `api --jq EXPR`: a jq filter run on each answer (each page), as `gh api --jq` does, with
//! jaq (a jq in Rust): no jq binary needed. A string result is printed as its text; any
//! other result as compact JSON; one result a line.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{data, unwrap_valr, Compiler, Ctx, Vars};
use jaq_json::Val;

use super::{exit, Failure};

/// A filter, compiled once.
pub struct Jq {
    filter: jaq_core::Filter<data::JustLut<Val>>,
}

impl Jq {
    /// Compiles `code`; a filter that does not parse or names an unknown function is a usage
    /// error (exit 2) that quotes jaq's reason.
    pub fn compile(code: &str) -> Result<Jq, Failure> {
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let loader = Loader::new(defs);
        let arena = Arena::default();
        let bad = |what: String| {
            Failure::new(
                exit::USAGE,
                format!("--jq {}: {what}", crate::text::escape(code, 200)),
            )
        };
        let modules = loader
            .load(&arena, File { code, path: () })
            .map_err(|errs| bad(format!("not a jq filter ({} error(s) in it)", errs.len())))?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errs| {
                let names: Vec<String> = errs
                    .iter()
                    .flat_map(|(_, es)| es.iter().map(|(name, _)| name.to_string()))
                    .collect();
                bad(format!("unknown name(s): {}", names.join(", ")))
            })?;
        Ok(Jq { filter })
    }

    /// The filter's results for one JSON answer, one line each. An answer that is not JSON,
    /// or a filter that fails on it (`.[0]` of an object), is an error that says so.
    pub fn run(&self, json: &[u8]) -> Result<Vec<String>, Failure> {
        let input = jaq_json::read::parse_single(json).map_err(|e| {
            Failure::new(exit::FAILURE, format!("--jq: X's answer is not JSON ({e})"))
        })?;
        let ctx = Ctx::<data::JustLut<Val>>::new(&self.filter.lut, Vars::new([]));
        let mut lines = Vec::new();
        for out in self.filter.id.run((ctx, input)).map(unwrap_valr) {
            let v = out.map_err(|e| Failure::new(exit::FAILURE, format!("--jq: {e}")))?;
            lines.push(match &v {
                Val::TStr(b) => String::from_utf8_lossy(b).into_owned(),
                other => other.to_string(),
            });
        }
        Ok(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_come_out_as_text_and_the_rest_as_compact_json() {
        let jq = Jq::compile(".data[] | .text, {id}").expect("compiles");
        let lines = jq
            .run(br#"{"data":[{"id":"1","text":"hello \"x\""},{"id":"2","text":"b"}]}"#)
            .expect("runs");
        assert_eq!(
            lines,
            ["hello \"x\"", r#"{"id":"1"}"#, "b", r#"{"id":"2"}"#]
        );
    }

    #[test]
    fn the_standard_library_is_there() {
        let jq = Jq::compile("[.data[].id] | map(tonumber) | add").expect("compiles");
        assert_eq!(
            jq.run(br#"{"data":[{"id":"1"},{"id":"2"}]}"#)
                .expect("runs"),
            ["3"]
        );
    }

    #[test]
    fn a_bad_filter_is_a_usage_error_and_a_failing_one_says_why() {
        let e = Jq::compile(".data[").err().expect("refused");
        assert_eq!(e.code, exit::USAGE);
        assert!(e.message.contains("not a jq filter"), "{}", e.message);
        let e = Jq::compile("nosuchfunction(1)").err().expect("refused");
        assert!(e.message.contains("nosuchfunction"), "{}", e.message);
        let jq = Jq::compile(".a | keys").expect("compiles");
        assert!(jq.run(br#"{"a":1}"#).is_err());
        assert!(Jq::compile(".").expect("compiles").run(b"<html>").is_err());
    }
}
