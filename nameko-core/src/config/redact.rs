//! Hiding secrets of a config: the password of a URI, in the URI itself
//! ([`redact_uri`]), in an error message that may echo it ([`redact_in`]), and in a whole
//! config ([`redact_config`], what `nameko show-config` prints).
//!
//! Every crate that shows a URI from the config (in a log line, an error, a `Debug`)
//! shows it through these, so a password is hidden the same way everywhere:
//!
//! ```
//! use nameko_core::config::redact::{redact_in, redact_uri};
//!
//! assert_eq!(redact_uri("amqp://guest:s3cret@rabbit:5672/"), "amqp://guest:***@rabbit:5672/");
//! assert_eq!(
//!     redact_in("cannot parse s3cret@rabbit", "amqp://guest:s3cret@rabbit"),
//!     "cannot parse ***@rabbit"
//! );
//! ```

use serde_json::{Map, Value};

/// What a hidden secret is replaced with.
pub const MASK: &str = "***";

/// Words that make a key secret, matched case-insensitively anywhere in its name.
const SECRET_WORDS: [&str; 4] = ["PASSWORD", "SECRET", "TOKEN", "KEY"];

/// Whether `s`, after leading spaces, starts with `scheme://`.
fn starts_with_scheme(s: &str) -> bool {
    let s = s.trim_start();
    match s.find("://") {
        Some(end) if end > 0 => {
            let scheme = &s[..end];
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        _ => false,
    }
}

/// The URIs of a `;`-separated list (AMQP's fail-over `AMQP_URI`), spaces kept: a `;`
/// separates two URIs only when a `scheme://` follows it, so a password holding a `;` is
/// not cut in two.
fn uris(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, _) in list.match_indices(';') {
        if starts_with_scheme(&list[i + 1..]) {
            parts.push(&list[start..i]);
            start = i + 1;
        }
    }
    parts.push(&list[start..]);
    parts
}

/// Where the secret of one URI is, as a byte range: the password of
/// `scheme://user:password@host` (empty for `user:@host`), or the whole user info of
/// `scheme://secret@host` (which some write for a password alone). The user info ends at
/// the last `@`, so a password holding `@` or `/` is hidden whole.
fn secret(uri: &str) -> Option<(usize, usize)> {
    let start = uri.find("://")? + 3;
    let at = uri.rfind('@')?;
    if at < start {
        return None;
    }
    let userinfo = &uri[start..at];
    match userinfo.find(':') {
        Some(colon) => Some((start + colon + 1, at)),
        None if userinfo.is_empty() => None,
        None => Some((start, at)),
    }
}

