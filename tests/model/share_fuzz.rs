//! Fuzzes the share-link decoder: random text, valid links changed character by character, cut
//! short or spliced, and valid states with their JSON changed and then packed again (so the
//! checksum passes and the JSON reader and the checks are reached). Decoding must never panic
//! or hang, and whatever decodes must replay without panicking.
//!
//! `SHARE_FUZZ_CASES` sets how many inputs (20,000 by default in `make test`; `make soak` runs
//! a million in a release build) and `SHARE_FUZZ_SEED` the first seed. A failure names the
//! input's seed.

use crate::support::{act, frames, on, FRAME_MS};
use cascade::embed::PageOptions;
use cascade::model::replay::MAX_REPLAY_EVENTS;
use cascade::model::share::{self, SharedState};
use cascade::model::{Action, Playground};
use cascade_sim::rng::Pcg32;
use cascade_sim::{presets, SimTime};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Valid states to start mutating from: each preset run for a while with a fault or two.
fn valid_states() -> Vec<SharedState> {
    presets::ALL
        .iter()
        .map(|preset| {
            let mut playground = on((preset.build)());
            act(&mut playground, Action::SetSeed("3".into()));
            act(&mut playground, Action::SetSpeed(1.0));
            frames(&mut playground, 60, FRAME_MS);
            let node = playground.main().scenario().services[0].name.clone();
            act(&mut playground, Action::ToggleKill(node));
            frames(&mut playground, 30, FRAME_MS);
            playground.capture()
        })
        .collect()
}

const CHARSET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=%#&?/ \n\"{}[],:0123456789";

fn random_text(rng: &mut Pcg32, length: usize) -> String {
    (0..length)
        .map(|_| char::from(CHARSET[rng.below(CHARSET.len() as u32) as usize]))
        .collect()
}

