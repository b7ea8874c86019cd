//! [`Rule`]: a parsed werkzeug URL rule, and matching a path against it.

use std::collections::HashSet;

use crate::converter::Converter;
use crate::error::RuleError;

/// A rule variable: `<converter(args):name>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Variable {
    /// The name; the handler parameter it binds to.
    pub name: String,
    /// How it matches.
    pub converter: Converter,
}

/// A piece of a rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    /// Text that must appear as is.
    Static(String),
    /// A variable.
    Variable(Variable),
}

/// A parsed werkzeug URL rule such as `/get/<int:value>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    source: String,
    parts: Vec<Part>,
}

/// The order in which rules are tried against a path; lower first. See [`Rule::weight`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Weight(Vec<SegmentWeight>);

/// One segment's place, werkzeug's `Weighting` with static segments first.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct SegmentWeight {
    /// 0: static text only; 1: with variables.
    dynamic: u8,
    /// Minus the number of static pieces: more static text first.
    static_count: isize,
    /// (position, minus length) of each static piece: longer pieces first.
    statics: Vec<(usize, isize)>,
    /// Minus the number of variables.
    variable_count: isize,
    /// The converters' weights: lower first.
    variables: Vec<u16>,
}

impl SegmentWeight {
    fn of(parts: &[&Part]) -> Self {
        let mut w = SegmentWeight {
            dynamic: 0,
            static_count: 0,
            statics: Vec::new(),
            variable_count: 0,
            variables: Vec::new(),
        };
        for (i, part) in parts.iter().enumerate() {
            match part {
                Part::Static(text) => {
                    let len = isize::try_from(text.chars().count()).unwrap_or(isize::MAX);
                    w.statics.push((i, -len));
                }
                Part::Variable(v) => {
                    w.dynamic = 1;
                    w.variables.push(v.converter.weight());
                }
            }
        }
        w.static_count = -isize::try_from(w.statics.len()).unwrap_or(isize::MAX);
        w.variable_count = -isize::try_from(w.variables.len()).unwrap_or(isize::MAX);
        w
    }
}

