//! The run slots, shared fairly among clients.
//!
//! Every program the server runs for a client (a run, an exercise check, an inspection, an
//! interactive run) first takes a [`Slot`] here. A client may hold `runs_per_client` slots at
//! once. A request over that share, or arriving while every slot is busy, waits in a queue
//! that is served round robin across clients (each client's own requests in order), so one
//! client with many requests cannot starve another with one. The queue is bounded per client,
//! in total and in time; past those bounds the request is refused with a [`Refusal`] that says
//! whose limit it was.
//!
//! An interactive run blocked in `input()` [`Slot::park`]s: it gives its slot to others and
//! keeps its place in a separate, bounded pool of waiting runs (one per client beside its
//! running share), and takes a slot again ([`Parked::resume`]) when its input arrives.

use super::client::Client;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::oneshot;

/// The bounds of the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateLimits {
    /// Programs running at once, all clients together.
    pub slots: usize,
    /// Programs running at once for one client.
    pub per_client: usize,
    /// Requests one client may have waiting.
    pub queue_per_client: usize,
    /// Requests waiting, all clients together.
    pub queue_total: usize,
    /// Longest wait for a slot.
    pub queue_wait: Duration,
    /// Runs parked while waiting for input, all clients together (one per client).
    pub parked: usize,
}

/// Why a request was not given a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The client already runs its share and has as many waiting as it may: 429.
    #[error("you already have {0} programs running or waiting; wait for one to finish")]
    ClientShare(usize),
    /// Every slot is busy and the queue is full or did not move in time: 503.
    #[error("every run slot is busy")]
    ServerBusy,
}

/// A run slot, held by one client's program; dropping it frees it for the next in line.
#[must_use = "the slot is freed when dropped"]
pub struct Slot {
    gate: Option<Arc<Shared>>,
    client: Client,
}

/// A run waiting for input: it holds a place in the waiting pool, not a slot.
#[must_use = "the place is freed when dropped"]
pub struct Parked {
    gate: Arc<Shared>,
    client: Client,
}

/// A request in the queue.
pub struct Queued {
    gate: Arc<Shared>,
    client: Client,
    id: u64,
    rx: Option<oneshot::Receiver<Slot>>,
    /// Requests ahead of this one when it joined.
    pub position: usize,
    deadline: Option<tokio::time::Instant>,
}

/// What [`Gate::enter`] gives: a slot at once, or a place in the queue.
pub enum Entry {
    Granted(Slot),
    Queued(Queued),
}

/// The gate: cheap to clone.
#[derive(Clone)]
pub struct Gate {
    shared: Arc<Shared>,
}

struct Shared {
    limits: GateLimits,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    running: usize,
    queued: usize,
    parked: usize,
    next_id: u64,
    books: HashMap<Client, Book>,
    /// Clients with requests in the queue, in the order they are next served.
    turn: VecDeque<Client>,
}

#[derive(Default)]
struct Book {
    running: usize,
    parked: usize,
    queue: VecDeque<Waiter>,
}

struct Waiter {
    id: u64,
    tx: oneshot::Sender<Slot>,
}

/// How long a place in the queue may wait.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wait {
    /// A new request: bounded per client, in total and in time.
    Bounded,
    /// A parked run whose input arrived: it already holds its processes, so it waits its turn
    /// without bounds (its wall clock stands still meanwhile).
    Resume,
}

impl Gate {
    pub fn new(limits: GateLimits) -> Gate {
        let limits = GateLimits { slots: limits.slots.max(1), per_client: limits.per_client.max(1), ..limits };
        Gate { shared: Arc::new(Shared { limits, state: Mutex::new(State::default()) }) }
    }

    /// A slot at once if one is free within the client's share, else a place in the queue,
    /// else a refusal.
    pub fn enter(&self, client: Client) -> Result<Entry, Refusal> {
        self.shared.enter(client, Wait::Bounded)
    }

    /// Waits for a slot: [`Gate::enter`], then the queue. `on_queued` is told the request's
    /// place when it has to wait (the WebSocket tells the page); the wait is counted in the
    /// metrics.
    pub async fn acquire(&self, client: Client, on_queued: impl FnOnce(usize)) -> Result<Slot, Refusal> {
        match self.enter(client)? {
            Entry::Granted(slot) => Ok(slot),
            Entry::Queued(q) => {
                on_queued(q.position + 1);
                let queued = std::time::Instant::now();
                let turn = q.wait().await;
                crate::metrics::observe_queue_wait(queued.elapsed());
                turn
            }
        }
    }

