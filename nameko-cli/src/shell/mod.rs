//! `nameko shell`: an interactive session against the cluster.
//!
//! Each line is parsed by [`parse::parse_line`]: `service.method(args...)` calls and
//! prints the result as JSON (or the remote error as `exc_type: value`),
//! `dispatch(source, event_type, payload)` dispatches an event, `help` shows the syntax,
//! `exit`, `quit` or Ctrl-D leaves.
//!
//! On a terminal, lines are edited with history (kept in `$HOME/.nameko_history` when it
//! can be written) and Tab completes the service and method names this session has seen
//! (and those given with `--complete`, or hosted by a binary given with `--complete-from`). When stdin is not a terminal, lines are read from
//! it as they come, without prompt, so a session can be piped.

pub mod parse;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use nameko_amqp::{ClusterRpc, RpcError, StandaloneDispatcher};
use nameko_core::{Config, ContextData};
use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use crate::error::CliError;
use parse::{Line, parse_line};

/// What `help` prints.
pub const HELP: &str = "\
Calls and events, one per line:
  service_x.remote_method(\"hellø\")        call with positional arguments
  echo.add(a=1, b=2)                       call with keyword arguments
  dispatch(\"source\", \"event_type\", {\"id\": 1})   dispatch an event
Values are JSON, or Python literals: True, False, None, 'single-quoted strings', (tuples).
  help                                     this text
  exit, quit, Ctrl-D                       leave
Tab completes the service and method names seen in this session.";

/// Options of a shell session.
#[derive(Debug, Clone, Default)]
pub struct ShellOptions {
    /// Reply timeout of calls (default: the config's `RPC_TIMEOUT`).
    pub timeout: Option<Duration>,
    /// Context data sent with every call and event.
    pub context_data: ContextData,
    /// Names to complete from the start: `service` or `service.method`.
    pub complete: Vec<String>,
    /// Where to keep the history (default: `$HOME/.nameko_history`).
    pub history: Option<PathBuf>,
}

/// The service and method names the completer offers.
#[derive(Debug, Default, Clone)]
pub struct Names {
    services: BTreeMap<String, BTreeSet<String>>,
}

impl Names {
    /// Adds `service` (and `method`, if given).
    pub fn add(&mut self, service: &str, method: Option<&str>) {
        let methods = self.services.entry(service.to_owned()).or_default();
        if let Some(m) = method {
            methods.insert(m.to_owned());
        }
    }

    /// Adds `service` or `service.method`.
    pub fn add_dotted(&mut self, name: &str) {
        match name.rsplit_once('.') {
            Some((s, m)) => self.add(s, Some(m)),
            None => self.add(name, None),
        }
    }

    /// The completions of the word ending at `pos` in `line`: its start and candidates.
    pub fn complete(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let head = &line[..pos.min(line.len())];
        let start = head
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let word = &head[start..];
        let mut out = Vec::new();
        match word.split_once('.') {
            Some((service, partial)) => {
                if let Some(methods) = self.services.get(service) {
                    out.extend(
                        methods
                            .iter()
                            .filter(|m| m.starts_with(partial))
                            .map(|m| format!("{service}.{m}(")),
                    );
                }
            }
            None => {
                out.extend(
                    self.services
                        .keys()
                        .filter(|s| s.starts_with(word))
                        .map(|s| format!("{s}.")),
                );
                if start == 0 {
                    out.extend(
                        ["dispatch(", "help", "exit"]
                            .into_iter()
                            .filter(|c| c.starts_with(word))
                            .map(str::to_owned),
                    );
                }
            }
        }
        (start, out)
    }
}

struct ShellHelper {
    names: Names,
}

impl Completer for ShellHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(self.names.complete(line, pos))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Highlighter for ShellHelper {}

impl Validator for ShellHelper {}

impl Helper for ShellHelper {}

/// A connected session: runs lines, remembers names.
struct Session {
    rpc: ClusterRpc,
    dispatcher: Option<StandaloneDispatcher>,
    config: Config,
    context_data: ContextData,
}

/// What one line did, for the loop.
enum Step {
    Continue,
    Exit,
}

impl Session {
    async fn run_line(&mut self, line: &str, names: &mut Names) -> Step {
        let parsed = match parse_line(line) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("syntax error: {e}");
                return Step::Continue;
            }
        };
        match parsed {
            Line::Empty => {}
            Line::Help => println!("{HELP}"),
            Line::Exit => return Step::Exit,
            Line::Call {
                service,
                method,
                arguments,
            } => {
                let reply = match self
                    .rpc
                    .service(&service)
                    .call_async(&method, arguments)
                    .await
                {
                    Ok(reply) => reply.value().await,
                    Err(e) => Err(e),
                };
                match &reply {
                    Err(RpcError::UnknownService(_)) => {}
                    Err(RpcError::Remote(r)) if r.exc_type == "MethodNotFound" => {
                        names.add(&service, None);
                    }
                    _ => names.add(&service, Some(&method)),
                }
                match reply {
                    Ok(value) => print_json(&value),
                    Err(e) => eprintln!("{}", CliError::from(e)),
                }
            }
            Line::Dispatch {
                source,
                event_type,
                payload,
            } => match self.dispatch(&source, &event_type, &payload).await {
                Ok(()) => println!("dispatched {source}.{event_type}"),
                Err(e) => eprintln!("{e}"),
            },
        }
        Step::Continue
    }

    async fn dispatch(
        &mut self,
        source: &str,
        event_type: &str,
        payload: &serde_json::Value,
    ) -> Result<(), CliError> {
        if self.dispatcher.is_none() {
            let d = StandaloneDispatcher::connect(&self.config)
                .await?
                .with_context_data(self.context_data.clone());
            self.dispatcher = Some(d);
        }
        if let Some(d) = &self.dispatcher {
            d.dispatch(source, event_type, payload).await?;
        }
        Ok(())
    }

    async fn close(&self) {
        self.rpc.close().await;
        if let Some(d) = &self.dispatcher {
            d.close().await;
        }
    }
}

