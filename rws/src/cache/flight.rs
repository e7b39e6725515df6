//! Coalescing: one request per key goes to the handler while the others wait for what it
//! brings back. The leader holds a [`Lead`]; when it finishes it says whether the response
//! was stored, and when it is dropped without finishing (cancelled, or panicked) its waiters
//! wake, and one of them leads in its place.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Pending,
    /// The response is in the store: look again.
    Stored,
    /// The response could not be shared: go to the handler.
    NotStored,
}

type Flights = Mutex<HashMap<String, watch::Receiver<Outcome>>>;

/// The flights in progress, by key.
#[derive(Debug, Default)]
pub(crate) struct Coalescer {
    flights: Arc<Flights>,
}

pub(crate) enum Role {
    Lead(Lead),
    Wait(watch::Receiver<Outcome>),
}

impl Coalescer {
    /// Leads the flight of `key`, or joins the one in progress.
    pub(crate) fn join(&self, key: &str) -> Role {
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(rx) = flights.get(key)
            && rx.has_changed().is_ok()
        {
            return Role::Wait(rx.clone());
        }
        let (tx, rx) = watch::channel(Outcome::Pending);
        flights.insert(key.to_owned(), rx);
        Role::Lead(Lead {
            key: key.to_owned(),
            tx: Some(tx),
            flights: Arc::clone(&self.flights),
        })
    }
}

/// The right and duty to fetch one key; its waiters are released when it finishes or drops.
pub(crate) struct Lead {
    key: String,
    tx: Option<watch::Sender<Outcome>>,
    flights: Arc<Flights>,
}

impl Lead {
    pub(crate) fn finish(mut self, outcome: Outcome) {
        self.release(outcome);
    }

    fn release(&mut self, outcome: Outcome) {
        let Some(tx) = self.tx.take() else { return };
        // Out of the map first, so that a waiter woken below that looks again does not find
        // this flight.
        {
            let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
            if flights
                .get(&self.key)
                .is_some_and(|rx| rx.same_channel(&tx.subscribe()))
            {
                flights.remove(&self.key);
            }
        }
        if outcome != Outcome::Pending {
            tx.send_replace(outcome);
        }
        // Dropping `tx` without a send wakes the waiters with an error: take over.
    }
}

impl Drop for Lead {
    fn drop(&mut self) {
        self.release(Outcome::Pending);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_waiter_leads_when_the_leader_is_dropped() {
        let c = Coalescer::default();
        let Role::Lead(lead) = c.join("k") else {
            panic!("first comer leads")
        };
        let Role::Wait(mut rx) = c.join("k") else {
            panic!("second comer waits")
        };
        drop(lead);
        assert!(rx.wait_for(|o| *o != Outcome::Pending).await.is_err());
        let Role::Lead(lead) = c.join("k") else {
            panic!("the waiter takes over")
        };
        let Role::Wait(mut rx) = c.join("k") else {
            panic!("waits on the new leader")
        };
        lead.finish(Outcome::Stored);
        assert_eq!(
            *rx.wait_for(|o| *o != Outcome::Pending).await.unwrap(),
            Outcome::Stored
        );
        assert!(matches!(c.join("k"), Role::Lead(_)));
    }
}