/// One change to a text: a character replaced, inserted or removed, a cut, or a splice.
fn mutate(rng: &mut Pcg32, text: &str, other: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let position = |rng: &mut Pcg32, length: usize| rng.below(length.max(1) as u32) as usize;
    for _ in 0..=rng.below(3) {
        let at = position(rng, bytes.len());
        match rng.below(6) {
            0 if !bytes.is_empty() => bytes[at] = CHARSET[rng.below(CHARSET.len() as u32) as usize],
            1 => bytes.insert(
                at.min(bytes.len()),
                CHARSET[rng.below(CHARSET.len() as u32) as usize],
            ),
            2 if !bytes.is_empty() => {
                bytes.remove(at);
            }
            3 => bytes.truncate(at),
            4 => {
                let from = position(rng, other.len());
                bytes.truncate(at);
                bytes.extend_from_slice(&other.as_bytes()[from.min(other.len())..]);
            }
            _ if !bytes.is_empty() => bytes[at] ^= 1 << rng.below(7),
            _ => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn the_decoder_survives_random_and_mutated_links() {
    let cases = env_number("SHARE_FUZZ_CASES", 20_000);
    let first = env_number("SHARE_FUZZ_SEED", 1);
    let states = valid_states();
    let links: Vec<String> = states.iter().map(share::encode).collect();
    let jsons: Vec<String> = states
        .iter()
        .map(|state| serde_json::to_string(state).expect("json"))
        .collect();
    let (mut opened, mut replayed, mut slowest) = (0u64, 0u64, (0.0f64, 0u64));
    for seed in first..first + cases {
        let mut rng = Pcg32::new(seed, 0x5eed);
        let pick = rng.below(states.len() as u32) as usize;
        let other = rng.below(states.len() as u32) as usize;
        let input = match rng.below(4) {
            0 => {
                let length = rng.below(300) as usize;
                if rng.chance(0.5) {
                    format!("share=1.{}", random_text(&mut rng, length))
                } else {
                    random_text(&mut rng, length)
                }
            }
            1 => mutate(&mut rng, &links[pick], &links[other]),
            _ => share::pack(mutate(&mut rng, &jsons[pick], &jsons[other]).as_bytes()),
        };
        let started = std::time::Instant::now();
        let decoded = std::panic::catch_unwind(|| share::decode(&input))
            .unwrap_or_else(|_| panic!("seed {seed}: the decoder panicked on {input:?}"));
        if let Ok(Some(state)) = decoded {
            opened += 1;
            // Replaying is bounded by the state's time; fuzzed times far beyond the original
            // run only cost time here, the decoder already capped them at an hour.
            if state.at <= SimTime::from_secs(30) {
                replayed += 1;
                let _ = std::panic::catch_unwind(|| {
                    Playground::restore(&state, PageOptions::default()).map(|_| ())
                })
                .unwrap_or_else(|_| panic!("seed {seed}: replaying panicked on {input:?}"));
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        if seconds > slowest.0 {
            slowest = (seconds, seed);
        }
    }
    println!(
        "{cases} inputs: {opened} opened, {replayed} replayed; slowest seed {} took {:.3} s",
        slowest.1, slowest.0
    );
    assert!(opened > 0, "some mutated states must still be valid");
}

/// Links built to hurt: each is refused with a reason, or opens and replays within bounds.
#[test]
fn hostile_links_are_refused_or_bounded() {
    let refused = |what: &str, link: &str| {
        let started = std::time::Instant::now();
        let outcome = share::decode(link);
        assert!(outcome.is_err(), "{what} was not refused");
        assert!(
            started.elapsed().as_secs_f64() < 5.0,
            "{what} took {:?} to refuse",
            started.elapsed()
        );
        outcome.expect_err("refused").to_string()
    };
    // A decompression bomb: a few kilobytes that would unpack to 64 MB.
    let bomb = share::pack(&vec![b' '; 64 << 20]);
    assert!(bomb.len() < 200_000, "the bomb is small: {}", bomb.len());
    let said = refused("a decompression bomb", &bomb);
    assert!(said.contains("unpacks to more than"), "{said}");
    // Deep nesting: the JSON reader's recursion limit stops it, no stack overflow.
    refused("deep nesting", &share::pack(&b"[".repeat(1_000_000)));
    // Huge numbers wherever a number goes.
    let state = serde_json::to_value(valid_states().swap_remove(0)).expect("json");
    for (pointer, number) in [
        ("/at", "1e400"),
        ("/at", "18446744073709551616"),
        ("/seed", "-1"),
        ("/view/speed", "1e308"),
        ("/scenario/clients/0/rate_per_second", "1e308"),
        ("/scenario/services/0/workers", "1e30"),
        ("/scenario/links/0/sync/max_attempts", "4294967296"),
        ("/scenario/links/0/sync/timeout_ms", "1e-9"),
    ] {
        let mut hostile = state.clone();
        *hostile
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer} is in the state")) = "HUGE".into();
        let text = hostile.to_string().replace("\"HUGE\"", number);
        refused(
            &format!("{pointer} = {number}"),
            &share::pack(text.as_bytes()),
        );
    }
}

/// Expensive but valid: the largest load the validator accepts (ten sources at 100,000
/// requests a second into one service) opens and replays its first 50 simulated milliseconds
/// within the replay's event cap, in bounded time.
#[test]
fn the_most_expensive_valid_load_replays_within_bounds() {
    use cascade_sim::{ClientSpec, LinkSpec, Scenario, ServiceSpec};
    let scenario = Scenario {
        clients: (0..10)
            .map(|index| ClientSpec {
                name: format!("Users {index}"),
                rate_per_second: 100_000.0,
                ..ClientSpec::default()
            })
            .collect(),
        services: vec![ServiceSpec {
            name: "Api".into(),
            ..ServiceSpec::default()
        }],
        links: (0..10)
            .map(|index| LinkSpec {
                from: format!("Users {index}"),
                to: "Api".into(),
                ..LinkSpec::default()
            })
            .collect(),
        ..Scenario::default()
    };
    let state = SharedState {
        scenario,
        started_from: None,
        seed: 1,
        commands: Vec::new(),
        at: SimTime::from_millis(50),
        view: Default::default(),
        story: None,
    };
    let link = share::encode(&state);
    let opened = share::decode(&link)
        .expect("a valid link")
        .expect("a share link");
    let started = std::time::Instant::now();
    let playground = Playground::restore(&opened, PageOptions::default()).expect("replays");
    let events = playground.main().simulation().events_processed();
    assert!(events <= MAX_REPLAY_EVENTS, "{events} events");
    assert!(events > 10_000, "it did run: {events} events");
    assert!(
        started.elapsed().as_secs_f64() < 30.0,
        "{events} events took {:?}",
        started.elapsed()
    );
}