fn is_ident(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Rule {
    /// Parses a rule.
    ///
    /// Errors: no leading `/`, a `<` that does not open a well-formed variable, an empty
    /// or non-identifier name, a name used twice, an unknown converter, arguments the
    /// converter does not accept.
    pub fn parse(rule: &str) -> Result<Rule, RuleError> {
        if !rule.starts_with('/') {
            return Err(RuleError::NoLeadingSlash);
        }
        let mut parts = Vec::new();
        let mut names = HashSet::new();
        let mut rest = rule;
        let mut offset = 0;
        while !rest.is_empty() {
            let Some(lt) = rest.find('<') else {
                parts.push(Part::Static(rest.to_owned()));
                break;
            };
            if lt > 0 {
                parts.push(Part::Static(rest[..lt].to_owned()));
            }
            let at = offset + lt;
            let var = &rest[lt + 1..];
            let malformed = |len: usize| RuleError::Malformed {
                at,
                text: rule[at..(at + len).min(rule.len())].to_owned(),
            };
            let gt = var.find('>');
            let open = var.find('(');
            // `<conv(args):name>`: the arguments end at the first `)` after `(`, as in
            // werkzeug's pattern, so they may hold `>` or `:` inside quotes.
            let args_form = match open {
                Some(o) => gt.is_none_or(|g| o < g) && !var[..o].contains(':'),
                None => false,
            };
            let (converter_name, args, name, consumed) =
                if let (true, Some(open)) = (args_form, open) {
                    let Some(close) = var[open..].find(')').map(|c| open + c) else {
                        return Err(malformed(var.len() + 1));
                    };
                    let after = &var[close + 1..];
                    let Some(after) = after.strip_prefix(':') else {
                        return Err(malformed(close + 2));
                    };
                    let Some(end) = after.find('>') else {
                        return Err(malformed(var.len() + 1));
                    };
                    let name = &after[..end];
                    (
                        Some(&var[..open]),
                        Some(&var[open + 1..close]),
                        name,
                        1 + close + 2 + end + 1,
                    )
                } else {
                    let Some(gt) = gt else {
                        return Err(malformed(var.len() + 1));
                    };
                    let inner = &var[..gt];
                    if inner.contains('<') {
                        return Err(malformed(gt + 2));
                    }
                    match inner.split_once(':') {
                        Some((conv, name)) => (Some(conv), None, name, gt + 2),
                        None => (None, None, inner, gt + 2),
                    }
                };
            if let Some(conv) = converter_name
                && !is_ident(conv)
            {
                return Err(if conv.is_empty() {
                    malformed(consumed)
                } else {
                    RuleError::UnknownConverter {
                        converter: conv.to_owned(),
                    }
                });
            }
            if name.is_empty() {
                return Err(RuleError::EmptyName { at });
            }
            if !is_ident(name) {
                return Err(RuleError::InvalidName {
                    name: name.to_owned(),
                });
            }
            let converter = Converter::from_parts(converter_name.unwrap_or("default"), args)?;
            if !names.insert(name.to_owned()) {
                return Err(RuleError::DuplicateVariable {
                    name: name.to_owned(),
                });
            }
            parts.push(Part::Variable(Variable {
                name: name.to_owned(),
                converter,
            }));
            offset = at + consumed;
            rest = &rule[offset..];
        }
        Ok(Rule {
            source: rule.to_owned(),
            parts,
        })
    }

    /// The rule as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The variables, in order.
    pub fn variables(&self) -> impl Iterator<Item = &Variable> {
        self.parts.iter().filter_map(|p| match p {
            Part::Variable(v) => Some(v),
            Part::Static(_) => None,
        })
    }

    /// The variable named `name`.
    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables().find(|v| v.name == name)
    }

    /// Whether the rule has no variables.
    pub fn is_static(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Static(_)))
    }

    /// Whether the rule ends with `/` (werkzeug redirects the path without it, see
    /// [`match_path`](Self::match_path)).
    pub fn has_trailing_slash(&self) -> bool {
        self.source.ends_with('/')
    }

    /// The rule's place in werkzeug's order: rules are tried from the lowest weight up,
    /// and the first that matches wins. As werkzeug's state machine, segment by segment
    /// (split at `/`): a segment of static text comes before one with variables; among
    /// segments with variables, the one with more static pieces, then longer ones, then
    /// more variables, then lower converter weights (`int`/`float` 50,
    /// `string`/`uuid`/`any` 100, `path` 200) comes first. From a `path` variable on,
    /// the rest of the rule counts as one segment, so `/<path:p>/edit` comes before
    /// `/<path:p>`. Rules of equal weight keep the order in which they were added (sort
    /// stably).
    pub fn weight(&self) -> Weight {
        // Split the parts into segments at every `/` of the static text.
        let mut pieces: Vec<Part> = Vec::new();
        for part in &self.parts {
            match part {
                Part::Static(text) => {
                    for (i, piece) in text.split('/').enumerate() {
                        if i > 0 {
                            pieces.push(Part::Static("/".to_owned()));
                        }
                        if !piece.is_empty() {
                            pieces.push(Part::Static(piece.to_owned()));
                        }
                    }
                }
                Part::Variable(_) => pieces.push(part.clone()),
            }
        }
        let mut weights = Vec::new();
        let mut segment: Vec<&Part> = Vec::new();
        let mut started = false;
        let mut iter = pieces.iter();
        while let Some(piece) = iter.next() {
            match piece {
                Part::Static(t) if t == "/" => {
                    if started {
                        weights.push(SegmentWeight::of(&segment));
                    }
                    segment.clear();
                    started = true;
                }
                Part::Variable(v) if v.converter.spans_segments() => {
                    // the rest of the rule, slashes and all, is one segment
                    segment.push(piece);
                    segment.extend(
                        iter.by_ref()
                            .filter(|p| !matches!(p, Part::Static(t) if t == "/")),
                    );
                    break;
                }
                _ => {
                    segment.push(piece);
                    started = true;
                }
            }
        }
        if started {
            weights.push(SegmentWeight::of(&segment));
        }
        Weight(weights)
    }

    /// Matches a (percent-decoded) path against the rule. On a match, returns each
    /// variable's name and the piece of the path it matched, in rule order.
    ///
    /// Variables other than `path` match greedily within one segment; `path` matches as
    /// little as lets the rest of the rule match, as werkzeug's patterns do. A value of the
    /// right shape that its converter does not accept (`min`, `max`, `fixed_digits`) makes
    /// the rule not match, as werkzeug's `ValidationError` does.
    pub fn match_path<'p>(&self, path: &'p str) -> Option<Vec<(&str, &'p str)>> {
        let mut values = Vec::new();
        let mut search = Search {
            failed: HashSet::new(),
            budget: MATCH_BUDGET,
        };
        if !match_parts(&self.parts, 0, path, 0, &mut values, &mut search) {
            return None;
        }
        let vars: Vec<&Variable> = self.variables().collect();
        if vars.len() != values.len() {
            return None;
        }
        let mut out = Vec::with_capacity(vars.len());
        for (var, value) in vars.into_iter().zip(values.into_iter().rev()) {
            if !var.converter.accepts(value) {
                return None;
            }
            out.push((var.name.as_str(), value));
        }
        Some(out)
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

impl std::str::FromStr for Rule {
    type Err = RuleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rule::parse(s)
    }
}

