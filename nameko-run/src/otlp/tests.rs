//! Unit tests of `otlp.rs`.

use std::collections::HashMap;

use super::*;

fn resolve(yaml: &str, env: &[(&str, &str)]) -> Result<Option<OtlpSettings>, ConfigError> {
    let config = Config::from_yaml_str(yaml).unwrap();
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    OtlpSettings::resolve(&config, "bin", |k| env.get(k).cloned())
}

#[test]
fn nothing_without_an_endpoint() {
    assert_eq!(resolve("{}", &[]).unwrap(), None);
    assert_eq!(
        resolve(
            "OTEL_EXPORTER_OTLP_ENDPOINT: http://collector:4318\n",
            &[(OTEL_SDK_DISABLED, "TRUE")]
        )
        .unwrap(),
        None
    );
    assert_eq!(
        resolve(
            "OTEL_EXPORTER_OTLP_ENDPOINT: ''\n",
            &[(OTEL_SERVICE_NAME, "x")]
        )
        .unwrap(),
        None
    );
}

#[test]
fn endpoint_protocol_and_name() {
    let s = resolve(
        "{}",
        &[(OTEL_EXPORTER_OTLP_ENDPOINT, "http://collector:4318/")],
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        s,
        OtlpSettings {
            endpoint: "http://collector:4318/v1/traces".to_owned(),
            protocol: OtlpProtocol::HttpProtobuf,
            service_name: "bin".to_owned(),
        }
    );
    let s = resolve(
        "OTEL_EXPORTER_OTLP_ENDPOINT: http://from-config:4318\nOTEL_EXPORTER_OTLP_PROTOCOL: http/json\nOTEL_SERVICE_NAME: svc\n",
        &[],
    )
    .unwrap()
    .unwrap();
    assert_eq!(s.endpoint, "http://from-config:4318/v1/traces");
    assert_eq!(s.protocol, OtlpProtocol::HttpJson);
    assert_eq!(s.service_name, "svc");
    // The environment wins over the config; the traces endpoint over the base one.
    let s = resolve(
        "OTEL_EXPORTER_OTLP_ENDPOINT: http://from-config:4318\nOTEL_EXPORTER_OTLP_PROTOCOL: http/json\n",
        &[
            (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, "http://env:9/custom"),
            (OTEL_EXPORTER_OTLP_PROTOCOL, "http/protobuf"),
            (OTEL_SERVICE_NAME, "from-env"),
        ],
    )
    .unwrap()
    .unwrap();
    assert_eq!(s.endpoint, "http://env:9/custom");
    assert_eq!(s.protocol, OtlpProtocol::HttpProtobuf);
    assert_eq!(s.service_name, "from-env");
}

#[test]
fn bad_values_are_clear_errors() {
    let endpoint = [(OTEL_EXPORTER_OTLP_ENDPOINT, "http://collector:4318")];
    let e = resolve("OTEL_EXPORTER_OTLP_PROTOCOL: grpc\n", &endpoint).unwrap_err();
    assert!(e.to_string().contains("`grpc` is not supported"), "{e}");
    let e = resolve("OTEL_EXPORTER_OTLP_PROTOCOL: xml\n", &endpoint).unwrap_err();
    assert_eq!(
        e.to_string(),
        "config key `OTEL_EXPORTER_OTLP_PROTOCOL`: unknown OTLP protocol `xml`: use http/protobuf or http/json"
    );
    for (url, expected) in [
        ("https://collector:4318", "https is not supported"),
        ("collector:4318", "expected an http:// URL"),
        (
            "http://col lector",
            "invalid endpoint `http://col lector`: ",
        ),
        ("http://", "invalid endpoint `http://`"),
    ] {
        let e = resolve("{}", &[(OTEL_EXPORTER_OTLP_ENDPOINT, url)]).unwrap_err();
        assert!(e.to_string().contains(expected), "{url}: {e}");
        assert!(
            e.to_string()
                .starts_with("config key `OTEL_EXPORTER_OTLP_ENDPOINT`"),
            "{e}"
        );
    }
    let e = resolve("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: [1]\n", &[]).unwrap_err();
    assert!(e.to_string().contains("expected a string"), "{e}");
}

#[test]
fn builds_an_exporter() {
    let s = resolve(
        "{}",
        &[
            (OTEL_EXPORTER_OTLP_ENDPOINT, "http://127.0.0.1:1"),
            (OTEL_EXPORTER_OTLP_PROTOCOL, "http/json"),
        ],
    )
    .unwrap()
    .unwrap();
    let provider = s.tracer_provider().unwrap();
    let _ = provider.shutdown();
}
