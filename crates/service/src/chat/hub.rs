//! This instance's fan-out: which connections want which events. Each connection has a
//! bounded queue; a connection that cannot keep up is cut off (its overflow signal fires and it
//! leaves the hub), never buffered without limit. Events are serialised once and shared.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, mpsc};

pub type ConnId = u64;

/// Frames queued per customer or visitor connection before it counts as too slow.
pub const QUEUE: usize = 256;
/// Frames queued per staff connection: a console following every inbox gets a burst of one
/// frame per message of each committed batch, so it may fall further behind before it is cut
/// off. (Queues take memory as they fill, not for their capacity.)
pub const STAFF_QUEUE: usize = 4096;
/// The sequence number of the resync signal.
pub const RESYNC: i64 = -1;

/// One frame for one or more connections.
#[derive(Debug, Clone)]
pub struct Outbound {
    pub conversation: Arc<str>,
    /// The message's sequence number; 0 for frames that are not stored messages.
    pub seq: i64,
    pub internal: bool,
    pub json: Arc<str>,
}

impl Outbound {
    /// A frame outside any conversation's messages (presence, the queue, availability).
    fn unstored(json: &str, internal: bool) -> Outbound {
        Outbound {
            conversation: "".into(),
            seq: 0,
            internal,
            json: json.into(),
        }
    }
}

/// Something that happened in a conversation, addressed by where it belongs.
#[derive(Debug, Clone)]
pub struct Event {
    pub inbox_id: Arc<str>,
    pub customer_id: Option<Arc<str>>,
    /// The connection that caused it, which does not need it back (typing, reads).
    pub origin: Option<ConnId>,
    pub frame: Outbound,
}

/// What a connection listens to.
#[derive(Debug, Clone)]
pub enum Interest {
    /// Staff who see every inbox.
    AllInboxes,
    /// Agents: the inboxes of their teams.
    Inboxes(Vec<String>),
    /// A customer or visitor: their own conversations, optionally in one inbox only.
    Customer {
        customer_id: String,
        inbox: Option<String>,
    },
}

struct Conn {
    tx: mpsc::Sender<Arc<Outbound>>,
    overflow: Arc<Notify>,
    /// The staff member (none for customers and visitors) and what the connection follows:
    /// where it is registered, so leaving touches only those sets.
    user: Option<String>,
    interest: Interest,
}

impl Conn {
    fn staff(&self) -> bool {
        self.user.is_some()
    }

    /// A customer's or visitor's connection may follow one inbox only.
    fn inbox_filter(&self) -> Option<&str> {
        match &self.interest {
            Interest::Customer { inbox, .. } => inbox.as_deref(),
            _ => None,
        }
    }
}

#[derive(Default)]
struct Registry {
    conns: HashMap<ConnId, Conn>,
    all_staff: HashSet<ConnId>,
    /// Staff connections by user, for what concerns one person (mentions) or all staff.
    by_user: HashMap<String, HashSet<ConnId>>,
    by_inbox: HashMap<String, HashSet<ConnId>>,
    by_customer: HashMap<String, HashSet<ConnId>>,
    /// Visitors' (widget) connections by their inbox, for what concerns everyone there.
    visitors_by_inbox: HashMap<String, HashSet<ConnId>>,
}

#[derive(Default)]
pub struct Hub {
    next: AtomicU64,
    reg: Mutex<Registry>,
}

/// A connection's end: its queue and the signal that it fell behind.
pub struct Subscription {
    pub id: ConnId,
    pub rx: mpsc::Receiver<Arc<Outbound>>,
    pub overflow: Arc<Notify>,
}

impl Hub {
    /// `staff_user` is the staff member's id (none for customers and visitors).
    pub fn subscribe(&self, interest: Interest, staff_user: Option<&str>) -> Subscription {
        let staff = staff_user.is_some();
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = mpsc::channel(if staff { STAFF_QUEUE } else { QUEUE });
        let overflow = Arc::new(Notify::new());
        let mut reg = self.reg.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(u) = staff_user {
            reg.by_user.entry(u.to_string()).or_default().insert(id);
        }
        match &interest {
            Interest::AllInboxes => {
                reg.all_staff.insert(id);
            }
            Interest::Inboxes(list) => {
                for i in list {
                    reg.by_inbox.entry(i.clone()).or_default().insert(id);
                }
            }
            Interest::Customer { customer_id, inbox } => {
                reg.by_customer
                    .entry(customer_id.clone())
                    .or_default()
                    .insert(id);
                if let Some(i) = inbox {
                    reg.visitors_by_inbox
                        .entry(i.clone())
                        .or_default()
                        .insert(id);
                }
            }
        }
        reg.conns.insert(
            id,
            Conn {
                tx,
                overflow: overflow.clone(),
                user: staff_user.map(str::to_string),
                interest,
            },
        );
        Subscription { id, rx, overflow }
    }