/// `uri` with its password replaced by [`MASK`]: `amqp://user:***@host:5672/`.
///
/// A user info without a password (`redis://secret@host`) is hidden whole, since some
/// write a password there. Each URI of a `;`-separated list (AMQP's fail-over
/// `AMQP_URI`) is redacted. Anything that is not a URI with user info is returned as it is.
///
/// ```
/// use nameko_core::config::redact::redact_uri;
///
/// assert_eq!(redact_uri("redis://:pw@localhost/0"), "redis://:***@localhost/0");
/// assert_eq!(redact_uri("rediss://pw@localhost"), "rediss://***@localhost");
/// assert_eq!(
///     redact_uri("amqp://u:a@h1/; amqp://u:b@h2/"),
///     "amqp://u:***@h1/; amqp://u:***@h2/"
/// );
/// assert_eq!(redact_uri("postgres://localhost/db"), "postgres://localhost/db");
/// ```
pub fn redact_uri(uri: &str) -> String {
    uris(uri)
        .into_iter()
        .map(|one| match secret(one) {
            Some((start, end)) => format!("{}{MASK}{}", &one[..start], &one[end..]),
            None => one.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// `message` with every occurrence of the secret of `uri` (what [`redact_uri`] hides: its
/// password, of each URI of a `;`-separated list) replaced by [`MASK`]: for the error of a
/// parser or a client that echoes the URI, or part of it.
///
/// ```
/// use nameko_core::config::redact::redact_in;
///
/// assert_eq!(redact_in("bad secret1 here", "amqp://u:secret1@a/"), "bad *** here");
/// assert_eq!(redact_in("no password", "amqp://u@a/"), "no password");
/// ```
pub fn redact_in(message: &str, uri: &str) -> String {
    let mut secrets: Vec<&str> = uris(uri)
        .into_iter()
        .filter_map(|one| secret(one).map(|(start, end)| &one[start..end]))
        .filter(|s| !s.is_empty())
        .collect();
    // The longest first, so that a secret holding another is hidden whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets
        .into_iter()
        .fold(message.to_owned(), |text, s| text.replace(s, MASK))
}

/// Redacts the secrets of a config (or any part of one) in place, as `nameko show-config`
/// prints it.
///
/// - The value of every key whose name contains `PASSWORD`, `SECRET`, `TOKEN` or `KEY`
///   (any case) becomes [`MASK`], except file paths: a key ending in `file` or `path`
///   (such as `AMQP_SSL.keyfile`) keeps its value unless it holds PEM key material itself.
/// - The password of every URI with user info is hidden ([`redact_uri`]).
/// - An inline PEM private key anywhere becomes [`MASK`].
///
/// ```
/// use nameko_core::config::redact::redact_config;
///
/// let mut v = serde_json::json!({
///     "AMQP_URI": "amqp://guest:s3cret@localhost:5672/",
///     "API_TOKEN": "abc",
///     "AMQP_SSL": {"keyfile": "/etc/ssl/key.pem"},
/// });
/// redact_config(&mut v);
/// assert_eq!(v["AMQP_URI"], "amqp://guest:***@localhost:5672/");
/// assert_eq!(v["API_TOKEN"], "***");
/// assert_eq!(v["AMQP_SSL"]["keyfile"], "/etc/ssl/key.pem");
/// ```
pub fn redact_config(value: &mut Value) {
    match value {
        Value::Object(map) => redact_map(map),
        Value::Array(items) => items.iter_mut().for_each(redact_config),
        Value::String(s) => {
            if is_pem_key(s) {
                *s = MASK.to_owned();
            } else if s.contains("://") && s.contains('@') {
                *s = redact_uri(s);
            }
        }
        _ => {}
    }
}

fn redact_map(map: &mut Map<String, Value>) {
    for (key, value) in map.iter_mut() {
        let upper = key.to_ascii_uppercase();
        let secret = SECRET_WORDS.iter().any(|w| upper.contains(w));
        let path_like = upper.ends_with("FILE") || upper.ends_with("PATH");
        // A path to a key file is not a secret; key material itself is.
        let keeps_path = path_like && !holds_pem(value);
        if secret && !keeps_path {
            *value = Value::String(MASK.to_owned());
        } else {
            redact_config(value);
        }
    }
}

fn holds_pem(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains("-----BEGIN"),
        Value::Array(items) => items.iter().any(holds_pem),
        Value::Object(map) => map.values().any(holds_pem),
        _ => false,
    }
}

fn is_pem_key(s: &str) -> bool {
    s.contains("-----BEGIN") && s.contains("PRIVATE KEY")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn uris_lose_their_password() {
        for (uri, shown) in [
            // nameko-redis's cases.
            ("redis://localhost:6379/0", "redis://localhost:6379/0"),
            (
                "redis://user:secret@host:6379/1",
                "redis://user:***@host:6379/1",
            ),
            ("redis://:secret@host/0", "redis://:***@host/0"),
            ("rediss://secret@host", "rediss://***@host"),
            ("not a uri", "not a uri"),
            // The custom-entrypoint example's.
            ("redis://u:secret@h:6379/1", "redis://u:***@h:6379/1"),
            ("redis://:secret@h/0", "redis://:***@h/0"),
            // nameko-amqp's (`hide_password`), show-config's.
            (
                "pyamqp://guest:guest@localhost",
                "pyamqp://guest:***@localhost",
            ),
            (
                "amqp://u:p@a:5672/;amqp://u:p@b:5672/",
                "amqp://u:***@a:5672/;amqp://u:***@b:5672/",
            ),
            (
                "amqp://u:secret1@a:5672/; amqp://u:secret2@b:5673/",
                "amqp://u:***@a:5672/; amqp://u:***@b:5673/",
            ),
            ("amqp://u:@h/", "amqp://u:***@h/"),
            ("amqp://h:5672/", "amqp://h:5672/"),
            ("amqp://u:p@a/;", "amqp://u:***@a/;"),
            (
                "postgresql://app:hunter2@db/app",
                "postgresql://app:***@db/app",
            ),
            // Passwords holding `@`, `/`, `;` or `:` are hidden whole.
            ("amqp://u:p@ss@h/", "amqp://u:***@h/"),
            ("redis://u:pa/ss@h/0", "redis://u:***@h/0"),
            ("redis://u:pa;ss@h/0", "redis://u:***@h/0"),
            ("redis://u:pa:ss@h/0", "redis://u:***@h/0"),
            // No user info: nothing to hide.
            ("redis://@h/0", "redis://@h/0"),
            ("user@example.com", "user@example.com"),
            ("", ""),
        ] {
            assert_eq!(redact_uri(uri), shown, "{uri}");
        }
    }

    #[test]
    fn messages_lose_the_password_of_a_uri() {
        // nameko-amqp's (`redact(message, uri)`).
        assert_eq!(
            redact_in("bad secret1 here", "amqp://u:secret1@a/"),
            "bad *** here"
        );
        assert_eq!(
            redact_in(
                "secret1 and secret2",
                "amqp://u:secret1@a/;amqp://u:secret2@b/"
            ),
            "*** and ***"
        );
        assert_eq!(redact_in("at pw@host", "redis://pw@host/0"), "at ***@host");
        assert_eq!(redact_in("u:@h", "amqp://u:@h/"), "u:@h");
        assert_eq!(redact_in("plain", "amqp://h/"), "plain");
        assert_eq!(
            redact_in("s3cret and s3", "amqp://u:s3@a/;amqp://u:s3cret@b/"),
            "*** and ***"
        );
    }

    #[test]
    fn configs_lose_secrets_and_keep_paths() {
        // nameko-cli's (`show_config::redact`).
        let mut v = json!({
            "AMQP_URI": "amqp://u:p@a:5672/;amqp://u:p@b:5672/",
            "db_password": "x",
            "Secret_Thing": {"nested": 1},
            "PUBLIC_KEY_ID": 7,
            "AMQP_SSL": {
                "keyfile": "/k.pem",
                "certfile": "/c.pem",
                "key_path": "-----BEGIN PRIVATE KEY-----\nabc",
            },
            "LIST": [{"token": "t"}, "-----BEGIN RSA PRIVATE KEY-----"],
            "max_workers": 10,
            "name": "keys are fine in values",
        });
        redact_config(&mut v);
        assert_eq!(
            v,
            json!({
                "AMQP_URI": "amqp://u:***@a:5672/;amqp://u:***@b:5672/",
                "db_password": "***",
                "Secret_Thing": "***",
                "PUBLIC_KEY_ID": "***",
                "AMQP_SSL": {"keyfile": "/k.pem", "certfile": "/c.pem", "key_path": "***"},
                "LIST": [{"token": "***"}, "***"],
                "max_workers": 10,
                "name": "keys are fine in values",
            })
        );
    }
}
