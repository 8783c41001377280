//! The `tandem` command line: parse, set up logging, run.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tandem::{App, config};

#[derive(Parser)]
#[command(
    name = "tandem",
    version,
    about = "Keeps Salesforce and NetSuite in sync, both ways, in near real time"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Receive webhooks and sync (until SIGINT or SIGTERM).
    Serve {
        /// TOML config file; `TANDEM_<SECTION>__<KEY>` variables override it.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Run the checks `serve` runs at start (config, mapping file, credentials and key files
    /// of the configured auth modes) and exit: 0 when valid, 2 with one line when not.
    Check {
        /// TOML config file; `TANDEM_<SECTION>__<KEY>` variables override it.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Connect to Salesforce and NetSuite with the configured credentials and check, without
    /// writing anything, that all tandem needs is set up; each ✗ comes with its fix. Exits 0
    /// when every check passes, 1 when one fails, 2 when the config does not load.
    Doctor {
        /// TOML config file; `TANDEM_<SECTION>__<KEY>` variables override it.
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// `text` (the checklist) or `json`.
        #[arg(long, value_enum, default_value_t = DoctorOutput::Text)]
        output: DoctorOutput,
    },
    /// Write a commented config file (every key with its default) and say what to fill in.
    /// Never overwrites: an existing file exits 2.
    Init {
        /// Where to write it.
        #[arg(long, short, default_value = "tandem.toml")]
        config: PathBuf,
    },
    /// Serve emulated Salesforce and NetSuite REST APIs (no accounts needed).
    Sandbox(SandboxArgs),
    /// Run tandem against the sandbox with sample changes and show what each system holds.
    Demo,
    /// List, show, replay or discard dead letters (`tandem dlq list --config tandem.toml`).
    Dlq(tandem::ops::dlq_command::DlqArgs),
    /// GET a URL (2 s timeout) and exit 0 on a 2xx answer, 1 otherwise: the container health
    /// check, e.g. `tandem probe http://127.0.0.1:9091/readyz`.
    Probe { url: String },
    /// Show flows, or pause or resume one (`tandem flows pause account_to_customer`).
    Flows(tandem::ops::flows_command::FlowsArgs),
    /// Parked conflicts: list, show, resolve (link to a candidate, create, ignore).
    Conflicts(tandem::ops::conflicts_command::ConflictsArgs),
    /// What tandem knows of one record (`tandem records salesforce 001…`).
    Records(tandem::ops::records_command::RecordsArgs),
    /// The go-live dry run: read every account and customer, and report the links it would
    /// make, duplicates, ambiguous matches and what would be created (`plan.csv`, `plan.html`).
    /// Writes nothing to either system.
    Plan {
        /// TOML config file; `TANDEM_<SECTION>__<KEY>` variables override it.
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Where the report files go (created if missing).
        #[arg(long, default_value = "tandem-plan")]
        out: PathBuf,
    },
    /// Sync the records that existed before go-live (or that webhooks missed) through the live
    /// workers: queues each source record of a flow as a change event, a window at a time, and
    /// waits for a running `tandem serve` to apply it. Resumes where a killed run stopped.
    Backfill(tandem::backfill::command::BackfillArgs),
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum DoctorOutput {
    Text,
    Json,
}

#[derive(clap::Args)]
struct SandboxArgs {
    /// Address of the emulated Salesforce.
    #[arg(long, default_value = "127.0.0.1:8081")]
    salesforce_listen: std::net::SocketAddr,
    /// Address of the emulated NetSuite.
    #[arg(long, default_value = "127.0.0.1:8082")]
    netsuite_listen: std::net::SocketAddr,
    /// Serve the emulated Salesforce's Pub/Sub API (gRPC, Change Data Capture events) here,
    /// e.g. `127.0.0.1:8083`. Not served when unset.
    #[arg(long, value_name = "ADDRESS")]
    salesforce_pubsub_listen: Option<std::net::SocketAddr>,
    /// NetSuite's account concurrency limit (request N+1 in flight gets 429).
    #[arg(long, default_value_t = 10)]
    netsuite_concurrency: usize,
    /// Service latency added to every API call, e.g. `100ms`.
    #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
    latency: std::time::Duration,
    /// Start empty instead of with sample records.
    #[arg(long)]
    no_seed: bool,
    /// Post NetSuite record changes as signed events to this full endpoint URL of a running
    /// tandem, e.g. `http://127.0.0.1:8080/webhooks/netsuite/events`.
    #[arg(long, value_name = "URL")]
    echo_netsuite_url: Option<String>,
    /// Post Salesforce record changes as Outbound Messages (SOAP) to this full endpoint URL of
    /// a running tandem, e.g. `http://127.0.0.1:8080/webhooks/salesforce/outbound-message`
    /// (add `?token=…` when tandem has `salesforce.outbound_message_token`).
    #[arg(long, value_name = "URL")]
    echo_salesforce_url: Option<String>,
    /// PEM public key accepted for Salesforce JWT bearer assertions.
    #[arg(long)]
    salesforce_jwt_public_key: Option<PathBuf>,
    /// PEM public key accepted for NetSuite OAuth 2.0 M2M assertions.
    #[arg(long)]
    netsuite_m2m_public_key: Option<PathBuf>,
    /// Start without one of the custom fields tandem's default mapping uses, to see what
    /// `tandem doctor` says: `salesforce:Account.NetSuite_Id__c`,
    /// `netsuite:customer.custentity_sf_account_id`. Repeatable.
    #[arg(long, value_name = "SYSTEM:OBJECT.FIELD")]
    without_field: Vec<tandem::sandbox::FieldName>,
}

/// mimalloc rather than the system allocator: request handling allocates many small, short-lived
/// values across threads, where glibc's malloc spent a sixth of tandem's ingest CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { config } => serve(config),
        Command::Check { config } => check(config),
        Command::Doctor { config, output } => doctor(config, output),
        Command::Init { config } => init(&config),
        Command::Sandbox(args) => sandbox(args),
        Command::Demo => demo(),
        Command::Dlq(args) => dlq(args),
        Command::Probe { url } => tandem::probe::run(&url),
        Command::Flows(args) => match load(args.config.clone()) {
            Ok(config) => run("tandem flows", async {
                println!("{}", tandem::ops::flows_command::run(&config, args).await?);
                Ok(())
            }),
            Err(code) => code,
        },
        Command::Conflicts(args) => match load(args.config.clone()) {
            Ok(config) => run("tandem conflicts", async {
                println!(
                    "{}",
                    tandem::ops::conflicts_command::run(&config, args).await?
                );
                Ok(())
            }),
            Err(code) => code,
        },
        Command::Plan { config, out } => plan(config, &out),
        Command::Backfill(args) => backfill(args),
        Command::Records(args) => match load(args.config.clone()) {
            Ok(config) => run("tandem records", async {
                println!(
                    "{}",
                    tandem::ops::records_command::run(&config, args).await?
                );
                Ok(())
            }),
            Err(code) => code,
        },
    }
}

