//! A generational arena: typed keys index a `Vec`, and a key whose slot was freed and reused no
//! longer resolves. Events hold keys, so a removed job or call silently turns every event still
//! scheduled for it into a no-op: this is the engine's lazy cancellation.

use core::fmt;
use core::marker::PhantomData;

/// A key into an [`Arena`] of `T`.
pub struct Key<T> {
    index: u32,
    generation: u32,
    marker: PhantomData<fn() -> T>,
}

impl<T> Key<T> {
    /// The slot index, for stable display and hashing.
    pub fn index(self) -> u32 {
        self.index
    }
}

impl<T> Clone for Key<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Key<T> {}
impl<T> PartialEq for Key<T> {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && self.generation == other.generation
    }
}
impl<T> Eq for Key<T> {}
impl<T> fmt::Debug for Key<T> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Key({}v{})", self.index, self.generation)
    }
}

#[derive(Clone)]
enum Slot<T> {
    Occupied { generation: u32, value: T },
    Vacant { generation: u32 },
}

/// Storage for values that come and go often (jobs, calls, messages in transit).
#[derive(Clone)]
pub struct Arena<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    len: usize,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Arena {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Arena<T> {
    /// Stores a value and returns its key.
    pub fn insert(&mut self, value: T) -> Key<T> {
        self.len += 1;
        if let Some(index) = self.free.pop() {
            let slot = &mut self.slots[index as usize];
            let generation = match slot {
                Slot::Vacant { generation } => generation.wrapping_add(1),
                Slot::Occupied { .. } => unreachable!("free list points at an occupied slot"),
            };
            *slot = Slot::Occupied { generation, value };
            Key {
                index,
                generation,
                marker: PhantomData,
            }
        } else {
            let index =
                u32::try_from(self.slots.len()).expect("arena holds at most u32::MAX values");
            self.slots.push(Slot::Occupied {
                generation: 0,
                value,
            });
            Key {
                index,
                generation: 0,
                marker: PhantomData,
            }
        }
    }

    /// The value for `key`, if it is still there.
    pub fn get(&self, key: Key<T>) -> Option<&T> {
        match self.slots.get(key.index as usize) {
            Some(Slot::Occupied { generation, value }) if *generation == key.generation => {
                Some(value)
            }
            _ => None,
        }
    }

    /// The value for `key`, mutably, if it is still there.
    pub fn get_mut(&mut self, key: Key<T>) -> Option<&mut T> {
        match self.slots.get_mut(key.index as usize) {
            Some(Slot::Occupied { generation, value }) if *generation == key.generation => {
                Some(value)
            }
            _ => None,
        }
    }

    /// Removes and returns the value for `key`, if it is still there.
    pub fn remove(&mut self, key: Key<T>) -> Option<T> {
        let slot = self.slots.get_mut(key.index as usize)?;
        match slot {
            Slot::Occupied { generation, .. } if *generation == key.generation => {
                let vacant = Slot::Vacant {
                    generation: key.generation,
                };
                let Slot::Occupied { value, .. } = core::mem::replace(slot, vacant) else {
                    unreachable!("slot was just matched as occupied")
                };
                self.free.push(key.index);
                self.len -= 1;
                Some(value)
            }
            _ => None,
        }
    }

    /// How many values are stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every stored value with its key, in slot order (deterministic).
    pub fn iter(&self) -> impl Iterator<Item = (Key<T>, &T)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(index, slot)| match slot {
                Slot::Occupied { generation, value } => Some((
                    Key {
                        index: index as u32,
                        generation: *generation,
                        marker: PhantomData,
                    },
                    value,
                )),
                Slot::Vacant { .. } => None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removed_key_never_resolves_again_even_after_reuse() {
        let mut arena = Arena::default();
        let first = arena.insert("first");
        assert_eq!(arena.remove(first), Some("first"));
        let second = arena.insert("second");
        assert_eq!(first.index(), second.index(), "slot is reused");
        assert_eq!(arena.get(first), None);
        assert_eq!(arena.remove(first), None);
        assert_eq!(arena.get(second), Some(&"second"));
        assert_eq!(arena.len(), 1);
        assert_eq!(arena.iter().count(), 1);
    }
}
