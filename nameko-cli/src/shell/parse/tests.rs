//! Unit tests of `shell/parse.rs`.

use super::*;
use serde_json::json;

fn call(line: &str) -> (String, String, Vec<Value>, Map<String, Value>) {
    match parse_line(line).unwrap() {
        Line::Call {
            service,
            method,
            arguments,
        } => (service, method, arguments.args, arguments.kwargs),
        other => panic!("{other:?}"),
    }
}

#[test]
fn commands_and_blank_lines() {
    assert_eq!(parse_line("").unwrap(), Line::Empty);
    assert_eq!(parse_line("   # comment").unwrap(), Line::Empty);
    assert_eq!(parse_line(" help ").unwrap(), Line::Help);
    assert_eq!(parse_line("exit").unwrap(), Line::Exit);
    assert_eq!(parse_line("quit").unwrap(), Line::Exit);
}

#[test]
fn positional_and_keyword_arguments() {
    let (s, m, a, k) = call(r#"service_x.remote_method("hellø")"#);
    assert_eq!((s.as_str(), m.as_str()), ("service_x", "remote_method"));
    assert_eq!(a, vec![json!("hellø")]);
    assert!(k.is_empty());
    let (_, _, a, k) = call("echo.add(1, b = 2,)");
    assert_eq!(a, vec![json!(1)]);
    assert_eq!(k["b"], json!(2));
    let (_, _, a, _) = call("echo.whoami()");
    assert!(a.is_empty());
}

#[test]
fn python_literals() {
    let (_, _, a, _) = call(
        r#"echo.echo({'k': [1, -2.5, True, False, None, (1, 2)], 3: "x", "e": 'it\'s \u00e9\n'}, 1e3, null)"#,
    );
    assert_eq!(
        a,
        vec![
            json!({"k": [1, -2.5, true, false, null, [1, 2]], "3": "x", "e": "it's é\n"}),
            json!(1000.0),
            json!(null)
        ]
    );
}

#[test]
fn nameko_spelling() {
    let (s, m, _, _) = call("n.rpc.service_x.remote_method('a')");
    assert_eq!((s.as_str(), m.as_str()), ("service_x", "remote_method"));
}

#[test]
fn dispatch_lines() {
    assert_eq!(
        parse_line(r#"dispatch("src", "evt", {"id": 1})"#).unwrap(),
        Line::Dispatch {
            source: "src".into(),
            event_type: "evt".into(),
            payload: json!({"id": 1})
        }
    );
    assert_eq!(
        parse_line("dispatch('src', event_type='evt', payload=[1])").unwrap(),
        Line::Dispatch {
            source: "src".into(),
            event_type: "evt".into(),
            payload: json!([1])
        }
    );
    assert!(parse_line("dispatch(1, 'evt', 2)").is_err());
    assert!(parse_line("dispatch('a', 'b', 1, 2)").is_err());
    assert!(parse_line("dispatch('a', 'b', colour=1)").is_err());
}

#[test]
fn errors_say_what_and_where() {
    let e = parse_line("echo.echo(hello)").unwrap_err();
    assert_eq!(e.column, 10);
    assert!(e.message.contains("strings need quotes"), "{e}");
    assert!(parse_line("echo.echo(1").is_err());
    assert!(
        parse_line("echo.echo('abc)")
            .unwrap_err()
            .message
            .contains("unterminated")
    );
    assert!(parse_line("echo.echo(1) x").is_err());
    assert!(
        parse_line("echo.echo(a=1, 2)")
            .unwrap_err()
            .message
            .contains("positional")
    );
    assert!(parse_line("echo").is_err());
    assert!(parse_line("a.b.c(1)").is_err());
    assert!(parse_line("echo.echo(1 2)").is_err());
    assert!(parse_line("echo.echo({1: })").is_err());
    assert!(parse_line("echo.echo(1.2.3)").is_err());
}

/// Found by the `shell_line` fuzz target: a deeply nested value overflowed the stack.
#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("echo.echo({})", "[".repeat(100_000));
    let e = parse_line(&deep).unwrap_err();
    assert!(e.message.contains("nested more than 128 deep"), "{e}");
    assert_eq!(e.column, 10 + 128);
    let mixed = format!("echo.echo({}", "[({'k': ".repeat(100));
    assert!(parse_line(&mixed).unwrap_err().message.contains("deep"));
    let nested = format!("echo.echo({}1{})", "[".repeat(128), "]".repeat(128));
    let (_, _, args, _) = call(&nested);
    assert_eq!(args.len(), 1);
}
