"""`backprop.check`: notes marked as written, against verdicts worked out here by hand.

The seed notes (`tests/data/notes/seed.md`, a learner's Chinese notes in Markdown and LaTeX) work
the first step of the worked example: inputs (0.05, 0.10) and (0.80, 0.20), targets 0.01 and
0.99, w1..w4 = 0.15 0.20 0.25 0.30, b1 = 0.35, w5 w6 = 0.40 0.45, b2 = 0.60, sigmoid, ½(t − a)²
averaged over the batch. The exact values are computed below from those formulas; a figure is
correct when it is within one unit of its last written digit of the exact value.
"""

import html
import math
import re
import tomllib

import pytest

import backprop
from conftest import EXAMPLES, REPO, cli

SEED = REPO / "tests" / "data" / "notes" / "seed.md"


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def unit(written):
    """One unit of the last digit written: 0.59326 → 1e-5."""
    decimals = written.split(".")[1] if "." in written else ""
    return 10.0 ** -len(decimals)


def exact():
    """The worked example's first step, by hand."""
    v = {}
    for s, (i1, i2, t) in enumerate([(0.05, 0.10, 0.01), (0.80, 0.20, 0.99)], start=1):
        z_h1 = 0.15 * i1 + 0.20 * i2 + 0.35
        z_h2 = 0.25 * i1 + 0.30 * i2 + 0.35
        a_h1, a_h2 = sigmoid(z_h1), sigmoid(z_h2)
        z_o = 0.40 * a_h1 + 0.45 * a_h2 + 0.60
        a_o = sigmoid(z_o)
        v.update({f"s{s}.z_h1": z_h1, f"s{s}.a_h1": a_h1, f"s{s}.z_h2": z_h2, f"s{s}.a_h2": a_h2})
        v.update({f"s{s}.z_o": z_o, f"s{s}.a_o": a_o, f"s{s}.E": 0.5 * (t - a_o) ** 2})
        v[f"s{s}.dE_da_o"] = a_o - t
        v[f"s{s}.delta_o"] = (a_o - t) * a_o * (1 - a_o)
    v["E_total"] = (v["s1.E"] + v["s2.E"]) / 2
    v["grad.w5"] = (v["s1.delta_o"] * v["s1.a_h1"] + v["s2.delta_o"] * v["s2.a_h1"]) / 2
    v["grad.w6"] = (v["s1.delta_o"] * v["s1.a_h2"] + v["s2.delta_o"] * v["s2.a_h2"]) / 2
    v["grad.b2"] = (v["s1.delta_o"] + v["s2.delta_o"]) / 2
    return v


EXACT = exact()


@pytest.fixture(scope="module")
def seed():
    return backprop.check(SEED)


