//! The smoke pass of the fuzz targets, in a plain `cargo test` (part of `scripts/test`):
//! every target runs on its seeds (`seeds/<target>/`), on the regression inputs of
//! crashes found and fixed (`regressions/<target>/`), and on a bounded number of
//! deterministic mutations of them. The real, coverage-guided runs are `scripts/fuzz`'s.
//!
//! `NAMEKO_FUZZ_SMOKE_INPUTS` sets how many mutated inputs each target gets (default 3000).

use std::path::{Path, PathBuf};
use std::time::Instant;

use nameko_fuzz::{TARGETS, Target};

fn dir(kind: &str, target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(kind)
        .join(target)
}

fn read_inputs(kind: &str, target: &str) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir(kind, target)) else {
        return Vec::new();
    };
    let mut inputs: Vec<(String, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let data = std::fs::read(e.path()).ok()?;
            Some((e.file_name().to_string_lossy().into_owned(), data))
        })
        .collect();
    inputs.sort();
    inputs
}

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Bytes the decoders give meaning to.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"'",
    b":",
    b",",
    b"\\u",
    b"\\ud800",
    b"null",
    b"true",
    b"True",
    b"None",
    b"1e999",
    b"-0",
    b"18446744073709551616",
    b"%",
    b"%2F",
    b"%C3%A9",
    b"%ff",
    b"?",
    b"&",
    b"=",
    b"+",
    b"/",
    b"//",
    b"<",
    b">",
    b"<int:",
    b"<path:a>",
    b"(signed=True)",
    b"(min=1, max=2)",
    b"any(a, b)",
    b"${",
    b"${X:",
    b"}",
    b"\n",
    b"#",
    b"- ",
    b": ",
    b"&a ",
    b"*a",
    b"!!",
    b"\xff",
    b"\x00",
    "é".as_bytes(),
    "😀".as_bytes(),
    b"args",
    b"kwargs",
    b"method",
    b"data",
    b"correlation_id",
    b"nameko.",
    b"traceparent",
    b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    b"call_id_stack",
    b"dispatch(",
    b"(",
    b")",
    b"=",
];

fn mutate(rng: &mut Rng, input: &[u8], others: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let len = out.len();
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                out[i] = rng.next() as u8;
            }
            2 => {
                let i = rng.below(len + 1);
                out.insert(i, rng.next() as u8);
            }
            3 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(8)).min(len);
                out.drain(start..end);
            }
            4 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                let i = rng.below(len + 1);
                out.splice(i..i, token.iter().copied());
            }
            5 if len > 0 => {
                // Repeat a piece: deep nesting, long values.
                let start = rng.below(len);
                let end = (start + 1 + rng.below(16)).min(len);
                let piece = out[start..end].to_vec();
                for _ in 0..=rng.below(8) {
                    out.splice(start..start, piece.iter().copied());
                }
            }
            6 if !others.is_empty() => {
                // Splice with another input.
                let other = &others[rng.below(others.len())].1;
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                out.truncate(cut);
                out.extend_from_slice(&other[from..]);
            }
            _ if len > 1 => {
                let cut = rng.below(len);
                out.truncate(cut);
            }
            _ => out.push(rng.next() as u8),
        }
    }
    out.truncate(4096);
    out
}

fn smoke(name: &str, target: Target) {
    let started = Instant::now();
    let mut inputs = read_inputs("seeds", name);
    assert!(
        !inputs.is_empty(),
        "no seeds in {}",
        dir("seeds", name).display()
    );
    inputs.extend(read_inputs("regressions", name));
    for (file, data) in &inputs {
        eprintln!("{name}: {file}");
        target(data);
    }
    let count: usize = std::env::var("NAMEKO_FUZZ_SMOKE_INPUTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3000);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ name.len() as u64);
    for i in 0..count {
        let seed = &inputs[i % inputs.len()].1;
        let input = mutate(&mut rng, seed, &inputs);
        let outcome = std::panic::catch_unwind(|| target(&input));
        if outcome.is_err() {
            let path = std::env::temp_dir().join(format!("nameko-fuzz-{name}-{i}"));
            let _ = std::fs::write(&path, &input);
            panic!(
                "{name}: mutated input {i} failed; saved as {} (replay: cargo run -p nameko-fuzz --bin {name} -- {})",
                path.display(),
                path.display()
            );
        }
    }
    eprintln!(
        "{name}: {} inputs ({} seeds and regressions), 0 failures, {:.2?}",
        inputs.len() + count,
        inputs.len(),
        started.elapsed()
    );
}

macro_rules! smoke_tests {
    ($($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                smoke(stringify!($name), nameko_fuzz::$name);
            }
        )*

        #[test]
        fn every_target_has_a_smoke_test() {
            let tested = [$(stringify!($name)),*];
            for (name, _) in TARGETS {
                assert!(tested.contains(&name), "{name} has no smoke test");
            }
        }
    };
}

