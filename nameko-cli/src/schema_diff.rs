//! `nameko describe --diff`: what changed between two service descriptions (what a
//! binary's `--describe` prints), and which changes break callers.
//!
//! [`diff`] compares an old description with a new one and returns a [`Report`]: one
//! [`Change`] per difference, each breaking or not, with a stable [`Change::code`] for
//! tools. The rules, by what the description holds:
//!
//! | what | breaking | not breaking |
//! |---|---|---|
//! | service | removed | added |
//! | `rpc_exchange` | changed (while RPC methods are served) | |
//! | RPC method (`rpc`, `<service>.<method>`) | removed; a parameter removed or renamed (keyword callers), moved (positional callers), a new required parameter, a new optional one before existing ones, an optional one made required | added; a new optional parameter after the others |
//! | WebSocket RPC method (`websocket_rpc`) | removed; a parameter removed or renamed, a new required one (its arguments are keywords: order does not matter, the first parameter is the socket id) | added; a new optional parameter |
//! | event subscription (`<source>` `<event_type>` of a service's handlers) | removed | added; the handling method renamed, its `handler_type` changed (its queue is another: events waiting in the old one stay there) |
//! | HTTP route (`<METHOD> <rule>`, routes of all services) | removed; a path parameter's converter (or its arguments) changed | added; a path parameter renamed; moved to another service |
//! | HTTP `body_schema`, `query_schema` (JSON Schema) | a new required property, a property made required, a property's type narrowed, a property removed where `additionalProperties` is `false` | a new optional property, a type widened, a requirement dropped, a schema added or removed |
//! | HTTP `response_schema` | a property removed, made optional, or its type widened; the schema removed | a property added, a type narrowed, a schema added |
//! | `consume` entrypoint (by queue) | removed; its exchange or routing key changed | added |
//! | timer | | added, removed, interval changed, made a `singleton` or not |
//! | an entrypoint of another kind (by service, kind, method) | removed | added |
//!
//! Parameters are names (`params`); a parameter counts as optional only when the
//! entrypoint's `optional_params` lists it, so without that list a new parameter is a
//! breaking change. Schemas are compared structurally: `type` (a name or a list;
//! `integer` is a `number`), `properties`, `required`, `additionalProperties`, `items`,
//! `anyOf`/`oneOf` (the union of their types) and `allOf`, with local `$ref`s
//! (`#/$defs/...`, `#/definitions/...`) resolved in the schema that holds them.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;

use nameko_rule::{Part, Rule};
use serde_json::{Map, Value, json};

use crate::error::CliError;

/// One difference between two descriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Whether it breaks callers of the old description.
    pub breaking: bool,
    /// What kind of change, stable for tools: `service.removed`, `rpc.param_added`,
    /// `http.body_schema.required_added`, ...
    pub code: String,
    /// The service it is about, if one.
    pub service: Option<String>,
    /// The entrypoint it is about (`method`, `GET /rule`, `source event_type`), if one.
    pub entrypoint: Option<String>,
    /// What changed, in a sentence.
    pub message: String,
}

/// What [`diff`] found: the changes, in the order of the old description, additions last.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Every change found.
    pub changes: Vec<Change>,
}

impl Report {
    /// Whether any change breaks callers.
    pub fn is_breaking(&self) -> bool {
        self.changes.iter().any(|c| c.breaking)
    }

    /// The breaking changes.
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.breaking)
    }

    /// The changes that break no caller.
    pub fn non_breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| !c.breaking)
    }

    /// The report as JSON (`--json`):
    /// `{"old", "new", "breaking": bool, "summary": {"breaking", "non_breaking"},
    /// "breaking_changes": [...], "non_breaking_changes": [...]}`, each change
    /// `{"code", "service", "entrypoint", "message"}`.
    pub fn to_json(&self, old: &str, new: &str) -> Value {
        let list = |it: &mut dyn Iterator<Item = &Change>| -> Vec<Value> {
            it.map(|c| {
                json!({
                    "code": c.code,
                    "service": c.service,
                    "entrypoint": c.entrypoint,
                    "message": c.message,
                })
            })
            .collect()
        };
        let breaking = list(&mut self.breaking());
        let non_breaking = list(&mut self.non_breaking());
        json!({
            "old": old,
            "new": new,
            "breaking": self.is_breaking(),
            "summary": {"breaking": breaking.len(), "non_breaking": non_breaking.len()},
            "breaking_changes": breaking,
            "non_breaking_changes": non_breaking,
        })
    }

    /// The report for people: a summary line, then the breaking and the other changes,
    /// one a line.
    pub fn to_text(&self, old: &str, new: &str) -> String {
        let breaking: Vec<&Change> = self.breaking().collect();
        let other: Vec<&Change> = self.non_breaking().collect();
        let mut out = String::new();
        if self.changes.is_empty() {
            let _ = writeln!(out, "{old} -> {new}: no changes");
            return out;
        }
        let _ = writeln!(
            out,
            "{old} -> {new}: {} breaking change{}, {} other change{}",
            breaking.len(),
            if breaking.len() == 1 { "" } else { "s" },
            other.len(),
            if other.len() == 1 { "" } else { "s" },
        );
        for (title, list) in [("Breaking", &breaking), ("Not breaking", &other)] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{title}:");
            for c in list.iter() {
                let _ = writeln!(out, "  {}  [{}]", c.message, c.code);
            }
        }
        out
    }
}

