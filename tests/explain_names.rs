//! The typed node names: every name of several networks' derivations is read back
//! (`FromStr`) as the very name the node has, and written (`Display`) as the string the
//! node carries; any name the notation can express survives writing then reading; and the
//! typed units and parameters are the names the notes give them.

use backprop::derivation::{Derivation, NodeName, Param, Quantity, Unit};
use backprop::{Layer, Spec};
use proptest::prelude::*;

/// A spec of this shape with inline data of `batch` samples and the given optimizer.
fn spec(inputs: usize, units: &[usize], batch: usize, per_unit: bool, optimizer: &str) -> Spec {
    let mut toml = format!(
        "inputs = {inputs}\nloss = \"mse\"\ndtype = \"f64\"\n[optimizer]\nkind = \"{optimizer}\"\nlearning_rate = 0.1\n[training]\nbatch_size = {batch}\nshuffle = false\nseed = 5\n"
    );
    for &u in units {
        let bias = if per_unit { "per_unit" } else { "shared" };
        toml.push_str(&format!(
            "[[layers]]\nunits = {u}\nactivation = \"tanh\"\nbias = \"{bias}\"\n"
        ));
    }
    let out = *units.last().unwrap();
    let row = |n: usize, v: f64| format!("[{}]", vec![format!("{v}"); n].join(", "));
    let x: Vec<String> = (0..batch).map(|s| row(inputs, s as f64 * 0.25)).collect();
    let t: Vec<String> = (0..batch).map(|s| row(out, s as f64 * 0.5)).collect();
    toml.push_str(&format!(
        "[data]\ninputs = [{}]\ntargets = [{}]\n",
        x.join(", "),
        t.join(", ")
    ));
    Spec::parse(&toml, "names").unwrap_or_else(|e| panic!("{e}\n{toml}"))
}

fn assert_round_trip(d: &Derivation) {
    for node in d.graph.nodes() {
        let read: NodeName = node.name.parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read, node.key, "{}", node.name);
        assert_eq!(node.key.to_string(), node.name);
        assert_eq!(Derivation::sample_of(&node.name), node.key.sample());
        if let NodeName::Sample(s, q) = node.key {
            assert_eq!(node.name, format!("s{s}.{}", node.key.within_sample()));
            assert_eq!(node.key.within_sample().parse::<Quantity>(), Ok(q));
        }
    }
}

#[test]
fn every_name_of_several_networks_reads_back_as_itself() {
    let mut networks = vec![Derivation::from_spec(&Spec::worked_example(), None).unwrap()];
    for (inputs, units, batch, per_unit, optimizer) in [
        (3, vec![4, 3, 2], 2, true, "adam"),
        (2, vec![3, 1], 3, false, "momentum"),
        (12, vec![11, 10, 3, 12], 11, true, "sgd"),
        (1, vec![1], 1, false, "adam"),
    ] {
        let s = spec(inputs, &units, batch, per_unit, optimizer);
        networks.push(Derivation::from_spec(&s, None).unwrap());
    }
    for d in &networks {
        assert_round_trip(d);
    }
    // Names of each kind occur: a hidden unit of several layers, a moment, a two-digit sample.
    let names: Vec<&str> = networks
        .iter()
        .flat_map(|d| d.graph.nodes().iter().map(|n| n.name.as_str()))
        .collect();
    for expected in [
        "s1.z_h1",
        "s2.a_o",
        "E_total",
        "grad.w5",
        "new.b1",
        "s1.z_h2_3",
        "m.w1",
        "v.b2_1",
        "s11.delta_o12",
        "s1.dE_da_h2_10",
        "s2.da_dz_h1",
        "s1.t_o2",
        "s3.i2",
    ] {
        assert!(names.contains(&expected), "no {expected}");
    }
}

