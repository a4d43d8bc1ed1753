//! The core's integration tests, in one binary: one link step and one process for all of them,
//! and one place (`support`) for the helpers they share. A module's tests are named after it,
//! so `cargo test -p cascade-sim --test all swarm::` runs the seed swarm alone (as `make soak`
//! does) and `-- fidelity::` the queueing-theory checks.

mod fidelity;
mod layers;
mod mechanisms;
mod presets;
mod scenarios;
mod stories;
mod support;
mod swarm;