/// Compares two descriptions (each as [`parse_description`](crate::describe::parse_description)
/// returns it); `old_origin` and `new_origin` name them in errors.
///
/// A description whose services or entrypoints are not what `--describe` prints (a
/// service without a `name`, an entrypoint without `kind` or `method`) is a
/// [`CliError::Describe`].
pub fn diff(
    old: &Value,
    new: &Value,
    old_origin: &str,
    new_origin: &str,
) -> Result<Report, CliError> {
    let old = Description::read(old, old_origin)?;
    let new = Description::read(new, new_origin)?;
    let mut out = Out::default();
    services(&mut out, &old, &new);
    rpc_exchange(&mut out, &old, &new);
    per_service(&mut out, &old, &new);
    websocket(&mut out, &old, &new);
    http(&mut out, &old, &new);
    consume(&mut out, &old, &new);
    Ok(Report {
        changes: out.changes,
    })
}

#[derive(Default)]
struct Out {
    changes: Vec<Change>,
}

impl Out {
    fn push(
        &mut self,
        breaking: bool,
        code: impl Into<String>,
        service: Option<&str>,
        entrypoint: Option<&str>,
        message: String,
    ) {
        self.changes.push(Change {
            breaking,
            code: code.into(),
            service: service.map(str::to_owned),
            entrypoint: entrypoint.map(str::to_owned),
            message,
        });
    }
}

/// A description, checked: its services in order, each with its entrypoints.
struct Description<'a> {
    rpc_exchange: &'a str,
    services: Vec<Service<'a>>,
}

struct Service<'a> {
    name: &'a str,
    entrypoints: Vec<Ep<'a>>,
}

struct Ep<'a> {
    service: &'a str,
    kind: &'a str,
    method: &'a str,
    raw: &'a Map<String, Value>,
}

impl<'a> Ep<'a> {
    fn str(&self, key: &str) -> &'a str {
        self.raw.get(key).and_then(Value::as_str).unwrap_or("")
    }

    fn names(&self, key: &str) -> Vec<&'a str> {
        self.raw
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect()
    }
}

impl<'a> Description<'a> {
    fn read(value: &'a Value, origin: &str) -> Result<Self, CliError> {
        let bad = |what: String| CliError::Describe(format!("{origin}: {what}"));
        let list = value
            .get("services")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("no `services` list".into()))?;
        let mut services = Vec::with_capacity(list.len());
        let mut seen = HashSet::new();
        for (i, service) in list.iter().enumerate() {
            let name = service
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("service {} has no `name`", i + 1)))?;
            if !seen.insert(name) {
                return Err(bad(format!("service `{name}` is listed twice")));
            }
            let mut entrypoints = Vec::new();
            let eps = match service.get("entrypoints") {
                None | Some(Value::Null) => &[][..],
                Some(Value::Array(eps)) => eps.as_slice(),
                Some(_) => {
                    return Err(bad(format!(
                        "service `{name}`: `entrypoints` is not a list"
                    )));
                }
            };
            for (j, ep) in eps.iter().enumerate() {
                let raw = ep.as_object().ok_or_else(|| {
                    bad(format!(
                        "service `{name}`: entrypoint {} is not an object",
                        j + 1
                    ))
                })?;
                let field = |key: &str| {
                    raw.get(key).and_then(Value::as_str).ok_or_else(|| {
                        bad(format!(
                            "service `{name}`: entrypoint {} has no `{key}`",
                            j + 1
                        ))
                    })
                };
                entrypoints.push(Ep {
                    service: name,
                    kind: field("kind")?,
                    method: field("method")?,
                    raw,
                });
            }
            services.push(Service { name, entrypoints });
        }
        Ok(Description {
            rpc_exchange: value
                .get("rpc_exchange")
                .and_then(Value::as_str)
                .unwrap_or("nameko-rpc"),
            services,
        })
    }

    fn service(&self, name: &str) -> Option<&Service<'a>> {
        self.services.iter().find(|s| s.name == name)
    }

    fn entrypoints(&self) -> impl Iterator<Item = &Ep<'a>> {
        self.services.iter().flat_map(|s| &s.entrypoints)
    }

    fn of_kind<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'s Ep<'a>> {
        self.entrypoints().filter(move |e| e.kind == kind)
    }
}

fn services(out: &mut Out, old: &Description<'_>, new: &Description<'_>) {
    for s in &old.services {
        if new.service(s.name).is_none() {
            out.push(
                true,
                "service.removed",
                Some(s.name),
                None,
                format!(
                    "service `{}` removed ({} entrypoint{})",
                    s.name,
                    s.entrypoints.len(),
                    if s.entrypoints.len() == 1 { "" } else { "s" }
                ),
            );
        }
    }
    for s in &new.services {
        if old.service(s.name).is_none() {
            out.push(
                false,
                "service.added",
                Some(s.name),
                None,
                format!("service `{}` added", s.name),
            );
        }
    }
}