    pub fn unsubscribe(&self, id: ConnId) {
        let mut reg = self.reg.lock().unwrap_or_else(|p| p.into_inner());
        remove(&mut reg, id);
    }

    pub fn connections(&self) -> usize {
        self.reg
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .conns
            .len()
    }

    /// Tells every connection to read back from the database what it may have missed (the
    /// event listener was deaf for a while). Clients get a `resync` frame to refresh lists.
    pub fn resync(&self) {
        let mut reg = self.reg.lock().unwrap_or_else(|p| p.into_inner());
        let targets: Vec<ConnId> = reg.conns.keys().copied().collect();
        let frame = Outbound {
            conversation: "".into(),
            seq: RESYNC,
            internal: false,
            json: r#"{"type":"resync"}"#.into(),
        };
        send_all(&mut reg, targets, &frame, |_| true);
    }

    /// The staff members connected to this instance.
    pub fn staff_online(&self) -> Vec<String> {
        let reg = self.reg.lock().unwrap_or_else(|p| p.into_inner());
        reg.by_user.keys().cloned().collect()
    }

    /// A frame for one staff member's connections (`user` set) or for all staff.
    pub fn publish_staff(&self, user: Option<&str>, json: &str) {
        let mut reg = self.reg.lock().unwrap_or_else(|p| p.into_inner());
        let targets: Vec<ConnId> = match user {
            Some(u) => reg
                .by_user
                .get(u)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default(),
            None => reg.by_user.values().flatten().copied().collect(),
        };
        let frame = Outbound::unstored(json, true);
        send_all(&mut reg, targets, &frame, |_| true);
    }

    /// The inboxes whose widgets have a visitor connected to this instance.
    pub fn visited_inboxes(&self) -> Vec<String> {
        let reg = self.reg.lock().unwrap_or_else(|p| p.into_inner());
        reg.visitors_by_inbox.keys().cloned().collect()
    }

    /// A frame for every visitor connected to an inbox's widget (its availability).
    pub fn publish_visitors(&self, inbox: &str, json: &str) {
        let mut reg = self.reg.lock().unwrap_or_else(|p| p.into_inner());
        let targets: Vec<ConnId> = reg
            .visitors_by_inbox
            .get(inbox)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        let frame = Outbound::unstored(json, false);
        send_all(&mut reg, targets, &frame, |_| true);
    }

    /// A frame for a contact's connections in one inbox (their queue position, an invitation).
    pub fn publish_customer(&self, contact: &str, inbox: &str, json: &str) {
        let mut reg = self.reg.lock().unwrap_or_else(|p| p.into_inner());
        let targets: Vec<ConnId> = reg
            .by_customer
            .get(contact)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        let frame = Outbound::unstored(json, false);
        send_all(&mut reg, targets, &frame, |c| {
            c.inbox_filter().is_none_or(|i| i == inbox)
        });
    }

    /// Hands the event to every local connection that may see it.
    pub fn publish(&self, ev: &Event) {
        let mut reg = self.reg.lock().unwrap_or_else(|p| p.into_inner());
        let mut targets: Vec<ConnId> = reg.all_staff.iter().copied().collect();
        if let Some(set) = reg.by_inbox.get(&*ev.inbox_id) {
            targets.extend(set.iter().copied());
        }
        if let Some(contact) = &ev.customer_id
            && let Some(set) = reg.by_customer.get(&**contact)
        {
            targets.extend(set.iter().copied());
        }
        targets.retain(|id| Some(*id) != ev.origin);
        send_all(&mut reg, targets, &ev.frame, |conn| {
            (conn.staff() || !ev.frame.internal)
                && conn.inbox_filter().is_none_or(|i| i == &*ev.inbox_id)
        });
    }
}

/// Queues `frame` for each target that `wants` it; a connection whose queue is full is
/// signalled and removed (it falls behind: never buffered without limit).
fn send_all(
    reg: &mut Registry,
    targets: Vec<ConnId>,
    frame: &Outbound,
    wants: impl Fn(&Conn) -> bool,
) {
    let frame = Arc::new(frame.clone());
    let mut slow = vec![];
    for id in targets {
        if let Some(conn) = reg.conns.get(&id)
            && wants(conn)
            && conn.tx.try_send(frame.clone()).is_err()
        {
            conn.overflow.notify_one();
            slow.push(id);
        }
    }
    for id in slow {
        remove(reg, id);
    }
}

