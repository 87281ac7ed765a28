//! Lock-order inversions: while records are kept, every acquisition of a lock B while
//! holding a lock A adds the edge A → B to a graph. An edge that closes a cycle (A then
//! B here, B then A there — or a longer loop) is a deadlock waiting to happen, reported
//! as a warning with the acquisition sites, before it ever deadlocks.
//!
//! Locks are identified by address and origin (name or creation site), so that a lock
//! dropped and replaced by another at the same address is not confused with it; a lock
//! being dropped removes its edges. The graph is bounded (see [`MAX_EDGES`]).

use std::collections::{HashMap, HashSet};
use std::panic::Location;
use std::sync::{Mutex, PoisonError};

use super::object::Object;
use super::record::HeldEntry;
use super::report::WarningKind;
use crate::origin::Origin;

/// The most edges kept; beyond, new orders are not recorded (and this is said once).
pub(crate) const MAX_EDGES: usize = 100_000;

/// A lock, as the graph knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Node {
    key: usize,
    origin: Origin,
}

impl Node {
    fn of(object: Object) -> Self {
        Self {
            key: object.key,
            origin: object.origin,
        }
    }
}

/// How an edge A → B was first seen.
#[derive(Debug, Clone)]
struct Edge {
    /// The locks, for the report.
    first: Object,
    second: Object,
    /// Where A was acquired, and where B was acquired while A was held.
    first_site: &'static Location<'static>,
    second_site: &'static Location<'static>,
    thread: String,
}

#[derive(Default)]
struct Graph {
    out: HashMap<Node, HashMap<Node, Edge>>,
    edges: usize,
    reported: HashSet<(Node, Node)>,
    full: bool,
}

static GRAPH: Mutex<Option<Graph>> = Mutex::new(None);

/// The calling thread (named `thread`) acquired `second` at `site` while holding
/// `held`: records the orders, and reports any that closes a cycle.
pub(crate) fn acquired_while_holding(
    held: &[HeldEntry],
    second: Object,
    site: &'static Location<'static>,
    thread: &str,
) {
    let mut reports = Vec::new();
    {
        let mut guard = GRAPH.lock().unwrap_or_else(PoisonError::into_inner);
        let graph = guard.get_or_insert_with(Graph::default);
        let b = Node::of(second);
        for first in held.iter().filter(|h| h.object.key != second.key) {
            let a = Node::of(first.object);
            if graph.out.get(&a).is_some_and(|out| out.contains_key(&b)) {
                continue;
            }
            if graph.edges >= MAX_EDGES {
                if !graph.full {
                    graph.full = true;
                    reports.push((
                        WarningKind::Limit,
                        format!(
                            "lock-order graph full ({MAX_EDGES} orders): new lock orders are no longer checked"
                        ),
                    ));
                }
                break;
            }
            let edge = Edge {
                first: first.object,
                second,
                first_site: first.site,
                second_site: site,
                thread: thread.to_owned(),
            };
            graph.out.entry(a).or_default().insert(b, edge.clone());
            graph.edges += 1;
            if let Some(path) = graph.path(b, a) {
                let pair = if a.key <= b.key { (a, b) } else { (b, a) };
                if graph.reported.insert(pair) {
                    reports.push((WarningKind::LockOrderInversion, describe(&edge, &path)));
                }
            }
        }
    }
    for (kind, report) in reports {
        super::report::warn(kind, report);
    }
}

/// A lock at `key` is gone: forget its orders (and any hold of it still recorded).
pub(crate) fn forget(key: usize) {
    let mut guard = GRAPH.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(graph) = guard.as_mut() else { return };
    let mut removed = 0;
    graph.out.retain(|node, out| {
        if node.key == key {
            removed += out.len();
            return false;
        }
        let before = out.len();
        out.retain(|to, _| to.key != key);
        removed += before - out.len();
        !out.is_empty()
    });
    graph.edges -= removed;
    graph.reported.retain(|(a, b)| a.key != key && b.key != key);
}

impl Graph {
    /// A path of edges from `from` to `to`, if one exists (depth-first).
    fn path(&self, from: Node, to: Node) -> Option<Vec<Edge>> {
        let mut stack = vec![(from, Vec::<Edge>::new())];
        let mut seen = HashSet::from([from]);
        while let Some((node, path)) = stack.pop() {
            for (next, edge) in self.out.get(&node).into_iter().flatten() {
                let mut longer = path.clone();
                longer.push(edge.clone());
                if *next == to {
                    return Some(longer);
                }
                if seen.insert(*next) {
                    stack.push((*next, longer));
                }
            }
        }
        None
    }
}

fn describe(new: &Edge, path: &[Edge]) -> String {
    let mut text = format!(
        "lock-order inversion (a deadlock waiting to happen): {} acquired {} (at {}) while holding {} (acquired at {})",
        quoted(&new.thread),
        new.second.describe(),
        new.second_site,
        new.first.describe(),
        new.first_site
    );
    for edge in path {
        text.push_str(&format!(
            ",\n  but {} acquired {} (at {}) while holding {} (acquired at {})",
            quoted(&edge.thread),
            edge.second.describe(),
            edge.second_site,
            edge.first.describe(),
            edge.first_site
        ));
    }
    text.push_str(
        ";\n  threads taking these locks in these orders at the same time would deadlock",
    );
    text
}

fn quoted(thread: &str) -> String {
    format!("thread '{thread}'")
}