#[test]
fn typed_units_and_parameters_are_the_notes_names() {
    // The worked example (README "Notation"): w1 w2 feed h1, w3 w4 feed h2, w5 w6 feed o;
    // b1 and b2 shared.
    let net = Spec::worked_example().network::<f64>().unwrap();
    let layers: &[Layer] = &net.layers;
    let units: Vec<String> = [(0, 0), (0, 1), (1, 0)]
        .iter()
        .map(|&(l, j)| Unit::of(layers, l, j).to_string())
        .collect();
    assert_eq!(units, ["h1", "h2", "o"]);
    let weights: Vec<String> = [
        (0, 0, 0),
        (0, 0, 1),
        (0, 1, 0),
        (0, 1, 1),
        (1, 0, 0),
        (1, 0, 1),
    ]
    .iter()
    .map(|&(l, j, i)| Param::weight(layers, l, j, i).to_string())
    .collect();
    assert_eq!(weights, ["w1", "w2", "w3", "w4", "w5", "w6"]);
    assert_eq!(Param::bias(layers, 0, 1).to_string(), "b1");
    assert_eq!(Param::bias(layers, 1, 0).to_string(), "b2");
    // 3-4-3-2 with a bias per unit: layers numbered in the units' names, weights through the
    // network (12 into layer 1, 12 into layer 2, then 6).
    let s = spec(3, &[4, 3, 2], 1, true, "sgd");
    let net = s.network::<f64>().unwrap();
    let layers: &[Layer] = &net.layers;
    assert_eq!(Unit::of(layers, 0, 3).to_string(), "h1_4");
    assert_eq!(Unit::of(layers, 1, 0).to_string(), "h2_1");
    assert_eq!(Unit::of(layers, 2, 1).to_string(), "o2");
    assert_eq!(Param::weight(layers, 0, 3, 2).to_string(), "w12");
    assert_eq!(Param::weight(layers, 1, 0, 0).to_string(), "w13");
    assert_eq!(Param::weight(layers, 1, 2, 3).to_string(), "w24");
    assert_eq!(Param::weight(layers, 2, 1, 2).to_string(), "w30");
    assert_eq!(Param::bias(layers, 1, 2).to_string(), "b2_3");
}

fn unit() -> impl Strategy<Value = Unit> {
    prop_oneof![
        (proptest::option::of(1usize..100), 1usize..100)
            .prop_map(|(layer, unit)| Unit::Hidden { layer, unit }),
        proptest::option::of(1usize..100).prop_map(Unit::Output),
    ]
}

fn param() -> impl Strategy<Value = Param> {
    prop_oneof![
        (1usize..100_000).prop_map(Param::Weight),
        (1usize..100, proptest::option::of(1usize..100))
            .prop_map(|(layer, unit)| Param::Bias { layer, unit }),
    ]
}

fn quantity() -> impl Strategy<Value = Quantity> {
    prop_oneof![
        (1usize..1000).prop_map(Quantity::Input),
        unit().prop_map(Quantity::Target),
        unit().prop_map(Quantity::Z),
        unit().prop_map(Quantity::A),
        Just(Quantity::Error),
        unit().prop_map(Quantity::DErrorDa),
        unit().prop_map(Quantity::DaDz),
        unit().prop_map(Quantity::Delta),
    ]
}

fn node_name() -> impl Strategy<Value = NodeName> {
    use backprop::derivation::Derived;
    let derived = prop_oneof![
        Just(Derived::Grad),
        Just(Derived::New),
        Just(Derived::Velocity),
        Just(Derived::Moment)
    ];
    prop_oneof![
        param().prop_map(NodeName::Param),
        (1usize..10_000, quantity()).prop_map(|(s, q)| NodeName::Sample(s, q)),
        Just(NodeName::Total),
        (derived, param()).prop_map(|(d, p)| NodeName::Of(d, p)),
    ]
}

proptest! {
    #[test]
    fn writing_then_reading_a_name_is_the_identity(name in node_name()) {
        let text = name.to_string();
        prop_assert_eq!(text.parse::<NodeName>(), Ok(name));
    }

    #[test]
    fn a_name_read_is_written_back_exactly(text in "[a-z0-9_.ET]{1,12}") {
        if let Ok(name) = text.parse::<NodeName>() {
            prop_assert_eq!(name.to_string(), text);
        }
    }
}
