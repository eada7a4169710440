//! Helpers shared by the command-line tests: the real `estorno` binary with a clean
//! environment, and a sandbox hosted by the test process (so it outlives the binary and its
//! ledger can be audited).

use std::path::{Path, PathBuf};

use estorno_sandbox::{DemoPayment, Sandbox, demo_payments};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_estorno");

/// A sandbox served by this test process on its own runtime threads.
pub struct Hosted {
    pub sandbox: Sandbox,
    // Declared after the sandbox, so the sandbox is dropped while the runtime still runs.
    _runtime: tokio::runtime::Runtime,
}

impl Hosted {
    /// Waits (at most 30 s) until the sandbox has applied every effect it held back under a
    /// delayed fault, as an operator waits out a provider's queue.
    pub fn wait_for_delayed_effects(&self) {
        let started = std::time::Instant::now();
        while self.sandbox.delayed_effects() > 0
            && started.elapsed() < std::time::Duration::from_secs(30)
        {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert_eq!(
            self.sandbox.delayed_effects(),
            0,
            "delayed effects never landed"
        );
    }

    /// A seeded sandbox (the demo payments).
    pub fn start() -> Hosted {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = runtime.block_on(Sandbox::start()).unwrap();
        Hosted {
            sandbox,
            _runtime: runtime,
        }
    }

    pub fn url(&self) -> String {
        self.sandbox.url()
    }

    /// How many requests reached a provider's operation.
    pub fn count(&self, provider: &str, operation: &str) -> u64 {
        self.sandbox.request_count(provider, operation)
    }

    /// Every request to every operation but `token` and the look-ups (`status`, and Efí's
    /// `status_devolucao`): what could move money.
    pub fn cancellations_sent(&self) -> u64 {
        self.sandbox
            .requests()
            .iter()
            .filter(|count| count.operation != "token" && !count.operation.starts_with("status"))
            .map(|count| count.count)
            .sum()
    }

    /// Every request of any kind.
    pub fn all_requests(&self) -> u64 {
        self.sandbox
            .requests()
            .iter()
            .map(|count| count.count)
            .sum()
    }
}

/// The variables the binary reads, removed so the developer's own settings cannot leak in.
fn scrub(command: &mut std::process::Command) {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ESTORNO_") {
            command.env_remove(&name);
        }
    }
    command.env("NO_COLOR", "1");
    // What `estorno cancel` remembers between runs stays with this test process.
    command.env(
        "ESTORNO_STATE_DIR",
        std::env::temp_dir().join(format!("estorno-test-state-{}", std::process::id())),
    );
}

/// `estorno` with no provider settings: the embedded sandbox.
pub fn estorno() -> assert_cmd::Command {
    let mut command = std::process::Command::new(BIN);
    scrub(&mut command);
    assert_cmd::Command::from_std(command)
}

/// `estorno` pointed at a sandbox URL.
pub fn estorno_at(url: &str) -> assert_cmd::Command {
    let mut command = std::process::Command::new(BIN);
    scrub(&mut command);
    command.env("ESTORNO_SANDBOX_URL", url);
    assert_cmd::Command::from_std(command)
}

/// A plain `std::process::Command` for `estorno` at a sandbox URL (to spawn and kill).
pub fn spawn_command(url: &str) -> std::process::Command {
    let mut command = std::process::Command::new(BIN);
    scrub(&mut command);
    command.env("ESTORNO_SANDBOX_URL", url);
    command
}

/// Writes a file in `dir` and returns its path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The text of a command's output stream.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The first demo payment of `slug` that can be refunded in full.
pub fn refundable(slug: &str) -> DemoPayment {
    demo_payments()
        .into_iter()
        .find(|payment| payment.provider == slug && payment.refundable_cents > 0)
        .unwrap()
}

/// `--field` arguments for a demo payment's provider fields.
pub fn field_args(payment: &DemoPayment) -> Vec<String> {
    let mut args = Vec::new();
    for (name, value) in [
        ("authorizationId", &payment.authorization_id),
        ("codigoEstabelecimento", &payment.establishment),
        ("marketplace_id", &payment.marketplace_id),
        ("on_behalf_of", &payment.on_behalf_of),
    ] {
        if let Some(value) = value {
            args.push(String::from("--field"));
            args.push(format!("{name}={value}"));
        }
    }
    args
}
