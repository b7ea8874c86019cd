//! `WEB_SERVER_ADDRESS`, Nameko's `[address:]port`: checked when the config is read
//! ([`config`](crate::config)) and resolved when the server binds.

use std::net::SocketAddr;

use nameko_core::ConfigError;

use crate::config::WEB_SERVER_ADDRESS;

/// Splits `[address:]port` (Nameko's format; `[v6]:port` also accepted) into host and
/// port; an empty address means every IPv4 interface, as in Nameko.
pub(crate) fn parse_address(address: &str) -> Result<(String, u16), ConfigError> {
    let invalid = || {
        ConfigError::invalid(
            WEB_SERVER_ADDRESS,
            format!("expected `[address:]port`, got `{address}`"),
        )
    };
    if let Ok(addr) = address.parse::<SocketAddr>() {
        return Ok((addr.ip().to_string(), addr.port()));
    }
    let (host, port) = match address.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, port),
        Some(_) => return Err(invalid()),
        None => ("", address),
    };
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let port: u16 = port.parse().map_err(|_| invalid())?;
    let host = if host.is_empty() { "0.0.0.0" } else { host };
    Ok((host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            parse_address("0.0.0.0:8000").unwrap(),
            ("0.0.0.0".into(), 8000)
        );
        assert_eq!(parse_address("8000").unwrap(), ("0.0.0.0".into(), 8000));
        assert_eq!(parse_address(":8000").unwrap(), ("0.0.0.0".into(), 8000));
        assert_eq!(
            parse_address("localhost:80").unwrap(),
            ("localhost".into(), 80)
        );
        assert_eq!(parse_address("[::1]:8000").unwrap(), ("::1".into(), 8000));
        for bad in ["", "host", "host:", "host:99999", "a:b:c", "host:-1", "::1"] {
            let err = parse_address(bad).unwrap_err().to_string();
            assert!(err.contains("expected `[address:]port`"), "{bad}: {err}");
        }
    }
}