def test_the_seed_notes_by_hand(seed):
    v = EXACT
    close = lambda q, w: abs(float(w) - v[q]) <= unit(w)  # noqa: E731
    # Correct: each within a unit of its last digit of the exact value.
    for q, w in [("s1.a_h1", "0.59326"), ("s1.z_h2", "0.3925"), ("s1.a_h2", "0.59688"),
                 ("s1.z_o", "1.10590"), ("s1.a_o", "0.75136"), ("s2.E", "0.02692"),
                 ("s1.delta_o", "0.13849"), ("grad.w6", "0.02755")]:
        assert close(q, w), (q, w, v[q])
        c = seed.claim(q)
        assert c["written"] == w and c["verdict"] == "correct", c
        assert c["expected"] == pytest.approx(v[q], rel=1e-12)
    # z_h1: 0.15 × 0.05 + 0.2 × 0.10 + 0.35 is 0.3775; the notes write 0.375.
    assert v["s1.z_h1"] == pytest.approx(0.3775) and not close("s1.z_h1", "0.375")
    z = seed.claim("s1.z_h1")
    assert (z["line"], z["written"], z["verdict"], z["slip"]) == (21, "0.375", "slip", "arithmetic")
    assert z["yours"] == pytest.approx(0.3775)
    # E1: ½(0.01 − 0.75136)² = 0.274807 with the learner's own a_o, not the 0.27483 written.
    assert 0.5 * (0.01 - 0.75136) ** 2 == pytest.approx(0.274807, abs=1e-6)
    assert not close("s1.E", "0.27483")
    assert (seed.claim("s1.E")["verdict"], seed.claim("s1.E")["slip"]) == ("slip", "arithmetic")
    # E_total: (0.27483 + 0.02692)/2 = 0.150875 is right from the learner's own (wrong) E1, and
    # not the exact 0.150867: carried.
    assert (0.27483 + 0.02692) / 2 == pytest.approx(0.150875, abs=1e-12)
    assert not close("E_total", "0.150875")
    e = seed.claim("E_total")
    assert (e["line"], e["written"], e["verdict"], e["from"]) == (42, "0.150875", "carried", ["s1.E"])
    assert e["expected"] == pytest.approx(v["E_total"], rel=1e-12)
    # 0.74136, named ∂E1/∂w5, is a_o − t of sample 1 (∂E1/∂a_o): misnamed.
    assert close("s1.dE_da_o", "0.74136")
    m = [c for c in seed.claims if c["written"] == "0.74136" and c["line"] == 56][0]
    assert (m["verdict"], m["is"]) == ("misnamed", "s1.dE_da_o")
    # δ_o of sample 2 is −0.0425710, not the −0.04267 written.
    assert v["s2.delta_o"] == pytest.approx(-0.042571, abs=1e-6) and not close("s2.delta_o", "-0.04267")
    assert seed.claim("s2.delta_o")["verdict"] == "slip"
    # ∂E/∂w5 uses 0.593626 for a_h1 (written 0.59326 above) and 0.62983 for s2's a_h1.
    assert v["s2.a_h1"] == pytest.approx(0.624806, abs=1e-6)
    g = seed.claim("grad.w5")
    assert (g["verdict"], g["slip"]) == ("slip", "wrong_number")
    assert [n["written"] for n in g["wrong_numbers"]] == [0.593626, 0.62983]
    # ∂E/∂b2: ½(0.13849 − 0.04267) = 0.04791 follows the learner's wrong δ_o of sample 2.
    assert (0.13849 - 0.04267) / 2 == pytest.approx(0.04791)
    assert not close("grad.b2", "0.04791")
    b = seed.claim("grad.b2")
    assert (b["verdict"], b["from"]) == ("carried", ["s2.delta_o"])
    # 8 + 4 + 2 + 1 figures, nothing unrecognised.
    s = seed.summary
    assert (s["correct"], s["slip"], s["carried"], s["misnamed"], s["unrecognised"]) == (8, 4, 2, 1, 0)
    assert len(seed) == 15 and not seed.all_correct
    assert [c["line"] for c in seed.claims] == sorted(c["line"] for c in seed.claims)


def test_the_setup_read_from_the_notes(seed):
    s = seed.setup
    assert s["source"] == "notes"
    read = {f["what"]: (f["value"], f["line"]) for f in s["read"]}
    # The notes' line 9 holds W^H and b1; line 15 the learning rate (0.5 struck out, η = 0.5).
    assert read["w1"] == ("0.15", 9) and read["b1"] == ("0.35", 9)
    assert read["s2.i1"] == ("0.80", 13) and read["learning_rate"] == ("0.5", 15)
    spec = tomllib.loads(s["spec"])
    example = tomllib.loads((EXAMPLES / "01-worked-example.toml").read_text())
    assert spec["layers"][0]["weights"] == example["layers"][0]["weights"]
    assert spec["data"]["inputs"] == [[0.05, 0.10], [0.80, 0.20]]


def test_str_and_html_show_the_report(seed):
    text = str(seed)
    assert text == seed.to_text()
    assert "line 21: ✗" in text and text.rstrip().endswith(seed.summary["text"])
    assert seed.summary["text"] == "8 correct, 4 slips, 2 carried, 1 misnamed"
    # The notebook view: the library's page in a frame, the figures marked in place.
    frame = seed._repr_html_()
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert page == seed.to_html()
    assert re.search(r'<span class="slip"[^>]*>0\.375&nbsp;✗</span>', page)
    assert re.search(r'<span class="correct"[^>]*>0\.59326&nbsp;✓</span>', page)
    assert re.search(r'<span class="carried"[^>]*>0\.150875&nbsp;✗</span>', page)
    assert "✗ 0.375" in seed.to_markdown()