fn rpc_exchange(out: &mut Out, old: &Description<'_>, new: &Description<'_>) {
    if old.rpc_exchange != new.rpc_exchange && old.of_kind("rpc").next().is_some() {
        out.push(
            true,
            "rpc_exchange.changed",
            None,
            None,
            format!(
                "rpc_exchange changed from `{}` to `{}`: callers publishing to `{}` no longer reach the RPC methods",
                old.rpc_exchange, new.rpc_exchange, old.rpc_exchange
            ),
        );
    }
}

/// The entrypoints keyed within a service: RPC methods, event subscriptions, timers and
/// other kinds. A removed service was reported as one change, its entrypoints are not.
fn per_service(out: &mut Out, old: &Description<'_>, new: &Description<'_>) {
    for s in &old.services {
        let Some(n) = new.service(s.name) else {
            continue;
        };
        rpc_methods(out, s, n);
        subscriptions(out, s, n);
        timers(out, s, n);
        other_kinds(out, s, n);
    }
}

const KNOWN_KINDS: [&str; 6] = [
    "rpc",
    "websocket_rpc",
    "event_handler",
    "http",
    "timer",
    "consume",
];

fn by_method<'s, 'a>(s: &'s Service<'a>, kind: &str) -> BTreeMap<&'a str, &'s Ep<'a>> {
    let mut map = BTreeMap::new();
    for ep in s.entrypoints.iter().filter(|e| e.kind == kind) {
        map.entry(ep.method).or_insert(ep);
    }
    map
}

fn rpc_methods(out: &mut Out, old: &Service<'_>, new: &Service<'_>) {
    let o = by_method(old, "rpc");
    let n = by_method(new, "rpc");
    for ep in old.entrypoints.iter().filter(|e| e.kind == "rpc") {
        let target = format!("{}.{}", ep.service, ep.method);
        match n.get(ep.method) {
            None => out.push(
                true,
                "rpc.removed",
                Some(ep.service),
                Some(ep.method),
                format!("RPC method `{target}` removed"),
            ),
            Some(now) => params(out, "rpc", &target, ep, now, Binding::PositionalOrKeyword),
        }
    }
    for ep in new.entrypoints.iter().filter(|e| e.kind == "rpc") {
        if !o.contains_key(ep.method) {
            out.push(
                false,
                "rpc.added",
                Some(ep.service),
                Some(ep.method),
                format!("RPC method `{}.{}` added", ep.service, ep.method),
            );
        }
    }
}

/// How callers pass arguments to a method.
#[derive(Clone, Copy, PartialEq)]
enum Binding {
    /// By position or by keyword (`rpc`: `{"args": [...], "kwargs": {...}}`).
    PositionalOrKeyword,
    /// By keyword only, after the socket id (`websocket_rpc`: `"data": {...}`).
    KeywordAfterSocketId,
}

fn params(out: &mut Out, prefix: &str, target: &str, old: &Ep<'_>, new: &Ep<'_>, binding: Binding) {
    let skip = usize::from(binding == Binding::KeywordAfterSocketId);
    let o: Vec<&str> = old.names("params").into_iter().skip(skip).collect();
    let n: Vec<&str> = new.names("params").into_iter().skip(skip).collect();
    let o_opt = old.names("optional_params");
    let n_opt = new.names("optional_params");
    // Whether each description says which parameters are optional.
    let o_known = old.raw.contains_key("optional_params");
    let n_known = new.raw.contains_key("optional_params");
    let service = Some(new.service);
    let method = Some(new.method);
    let positional = binding == Binding::PositionalOrKeyword;
    let code = |what: &str| format!("{prefix}.{what}");
    let removed: Vec<&str> = o.iter().copied().filter(|p| !n.contains(p)).collect();
    let added: Vec<&str> = n.iter().copied().filter(|p| !o.contains(p)).collect();
    // A new name in the place of a removed one, as many added as removed: a rename.
    let renamed_to = |i: usize| {
        n.get(i)
            .copied()
            .filter(|q| added.contains(q) && removed.len() == added.len())
    };
    for (i, p) in o.iter().enumerate() {
        if n.contains(p) {
            continue;
        }
        let message = match renamed_to(i) {
            Some(q) => format!(
                "`{target}`: parameter `{p}` renamed to `{q}` (callers passing `{p}` by keyword fail)"
            ),
            None => format!("`{target}`: parameter `{p}` removed (callers passing it fail)"),
        };
        out.push(true, code("param_removed"), service, method, message);
    }
    if positional {
        for (i, p) in o.iter().enumerate() {
            if let Some(j) = n.iter().position(|x| x == p)
                && i != j
            {
                out.push(
                    true,
                    code("param_moved"),
                    service,
                    method,
                    format!(
                        "`{target}`: parameter `{p}` moved from position {} to {} (callers passing it by position pass it to another parameter)",
                        i + 1 + skip,
                        j + 1 + skip
                    ),
                );
            }
        }
    }
    // The last position of a parameter callers already pass.
    let last_kept = n.iter().rposition(|p| o.contains(p));
    for (j, p) in n.iter().enumerate() {
        if o.contains(p) {
            if !(o_known && n_known) {
                continue;
            }
            match (o_opt.contains(p), n_opt.contains(p)) {
                (true, false) => out.push(
                    true,
                    code("param_required"),
                    service,
                    method,
                    format!(
                        "`{target}`: parameter `{p}` is now required (callers that leave it out fail)"
                    ),
                ),
                (false, true) => out.push(
                    false,
                    code("param_optional"),
                    service,
                    method,
                    format!("`{target}`: parameter `{p}` is now optional"),
                ),
                _ => {}
            }
            continue;
        }
        if o.get(j)
            .is_some_and(|q| renamed_to(j).is_some() && removed.contains(q))
        {
            // Reported as a rename.
            continue;
        }
        if !n_opt.contains(p) {
            let why = if n_known {
                "callers that do not pass it fail"
            } else {
                "callers that do not pass it fail; the description does not mark it optional"
            };
            out.push(
                true,
                code("param_added_required"),
                service,
                method,
                format!("`{target}`: new required parameter `{p}` ({why})"),
            );
        } else if positional && last_kept.is_some_and(|k| j < k) {
            out.push(
                true,
                code("param_inserted"),
                service,
                method,
                format!(
                    "`{target}`: new optional parameter `{p}` at position {}, before parameters callers pass by position",
                    j + 1 + skip
                ),
            );
        } else {
            out.push(
                false,
                code("param_added_optional"),
                service,
                method,
                format!("`{target}`: new optional parameter `{p}`"),
            );
        }
    }
}