    /// Programs running now.
    pub fn running(&self) -> usize {
        self.shared.lock().running
    }

    /// Runs parked waiting for input now.
    pub fn parked(&self) -> usize {
        self.shared.lock().parked
    }

    /// Requests waiting for a slot now.
    pub fn queued(&self) -> usize {
        self.shared.lock().queued
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn enter(self: &Arc<Self>, client: Client, wait: Wait) -> Result<Entry, Refusal> {
        let limits = self.limits;
        let mut state = self.lock();
        let free = state.running < limits.slots;
        let book = state.books.entry(client).or_default();
        if free && book.running < limits.per_client && book.queue.is_empty() {
            book.running += 1;
            state.running += 1;
            state.publish();
            return Ok(Entry::Granted(Slot { gate: Some(self.clone()), client }));
        }
        if wait == Wait::Bounded {
            let refusal = if book.running >= limits.per_client {
                Refusal::ClientShare(limits.per_client.saturating_add(limits.queue_per_client))
            } else {
                Refusal::ServerBusy
            };
            if book.queue.len() >= limits.queue_per_client || state.queued >= limits.queue_total {
                state.forget_if_idle(client);
                return Err(refusal);
            }
        }
        let position = state.queued;
        let id = state.next_id;
        state.next_id += 1;
        let (tx, rx) = oneshot::channel();
        let book = state.books.entry(client).or_default();
        book.queue.push_back(Waiter { id, tx });
        if book.queue.len() == 1 {
            state.turn.push_back(client);
        }
        state.queued += 1;
        let deadline = (wait == Wait::Bounded).then(|| tokio::time::Instant::now() + limits.queue_wait);
        Ok(Entry::Queued(Queued { gate: self.clone(), client, id, rx: Some(rx), position, deadline }))
    }

    /// Hands free slots to waiting requests, round robin across clients.
    fn dispatch(self: &Arc<Self>, state: &mut State) {
        let limits = self.limits;
        // Each pass over the clients in turn either grants a slot or finds nobody who may run.
        let mut idle_passes = 0;
        while state.running < limits.slots && idle_passes < state.turn.len() {
            let Some(client) = state.turn.pop_front() else { break };
            let book = state.books.get_mut(&client).expect("a client in turn has a book");
            if book.running >= limits.per_client {
                state.turn.push_back(client);
                idle_passes += 1;
                continue;
            }
            let Some(waiter) = book.queue.pop_front() else { continue };
            state.queued -= 1;
            if !book.queue.is_empty() {
                state.turn.push_back(client);
            }
            book.running += 1;
            state.running += 1;
            idle_passes = 0;
            if let Err(mut slot) = waiter.tx.send(Slot { gate: Some(self.clone()), client }) {
                // The request gave up as it was served: undo, under this same lock.
                slot.gate = None;
                state.release(client);
            }
        }
        state.publish();
    }
}

impl State {
    /// Tells the metrics how busy the gate is (`pyguide_run_slots_busy`, `pyguide_waiting_for_input`).
    fn publish(&self) {
        crate::metrics::set_run_slots_busy(self.running);
        crate::metrics::set_waiting_for_input(self.parked);
    }

    /// Frees one slot of `client`.
    fn release(&mut self, client: Client) {
        self.running -= 1;
        if let Some(book) = self.books.get_mut(&client) {
            book.running -= 1;
        }
        self.forget_if_idle(client);
    }

    fn forget_if_idle(&mut self, client: Client) {
        if self.books.get(&client).is_some_and(|b| b.running == 0 && b.parked == 0 && b.queue.is_empty()) {
            self.books.remove(&client);
        }
    }

