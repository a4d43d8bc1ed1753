//! The one event queue. Events are totally ordered by (time, sequence), so events scheduled for
//! the same instant run in the order they were scheduled (FIFO), on every platform.
//! Cancellation is lazy: events carry arena keys, and an event whose key no longer resolves, or
//! whose target has moved on, is dropped when it is popped.
//!
//! Events with a fixed delay (a link's timeout, an arrival over a link of constant latency) are
//! scheduled in time order by construction, so they go into first-in-first-out lanes, one per
//! distinct delay, instead of the binary heap: a push and a pop are O(1), most timeouts are
//! cancelled before they fire, and a heap several times smaller is faster for every other
//! event. The order of events is the same either way.

use crate::time::{SimDuration, SimTime};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

/// Lanes beyond this many distinct delays fall back to the heap.
const MAX_LANES: usize = 8;

struct Entry<E> {
    time: SimTime,
    sequence: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.sequence == other.sequence
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed: `BinaryHeap` is a max-heap and we want the earliest event first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.sequence).cmp(&(self.time, self.sequence))
    }
}

struct Lane<E> {
    delay: SimDuration,
    entries: VecDeque<Entry<E>>,
}

/// A priority queue of events ordered by (time, sequence).
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    lanes: Vec<Lane<E>>,
    next_sequence: u64,
    len: usize,
    /// The time of the last event popped.
    current: SimTime,
    /// Events scheduled for `current` while it was current: work an instant makes for itself.
    scheduled_at_current: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            lanes: Vec::new(),
            next_sequence: 0,
            len: 0,
            current: SimTime::ZERO,
            scheduled_at_current: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `time`; returns its sequence number.
    pub fn schedule(&mut self, time: SimTime, event: E) -> u64 {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        self.len += 1;
        if time == self.current {
            self.scheduled_at_current += 1;
        }
        self.heap.push(Entry {
            time,
            sequence,
            event,
        });
        sequence
    }

    /// Schedules `event` at `now + delay`, for events whose delay is usually one of a few fixed
    /// values. Same ordering (and the same count of work an instant makes for itself) as
    /// [`EventQueue::schedule`].
    pub fn schedule_after(&mut self, now: SimTime, delay: SimDuration, event: E) -> u64 {
        let time = now + delay;
        let lane = match self.lanes.iter().position(|lane| lane.delay == delay) {
            Some(index) => Some(index),
            None if self.lanes.len() < MAX_LANES => {
                self.lanes.push(Lane {
                    delay,
                    entries: VecDeque::new(),
                });
                Some(self.lanes.len() - 1)
            }
            None => None,
        };
        // A lane stays sorted only while times arrive in order (they do when `now` never goes
        // back, which the engine guarantees); anything else goes to the heap.
        let Some(index) = lane.filter(|index| {
            self.lanes[*index]
                .entries
                .back()
                .is_none_or(|last| last.time <= time)
        }) else {
            return self.schedule(time, event);
        };
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        self.len += 1;
        if time == self.current {
            self.scheduled_at_current += 1;
        }
        self.lanes[index].entries.push_back(Entry {
            time,
            sequence,
            event,
        });
        sequence
    }

    /// Where the earliest event is: `None` for the heap, `Some(lane)` for a lane.
    fn earliest(&self) -> Option<Option<usize>> {
        let mut best: Option<(SimTime, u64, Option<usize>)> = self
            .heap
            .peek()
            .map(|entry| (entry.time, entry.sequence, None));
        for (index, lane) in self.lanes.iter().enumerate() {
            if let Some(head) = lane.entries.front() {
                if best
                    .is_none_or(|(time, sequence, _)| (head.time, head.sequence) < (time, sequence))
                {
                    best = Some((head.time, head.sequence, Some(index)));
                }
            }
        }
        best.map(|(_, _, source)| source)
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        match self.earliest()? {
            None => self.heap.peek().map(|entry| entry.time),
            Some(lane) => self.lanes[lane].entries.front().map(|entry| entry.time),
        }
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let entry = match self.earliest()? {
            None => self.heap.pop(),
            Some(lane) => self.lanes[lane].entries.pop_front(),
        }?;
        self.len -= 1;
        if entry.time > self.current {
            self.current = entry.time;
            self.scheduled_at_current = 0;
        }
        Some((entry.time, entry.event))
    }

    /// How many events were scheduled for the time of the last event popped while that time was
    /// current: the work an instant makes for itself. A burst scheduled earlier for one instant
    /// does not count; an instant that keeps feeding itself does.
    pub fn scheduled_at_current(&self) -> u64 {
        self.scheduled_at_current
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no event is waiting.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_fifo_within_an_instant() {
        let mut queue = EventQueue::default();
        queue.schedule(SimTime::from_millis(5), "late");
        queue.schedule(SimTime::from_millis(1), "first at 1");
        queue.schedule(SimTime::from_millis(1), "second at 1");
        queue.schedule(SimTime::from_millis(1), "third at 1");
        let order: Vec<_> = core::iter::from_fn(|| queue.pop())
            .map(|(_, event)| event)
            .collect();
        assert_eq!(order, ["first at 1", "second at 1", "third at 1", "late"]);
    }

    #[test]
    fn lanes_and_heap_merge_into_one_total_order() {
        // The same schedule through lanes and through the heap alone must pop identically.
        let mut rng = crate::rng::Pcg32::new(7, 0);
        let mut with_lanes = EventQueue::default();
        let mut heap_only = EventQueue::default();
        let mut now = SimTime::ZERO;
        for step in 0..5_000u32 {
            now += SimDuration::from_micros(u64::from(rng.below(50)));
            let delay = SimDuration::from_millis(u64::from(rng.below(12)));
            if rng.chance(0.5) {
                with_lanes.schedule_after(now, delay, step);
            } else {
                with_lanes.schedule(now + delay, step);
            }
            heap_only.schedule(now + delay, step);
            if rng.chance(0.3) {
                assert_eq!(with_lanes.pop(), heap_only.pop());
            }
        }
        assert_eq!(with_lanes.len(), heap_only.len());
        while let Some(expected) = heap_only.pop() {
            assert_eq!(with_lanes.pop(), Some(expected));
        }
        assert!(with_lanes.is_empty());
    }

    #[test]
    fn a_lane_counts_the_work_an_instant_makes_for_itself() {
        let mut queue = EventQueue::default();
        queue.schedule(SimTime::from_millis(1), "start");
        queue.pop();
        queue.schedule_after(SimTime::from_millis(1), SimDuration::ZERO, "now, by a lane");
        queue.schedule(SimTime::from_millis(1), "now, by the heap");
        queue.schedule_after(
            SimTime::from_millis(1),
            SimDuration::from_millis(1),
            "later",
        );
        assert_eq!(queue.scheduled_at_current(), 2);
    }
}