fn subscriptions(out: &mut Out, old: &Service<'_>, new: &Service<'_>) {
    let subs = |s: &Service<'_>| {
        let mut map: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
        for ep in s.entrypoints.iter().filter(|e| e.kind == "event_handler") {
            map.entry((
                ep.str("source_service").to_owned(),
                ep.str("event_type").to_owned(),
            ))
            .or_default()
            .push((ep.method.to_owned(), ep.str("handler_type").to_owned()));
        }
        map
    };
    let o = subs(old);
    let n = subs(new);
    let label = |k: &(String, String)| format!("`{}` events from `{}`", k.1, k.0);
    for (key, handlers) in &o {
        let k = key;
        let entrypoint = format!("{} {}", key.0, key.1);
        match n.get(key) {
            None => out.push(
                true,
                "event.subscription_removed",
                Some(old.name),
                Some(&entrypoint),
                format!(
                    "`{}` no longer handles {} (its handler `{}` is gone: events dispatched to it are not handled)",
                    old.name,
                    label(k),
                    handlers.iter().map(|h| h.0.as_str()).collect::<Vec<_>>().join("`, `")
                ),
            ),
            Some(now) => {
                for (method, handler_type) in handlers {
                    match now.iter().find(|h| &h.0 == method) {
                        Some((_, t)) if t != handler_type => out.push(
                            false,
                            "event.handler_type_changed",
                            Some(old.name),
                            Some(&entrypoint),
                            format!(
                                "`{}.{method}` ({}): handler_type `{handler_type}` -> `{t}` (another queue; events waiting in the old one stay there)",
                                old.name,
                                label(k)
                            ),
                        ),
                        Some(_) => {}
                        None => out.push(
                            false,
                            "event.handler_renamed",
                            Some(old.name),
                            Some(&entrypoint),
                            format!(
                                "{} are now handled by `{}` instead of `{}.{method}` (another queue; events waiting in the old one stay there)",
                                label(k),
                                now.iter()
                                    .map(|h| format!("{}.{}", old.name, h.0))
                                    .collect::<Vec<_>>()
                                    .join("`, `"),
                                old.name
                            ),
                        ),
                    }
                }
            }
        }
    }
    for key in n.keys().filter(|k| !o.contains_key(*k)) {
        let entrypoint = format!("{} {}", key.0, key.1);
        out.push(
            false,
            "event.subscription_added",
            Some(new.name),
            Some(&entrypoint),
            format!("`{}` now handles {}", new.name, label(key)),
        );
    }
}

fn timers(out: &mut Out, old: &Service<'_>, new: &Service<'_>) {
    let o = by_method(old, "timer");
    let n = by_method(new, "timer");
    for (method, ep) in &o {
        match n.get(method) {
            None => out.push(
                false,
                "timer.removed",
                Some(old.name),
                Some(method),
                format!("timer `{}.{method}` removed", old.name),
            ),
            Some(now) => {
                let (a, b) = (ep.raw.get("interval"), now.raw.get("interval"));
                if a != b {
                    let show = |v: Option<&Value>| v.map_or("?".to_owned(), Value::to_string);
                    out.push(
                        false,
                        "timer.interval_changed",
                        Some(old.name),
                        Some(method),
                        format!(
                            "timer `{}.{method}`: interval {} s -> {} s",
                            old.name,
                            show(a),
                            show(b)
                        ),
                    );
                }
                // A description written before singleton timers has no `singleton`.
                let singleton = |ep: &Map<String, Value>| {
                    ep.get("singleton").and_then(Value::as_bool) == Some(true)
                };
                let (a, b) = (singleton(ep.raw), singleton(now.raw));
                if a != b {
                    let what = if b {
                        "now fires on one instance of the cluster at a time (singleton)"
                    } else {
                        "now fires on every instance (no longer a singleton)"
                    };
                    out.push(
                        false,
                        "timer.singleton_changed",
                        Some(old.name),
                        Some(method),
                        format!("timer `{}.{method}` {what}", old.name),
                    );
                }
            }
        }
    }
    for method in n.keys().filter(|m| !o.contains_key(*m)) {
        out.push(
            false,
            "timer.added",
            Some(new.name),
            Some(method),
            format!("timer `{}.{method}` added", new.name),
        );
    }
}

