//! The derivation graph: every scalar of one training step as a named node with an operation
//! over earlier nodes and a value. Nodes are only ever appended after their inputs, so the
//! order of their ids is a topological order: evaluation walks it forwards, the reverse walk of
//! [`Graph::backward`] walks it backwards, and neither recurses.

use super::node_name::NodeName;
use super::op::Op;
use std::collections::HashMap;

pub type NodeId = usize;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// What the quantity is.
    pub key: NodeName,
    /// Its name as written (`s1.z_h1`, `grad.w5`): `key` displayed.
    pub name: String,
    pub op: Op,
    /// The nodes the operation reads, in the order it reads them.
    pub inputs: Vec<NodeId>,
    pub value: f64,
}

#[derive(Clone, Debug, Default)]
pub struct Graph {
    nodes: Vec<Node>,
    by_name: HashMap<String, NodeId>,
    by_key: HashMap<NodeName, NodeId>,
}

impl Graph {
    pub fn new() -> Graph {
        Graph::default()
    }

    /// Adds a given value (parameter, input, target).
    pub fn given(&mut self, name: NodeName, value: f64) -> NodeId {
        self.insert(name, Op::Given, Vec::new(), value)
    }

    /// Adds a computed quantity; its value is evaluated now from its inputs.
    pub fn push(&mut self, name: NodeName, op: Op, inputs: Vec<NodeId>) -> NodeId {
        let x: Vec<f64> = inputs.iter().map(|&i| self.nodes[i].value).collect();
        let value = op.eval(&x);
        self.insert(name, op, inputs, value)
    }

    fn insert(&mut self, key: NodeName, op: Op, inputs: Vec<NodeId>, value: f64) -> NodeId {
        let id = self.nodes.len();
        assert!(inputs.iter().all(|&i| i < id), "inputs precede their node");
        let name = key.to_string();
        let previous = self.by_name.insert(name.clone(), id);
        assert!(previous.is_none(), "the name {name} is used twice");
        self.by_key.insert(key, id);
        self.nodes.push(Node {
            key,
            name,
            op,
            inputs,
            value,
        });
        id
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node of this name as written.
    pub fn id(&self, name: &str) -> Option<NodeId> {
        self.by_name.get(name).copied()
    }

    /// The node of this name.
    pub fn find(&self, name: NodeName) -> Option<NodeId> {
        self.by_key.get(&name).copied()
    }

    /// The value of this node, if the step has it.
    pub fn value_of(&self, name: NodeName) -> Option<f64> {
        self.find(name).map(|id| self.nodes[id].value)
    }

    /// The value of the named node.
    pub fn value(&self, name: &str) -> Option<f64> {
        self.id(name).map(|id| self.nodes[id].value)
    }

    /// Reverse-mode differentiation: `∂root/∂node` for every node, in a fresh store (so calling
    /// it twice gives the same answer). One walk over the ids from `root` down; each node passes
    /// its gradient to its inputs through the local derivatives of its operation, accumulating
    /// with `+=`, which is what makes a value used twice (a shared bias) come out right.
    pub fn backward(&self, root: NodeId) -> Vec<f64> {
        let mut grad = vec![0.0; self.nodes.len()];
        grad[root] = 1.0;
        for id in (0..=root).rev() {
            let g = grad[id];
            let node = &self.nodes[id];
            if g == 0.0 || node.inputs.is_empty() {
                continue;
            }
            let x: Vec<f64> = node.inputs.iter().map(|&i| self.nodes[i].value).collect();
            let local = node.op.local_grads(&x, node.value);
            for (&input, d) in node.inputs.iter().zip(local) {
                grad[input] += g * d;
            }
        }
        grad
    }

    /// Which nodes `root` depends on (itself included): those with a gradient from
    /// [`Graph::backward`].
    pub fn ancestors(&self, root: NodeId) -> Vec<bool> {
        let mut reached = vec![false; self.nodes.len()];
        reached[root] = true;
        for id in (0..=root).rev() {
            if reached[id] {
                for &i in &self.nodes[id].inputs {
                    reached[i] = true;
                }
            }
        }
        reached
    }

    /// Every node's value when some nodes take the values in `given` instead of their own:
    /// the others are recomputed from their inputs, in order (the values a learner's own
    /// numbers lead to).
    pub fn evaluate_with(&self, given: &HashMap<NodeId, f64>) -> Vec<f64> {
        let mut values: Vec<f64> = Vec::with_capacity(self.nodes.len());
        for (id, node) in self.nodes.iter().enumerate() {
            let v = match given.get(&id) {
                Some(&v) => v,
                None if node.inputs.is_empty() => node.value,
                None => {
                    let x: Vec<f64> = node.inputs.iter().map(|&i| values[i]).collect();
                    node.op.eval(&x)
                }
            };
            values.push(v);
        }
        values
    }
}
