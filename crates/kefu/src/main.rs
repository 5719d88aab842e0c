//! `kefu`: the one binary. Serves the product, runs migrations, creates admins, prints the
//! configuration example and the OpenAPI document.

mod config;
mod demo;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use config::Config;

#[derive(Parser)]
#[command(
    name = "kefu",
    version,
    about = "Kefu 客服: self-hosted online customer service for e-commerce"
)]
struct Cli {
    /// Configuration file (default: ./kefu.toml if it exists).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve Kefu (the default data folder is ./kefu-data, SQLite inside).
    Serve {
        /// Address and port to listen on (overrides `listen`).
        #[arg(long)]
        listen: Option<String>,
        /// Data folder (overrides `data_dir`).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Seed a demo shop (an admin, two agents, customers) and print how to sign in.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage administrators.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Print the OpenAPI document of the REST API.
    Openapi,
    /// The knowledge base: export and import.
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
    /// The search index.
    Search {
        #[command(subcommand)]
        command: SearchCommand,
    },
}

#[derive(Subcommand)]
enum KbCommand {
    /// Write every category and article into a folder of Markdown files with front matter,
    /// or, when PATH ends in .csv, into one CSV file.
    Export { path: PathBuf },
    /// Read such a folder or CSV file; articles are matched by slug (new ones are made, changed
    /// ones get a new revision).
    Import { path: PathBuf },
}

#[derive(Subcommand)]
enum SearchCommand {
    /// Build this instance's search index again from the database (stop `kefu serve` first;
    /// a running instance rebuilds by itself when its index is missing or damaged).
    Reindex {
        /// Data folder (overrides `data_dir`).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an administrator (the password is read from KEFU_ADMIN_PASSWORD, or generated and printed).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print a commented kefu.toml with every setting and its default.
    Example,
}

fn service_error(e: kefu_service::Error) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("KEFU_"))
        .collect();
    match cli.command {
        Command::Config {
            command: ConfigCommand::Example,
        } => {
            print!("{}", config::EXAMPLE);
            return ExitCode::SUCCESS;
        }
        Command::Openapi => {
            println!("{}", kefu_web::api::openapi_json());
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let mut config = match Config::load(cli.config.as_deref(), &env) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kefu: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kefu: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve {
                listen,
                data_dir,
                demo,
            } => {
                if let Some(l) = listen {
                    config.listen = l;
                }
                if let Some(d) = data_dir {
                    config.data_dir = d;
                }
                config.validate()?;
                serve::run(config, demo).await
            }
            Command::Migrate => {
                let db = serve::open_db(&config).await?;
                db.migrate().await?;
                println!("migrations applied ({})", db.backend().as_str());
                Ok(())
            }
            Command::Admin {
                command: AdminCommand::Create { email, name },
            } => {
                let db = serve::open_db(&config).await?;
                db.migrate().await?;
                let password = std::env::var("KEFU_ADMIN_PASSWORD")
                    .ok()
                    .filter(|p| !p.is_empty());
                let (user, shown) = demo::create_admin(&db, &email, &name, password).await?;
                println!("admin created: {} <{}>", user.name, user.email);
                if let Some(p) = shown {
                    println!("password: {p}");
                }
                Ok(())
            }
            Command::Kb { command } => {
                let db = serve::open_db(&config).await?;
                db.migrate().await?;
                let is_csv = |p: &std::path::Path| p.extension().is_some_and(|e| e == "csv");
                match command {
                    KbCommand::Export { path } if is_csv(&path) => {
                        let csv = kefu_service::knowledge::io::export_csv(&db)
                            .await
                            .map_err(service_error)?;
                        std::fs::write(&path, csv)?;
                        println!("articles written to {}", path.display());
                    }
                    KbCommand::Export { path } => {
                        let n = kefu_service::knowledge::io::export_folder(&db, &path)
                            .await
                            .map_err(service_error)?;
                        println!("{n} articles written to {}", path.display());
                    }
                    KbCommand::Import { path } => {
                        let report = if is_csv(&path) {
                            let text = std::fs::read_to_string(&path)?;
                            kefu_service::knowledge::io::import_csv(&db, &text, None).await
                        } else {
                            kefu_service::knowledge::io::import_folder(&db, &path, None).await
                        }
                        .map_err(service_error)?;
                        println!(
                            "imported: {} new, {} changed, {} unchanged, {} new categories \
                             (a running server's search catches up by itself)",
                            report.created,
                            report.updated,
                            report.unchanged,
                            report.categories_created
                        );
                    }
                }
                Ok(())
            }
            Command::Search {
                command: SearchCommand::Reindex { data_dir },
            } => {
                if let Some(d) = data_dir {
                    config.data_dir = d;
                }
                let db = serve::open_db(&config).await?;
                db.migrate().await?;
                let dir = config.data_dir.join("index");
                let started = std::time::Instant::now();
                let (index, _) = kefu_search::SearchIndex::open(&dir).map_err(|e| {
                    anyhow::anyhow!("{e} (is kefu serve running on this data folder?)")
                })?;
                let index = std::sync::Arc::new(index);
                kefu_service::search::rebuild(&db, &index)
                    .await
                    .map_err(|e| anyhow::anyhow!("reindex failed: {e}"))?;
                println!(
                    "search index rebuilt in {} ms: {} documents in {}",
                    started.elapsed().as_millis(),
                    index.num_docs(),
                    dir.display()
                );
                Ok(())
            }
            Command::Config { .. } | Command::Openapi => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kefu: {e:#}");
            ExitCode::FAILURE
        }
    }
}