fn other_kinds(out: &mut Out, old: &Service<'_>, new: &Service<'_>) {
    let key = |e: &Ep<'_>| (e.kind.to_owned(), e.method.to_owned());
    let others = |s: &Service<'_>| -> Vec<(String, String)> {
        s.entrypoints
            .iter()
            .filter(|e| !KNOWN_KINDS.contains(&e.kind))
            .map(key)
            .collect()
    };
    let o = others(old);
    let n = others(new);
    for (kind, method) in o.iter().filter(|k| !n.contains(k)) {
        out.push(
            true,
            "entrypoint.removed",
            Some(old.name),
            Some(method),
            format!("{kind} entrypoint `{}.{method}` removed", old.name),
        );
    }
    for (kind, method) in n.iter().filter(|k| !o.contains(k)) {
        out.push(
            false,
            "entrypoint.added",
            Some(new.name),
            Some(method),
            format!("{kind} entrypoint `{}.{method}` added", new.name),
        );
    }
}

/// WebSocket RPC methods: one namespace per runner (the first service started serves a
/// name), so keyed by method name alone.
fn websocket(out: &mut Out, old: &Description<'_>, new: &Description<'_>) {
    let map = |d: &Description<'_>| -> Vec<(String, usize)> {
        let mut seen = Vec::new();
        for (i, ep) in d.entrypoints().enumerate() {
            if ep.kind == "websocket_rpc" && !seen.iter().any(|(m, _)| m == ep.method) {
                seen.push((ep.method.to_owned(), i));
            }
        }
        seen
    };
    let o_eps: Vec<&Ep<'_>> = old.entrypoints().collect();
    let n_eps: Vec<&Ep<'_>> = new.entrypoints().collect();
    let o = map(old);
    let n = map(new);
    for (method, i) in &o {
        let ep = o_eps[*i];
        match n.iter().find(|(m, _)| m == method) {
            None if new.service(ep.service).is_some() => out.push(
                true,
                "websocket_rpc.removed",
                Some(ep.service),
                Some(method),
                format!("WebSocket RPC method `{method}` removed"),
            ),
            // Its service's removal was reported.
            None => {}
            Some((_, j)) => params(
                out,
                "websocket_rpc",
                method,
                ep,
                n_eps[*j],
                Binding::KeywordAfterSocketId,
            ),
        }
    }
    for (method, j) in &n {
        if !o.iter().any(|(m, _)| m == method) {
            out.push(
                false,
                "websocket_rpc.added",
                Some(n_eps[*j].service),
                Some(method),
                format!("WebSocket RPC method `{method}` added"),
            );
        }
    }
}

/// A route's shape: its text with each variable replaced by `<>`, and its variables'
/// converters with their names. Two rules of one shape match the same paths unless a
/// converter differs.
struct Route<'a> {
    variables: Vec<(String, nameko_rule::Converter)>,
    ep: &'a Ep<'a>,
}

