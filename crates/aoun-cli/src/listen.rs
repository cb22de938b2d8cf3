//! `aoun listen`: the live conversation, over the microphone and loudspeaker, or over a
//! microphone simulated from WAV files (for tests and benchmarks on machines without a sound card).

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use aoun_audio::{
    AudioSink, AudioSource, CpalSink, CpalSource, DeviceError, Pacing, RoomSpec, Timeline, WavSink,
    WavSource, FRAME_SAMPLES,
};
use aoun_session::{Control, LiveConfig, LiveEvent};

use crate::output::Loading;

use aoun_desk::{LiveDesk, Setup};

/// Options of `aoun listen`.
#[derive(clap::Args, Debug, Clone)]
pub struct ListenArgs {
    /// Simulate the microphone with these spoken questions, one after the other (at the `--at`
    /// times, or `--gap` seconds after the previous question ends). Without it, the default
    /// microphone and loudspeaker are used.
    #[arg(long = "wav", value_name = "Q.wav")]
    pub wavs: Vec<PathBuf>,
    /// Start times in seconds of the questions given with `--wav`, in the same order.
    #[arg(long = "at", value_name = "SECONDS")]
    pub at: Vec<f32>,
    /// Seconds between the end of a question and the next one, when `--at` does not say.
    #[arg(long, default_value_t = 12.0)]
    pub gap: f32,
    /// Seconds of silence after the last question.
    #[arg(long, default_value_t = 1.5)]
    pub tail: f32,
    /// The room the simulated microphone hears Aoun's own voice through: office, counter,
    /// waiting-room or hall (see `aoun bench echo`), or none.
    #[arg(long, default_value = "office", value_parser = parse_room)]
    pub room: SimulatedRoom,
    /// Do not cancel the loudspeaker's echo (for a headset).
    #[arg(long)]
    pub no_echo_cancel: bool,
    /// Push to talk: the simulated button is held during each question, instead of hands-free.
    #[arg(long)]
    pub push_to_talk: bool,
    /// Write what the simulated loudspeaker played to this WAV file.
    #[arg(long, value_name = "OUT.wav")]
    pub out: Option<PathBuf>,
    /// Silence that ends a question in hands-free mode, in milliseconds.
    #[arg(long, default_value_t = 600)]
    pub end_silence_ms: u64,
    #[command(flatten)]
    pub setup: Setup,
}

/// The room a simulated microphone is in; `None`: it hears no loudspeaker.
#[derive(Debug, Clone)]
pub struct SimulatedRoom(pub Option<RoomSpec>);

/// A kiosk room by name, or `none`.
pub fn parse_room(name: &str) -> Result<SimulatedRoom, String> {
    if name == "none" {
        return Ok(SimulatedRoom(None));
    }
    RoomSpec::kiosk(name)
        .map(|room| SimulatedRoom(Some(room)))
        .ok_or_else(|| {
            let names: Vec<&str> = RoomSpec::kiosks().iter().map(|room| room.name).collect();
            format!(
                "no room is called {name}: choose {} or none",
                names.join(", ")
            )
        })
}

/// The questions laid out on a timeline, and when each is spoken.
fn timeline(args: &ListenArgs) -> anyhow::Result<(Timeline, Vec<(Duration, Duration)>)> {
    let mut timeline = Timeline::new();
    let mut spans = Vec::new();
    let mut next = Duration::from_millis(500);
    for (i, path) in args.wavs.iter().enumerate() {
        let (audio, _) = aoun_audio::read_wav(path)?;
        let start = args
            .at
            .get(i)
            .map_or(next, |s| Duration::from_secs_f32(s.max(0.0)));
        let length = Duration::from_secs_f32(audio.duration_secs());
        timeline = timeline.clip(start, audio);
        spans.push((start, start + length));
        next = start + length + Duration::from_secs_f32(args.gap.max(0.0));
    }
    let end =
        spans.last().map_or(Duration::ZERO, |s| s.1) + Duration::from_secs_f32(args.tail.max(0.0));
    Ok((timeline.length(end), spans))
}