    /// Takes waiter `id` of `client` out of the queue; false if it is not there (served).
    fn withdraw(&mut self, client: Client, id: u64) -> bool {
        let Some(book) = self.books.get_mut(&client) else { return false };
        let Some(i) = book.queue.iter().position(|w| w.id == id) else { return false };
        book.queue.remove(i);
        self.queued -= 1;
        if book.queue.is_empty() {
            self.turn.retain(|c| *c != client);
        }
        self.forget_if_idle(client);
        true
    }
}

impl Queued {
    /// Waits for the slot, up to the queue's time bound.
    pub async fn wait(mut self) -> Result<Slot, Refusal> {
        let rx = self.rx.as_mut().expect("a queued request has its receiver");
        let served = match self.deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, rx).await.ok(),
            None => Some(rx.await),
        };
        if let Some(Ok(slot)) = served {
            self.rx = None;
            return Ok(slot);
        }
        // Out of time. Leave the queue, unless the slot came just now.
        let per_client = {
            let mut state = self.gate.lock();
            if state.withdraw(self.client, self.id) {
                let book_running = state.books.get(&self.client).map_or(0, |b| b.running);
                Some(book_running >= self.gate.limits.per_client)
            } else {
                None
            }
        };
        match per_client {
            Some(true) => {
                Err(Refusal::ClientShare(self.gate.limits.per_client.saturating_add(self.gate.limits.queue_per_client)))
            }
            Some(false) => Err(Refusal::ServerBusy),
            None => {
                let rx = self.rx.as_mut().expect("still here");
                rx.try_recv().map_err(|_| Refusal::ServerBusy)
            }
        }
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        // A request that gave up (its client left) leaves the queue. A slot that reached it
        // meanwhile is freed when `rx` drops, after the lock is released.
        if self.rx.is_some() {
            self.gate.lock().withdraw(self.client, self.id);
        }
    }
}

impl Slot {
    /// Gives the slot up while the run waits for input, if the waiting pool has room and the
    /// client has no other run parked; else the run keeps its slot.
    pub fn park(mut self) -> Result<Parked, Slot> {
        let gate = self.gate.clone().expect("a live slot");
        let mut state = gate.lock();
        let room = state.parked < gate.limits.parked;
        let book = state.books.get_mut(&self.client).expect("a running client has a book");
        if !room || book.parked > 0 {
            drop(state);
            return Err(self);
        }
        book.parked += 1;
        book.running -= 1;
        state.parked += 1;
        state.running -= 1;
        self.gate = None;
        gate.dispatch(&mut state);
        drop(state);
        Ok(Parked { gate, client: self.client })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(gate) = self.gate.take() {
            let mut state = gate.lock();
            state.release(self.client);
            gate.dispatch(&mut state);
        }
    }
}

impl Parked {
    /// Takes a slot again, waiting its turn (without the queue's bounds).
    pub async fn resume(self) -> Slot {
        loop {
            // A resumed run is never refused and its place never times out; the loop is only
            // for a queue entry torn down under it.
            match self.gate.enter(self.client, Wait::Resume) {
                Ok(Entry::Granted(slot)) => return slot,
                Ok(Entry::Queued(q)) => {
                    if let Ok(slot) = q.wait().await {
                        return slot;
                    }
                }
                Err(_) => tokio::task::yield_now().await,
            }
        }
    }
}