fn routes<'d>(d: &'d Description<'d>) -> Vec<(String, Route<'d>)> {
    let mut out: Vec<(String, Route<'d>)> = Vec::new();
    for ep in d.of_kind("http") {
        let rule = ep.str("rule");
        let (shape, variables) = match Rule::parse(rule) {
            Ok(r) => {
                let mut shape = String::new();
                let mut variables = Vec::new();
                for part in r.parts() {
                    match part {
                        Part::Static(s) => shape.push_str(s),
                        Part::Variable(v) => {
                            shape.push_str("<>");
                            variables.push((v.name.clone(), v.converter.clone()));
                        }
                    }
                }
                (shape, variables)
            }
            // Not a rule nameko-rule reads: compared as text.
            Err(_) => (rule.to_owned(), Vec::new()),
        };
        let methods: Vec<String> = match nameko_rule::parse_methods(ep.str("http_methods")) {
            Ok(m) => m.into_iter().map(str::to_owned).collect(),
            Err(_) => vec![ep.str("http_methods").to_ascii_uppercase()],
        };
        for method in methods {
            let key = format!("{method} {shape}");
            if out.iter().any(|(k, _)| *k == key) {
                continue;
            }
            out.push((
                key,
                Route {
                    variables: variables.clone(),
                    ep,
                },
            ));
        }
    }
    out
}

fn http(out: &mut Out, old: &Description<'_>, new: &Description<'_>) {
    let o = routes(old);
    let n = routes(new);
    for (key, route) in &o {
        let ep = route.ep;
        let method = key.split_once(' ').map_or("", |(m, _)| m);
        let target = format!("{method} {}", ep.str("rule"));
        let Some((_, now)) = n.iter().find(|(k, _)| k == key) else {
            out.push(
                true,
                "http.removed",
                Some(ep.service),
                Some(&target),
                format!(
                    "HTTP route `{target}` removed (`{}.{}`)",
                    ep.service, ep.method
                ),
            );
            continue;
        };
        let service = Some(now.ep.service);
        let entrypoint = Some(target.as_str());
        if now.ep.service != ep.service {
            out.push(
                false,
                "http.moved",
                service,
                entrypoint,
                format!(
                    "HTTP route `{target}` moved from `{}.{}` to `{}.{}`",
                    ep.service, ep.method, now.ep.service, now.ep.method
                ),
            );
        }
        for (i, ((old_name, old_conv), (new_name, new_conv))) in
            route.variables.iter().zip(&now.variables).enumerate()
        {
            if old_conv != new_conv {
                let how = if old_conv.name() == new_conv.name() {
                    format!("`{}` with other arguments", old_conv.name())
                } else {
                    format!("`{}` -> `{}`", old_conv.name(), new_conv.name())
                };
                out.push(
                    true,
                    "http.converter_changed",
                    service,
                    entrypoint,
                    format!(
                        "HTTP route `{target}`: path parameter {} (`{old_name}`) converter changed: {how} (now `{}`)",
                        i + 1,
                        now.ep.str("rule")
                    ),
                );
            } else if old_name != new_name {
                out.push(
                    false,
                    "http.path_param_renamed",
                    service,
                    entrypoint,
                    format!(
                        "HTTP route `{target}`: path parameter `{old_name}` renamed to `{new_name}`"
                    ),
                );
            }
        }
        for (key, direction) in [
            ("body_schema", Direction::Request),
            ("query_schema", Direction::Request),
            ("response_schema", Direction::Response),
        ] {
            let mut cx = SchemaCx {
                out,
                code: format!("http.{key}"),
                service: now.ep.service,
                target: &target,
                direction,
                old_root: ep.raw.get(key).unwrap_or(&Value::Null),
                new_root: now.ep.raw.get(key).unwrap_or(&Value::Null),
                visited: HashSet::new(),
            };
            let label = match key {
                "body_schema" => "body",
                "query_schema" => "query",
                _ => "response",
            };
            cx.top(label);
        }
    }
    for (key, route) in &n {
        if !o.iter().any(|(k, _)| k == key) {
            let method = key.split_once(' ').map_or("", |(m, _)| m);
            let target = format!("{method} {}", route.ep.str("rule"));
            out.push(
                false,
                "http.added",
                Some(route.ep.service),
                Some(&target),
                format!(
                    "HTTP route `{target}` added (`{}.{}`)",
                    route.ep.service, route.ep.method
                ),
            );
        }
    }
}

/// `consume` entrypoints, keyed by queue.
fn consume(out: &mut Out, old: &Description<'_>, new: &Description<'_>) {
    let by_queue = |d: &Description<'_>| -> Vec<(String, String, String, String, String)> {
        d.of_kind("consume")
            .map(|e| {
                (
                    e.str("queue").to_owned(),
                    e.service.to_owned(),
                    e.method.to_owned(),
                    e.str("exchange").to_owned(),
                    e.str("routing_key").to_owned(),
                )
            })
            .collect()
    };
    let o = by_queue(old);
    let n = by_queue(new);
    for (queue, service, method, exchange, key) in &o {
        match n.iter().find(|c| &c.0 == queue) {
            None => out.push(
                true,
                "consume.removed",
                Some(service),
                Some(method),
                format!("nothing consumes queue `{queue}` any more (`{service}.{method}` removed)"),
            ),
            Some((_, s, m, x, k)) if (x, k) != (exchange, key) => out.push(
                true,
                "consume.binding_changed",
                Some(s),
                Some(m),
                format!(
                    "queue `{queue}` (`{s}.{m}`): bound to exchange `{x}` with routing key `{k}` instead of `{exchange}` `{key}`: messages published the old way no longer reach it"
                ),
            ),
            Some(_) => {}
        }
    }
    for (queue, service, method, ..) in &n {
        if !o.iter().any(|c| &c.0 == queue) {
            out.push(
                false,
                "consume.added",
                Some(service),
                Some(method),
                format!("`{service}.{method}` consumes queue `{queue}`"),
            );
        }
    }
}

/// Which way a schema's data flows: into the service (callers must keep fitting it) or
/// out of it (callers rely on it).
#[derive(Clone, Copy, PartialEq)]
enum Direction {
    Request,
    Response,
}

/// How deep nested schemas are compared.
const MAX_DEPTH: usize = 32;

struct SchemaCx<'o, 's> {
    out: &'o mut Out,
    code: String,
    service: &'s str,
    target: &'s str,
    direction: Direction,
    old_root: &'s Value,
    new_root: &'s Value,
    /// `$ref` pairs being compared, against recursive schemas.
    visited: HashSet<(String, String)>,
}

