//! The radix tree: static bytes compressed along shared prefixes, with one parameter child and
//! one wildcard child allowed at each segment boundary.
//!
//! Lookup tries static children first, then the parameter, then the wildcard, backtracking when a
//! branch dead-ends, so the most specific pattern wins whatever the insertion order.

use super::InsertError;
use super::params::Ranges;
use rws_pattern::Piece;

#[derive(Debug)]
pub(crate) struct Leaf<T> {
    pub(crate) value: T,
    pub(crate) pattern: Box<str>,
    pub(crate) names: Box<[Box<str>]>,
}

#[derive(Debug)]
struct ParamChild<T> {
    name: Box<str>,
    // The first pattern that declared this parameter, to name it in conflicts.
    origin: Box<str>,
    node: Node<T>,
}

#[derive(Debug)]
struct WildcardChild<T> {
    name: Box<str>,
    leaf: Leaf<T>,
}

#[derive(Debug)]
pub(crate) struct Node<T> {
    // The static bytes this node consumes (empty for the root and right after a parameter).
    prefix: Box<[u8]>,
    // The first byte of each static child, for fast linear search.
    indices: Vec<u8>,
    children: Vec<Node<T>>,
    param: Option<Box<ParamChild<T>>>,
    wildcard: Option<Box<WildcardChild<T>>>,
    leaf: Option<Leaf<T>>,
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Node {
            prefix: Box::default(),
            indices: Vec::new(),
            children: Vec::new(),
            param: None,
            wildcard: None,
            leaf: None,
        }
    }
}

impl<T> Node<T> {
    pub(crate) fn insert(&mut self, pieces: &[Piece], leaf: Leaf<T>) -> Result<(), InsertError> {
        match pieces.split_first() {
            None => match &self.leaf {
                Some(existing) => Err(InsertError::conflict(&leaf.pattern, &existing.pattern)),
                None => {
                    self.leaf = Some(leaf);
                    Ok(())
                }
            },
            Some((Piece::Static(s), rest)) => self.insert_static(s.as_bytes(), rest, leaf),
            Some((Piece::Param(name), rest)) => {
                let child = self.param.get_or_insert_with(|| {
                    Box::new(ParamChild {
                        name: name.clone(),
                        origin: leaf.pattern.clone(),
                        node: Node::default(),
                    })
                });
                if child.name != *name {
                    return Err(InsertError::conflict(&leaf.pattern, &child.origin));
                }
                child.node.insert(rest, leaf)
            }
            Some((Piece::Wildcard(name), _)) => match &self.wildcard {
                Some(existing) => Err(InsertError::conflict(&leaf.pattern, &existing.leaf.pattern)),
                None => {
                    self.wildcard = Some(Box::new(WildcardChild {
                        name: name.clone(),
                        leaf,
                    }));
                    Ok(())
                }
            },
        }
    }

    /// Inserts `bytes` below this node (whose own prefix is already consumed).
    fn insert_static(
        &mut self,
        bytes: &[u8],
        rest: &[Piece],
        leaf: Leaf<T>,
    ) -> Result<(), InsertError> {
        let Some(&first) = bytes.first() else {
            return self.insert(rest, leaf);
        };
        let Some(i) = self.indices.iter().position(|&b| b == first) else {
            self.indices.push(first);
            self.children.push(Node {
                prefix: bytes.into(),
                ..Node::default()
            });
            let child = self.children.last_mut().unwrap_or_else(|| unreachable!());
            return child.insert(rest, leaf);
        };
        let child = &mut self.children[i];
        let common = child
            .prefix
            .iter()
            .zip(bytes)
            .take_while(|(a, b)| a == b)
            .count();
        if common < child.prefix.len() {
            child.split_at(common);
        }
        child.insert_static(&bytes[common..], rest, leaf)
    }

    /// Keeps `prefix[..at]` here and moves everything else into one new child.
    fn split_at(&mut self, at: usize) {
        let tail = Node {
            prefix: self.prefix[at..].into(),
            indices: std::mem::take(&mut self.indices),
            children: std::mem::take(&mut self.children),
            param: self.param.take(),
            wildcard: self.wildcard.take(),
            leaf: self.leaf.take(),
        };
        self.prefix = self.prefix[..at].into();
        self.indices = vec![tail.prefix[0]];
        self.children = vec![tail];
    }

    /// Finds the leaf for `path` (the part left after this node's prefix); `total` is the whole
    /// path's length, so that parameter ranges index the whole path.
    ///
    /// Descends in a loop while a node offers a single way on, and recurses only where another
    /// branch may have to be tried after this one fails (the backtracking points).
    pub(crate) fn at(
        &self,
        mut path: &[u8],
        total: usize,
        ranges: &mut Ranges,
    ) -> Option<&Leaf<T>> {
        let mut node = self;
        loop {
            let Some(&first) = path.first() else {
                return node.leaf.as_ref();
            };
            let alternatives = node.param.is_some() || node.wildcard.is_some();
            if let Some(i) = node.indices.iter().position(|&b| b == first)
                && let Some(rest) = strip_prefix(path, &node.children[i].prefix)
            {
                let child = &node.children[i];
                if !alternatives {
                    node = child;
                    path = rest;
                    continue;
                }
                let mark = ranges.len();
                if let Some(leaf) = child.at(rest, total, ranges) {
                    return Some(leaf);
                }
                ranges.truncate(mark);
            }
            if let Some(param) = &node.param {
                let end = path.iter().position(|&b| b == b'/').unwrap_or(path.len());
                if end > 0 {
                    let start = total - path.len();
                    if node.wildcard.is_none() {
                        ranges.push(start, start + end);
                        node = &param.node;
                        path = &path[end..];
                        continue;
                    }
                    let mark = ranges.len();
                    ranges.push(start, start + end);
                    if let Some(leaf) = param.node.at(&path[end..], total, ranges) {
                        return Some(leaf);
                    }
                    ranges.truncate(mark);
                }
            }
            if let Some(wildcard) = &node.wildcard {
                ranges.push(total - path.len(), total);
                return Some(&wildcard.leaf);
            }
            return None;
        }
    }

    /// Visits every leaf (for listing routes).
    pub(crate) fn for_each<'a>(&'a self, f: &mut impl FnMut(&'a Leaf<T>)) {
        if let Some(leaf) = &self.leaf {
            f(leaf);
        }
        for child in &self.children {
            child.for_each(f);
        }
        if let Some(param) = &self.param {
            param.node.for_each(f);
        }
        if let Some(wildcard) = &self.wildcard {
            debug_assert!(!wildcard.name.is_empty());
            f(&wildcard.leaf);
        }
    }
}

/// `path.strip_prefix(prefix)`, comparing byte by byte: route prefixes are short, and a loop
/// beats a call to `memcmp` for them.
#[inline]
fn strip_prefix<'p>(path: &'p [u8], prefix: &[u8]) -> Option<&'p [u8]> {
    if path.len() < prefix.len() {
        return None;
    }
    let (head, rest) = path.split_at(prefix.len());
    head.iter().zip(prefix).all(|(a, b)| a == b).then_some(rest)
}
