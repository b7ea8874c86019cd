//! Python Nameko 2.14: the venv made by `scripts/python-venv`, `nameko run` services and
//! the benchmark's Python client (`benches/python`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::procs::{Server, scratch_dir};

/// What the Python rows say when there is no venv.
pub(crate) const NO_VENV: &str = "python nameko venv not found (run scripts/python-venv)";

/// The venv with nameko 2.14.1 and the benchmark's Python files.
#[derive(Debug, Clone)]
pub(crate) struct Python {
    venv: PathBuf,
    dir: PathBuf,
}

impl Python {
    /// The venv: `NAMEKO_VENV`, else `<workspace>/.venv`; `None` if it has no
    /// `bin/nameko`.
    pub(crate) fn find() -> Option<Self> {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let venv = std::env::var_os("NAMEKO_VENV")
            .map(PathBuf::from)
            .unwrap_or_else(|| manifest.join("../.venv"));
        venv.join("bin/nameko").is_file().then(|| Python {
            venv,
            dir: manifest.join("python"),
        })
    }

    /// "nameko 2.14.1, Python 3.x.y" as the venv reports it.
    pub(crate) fn describe(&self) -> String {
        let run = |code: &str| {
            Command::new(self.venv.join("bin/python"))
                .args(["-c", code])
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "?".to_owned())
        };
        format!(
            "nameko {}, Python {}",
            run("import importlib.metadata as m; print(m.version('nameko'))"),
            run("import platform; print(platform.python_version())")
        )
    }

    fn command(&self, program: &str, amqp_uri: &str) -> Command {
        let mut cmd = Command::new(self.venv.join("bin").join(program));
        cmd.current_dir(&self.dir)
            .env("AMQP_URI", amqp_uri)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1");
        cmd
    }

    /// `nameko run --config <config> bench_services:<class>` with `AMQP_URI: amqp_uri`
    /// plus `extra_config` (YAML lines).
    pub(crate) fn nameko_run(
        &self,
        class: &str,
        amqp_uri: &str,
        extra_config: &str,
    ) -> Result<Server, String> {
        let dir = scratch_dir(&format!("python-{class}"))?;
        let config = dir.join("config.yaml");
        let uri = serde_json::to_string(amqp_uri).unwrap_or_default();
        std::fs::write(&config, format!("AMQP_URI: {uri}\n{extra_config}"))
            .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
        let mut cmd = self.command("nameko", amqp_uri);
        cmd.arg("run")
            .arg("--config")
            .arg(&config)
            .arg(format!("bench_services:{class}"));
        Server::spawn(&format!("nameko run {class}"), dir, cmd)
    }

    /// Runs `python bench_client.py <args>` and returns the JSON it prints.
    pub(crate) async fn client(&self, amqp_uri: &str, args: &[String]) -> Result<Value, String> {
        let mut cmd = self.command("python", amqp_uri);
        cmd.arg("bench_client.py").args(args);
        let what = format!("python bench_client.py {}", args.join(" "));
        let output = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .map_err(|e| format!("{what}: {e}"))?
            .map_err(|e| format!("{what}: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!(
                "{what} failed ({}):\n{stdout}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let last = stdout.lines().last().unwrap_or_default();
        serde_json::from_str(last).map_err(|e| format!("{what} printed no JSON ({e}): {stdout}"))
    }
}

/// A number field of a client's JSON output.
pub(crate) fn field(v: &Value, name: &str) -> Result<f64, String> {
    v.get(name)
        .and_then(Value::as_f64)
        .ok_or_else(|| format!("no `{name}` in {v}"))
}