fn print_json(value: &serde_json::Value) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("cannot print the result: {e}"),
    }
}

fn history_path(options: &ShellOptions) -> Option<PathBuf> {
    options
        .history
        .clone()
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".nameko_history")))
}

/// Runs a shell session on `rt` until `exit` or the end of input.
pub fn run(
    rt: &tokio::runtime::Runtime,
    config: Config,
    options: ShellOptions,
) -> Result<(), CliError> {
    let mut rpc = rt.block_on(ClusterRpc::connect(&config))?;
    if let Some(t) = options.timeout {
        rpc = rpc.with_timeout(t);
    }
    rpc = rpc.with_context_data(options.context_data.clone());
    let mut session = Session {
        rpc,
        dispatcher: None,
        config,
        context_data: options.context_data.clone(),
    };
    let mut names = Names::default();
    for n in &options.complete {
        names.add_dotted(n);
    }
    let result = if std::io::stdin().is_terminal() {
        interactive(rt, &mut session, names, &options)
    } else {
        piped(rt, &mut session, names)
    };
    rt.block_on(session.close());
    result
}

fn piped(
    rt: &tokio::runtime::Runtime,
    session: &mut Session,
    mut names: Names,
) -> Result<(), CliError> {
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let line = line?;
        let step = rt.block_on(session.run_line(&line, &mut names));
        std::io::stdout().flush()?;
        if let Step::Exit = step {
            break;
        }
    }
    Ok(())
}

fn interactive(
    rt: &tokio::runtime::Runtime,
    session: &mut Session,
    names: Names,
    options: &ShellOptions,
) -> Result<(), CliError> {
    // Tab completes the common prefix, a second Tab lists the candidates (as bash does).
    let config = rustyline::Config::builder()
        .completion_type(rustyline::CompletionType::List)
        .auto_add_history(false)
        .build();
    let mut editor: Editor<ShellHelper, DefaultHistory> = Editor::with_config(config)
        .map_err(|e| CliError::Usage(format!("cannot start the line editor: {e}")))?;
    editor.set_helper(Some(ShellHelper { names }));
    let history = history_path(options);
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    println!("nameko shell: type help for the syntax, Ctrl-D to leave");
    loop {
        match editor.readline(">>> ") {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                }
                let mut names = editor
                    .helper_mut()
                    .map(|h| std::mem::take(&mut h.names))
                    .unwrap_or_default();
                let step = rt.block_on(session.run_line(&line, &mut names));
                if let Some(h) = editor.helper_mut() {
                    h.names = names;
                }
                if let Step::Exit = step {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("cannot read the line: {e}");
                break;
            }
        }
    }
    if let Some(path) = &history {
        // No history when it cannot be written: not an error.
        let _ = editor.save_history(path);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_services_then_methods() {
        let mut names = Names::default();
        names.add("service_x", Some("remote_method"));
        names.add_dotted("service_y.append_identifier");
        names.add_dotted("echo");
        assert_eq!(
            names.complete("serv", 4),
            (0, vec!["service_x.".into(), "service_y.".into()])
        );
        assert_eq!(
            names.complete("service_x.re", 12),
            (0, vec!["service_x.remote_method(".into()])
        );
        assert_eq!(names.complete("di", 2), (0, vec!["dispatch(".into()]));
        assert_eq!(names.complete("x = e", 5).0, 4);
        assert_eq!(
            names.complete("echo.echo(ec", 12),
            (10, vec!["echo.".into()])
        );
    }
}