impl<'s> SchemaCx<'_, 's> {
    fn push(&mut self, breaking: bool, what: &str, message: String) {
        let code = format!("{}.{what}", self.code);
        let service = Some(self.service);
        let target = Some(self.target);
        self.out.push(
            breaking,
            code,
            service,
            target,
            format!("HTTP route `{}`: {message}", self.target),
        );
    }

    fn top(&mut self, label: &str) {
        let (old, new) = (self.old_root, self.new_root);
        match (old.is_null(), new.is_null(), self.direction) {
            (true, true, _) => {}
            (true, false, _) => self.push(false, "added", format!("{label} schema added")),
            (false, true, Direction::Request) => self.push(
                false,
                "removed",
                format!("{label} schema removed (untyped)"),
            ),
            (false, true, Direction::Response) => self.push(
                true,
                "removed",
                format!("{label} schema removed: callers can no longer rely on its shape"),
            ),
            (false, false, _) => self.compare(label, old, new, 0),
        }
    }

    /// Follows `$ref`s (and one-member `allOf`s) to the schema they name.
    fn resolve(&mut self, root: &'s Value, mut schema: &'s Value, at: &str) -> Option<&'s Value> {
        for _ in 0..MAX_DEPTH {
            if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
                match local_ref(root, r) {
                    Some(target) => schema = target,
                    None => {
                        self.push(
                            false,
                            "unresolved_ref",
                            format!("`{at}`: cannot resolve `$ref` `{r}`: not compared"),
                        );
                        return None;
                    }
                }
            } else if let Some([only]) = schema
                .get("allOf")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                && schema.get("properties").is_none()
            {
                schema = only;
            } else {
                return Some(schema);
            }
        }
        None
    }

    fn compare(&mut self, at: &str, old: &'s Value, new: &'s Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let refs = (
            old.get("$ref").and_then(Value::as_str).unwrap_or(""),
            new.get("$ref").and_then(Value::as_str).unwrap_or(""),
        );
        if !refs.0.is_empty() && !refs.1.is_empty() {
            let pair = (refs.0.to_owned(), refs.1.to_owned());
            if !self.visited.insert(pair) {
                return;
            }
        }
        let (Some(old), Some(new)) = (
            self.resolve(self.old_root, old, at),
            self.resolve(self.new_root, new, at),
        ) else {
            return;
        };
        self.types(at, old, new);
        let (old, new) = (
            object_member(self.old_root, old),
            object_member(self.new_root, new),
        );
        self.properties(at, old, new, depth);
        if let (Some(a), Some(b)) = (old.get("items"), new.get("items"))
            && a.is_object()
            && b.is_object()
        {
            self.compare(&format!("{at}[]"), a, b, depth + 1);
        }
    }

    fn types(&mut self, at: &str, old: &Value, new: &Value) {
        let a = type_set(self.old_root, old, 0);
        let b = type_set(self.new_root, new, 0);
        let (a, b) = match (a, b) {
            (Some(a), Some(b)) => (a, b),
            (None, Some(b)) if self.direction == Direction::Request => {
                return self.push(
                    true,
                    "type_changed",
                    format!(
                        "`{at}` was any JSON value, now {} (narrowed)",
                        show_types(&b)
                    ),
                );
            }
            (Some(a), None) if self.direction == Direction::Response => {
                return self.push(
                    true,
                    "type_changed",
                    format!(
                        "`{at}` was {}, now any JSON value (widened)",
                        show_types(&a)
                    ),
                );
            }
            // Any value before and after, or a change callers do not notice.
            _ => return,
        };
        if a == b {
            return;
        }
        let (breaking, how) = match self.direction {
            // Callers send what fitted the old type: the new one must accept it.
            Direction::Request => (!within(&a, &b), "narrowed"),
            // Callers read the new type: it must be one they were ready for.
            Direction::Response => (!within(&b, &a), "widened"),
        };
        let mut message = format!(
            "`{at}` type changed from {} to {}",
            show_types(&a),
            show_types(&b)
        );
        if breaking {
            message.push_str(&format!(" ({how})"));
        }
        self.push(breaking, "type_changed", message);
    }

    fn properties(&mut self, at: &str, old: &'s Value, new: &'s Value, depth: usize) {
        let (op, oreq) = object_parts(self.old_root, old);
        let (np, nreq) = object_parts(self.new_root, new);
        if op.is_empty() && np.is_empty() && oreq.is_empty() && nreq.is_empty() {
            return;
        }
        let closed = new.get("additionalProperties") == Some(&Value::Bool(false));
        for (name, old_schema) in &op {
            let path = format!("{at}.{name}");
            match (np.get(name), self.direction) {
                (None, Direction::Request) if closed => self.push(
                    true,
                    "property_removed",
                    format!(
                        "`{path}` removed and no longer accepted (additionalProperties: false)"
                    ),
                ),
                (None, Direction::Request) => {
                    self.push(false, "property_removed", format!("`{path}` removed"))
                }
                (None, Direction::Response) => self.push(
                    true,
                    "property_removed",
                    format!("`{path}` removed from the response"),
                ),
                (Some(new_schema), _) => {
                    self.requirement(&path, oreq.contains(name), nreq.contains(name));
                    self.compare(&path, old_schema, new_schema, depth + 1);
                }
            }
        }
        for (name, _) in np.iter().filter(|(n, _)| !op.contains_key(*n)) {
            let path = format!("{at}.{name}");
            match self.direction {
                Direction::Request if nreq.contains(name) => self.push(
                    true,
                    "required_added",
                    format!("new required property `{path}` (callers that do not send it fail)"),
                ),
                Direction::Request => self.push(
                    false,
                    "property_added",
                    format!("new optional property `{path}`"),
                ),
                Direction::Response => self.push(
                    false,
                    "property_added",
                    format!("new property `{path}` in the response"),
                ),
            }
        }
        // Required names without a schema of their own.
        for name in nreq
            .iter()
            .filter(|n| !np.contains_key(*n) && !op.contains_key(*n))
        {
            if !oreq.contains(name) && self.direction == Direction::Request {
                self.push(
                    true,
                    "required_added",
                    format!("`{at}.{name}` is now required"),
                );
            }
        }
    }

    fn requirement(&mut self, path: &str, was: bool, is: bool) {
        match (was, is, self.direction) {
            (false, true, Direction::Request) => self.push(
                true,
                "required_added",
                format!("`{path}` is now required (callers that do not send it fail)"),
            ),
            (true, false, Direction::Request) => self.push(
                false,
                "required_removed",
                format!("`{path}` is now optional"),
            ),
            (true, false, Direction::Response) => self.push(
                true,
                "required_removed",
                format!("`{path}` may now be missing from the response"),
            ),
            (false, true, Direction::Response) => self.push(
                false,
                "required_added",
                format!("`{path}` is now always in the response"),
            ),
            _ => {}
        }
    }
}