/// Takes connection `id` out of the sets it was registered in (only those: with thousands of
/// connections, walking every set on each disconnect made a mass reconnect quadratic).
fn remove(reg: &mut Registry, id: ConnId) {
    let Some(conn) = reg.conns.remove(&id) else {
        return;
    };
    fn leave(map: &mut HashMap<String, HashSet<ConnId>>, key: &str, id: ConnId) {
        if let Some(set) = map.get_mut(key) {
            set.remove(&id);
            if set.is_empty() {
                map.remove(key);
            }
        }
    }
    if let Some(u) = &conn.user {
        leave(&mut reg.by_user, u, id);
    }
    match &conn.interest {
        Interest::AllInboxes => {
            reg.all_staff.remove(&id);
        }
        Interest::Inboxes(list) => {
            for i in list {
                leave(&mut reg.by_inbox, i, id);
            }
        }
        Interest::Customer { customer_id, inbox } => {
            leave(&mut reg.by_customer, customer_id, id);
            if let Some(i) = inbox {
                leave(&mut reg.visitors_by_inbox, i, id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(inbox: &str, contact: Option<&str>, internal: bool) -> Event {
        Event {
            inbox_id: inbox.into(),
            customer_id: contact.map(Into::into),
            origin: None,
            frame: Outbound {
                conversation: "c".into(),
                seq: 1,
                internal,
                json: "{}".into(),
            },
        }
    }

    #[test]
    fn routes_by_inbox_contact_and_visibility() {
        let hub = Hub::default();
        let mut admin = hub.subscribe(Interest::AllInboxes, Some("a"));
        let mut agent = hub.subscribe(Interest::Inboxes(vec!["i1".into()]), Some("b"));
        let mut other = hub.subscribe(Interest::Inboxes(vec!["i2".into()]), Some("c"));
        let mut visitor = hub.subscribe(
            Interest::Customer {
                customer_id: "k".into(),
                inbox: Some("i1".into()),
            },
            None,
        );
        hub.publish(&event("i1", Some("k"), false));
        assert!(
            admin.rx.try_recv().is_ok()
                && agent.rx.try_recv().is_ok()
                && visitor.rx.try_recv().is_ok()
        );
        assert!(other.rx.try_recv().is_err());
        // Notes never reach customers.
        hub.publish(&event("i1", Some("k"), true));
        assert!(agent.rx.try_recv().is_ok());
        assert!(visitor.rx.try_recv().is_err());
        // A visitor of another inbox does not see this contact's other conversations.
        hub.publish(&event("i2", Some("k"), false));
        assert!(visitor.rx.try_recv().is_err());
        // Frames for one staff member, or for all staff, never reach customers.
        for s in [&mut admin, &mut agent, &mut other, &mut visitor] {
            while s.rx.try_recv().is_ok() {}
        }
        hub.publish_staff(Some("b"), "{}");
        assert!(agent.rx.try_recv().is_ok() && admin.rx.try_recv().is_err());
        hub.publish_staff(None, "{}");
        assert!(admin.rx.try_recv().is_ok() && other.rx.try_recv().is_ok());
        assert!(visitor.rx.try_recv().is_err());
        assert_eq!(hub.staff_online().len(), 3);
        // What concerns an inbox's widget reaches its visitors only, and they leave cleanly.
        assert_eq!(hub.visited_inboxes(), vec!["i1".to_string()]);
        while agent.rx.try_recv().is_ok() {}
        hub.publish_visitors("i1", "{}");
        assert!(visitor.rx.try_recv().is_ok() && agent.rx.try_recv().is_err());
        hub.publish_visitors("i2", "{}");
        assert!(visitor.rx.try_recv().is_err());
        hub.unsubscribe(visitor.id);
        assert!(hub.visited_inboxes().is_empty());
    }

    #[test]
    fn a_slow_connection_is_cut_off_not_buffered() {
        let hub = Hub::default();
        let slow = hub.subscribe(Interest::AllInboxes, Some("a"));
        for _ in 0..STAFF_QUEUE {
            hub.publish(&event("i", None, false));
        }
        assert_eq!(hub.connections(), 1);
        hub.publish(&event("i", None, false));
        assert_eq!(hub.connections(), 0, "dropped after its queue filled");
        drop(slow);
    }
}
