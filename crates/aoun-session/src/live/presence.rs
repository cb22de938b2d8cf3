//! Kiosk mode: whether someone is at the desk, as an idle clock tells it. When nobody has touched
//! the screen or spoken for a while, the last seconds are counted down (the window shows them and
//! asks whether the person is still there), then the conversation is wiped for the next person.

use std::time::{Duration, Instant};

use super::State;

/// When a kiosk wipes the conversation of someone who has left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleWipe {
    /// Time without a sign of anyone (a touch, their voice, an answer playing) before the wipe.
    pub after: Duration,
    /// The end of that time, counted down.
    pub countdown: Duration,
    /// While nobody is there the microphone listens, so that speaking starts a conversation
    /// (true); or it waits for a touch (false: a simulated microphone, whose questions start
    /// when the screen is first touched).
    pub listen_while_away: bool,
}

/// Whether someone is at the kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Presence {
    /// Nobody is there: the window invites people.
    Away,
    /// Someone is there.
    Here,
    /// Nobody has been heard or has touched the screen for a while: the conversation is wiped in
    /// `seconds`, unless they show they are still there.
    Leaving {
        /// Seconds left, rounded up.
        seconds: u64,
    },
}

/// What the idle clock asks of the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Due {
    /// The presence changed: tell the window.
    Tell(Presence),
    /// The idle time is over: wipe the conversation.
    Wipe,
}

/// The idle clock of a kiosk.
pub(super) struct Attendance {
    wipe: IdleWipe,
    presence: Presence,
    last_sign: Instant,
}

impl Attendance {
    /// Nobody there yet.
    pub(super) fn new(wipe: IdleWipe) -> Self {
        Self {
            wipe,
            presence: Presence::Away,
            last_sign: Instant::now(),
        }
    }

    pub(super) fn presence(&self) -> Presence {
        self.presence
    }

    /// Whether the microphone listens for speech while the presence is what it is now.
    pub(super) fn listens(&self) -> bool {
        self.presence != Presence::Away || self.wipe.listen_while_away
    }

    /// Someone touched the screen or spoke at `now`: the new presence, when it changed.
    pub(super) fn sign(&mut self, now: Instant) -> Option<Presence> {
        self.last_sign = now;
        self.set(Presence::Here)
    }

    /// The conversation was wiped: nobody is there; the new presence, when it changed.
    pub(super) fn gone(&mut self) -> Option<Presence> {
        self.set(Presence::Away)
    }

    /// The clock at `now`, with the conversation in `state`.
    pub(super) fn tick(&mut self, now: Instant, state: State) -> Option<Due> {
        // The person speaking is always a sign of them; Aoun answering is one only while
        // someone is there, not its invitation to nobody or its "are you still there?".
        let sign = match state {
            State::Listening | State::Transcribing => true,
            State::Thinking | State::Speaking => self.presence == Presence::Here,
            State::Idle => false,
        };
        if sign {
            return self.sign(now).map(Due::Tell);
        }
        if self.presence == Presence::Away {
            return None;
        }
        let left = self
            .wipe
            .after
            .saturating_sub(now.saturating_duration_since(self.last_sign));
        if left.is_zero() {
            return Some(Due::Wipe);
        }
        let presence = if left <= self.wipe.countdown {
            Presence::Leaving {
                seconds: left.as_millis().div_ceil(1000) as u64,
            }
        } else {
            Presence::Here
        };
        self.set(presence).map(Due::Tell)
    }

    fn set(&mut self, presence: Presence) -> Option<Presence> {
        (self.presence != presence).then(|| {
            self.presence = presence;
            presence
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIPE: IdleWipe = IdleWipe {
        after: Duration::from_secs(60),
        countdown: Duration::from_secs(10),
        listen_while_away: true,
    };

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Someone there since `start`.
    fn someone_there(start: Instant) -> Attendance {
        let mut attendance = Attendance::new(WIPE);
        assert_eq!(attendance.sign(start), Some(Presence::Here));
        attendance
    }

    #[test]
    fn the_last_seconds_are_counted_down_then_the_conversation_is_wiped() {
        let start = Instant::now();
        let mut clock = someone_there(start);
        let mut at = |n| clock.tick(start + ms(n), State::Idle);
        assert_eq!(at(0), None);
        assert_eq!(at(49_999), None);
        let leaving = |seconds| Some(Due::Tell(Presence::Leaving { seconds }));
        assert_eq!(at(50_000), leaving(10));
        assert_eq!(at(50_001), None, "still 10 seconds, rounded up");
        assert_eq!(at(58_500), leaving(2));
        assert_eq!(at(59_999), leaving(1));
        assert_eq!(at(60_000), Some(Due::Wipe));
    }

    #[test]
    fn nobody_there_keeps_no_clock() {
        let start = Instant::now();
        let mut clock = Attendance::new(WIPE);
        assert_eq!(clock.tick(start + ms(600_000), State::Idle), None);
        // The spoken invitation is not someone there.
        assert_eq!(clock.tick(start + ms(600_000), State::Speaking), None);
        assert_eq!(clock.presence(), Presence::Away);
    }

    #[test]
    fn an_answer_holds_the_clock_but_aoun_asking_if_anyone_is_there_does_not() {
        let start = Instant::now();
        let mut clock = someone_there(start);
        // A long answer: the person is listening to it.
        assert_eq!(clock.tick(start + ms(55_000), State::Speaking), None);
        assert_eq!(clock.tick(start + ms(104_000), State::Idle), None);
        assert_eq!(
            clock.tick(start + ms(110_000), State::Idle),
            Some(Due::Tell(Presence::Leaving { seconds: 5 }))
        );
        // "Are you still there?" is Aoun's own voice: the countdown goes on.
        assert_eq!(
            clock.tick(start + ms(112_000), State::Speaking),
            Some(Due::Tell(Presence::Leaving { seconds: 3 }))
        );
        // The person answering is a sign of them: the countdown stops.
        assert_eq!(
            clock.tick(start + ms(113_000), State::Listening),
            Some(Due::Tell(Presence::Here))
        );
        assert_eq!(clock.tick(start + ms(160_000), State::Idle), None);
    }

    #[test]
    fn speaking_to_a_kiosk_nobody_was_at_is_someone_there() {
        let start = Instant::now();
        let mut clock = Attendance::new(WIPE);
        assert_eq!(
            clock.tick(start, State::Listening),
            Some(Due::Tell(Presence::Here))
        );
        assert_eq!(clock.gone(), Some(Presence::Away));
        assert_eq!(clock.gone(), None);
    }

    #[test]
    fn a_simulated_microphone_is_heard_only_once_someone_is_there() {
        let mut clock = Attendance::new(IdleWipe {
            listen_while_away: false,
            ..WIPE
        });
        assert!(!clock.listens());
        clock.sign(Instant::now());
        assert!(clock.listens());
        assert!(Attendance::new(WIPE).listens());
    }
}