/// The JSON types a schema allows (`None`: any).
fn type_set(root: &Value, schema: &Value, depth: usize) -> Option<BTreeSet<String>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let schema = match schema {
        Value::Bool(_) => return None,
        Value::Object(_) => resolve_quiet(root, schema)?,
        _ => return None,
    };
    if let Some(t) = schema.get("type") {
        let mut set: BTreeSet<String> = match t {
            Value::String(s) => [s.clone()].into(),
            Value::Array(a) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => return None,
        };
        if schema.get("nullable") == Some(&Value::Bool(true)) {
            set.insert("null".into());
        }
        return Some(set);
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Some(values.iter().map(json_type).map(str::to_owned).collect());
    }
    if let Some(value) = schema.get("const") {
        return Some([json_type(value).to_owned()].into());
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(members) = schema.get(key).and_then(Value::as_array) {
            let mut set = BTreeSet::new();
            for m in members {
                set.extend(type_set(root, m, depth + 1)?);
            }
            return Some(set);
        }
    }
    if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
        // The first member that says: a narrowing at most.
        return members.iter().find_map(|m| type_set(root, m, depth + 1));
    }
    if schema.get("properties").is_some() {
        return Some(["object".to_owned()].into());
    }
    None
}

/// A `$ref` into `root` (`#/...`, a JSON pointer); other references are not followed.
fn local_ref<'v>(root: &'v Value, reference: &str) -> Option<&'v Value> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() {
        return Some(root);
    }
    root.pointer(&percent_decode(pointer))
}

/// `%XX` escapes of a URI fragment decoded (`$ref`s are URI references).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// Follows `$ref`s without reporting what cannot be resolved.
fn resolve_quiet<'v>(root: &'v Value, mut schema: &'v Value) -> Option<&'v Value> {
    for _ in 0..MAX_DEPTH {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => schema = local_ref(root, r)?,
            None => return Some(schema),
        }
    }
    None
}

/// The object schema of a union (`Option<Struct>` is `anyOf: [{$ref}, {type: null}]`): its
/// one member with properties; the schema itself otherwise.
fn object_member<'v>(root: &'v Value, schema: &'v Value) -> &'v Value {
    if schema.get("properties").is_some() {
        return schema;
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(members) = schema.get(key).and_then(Value::as_array) {
            let mut objects = members
                .iter()
                .filter_map(|m| resolve_quiet(root, m))
                .filter(|m| m.get("properties").is_some());
            if let (Some(only), None) = (objects.next(), objects.next()) {
                return only;
            }
        }
    }
    schema
}

/// An object schema's properties (its own and its `allOf` members') and required names.
fn object_parts<'v>(
    root: &'v Value,
    schema: &'v Value,
) -> (BTreeMap<&'v str, &'v Value>, BTreeSet<&'v str>) {
    let mut props = BTreeMap::new();
    let mut required = BTreeSet::new();
    let mut add = |s: &'v Value| {
        if let Some(p) = s.get("properties").and_then(Value::as_object) {
            for (k, v) in p {
                props.entry(k.as_str()).or_insert(v);
            }
        }
        if let Some(r) = s.get("required").and_then(Value::as_array) {
            required.extend(r.iter().filter_map(Value::as_str));
        }
    };
    add(schema);
    for member in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(m) = resolve_quiet(root, member) {
            add(m);
        }
    }
    (props, required)
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether every type of `a` is allowed by `b` (`integer` is a `number`).
fn within(a: &BTreeSet<String>, b: &BTreeSet<String>) -> bool {
    a.iter()
        .all(|t| b.contains(t) || (t == "integer" && b.contains("number")))
}

fn show_types(set: &BTreeSet<String>) -> String {
    let names: Vec<&str> = set.iter().map(String::as_str).collect();
    match names.as_slice() {
        [one] => format!("`{one}`"),
        _ => format!("`{}`", names.join(" | ")),
    }
}

#[cfg(test)]
mod tests;