fn load(path: Option<PathBuf>) -> Result<tandem::Config, ExitCode> {
    config::load(path.as_deref()).map_err(|error| {
        eprintln!("{error}");
        ExitCode::from(2)
    })
}

/// The config as `serve` needs it: loaded, then checked for starting (the same checks for
/// `check` and `serve`); warnings go to stderr.
fn load_for_start(path: Option<PathBuf>) -> Result<tandem::Config, ExitCode> {
    let config = load(path)?;
    if let Err(error) = config.check_startup() {
        eprintln!("{error}");
        return Err(ExitCode::from(2));
    }
    for warning in config.startup_warnings() {
        eprintln!("{warning}");
    }
    Ok(config)
}

fn check(path: Option<PathBuf>) -> ExitCode {
    match load_for_start(path) {
        Ok(_) => {
            println!("config ok");
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn doctor(path: Option<PathBuf>, output: DoctorOutput) -> ExitCode {
    let config = match load_for_start(path) {
        Ok(config) => config,
        Err(code) => return code,
    };
    // The checklist is the output.
    log_warnings_only(&config);
    let report = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(tandem::doctor::run(&config)),
        Err(error) => {
            eprintln!("tandem doctor: {error}");
            return ExitCode::FAILURE;
        }
    };
    match output {
        DoctorOutput::Text => print!("{}", report.text()),
        DoctorOutput::Json => println!("{}", report.json()),
    }
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn plan(path: Option<PathBuf>, out: &std::path::Path) -> ExitCode {
    let config = match load_for_start(path) {
        Ok(config) => config,
        Err(code) => return code,
    };
    // The summary is the output.
    log_warnings_only(&config);
    run("tandem plan", async {
        let (plan, written) = tandem::plan::run(&config, out).await?;
        print!("{}", plan.summary());
        println!(
            "Nothing was written to either system. Report: {} and {}",
            written.csv.display(),
            written.html.display()
        );
        Ok(())
    })
}

fn backfill(args: tandem::backfill::command::BackfillArgs) -> ExitCode {
    let config = match load_for_start(args.config.clone()) {
        Ok(config) => config,
        Err(code) => return code,
    };
    log_warnings_only(&config);
    run("tandem backfill", async {
        let report = tandem::backfill::run(&config, &args.options()).await?;
        print!("{}", report.summary());
        Ok(())
    })
}

/// Logging for a command whose output is its report: only warnings and errors.
fn log_warnings_only(config: &tandem::Config) {
    tandem::telemetry::init(&tandem::config::ServerConfig {
        log_level: "warn".into(),
        ..config.server.clone()
    });
}

fn init(path: &std::path::Path) -> ExitCode {
    match config::init::write_example(path) {
        Ok(()) => {
            println!("{}", config::init::next_steps(path));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("tandem init: {error}");
            ExitCode::from(2)
        }
    }
}

fn serve(path: Option<PathBuf>) -> ExitCode {
    let config = match load_for_start(path) {
        Ok(config) => config,
        Err(code) => return code,
    };
    tandem::telemetry::init(&config.server);
    run("tandem", async {
        let app = App::build(config).await?;
        app.run_until(shutdown_signal()).await
    })
}

/// Runs `work` on a multi-threaded runtime; an error is printed as one line.
fn run(name: &str, work: impl std::future::Future<Output = anyhow::Result<()>>) -> ExitCode {
    let result = tokio::runtime::Runtime::new()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(work));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The chain of contexts, outermost first.
            eprintln!("{name}: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn demo() -> ExitCode {
    // The report is the output; only warnings and errors from the run itself.
    let server = tandem::config::ServerConfig {
        log_level: "warn".into(),
        ..Default::default()
    };
    tandem::telemetry::init(&server);
    run("tandem demo", async {
        let report = tandem::demo::run().await?;
        println!("{report}");
        Ok(())
    })
}

fn dlq(args: tandem::ops::dlq_command::DlqArgs) -> ExitCode {
    let config = match load(args.config) {
        Ok(config) => config,
        Err(code) => return code,
    };
    // The command's output is on stdout.
    log_warnings_only(&config);
    run("tandem dlq", async {
        let output = tandem::ops::dlq_command::run(&config, args.action).await?;
        println!("{output}");
        Ok(())
    })
}

fn sandbox(args: SandboxArgs) -> ExitCode {
    let read_key = |path: Option<PathBuf>| -> Result<Option<String>, String> {
        path.map(|path| {
            std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
        })
        .transpose()
    };
    let mut credentials = tandem::sandbox::SandboxCredentials::default();
    match (
        read_key(args.salesforce_jwt_public_key),
        read_key(args.netsuite_m2m_public_key),
    ) {
        (Ok(salesforce), Ok(netsuite)) => {
            credentials.salesforce_jwt_public_key_pem = salesforce;
            credentials.netsuite_m2m_public_key_pem = netsuite;
        }
        (Err(error), _) | (_, Err(error)) => {
            eprintln!("tandem sandbox: {error}");
            return ExitCode::from(2);
        }
    }
    let config = tandem::sandbox::SandboxConfig {
        salesforce_listen: args.salesforce_listen,
        netsuite_listen: args.netsuite_listen,
        salesforce_pubsub_listen: args.salesforce_pubsub_listen,
        credentials,
        netsuite_concurrency: args.netsuite_concurrency.max(1),
        fields: tandem::sandbox::FieldChanges {
            without: args.without_field,
            extra: Vec::new(),
        },
        latency: args.latency,
        seed: !args.no_seed,
        echo: tandem::sandbox::EchoConfig {
            netsuite_events_url: args.echo_netsuite_url,
            salesforce_outbound_url: args.echo_salesforce_url,
        },
    };
    tandem::telemetry::init(&tandem::config::ServerConfig::default());
    run("tandem sandbox", async {
        let sandbox = tandem::sandbox::Sandbox::start(config.clone()).await?;
        println!("{}", tandem::sandbox::banner(&sandbox, &config));
        shutdown_signal().await;
        sandbox.stop().await;
        Ok(())
    })
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("SIGTERM handler installs");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
