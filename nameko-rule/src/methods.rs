//! HTTP method lists: `"GET"` or `"GET,PUT,POST,DELETE"`.

use crate::error::HttpMethodError;

/// The standard HTTP methods an `#[http]` entrypoint may name.
pub const STANDARD_METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT",
];

/// Parses one method or a comma-separated list, as Nameko's `@http('GET,PUT', ...)`.
///
/// Names are case-insensitive and may be surrounded by spaces; the result holds each
/// method once, upper-case, in the order first written. An empty list or item, or a name
/// that is not one of [`STANDARD_METHODS`], is an error.
///
/// `HEAD` is not added here; a server answers `HEAD` wherever `GET` is allowed, as
/// werkzeug does.
///
/// ```
/// assert_eq!(nameko_rule::parse_methods("get, Put").unwrap(), ["GET", "PUT"]);
/// ```
pub fn parse_methods(methods: &str) -> Result<Vec<&'static str>, HttpMethodError> {
    let mut out: Vec<&'static str> = Vec::new();
    for item in methods.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(HttpMethodError::Empty);
        }
        let Some(method) = STANDARD_METHODS
            .iter()
            .find(|m| m.eq_ignore_ascii_case(item))
        else {
            return Err(HttpMethodError::Unknown {
                method: item.to_owned(),
            });
        };
        if !out.contains(method) {
            out.push(method);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_and_many() {
        assert_eq!(parse_methods("GET").unwrap(), ["GET"]);
        assert_eq!(
            parse_methods("GET,PUT,POST,DELETE").unwrap(),
            ["GET", "PUT", "POST", "DELETE"]
        );
        assert_eq!(parse_methods(" post , get ").unwrap(), ["POST", "GET"]);
        assert_eq!(parse_methods("get,GET").unwrap(), ["GET"]);
        for m in STANDARD_METHODS {
            assert_eq!(parse_methods(&m.to_lowercase()).unwrap(), [m]);
        }
    }

    #[test]
    fn errors() {
        assert_eq!(parse_methods(""), Err(HttpMethodError::Empty));
        assert_eq!(parse_methods("GET,"), Err(HttpMethodError::Empty));
        assert_eq!(parse_methods("GET,,POST"), Err(HttpMethodError::Empty));
        assert_eq!(
            parse_methods("GET,FETCH"),
            Err(HttpMethodError::Unknown {
                method: "FETCH".into()
            })
        );
        let msg = parse_methods("GTE").unwrap_err().to_string();
        assert!(msg.contains("unknown HTTP method `GTE`"), "{msg}");
        assert!(msg.contains("GET, HEAD, POST"), "{msg}");
    }
}
