//! The one event queue. Events are totally ordered by (time, sequence), so events scheduled for
//! the same instant run in the order they were scheduled (FIFO), on every platform.
//! Cancellation is lazy: events carry arena keys, and an event whose key no longer resolves, or
//! whose target has moved on, is dropped when it is popped.
//!
//! Events with a fixed delay (a link's timeout, an arrival over a link of constant latency) are
//! scheduled in time order by construction, so they go into first-in-first-out lanes, one per
//! distinct delay, instead of the binary heap: a push and a pop are O(1), most timeouts are
//! cancelled before they fire, and a heap several times smaller is faster for every other
//! event. The order of events is the same either way. The queue remembers which source (the heap
//! or a lane) holds the earliest event, so a peek is free and a pop compares the fronts once.
//! (A 4-ary heap of our own took 9% more instructions on the reference run than the standard
//! binary heap, whose pop moves a hole instead of swapping. A radix heap on (time, sequence)
//! keys, valid because time never goes back, took 3.6% more instructions and was no faster on
//! the wall clock, 8 alternating runs: the heap left after the lanes is small.)

use crate::time::{SimDuration, SimTime};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

/// Lanes beyond this many distinct delays fall back to the heap.
const MAX_LANES: usize = 8;

#[derive(Clone)]
struct Entry<E> {
    time: SimTime,
    sequence: u64,
    event: E,
}

impl<E> Entry<E> {
    /// True when `self` comes before `other` in the total order by (time, sequence).
    #[inline]
    fn before(&self, other: &Self) -> bool {
        (self.time, self.sequence) < (other.time, other.sequence)
    }
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

#[derive(Clone)]
struct Lane<E> {
    delay: SimDuration,
    entries: VecDeque<Entry<E>>,
}

/// Where the earliest event waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Heap,
    Lane(usize),
}

/// A priority queue of events ordered by (time, sequence).
#[derive(Clone)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    lanes: Vec<Lane<E>>,
    /// Where the earliest event is (`None` when empty): kept up to date by every schedule and
    /// pop, so a peek costs nothing and a pop compares the sources once.
    earliest: Option<Source>,
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
            earliest: None,
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
        let entry = self.entry(time, event);
        let sequence = entry.sequence;
        self.heap.push(entry);
        if self
            .heap
            .peek()
            .is_some_and(|root| root.sequence == sequence)
        {
            self.note_scheduled(Source::Heap);
        }
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
        let entry = self.entry(time, event);
        let sequence = entry.sequence;
        let entries = &mut self.lanes[index].entries;
        entries.push_back(entry);
        // The new entry comes after everything already in its lane (its time is no earlier,
        // its sequence is later), so it can only be the earliest event if it is alone there.
        if entries.len() == 1 {
            self.note_scheduled(Source::Lane(index));
        }
        sequence
    }

    /// Numbers a new entry and counts it.
    fn entry(&mut self, time: SimTime, event: E) -> Entry<E> {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        self.len += 1;
        if time == self.current {
            self.scheduled_at_current += 1;
        }
        Entry {
            time,
            sequence,
            event,
        }
    }

    /// A new entry is now at the front of `source`: it is the earliest event if it comes before
    /// the earliest so far (the earliest of everything is the earliest of the fronts).
    fn note_scheduled(&mut self, source: Source) {
        let earlier = match self.earliest {
            None => true,
            Some(current) => {
                current != source
                    && self
                        .front(source)
                        .zip(self.front(current))
                        .is_some_and(|(new, old)| new.before(old))
            }
        };
        if earlier {
            self.earliest = Some(source);
        }
    }

    /// The first entry of one source.
    fn front(&self, source: Source) -> Option<&Entry<E>> {
        match source {
            Source::Heap => self.heap.peek(),
            Source::Lane(index) => self.lanes[index].entries.front(),
        }
    }

    /// Finds the source whose front comes first.
    fn find_earliest(&self) -> Option<Source> {
        let mut best: Option<(&Entry<E>, Source)> =
            self.heap.peek().map(|entry| (entry, Source::Heap));
        for (index, lane) in self.lanes.iter().enumerate() {
            if let Some(head) = lane.entries.front() {
                if best.is_none_or(|(entry, _)| head.before(entry)) {
                    best = Some((head, Source::Lane(index)));
                }
            }
        }
        best.map(|(_, source)| source)
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.front(self.earliest?).map(|entry| entry.time)
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let entry = match self.earliest? {
            Source::Heap => self.heap.pop(),
            Source::Lane(lane) => self.lanes[lane].entries.pop_front(),
        }?;
        self.earliest = self.find_earliest();
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
    fn pops_in_the_order_of_a_sorted_map() {
        // Interleaved schedules and pops, checked against a map ordered by (time, sequence).
        let mut rng = crate::rng::Pcg32::new(3, 0);
        let mut queue = EventQueue::default();
        let mut reference = std::collections::BTreeMap::new();
        let mut now = SimTime::ZERO;
        for step in 0..20_000u32 {
            let time = now + SimDuration::from_micros(u64::from(rng.below(40)));
            let sequence = if rng.chance(0.3) {
                queue.schedule_after(now, time - now, step)
            } else {
                queue.schedule(time, step)
            };
            reference.insert((time, sequence), step);
            while rng.chance(0.45) {
                let expected = reference.pop_first().map(|((time, _), step)| (time, step));
                assert_eq!(queue.peek_time(), expected.map(|(time, _)| time));
                assert_eq!(queue.pop(), expected);
                if let Some((time, _)) = expected {
                    now = time;
                }
            }
        }
        while let Some(((time, _), step)) = reference.pop_first() {
            assert_eq!(queue.pop(), Some((time, step)));
        }
        assert_eq!(queue.pop(), None);
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