/// How many candidate values one match may try. Rules whose variables are separated by
/// static text decide any path in far fewer steps; only rules with adjacent variables
/// (`/<a><b>`) against long, ambiguous paths reach it, and such a path does not match.
const MATCH_BUDGET: usize = 10_000;

struct Search {
    /// (part, position) pairs known not to match.
    failed: HashSet<(usize, usize)>,
    /// Candidate values left to try.
    budget: usize,
}

/// Backtracking match of `parts[i..]` against `path[pos..]`. Values are pushed in reverse
/// order on success. `search.failed` remembers (part, position) pairs that cannot match,
/// and `search.budget` bounds the work whatever the path.
fn match_parts<'p>(
    parts: &[Part],
    i: usize,
    path: &'p str,
    pos: usize,
    values: &mut Vec<&'p str>,
    search: &mut Search,
) -> bool {
    let Some(part) = parts.get(i) else {
        return pos == path.len();
    };
    if search.failed.contains(&(i, pos)) {
        return false;
    }
    let rest = &path[pos..];
    let ok = match part {
        Part::Static(text) => {
            rest.starts_with(text.as_str())
                && match_parts(parts, i + 1, path, pos + text.len(), values, search)
        }
        Part::Variable(var) => {
            let conv = &var.converter;
            // Where the value may end: within this segment, or anywhere for `path`.
            let limit = if conv.spans_segments() {
                rest.len()
            } else {
                rest.find('/').unwrap_or(rest.len())
            };
            // A following static part must come right after the value.
            let next_static = match parts.get(i + 1) {
                Some(Part::Static(t)) => Some(t.as_str()),
                _ => None,
            };
            let candidate = |end: usize| {
                rest.is_char_boundary(end)
                    && next_static.is_none_or(|t| rest[end..].starts_with(t))
                    && (next_static.is_some() || i + 1 < parts.len() || end == rest.len())
            };
            let mut try_end = |end: usize, values: &mut Vec<&'p str>| {
                if search.budget == 0 {
                    return false;
                }
                search.budget -= 1;
                candidate(end)
                    && conv.matches_shape(&rest[..end])
                    && match_parts(parts, i + 1, path, pos + end, values, search)
                    && {
                        values.push(&rest[..end]);
                        true
                    }
            };
            if conv.spans_segments() {
                (0..=limit).any(|end| try_end(end, values))
            } else {
                (0..=limit).rev().any(|end| try_end(end, values))
            }
        }
    };
    if !ok {
        search.failed.insert((i, pos));
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(s: &str) -> Rule {
        Rule::parse(s).unwrap()
    }

    fn m<'p>(r: &Rule, path: &'p str) -> Option<Vec<(String, &'p str)>> {
        r.match_path(path)
            .map(|v| v.into_iter().map(|(n, x)| (n.to_owned(), x)).collect())
    }

    fn vals<'p>(r: &Rule, path: &'p str) -> Option<Vec<&'p str>> {
        r.match_path(path)
            .map(|v| v.into_iter().map(|(_, x)| x).collect())
    }

    #[test]
    fn parses_parts() {
        let r = rule("/get/<int:value>");
        assert_eq!(r.as_str(), "/get/<int:value>");
        assert_eq!(r.to_string(), "/get/<int:value>");
        assert_eq!(
            r.parts(),
            &[
                Part::Static("/get/".into()),
                Part::Variable(Variable {
                    name: "value".into(),
                    converter: Converter::from_parts("int", None).unwrap()
                })
            ]
        );
        let r = rule("/a/<name>/b/<path:rest>");
        let names: Vec<_> = r
            .variables()
            .map(|v| (v.name.as_str(), v.converter.name()))
            .collect();
        assert_eq!(names, [("name", "string"), ("rest", "path")]);
        assert!(rule("/").is_static() && rule("/post").is_static());
        assert!(!r.is_static());
        assert_eq!(r.variable("rest").unwrap().converter, Converter::Path);
        assert!(r.variable("nope").is_none());
        let r = rule("/t/<int(signed=True):n>/<string(length=2):s>/<any(a, 'b,c'):k>");
        let convs: Vec<_> = r.variables().map(|v| v.converter.clone()).collect();
        assert!(matches!(convs[0], Converter::Int { signed: true, .. }));
        assert!(matches!(
            convs[1],
            Converter::String {
                length: Some(2),
                ..
            }
        ));
        assert_eq!(convs[2], Converter::Any(vec!["a".into(), "b,c".into()]));
        let r = rule("/f/<name>.<ext>");
        assert_eq!(r.variables().count(), 2);
        assert_eq!(rule("/x>y").parts(), &[Part::Static("/x>y".into())]);
        assert_eq!("/p/<p>".parse::<Rule>().unwrap().variables().count(), 1);
    }

    #[test]
    fn parse_errors() {
        let err = |s: &str| Rule::parse(s).unwrap_err();
        assert_eq!(err("get"), RuleError::NoLeadingSlash);
        assert_eq!(err(""), RuleError::NoLeadingSlash);
        assert!(matches!(
            err("/a/<int:x"),
            RuleError::Malformed { at: 3, .. }
        ));
        assert!(matches!(err("/a/<"), RuleError::Malformed { .. }));
        assert!(matches!(err("/a/<x<y>"), RuleError::Malformed { .. }));
        assert!(matches!(
            err("/a/<int(min=1:x>"),
            RuleError::Malformed { .. }
        ));
        assert!(matches!(
            err("/a/<int(min=1)x>"),
            RuleError::Malformed { .. }
        ));
        assert!(matches!(err("/a/<:x>"), RuleError::Malformed { .. }));
        assert_eq!(err("/a/<>"), RuleError::EmptyName { at: 3 });
        assert_eq!(err("/a/<int:>"), RuleError::EmptyName { at: 3 });
        assert_eq!(err("/a/<1x>"), RuleError::InvalidName { name: "1x".into() });
        assert_eq!(
            err("/a/<x y>"),
            RuleError::InvalidName { name: "x y".into() }
        );
        assert_eq!(
            err("/<a>/<int:a>"),
            RuleError::DuplicateVariable { name: "a".into() }
        );
        assert_eq!(
            err("/<integer:a>"),
            RuleError::UnknownConverter {
                converter: "integer".into()
            }
        );
        assert_eq!(
            err("/<my-conv:a>"),
            RuleError::UnknownConverter {
                converter: "my-conv".into()
            }
        );
        assert!(matches!(
            err("/<int(signed=1):a>"),
            RuleError::BadArguments {
                converter: "int",
                ..
            }
        ));
        let msg = err("/<int:x").to_string();
        assert!(
            msg.starts_with("malformed variable at byte 1: `<int:x`"),
            "{msg}"
        );
        assert_eq!(
            err("x").to_string(),
            "URL rules must start with a leading slash `/`"
        );
        assert_eq!(err("/<a>/<a>").to_string(), "variable name `a` used twice");
    }

    #[test]
    fn static_match() {
        let r = rule("/post");
        assert_eq!(m(&r, "/post"), Some(vec![]));
        assert_eq!(m(&r, "/post/"), None);
        assert_eq!(m(&r, "/pos"), None);
        assert_eq!(m(&r, "/posts"), None);
        let r = rule("/");
        assert_eq!(m(&r, "/"), Some(vec![]));
        assert_eq!(m(&r, ""), None);
    }

    #[test]
    fn converters_match() {
        let r = rule("/get/<int:value>");
        assert_eq!(m(&r, "/get/42"), Some(vec![("value".into(), "42")]));
        assert_eq!(m(&r, "/get/abc"), None);
        assert_eq!(m(&r, "/get/-1"), None);
        assert_eq!(m(&r, "/get/"), None);
        assert_eq!(m(&r, "/get/4/2"), None);
        let r = rule("/n/<int(signed=True):n>");
        assert_eq!(vals(&r, "/n/-17"), Some(vec!["-17"]));
        let r = rule("/f/<float:x>");
        assert_eq!(vals(&r, "/f/1.5"), Some(vec!["1.5"]));
        assert_eq!(vals(&r, "/f/1"), None);
        let r = rule("/f/<float(signed=True):x>");
        assert_eq!(vals(&r, "/f/-0.25"), Some(vec!["-0.25"]));
        let r = rule("/u/<uuid:u>");
        assert_eq!(
            vals(&r, "/u/a0b1c2d3-e4f5-6789-abcd-ef0123456789"),
            Some(vec!["a0b1c2d3-e4f5-6789-abcd-ef0123456789"])
        );
        assert_eq!(vals(&r, "/u/nope"), None);
        let r = rule("/files/<path:p>");
        assert_eq!(vals(&r, "/files/a/b/c.txt"), Some(vec!["a/b/c.txt"]));
        assert_eq!(vals(&r, "/files/"), None);
        assert_eq!(vals(&r, "/files//a"), None);
        let r = rule("/s/<name>");
        assert_eq!(vals(&r, "/s/hellø wörld"), Some(vec!["hellø wörld"]));
        assert_eq!(vals(&r, "/s/a/b"), None);
        let r = rule("/k/<any(about, help):page>");
        assert_eq!(vals(&r, "/k/help"), Some(vec!["help"]));
        assert_eq!(vals(&r, "/k/other"), None);
        let r = rule("/r/<int(min=1, max=9):n>");
        assert_eq!(vals(&r, "/r/5"), Some(vec!["5"]));
        assert_eq!(vals(&r, "/r/10"), None);
        let r = rule("/l/<string(length=2):s>");
        assert_eq!(vals(&r, "/l/ab"), Some(vec!["ab"]));
        assert_eq!(vals(&r, "/l/abc"), None);
    }

    #[test]
    fn several_variables() {
        let r = rule("/f/<name>.<ext>");
        assert_eq!(
            vals(&r, "/f/archive.tar.gz"),
            Some(vec!["archive.tar", "gz"])
        );
        let r = rule("/<path:p>/edit");
        assert_eq!(vals(&r, "/a/b/edit"), Some(vec!["a/b"]));
        assert_eq!(vals(&r, "/a/edit/edit"), Some(vec!["a/edit"]));
        assert_eq!(vals(&r, "/edit"), None);
        let r = rule("/<a>/<int:b>/<path:c>");
        assert_eq!(
            m(&r, "/x/7/y/z"),
            Some(vec![
                ("a".into(), "x"),
                ("b".into(), "7"),
                ("c".into(), "y/z")
            ])
        );
        let r = rule("/<a><b>");
        assert_eq!(vals(&r, "/xyz"), Some(vec!["xy", "z"]));
        let r = rule("/<path:a>/<path:b>");
        assert_eq!(vals(&r, "/1/2/3"), Some(vec!["1", "2/3"]));
    }

    #[test]
    fn adversarial_paths_stay_cheap() {
        let r = rule("/<a>-<b>-<c>-<d>x");
        let long = format!("/{}", "-".repeat(3000));
        let start = std::time::Instant::now();
        assert_eq!(vals(&r, &long), None);
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
        let r = rule("/<path:a>/<path:b>/<path:c>/z");
        let long = format!("/{}", "a/".repeat(400));
        assert_eq!(vals(&r, &long), None);
    }

    #[test]
    fn order() {
        let mut rules: Vec<Rule> = [
            "/<path:p>",
            "/a/<name>",
            "/a/<int:n>",
            "/a/b",
            "/<x>/b",
            "/a",
            "/a/<name>/c",
        ]
        .iter()
        .map(|s| rule(s))
        .collect();
        rules.sort_by_key(Rule::weight);
        let order: Vec<&str> = rules.iter().map(Rule::as_str).collect();
        assert_eq!(
            order,
            [
                "/a",
                "/a/b",
                "/a/<int:n>",
                "/a/<name>",
                "/a/<name>/c",
                "/<x>/b",
                "/<path:p>"
            ]
        );
        let first = |path: &str| {
            rules
                .iter()
                .find(|r| r.match_path(path).is_some())
                .map(Rule::as_str)
        };
        assert_eq!(first("/a/b"), Some("/a/b"));
        assert_eq!(first("/a/5"), Some("/a/<int:n>"));
        assert_eq!(first("/a/x"), Some("/a/<name>"));
        assert_eq!(first("/q/b"), Some("/<x>/b"));
        assert_eq!(first("/q/r/s"), Some("/<path:p>"));
        assert!(rule("/x/").has_trailing_slash() && !rule("/x").has_trailing_slash());
    }

    /// The routing example of werkzeug's own test suite (`test_path`).
    #[test]
    fn werkzeug_order() {
        let sources = [
            ("/", "page_front"),
            ("/Special", "special"),
            ("/<int:year>", "year"),
            ("/<path:name>:foo", "foopage"),
            ("/<path:name>:<path:name2>", "twopage"),
            ("/<path:name>", "page"),
            ("/<path:name>/edit", "editpage"),
            ("/<path:name>/silly/<path:name2>", "sillypage"),
            ("/<path:name>/silly/<path:name2>/edit", "editsillypage"),
            ("/Talk:<path:name>", "talk"),
            ("/User:<username>", "user"),
            ("/User:<username>/<path:name>", "userpage"),
            (
                "/User:<username>/comment/<int:id>-<int:replyId>",
                "usercomment",
            ),
            ("/Files/<path:file>", "files"),
            ("/<admin>/<manage>/<things>", "admin_mgmt"),
        ];
        let mut rules: Vec<(Rule, &str)> = sources.iter().map(|(s, e)| (rule(s), *e)).collect();
        rules.sort_by_key(|(r, _)| r.weight());
        let first = |path: &str| {
            rules
                .iter()
                .find_map(|(r, e)| {
                    r.match_path(path).map(|v| {
                        (
                            *e,
                            v.into_iter().map(|(_, x)| x.to_owned()).collect::<Vec<_>>(),
                        )
                    })
                })
                .unwrap()
        };
        assert_eq!(first("/"), ("page_front", vec![]));
        assert_eq!(first("/Special"), ("special", vec![]));
        assert_eq!(first("/2007"), ("year", vec!["2007".into()]));
        assert_eq!(first("/Some/Page"), ("page", vec!["Some/Page".into()]));
        assert_eq!(
            first("/Some/Page/edit"),
            ("editpage", vec!["Some/Page".into()])
        );
        assert_eq!(
            first("/Foo/silly/bar"),
            ("sillypage", vec!["Foo".into(), "bar".into()])
        );
        assert_eq!(
            first("/Foo/silly/bar/edit"),
            ("editsillypage", vec!["Foo".into(), "bar".into()])
        );
        assert_eq!(first("/Talk:Foo/Bar"), ("talk", vec!["Foo/Bar".into()]));
        assert_eq!(first("/User:thomas"), ("user", vec!["thomas".into()]));
        assert_eq!(
            first("/User:thomas/projects/werkzeug"),
            (
                "userpage",
                vec!["thomas".into(), "projects/werkzeug".into()]
            )
        );
        assert_eq!(
            first("/User:thomas/comment/123-456"),
            (
                "usercomment",
                vec!["thomas".into(), "123".into(), "456".into()]
            )
        );
        assert_eq!(
            first("/Files/downloads/werkzeug/0.2.zip"),
            ("files", vec!["downloads/werkzeug/0.2.zip".into()])
        );
        assert_eq!(
            first("/Jerry/eats/cheese"),
            (
                "admin_mgmt",
                vec!["Jerry".into(), "eats".into(), "cheese".into()]
            )
        );
        assert_eq!(first("/foo:foo"), ("foopage", vec!["foo".into()]));
        assert_eq!(
            first("/foo:bar"),
            ("twopage", vec!["foo".into(), "bar".into()])
        );
    }
}