impl Drop for Parked {
    fn drop(&mut self) {
        let mut state = self.gate.lock();
        state.parked -= 1;
        if let Some(book) = state.books.get_mut(&self.client) {
            book.parked -= 1;
        }
        state.forget_if_idle(self.client);
        state.publish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(n: u8) -> Client {
        Client::from_ip(std::net::IpAddr::from([127, 0, 0, n]))
    }

    fn gate(slots: usize, per_client: usize) -> Gate {
        Gate::new(GateLimits {
            slots,
            per_client,
            queue_per_client: 3,
            queue_total: 5,
            queue_wait: Duration::from_secs(3600),
            parked: 2,
        })
    }

    fn granted(e: Result<Entry, Refusal>) -> Slot {
        match e {
            Ok(Entry::Granted(s)) => s,
            _ => panic!("expected a slot at once"),
        }
    }

    fn queued(e: Result<Entry, Refusal>) -> Queued {
        match e {
            Ok(Entry::Queued(q)) => q,
            Ok(Entry::Granted(_)) => panic!("expected to queue, got a slot"),
            Err(r) => panic!("expected to queue, got {r:?}"),
        }
    }

    #[tokio::test]
    async fn a_client_runs_its_share_then_queues_then_is_refused_with_429() {
        let g = gate(8, 2);
        let _a = granted(g.enter(client(2)));
        let _b = granted(g.enter(client(2)));
        let _q: Vec<Queued> = (0..3).map(|_| queued(g.enter(client(2)))).collect();
        assert!(matches!(g.enter(client(2)), Err(Refusal::ClientShare(_))));
        // Another client is not held back by the first one's queue.
        let _c = granted(g.enter(client(3)));
        assert_eq!(g.running(), 3);
    }

    #[tokio::test]
    async fn a_full_server_serves_the_queue_round_robin_across_clients() {
        let g = gate(1, 4);
        let first = granted(g.enter(client(2)));
        // Client 2 queues three requests, then client 3 one, then client 4 one.
        let a: Vec<Queued> = (0..3).map(|_| queued(g.enter(client(2)))).collect();
        let b = queued(g.enter(client(3)));
        let c = queued(g.enter(client(4)));
        assert!(matches!(g.enter(client(5)), Err(Refusal::ServerBusy)), "the total queue bound");
        let mut order = Vec::new();
        let mut waits: Vec<(u8, Queued)> = a.into_iter().map(|q| (2, q)).collect();
        waits.push((3, b));
        waits.push((4, c));
        let mut pending: Vec<_> =
            waits.into_iter().map(|(who, q)| Box::pin(async move { (who, q.wait().await) })).collect();
        drop(first);
        while !pending.is_empty() {
            let ((who, slot), i, rest) = futures_util::future::select_all(pending).await;
            let _ = i;
            order.push(who);
            drop(slot.expect("served"));
            pending = rest;
        }
        assert_eq!(order, vec![2, 3, 4, 2, 2], "one request per client in turn, not first come first served");
        assert_eq!(g.running(), 0);
        assert_eq!(g.queued(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_that_waits_too_long_is_refused_and_leaves_the_queue() {
        let g = Gate::new(GateLimits {
            slots: 1,
            per_client: 1,
            queue_per_client: 8,
            queue_total: 8,
            queue_wait: Duration::from_secs(2),
            parked: 1,
        });
        let busy = granted(g.enter(client(2)));
        let other = queued(g.enter(client(3)));
        let own = queued(g.enter(client(2)));
        assert_eq!(other.wait().await.err(), Some(Refusal::ServerBusy));
        assert!(matches!(own.wait().await, Err(Refusal::ClientShare(_))));
        assert_eq!(g.queued(), 0);
        drop(busy);
        assert_eq!(g.running(), 0);
    }

    #[tokio::test]
    async fn a_request_that_gives_up_frees_its_place_and_any_slot_it_was_given() {
        let g = gate(1, 1);
        let busy = granted(g.enter(client(2)));
        let q = queued(g.enter(client(3)));
        drop(q);
        assert_eq!(g.queued(), 0);
        let q = queued(g.enter(client(3)));
        drop(busy); // the slot goes to q's channel...
        drop(q); // ...and is freed with it
        assert_eq!(g.running(), 0);
        let _again = granted(g.enter(client(4)));
    }

    #[tokio::test]
    async fn a_parked_run_gives_its_slot_away_and_takes_one_again_on_input() {
        let g = gate(1, 1);
        let slot = granted(g.enter(client(2)));
        let waiting = queued(g.enter(client(3)));
        let parked = slot.park().ok().expect("room to park");
        assert_eq!((g.running(), g.parked()), (1, 1), "the waiting request got the slot");
        let other = waiting.wait().await.expect("served");
        // The input arrives while the slot is taken: the parked run waits its turn...
        let resumed = tokio::spawn(parked.resume());
        tokio::task::yield_now().await;
        assert!(!resumed.is_finished());
        drop(other);
        let slot = resumed.await.expect("resumed");
        assert_eq!((g.running(), g.parked()), (1, 0));
        drop(slot);
        assert_eq!(g.running(), 0);
    }

    #[tokio::test]
    async fn one_parked_run_per_client_and_the_pool_is_bounded() {
        let g = gate(8, 3);
        let a = granted(g.enter(client(2)));
        let b = granted(g.enter(client(2)));
        let _pa = a.park().ok().expect("the first parks");
        let b = b.park().err().expect("a second run of the same client keeps its slot");
        let c = granted(g.enter(client(3)));
        let _pc = c.park().ok().expect("another client parks");
        let d = granted(g.enter(client(4)));
        assert!(d.park().is_err(), "the pool holds two");
        drop(b);
    }
}