/// Runs a live session as `args` says, printing its events as they come (text, or one JSON
/// object per line).
pub fn run(args: ListenArgs, models_dir: Option<PathBuf>, json: bool) -> anyhow::Result<()> {
    let desk = aoun_desk::load_listening(models_dir, &args.setup, &mut Loading { quiet: json })?;
    let config = LiveConfig {
        hands_free: !args.push_to_talk,
        endpoint: aoun_audio::EndpointConfig {
            trailing_silence: Duration::from_millis(args.end_silence_ms),
            ..Default::default()
        },
        language: args.setup.lang.clone(),
        echo_cancel: !args.no_echo_cancel,
        ..LiveConfig::default()
    };
    let mut session = desk.into_live(config)?;
    let (control_tx, controls) = mpsc::channel();

    if args.wavs.is_empty() {
        let mut sink = CpalSink::open_default()?;
        let mut source = CpalSource::open_default(FRAME_SAMPLES)?;
        loop {
            let outcome = drive(&mut session, &mut source, &mut sink, &controls, json);
            if !outcome.as_ref().is_err_and(|e| e.is::<DeviceError>()) {
                return outcome;
            }
            // The turn ended with the device; once it is back, the same conversation goes on.
            while let Err(e) = source.reopen().and_then(|()| sink.reopen()) {
                tracing::debug!(error = %e, "devices not back yet");
                std::thread::sleep(DEVICE_RETRY);
            }
        }
    }

    let (timeline, spans) = timeline(&args)?;
    let mut sink = WavSink::new(22_050, Pacing::RealTime);
    let mut source = WavSource::new(&timeline, Pacing::RealTime);
    if let SimulatedRoom(Some(room)) = args.room.clone() {
        // The room's babble is made from the questions themselves, reversed.
        let voices = args
            .wavs
            .iter()
            .map(|path| aoun_audio::read_wav(path).map(|(audio, _)| audio))
            .collect::<Result<Vec<_>, _>>()?;
        source = source.with_room(sink.control(), room, &voices);
    }
    if args.push_to_talk {
        // The simulated button, held a little before and after each question.
        let button = control_tx.clone();
        let started = Instant::now();
        std::thread::spawn(move || {
            for (start, end) in spans {
                let press = start.saturating_sub(Duration::from_millis(200));
                std::thread::sleep(press.saturating_sub(started.elapsed()));
                let _ = button.send(Control::Press);
                std::thread::sleep(
                    (end + Duration::from_millis(300)).saturating_sub(started.elapsed()),
                );
                let _ = button.send(Control::Release);
            }
        });
    }
    drive(&mut session, &mut source, &mut sink, &controls, json)?;
    drop(control_tx);
    if let Some(path) = &args.out {
        sink.write_wav(path)?;
    }
    Ok(())
}

/// How often a lost microphone or loudspeaker is looked for again.
const DEVICE_RETRY: Duration = Duration::from_secs(1);

/// Runs the session on this thread and prints its events on another until it ends.
fn drive(
    session: &mut LiveDesk,
    source: &mut dyn AudioSource,
    sink: &mut dyn AudioSink,
    controls: &mpsc::Receiver<Control>,
    json: bool,
) -> anyhow::Result<()> {
    let (events_tx, events) = mpsc::channel();
    let printer = std::thread::spawn(move || {
        for event in events.iter() {
            print_event(&event, json);
        }
    });
    let outcome = session.run(source, sink, controls, &events_tx);
    drop(events_tx);
    let _ = printer.join();
    Ok(outcome?)
}

fn print_event(event: &LiveEvent, json: bool) {
    if json {
        if let Ok(line) = serde_json::to_string(event) {
            println!("{line}");
        }
        return;
    }
    match event {
        LiveEvent::State { state } => println!("[{state:?}]"),
        LiveEvent::HandsFree { on } => println!("[hands-free {}]", if *on { "on" } else { "off" }),
        LiveEvent::Presence { presence } => println!("[presence: {presence:?}]"),
        LiveEvent::NoSpeech => println!("(no speech heard)"),
        LiveEvent::Heard { transcript, .. } => println!("heard ({}): {}", transcript.language, transcript.text),
        LiveEvent::Speaking { text, .. } => println!("speaking: {text}"),
        LiveEvent::Answer { answer, timings, .. } => println!(
            "answer ({}, {:?}): {} | voice to first audio {} ms (speech-to-text {} ms, model first token {} ms)",
            answer.lang,
            answer.source,
            answer.text,
            timings.voice_to_first_audio_ms.map_or("-".into(), |v| v.to_string()),
            timings.stt_ms,
            timings.llm_first_token_ms.map_or("-".into(), |v| v.to_string()),
        ),
        LiveEvent::Interrupted { heard_ms } => match heard_ms {
            Some(ms) => println!("(interrupted after {ms} ms of speech)"),
            None => println!("(interrupted)"),
        },
        LiveEvent::TurnFailed { message } => println!("turn failed: {message}"),
        LiveEvent::DeviceLost { message } => println!("device lost: {message}"),
    }
}