def test_agrees_with_the_cli(seed):
    r = cli("check", SEED, check=False)
    assert r.returncode == 1  # some figures are not correct
    assert r.stdout == str(seed)
    r = cli("check", SEED, "--format", "json", check=False)
    assert r.stdout == seed.to_json()


def test_text_notes_and_chinese():
    # Sample 1: z_h1 = 0.3775 right, a_h1 = σ(0.3775) = 0.593270 right.
    assert sigmoid(0.3775) == pytest.approx(0.59327, abs=1e-5)
    notes = "Sample 1: z_h1 = 0.15 × 0.05 + 0.20 × 0.10 + 0.35 = 0.3775\nthen a_h1 = σ(0.3775) = 0.59327\n"
    r = backprop.check(notes)
    assert [c["verdict"] for c in r.claims] == ["correct", "correct"]
    assert r.all_correct and r.setup["source"] == "worked example"
    wrong = backprop.check("样本 1: z_h1 = 0.15 × 0.05 + 0.20 × 0.10 + 0.35 = 0.3875\n", lang="zh")
    assert wrong.claims[0]["verdict"] == "slip"
    assert re.search(r"[\u4e00-\u9fff]", wrong.claims[0]["because"])


def test_name_value_notes_carry():
    # s1.z_h1 right; E_total 0.9 is neither the exact value nor follows from the rest: not correct.
    r = backprop.check("s1.z_h1 = 0.3775\ns1.a_h1 = 0.59327\nE_total = 0.9\n")
    assert [c["verdict"] for c in r.claims][:2] == ["correct", "correct"]
    assert r.claims[2]["verdict"] in ("slip", "carried")
    assert [c["line"] for c in r.claims] == [1, 2, 3]


def test_against_a_network_and_a_sample():
    net = backprop.Network.worked_example()
    z = 0.15 * 0.8 + 0.2 * 0.2 + 0.35  # sample 2's z_h1
    r = backprop.check(f"s2.z_h1 = {z:.4f}\n", net, sample=2)
    assert r.all_correct and r.setup["source"] == "spec"


def test_a_spec_that_does_not_fit_the_notes():
    toml = (EXAMPLES / "01-worked-example.toml").read_text().replace("[[0.15, 0.20]", "[[0.16, 0.20]")
    assert "0.16" in toml
    # The seed notes state w1 = 0.15 (line 9); this spec has 0.16.
    with pytest.raises(backprop.InputError, match="spec"):
        backprop.check(SEED, toml)
    # Notes that state no setup, against the spec: its z_h1 is 0.16 × 0.05 + 0.20 × 0.10 + 0.35.
    notes = "Sample 1: z_h1 = 0.16 × 0.05 + 0.20 × 0.10 + 0.35 = 0.378\n"
    assert 0.16 * 0.05 + 0.20 * 0.10 + 0.35 == pytest.approx(0.378)
    assert backprop.check(notes, toml).claim("s1.z_h1")["verdict"] == "correct"


def test_bad_notes(tmp_path):
    with pytest.raises(backprop.InputError, match="no figures found"):
        backprop.check("nothing here\nat all\n")
    (tmp_path / "bin.txt").write_bytes(b"z_h1 = \xff\n")
    with pytest.raises(backprop.InputError, match="not UTF-8"):
        backprop.check(tmp_path / "bin.txt")
    with pytest.raises(backprop.InputError, match="is a directory"):
        backprop.check(tmp_path)
    (tmp_path / "big.txt").write_text("x" * ((1 << 20) + 1))
    with pytest.raises(backprop.InputError, match="more than the"):
        backprop.check(tmp_path / "big.txt")
    with pytest.raises(backprop.InputError, match="lang"):
        backprop.check("s1.z_h1 = 0.3775\n", lang="fr")