smoke_tests!(
    rpc_body,
    event_body,
    context_headers,
    rule,
    http_request,
    websocket_frame,
    shell_line,
    config_yaml
);

/// Writes the seeds of `context_headers`: AMQP field tables as Nameko and kombu send them.
/// Run with `cargo test -p nameko-fuzz --test smoke -- --ignored write_context_headers_seeds`.
#[test]
#[ignore = "writes the seed files"]
fn write_context_headers_seeds() {
    use nameko_amqp::lapin::types::{
        AMQPValue, ByteArray, DecimalValue, FieldArray, FieldTable, LongString, ShortString,
        generation::gen_field_table,
    };
    let s = |v: &str| AMQPValue::LongString(LongString::from(v));
    let mut nameko = FieldTable::default();
    nameko.insert(
        ShortString::from("nameko.call_id_stack"),
        AMQPValue::FieldArray(FieldArray::from(vec![
            s("standalone_rpc_proxy.call.3f6e4b4c-8a4a-4b8e-9c63-0e0d3c1c2c55"),
            s("service_x.remote_method.0b8d2c1e-2f41-4d6b-a4b0-4d1f0e9e8f7a"),
        ])),
    );
    nameko.insert(
        ShortString::from("nameko.traceparent"),
        s("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
    );
    nameko.insert(ShortString::from("nameko.language"), s("en-gb"));
    nameko.insert(ShortString::from("nameko.user_id"), s("42"));
    nameko.insert(ShortString::from("x-foreign"), s("kept out"));
    let mut plain = FieldTable::default();
    plain.insert(
        ShortString::from("traceparent"),
        s("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"),
    );
    plain.insert(ShortString::from("nameko.auth_token"), s("t0k3n"));
    let mut types = FieldTable::default();
    let mut inner = FieldTable::default();
    inner.insert(ShortString::from("deep"), AMQPValue::Void);
    inner.insert(ShortString::from("n"), AMQPValue::ShortShortInt(-1));
    types.insert(
        ShortString::from("nameko.table"),
        AMQPValue::FieldTable(inner),
    );
    types.insert(ShortString::from("nameko.bool"), AMQPValue::Boolean(true));
    types.insert(
        ShortString::from("nameko.u32"),
        AMQPValue::LongUInt(u32::MAX),
    );
    types.insert(
        ShortString::from("nameko.i64"),
        AMQPValue::LongLongInt(i64::MIN),
    );
    types.insert(
        ShortString::from("nameko.ts"),
        AMQPValue::Timestamp(u64::MAX),
    );
    types.insert(ShortString::from("nameko.f"), AMQPValue::Float(1.5));
    types.insert(ShortString::from("nameko.d"), AMQPValue::Double(-2.25e300));
    types.insert(
        ShortString::from("nameko.dec"),
        AMQPValue::DecimalValue(DecimalValue {
            scale: 2,
            value: 12345,
        }),
    );
    types.insert(
        ShortString::from("nameko.bytes"),
        AMQPValue::ByteArray(ByteArray::from(vec![0xff, 0x00, b'a'])),
    );
    types.insert(ShortString::from("nameko.void"), AMQPValue::Void);
    types.insert(ShortString::from("nameko.call_id_stack"), s("not a list"));
    for (name, table) in [
        ("nameko", nameko),
        ("plain_traceparent", plain),
        ("types", types),
    ] {
        let bytes = match cookie_factory::gen_simple(gen_field_table(&table), Vec::new()) {
            Ok(bytes) => bytes,
            Err(e) => panic!("{e:?}"),
        };
        let path = dir("seeds", "context_headers").join(format!("{name}.bin"));
        if let Err(e) = std::fs::write(&path, bytes) {
            panic!("{}: {e}", path.display());
        }
    }
}
