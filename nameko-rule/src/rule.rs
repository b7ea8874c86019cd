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
mod tests;
