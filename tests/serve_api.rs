//! `backprop serve` over real HTTP on an ephemeral loopback port: bad requests each get their
//! status and the CLI's message, the server keeps serving after all of them, a step's numbers
//! are the hand-derived ones, and SIGTERM stops it cleanly.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_backprop"))
            .args(["serve", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_string();
        Server { child, addr }
    }

    /// One HTTP/1.1 request; the status and the body (JSON where there is one).
    fn request(&self, method: &str, path: &str, body: Option<&[u8]>) -> (u16, Value) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        let body = body.unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        // The server may answer (413) before reading all of a large body.
        let _ = stream.write_all(body);
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        let text = String::from_utf8_lossy(&raw);
        let status: u16 = text[9..12].parse().unwrap();
        let (headers, rest) = text.split_once("\r\n\r\n").unwrap();
        let rest = if headers
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(rest)
        } else {
            rest.to_string()
        };
        let value = serde_json::from_str(&rest).unwrap_or(Value::String(rest));
        (status, value)
    }

    fn json(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        self.request(method, path, Some(body.to_string().as_bytes()))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

fn error_of(v: &Value) -> String {
    v["error"].as_str().unwrap_or_default().to_string()
}

/// What `backprop explain FILE` says of a spec, without its `error: FILE: ` prefix.
fn cli_message(toml: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.toml");
    std::fs::write(&path, toml).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_backprop"))
        .arg("explain")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stderr).unwrap();
    let prefix = format!("error: {}: ", path.display());
    text.trim()
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{text}"))
        .to_string()
}

const WORKED: &str = include_str!("../examples/01-worked-example.toml");

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The worked example by hand: E_total before the step and w1 after one SGD step (η = 0.5),
/// the chain rule written out per sample and averaged over the two.
fn worked_by_hand() -> (f64, f64) {
    let (w, b1, w5, w6, b2) = ([0.15, 0.20, 0.25, 0.30], 0.35, 0.40, 0.45, 0.60);
    let samples = [([0.05, 0.10], 0.01), ([0.80, 0.20], 0.99)];
    let (mut e, mut g1) = (0.0, 0.0);
    for (x, target) in samples {
        let h1 = sigmoid(w[0] * x[0] + w[1] * x[1] + b1);
        let h2 = sigmoid(w[2] * x[0] + w[3] * x[1] + b1);
        let o = sigmoid(w5 * h1 + w6 * h2 + b2);
        e += 0.5 * (target - o) * (target - o) / 2.0;
        let delta_o = (o - target) * o * (1.0 - o);
        let delta_h1 = delta_o * w5 * h1 * (1.0 - h1);
        g1 += delta_h1 * x[0] / 2.0;
    }
    (e, w[0] - 0.5 * g1)
}

#[test]
fn bad_requests_get_their_status_and_message_and_the_server_keeps_serving() {
    let logdir = tempfile::tempdir().unwrap();
    let server = Server::start(&[
        "--max-sessions",
        "3",
        "--logdir",
        logdir.path().to_str().unwrap(),
    ]);

    // Unknown routes and methods.
    let (status, v) = server.request("GET", "/api/nope", None);
    assert_eq!(status, 404);
    assert!(error_of(&v).contains("no route GET /api/nope"), "{v}");
    let (status, v) = server.request("GET", "/nope.js", None);
    assert_eq!(status, 404, "{v}");
    let (status, v) = server.request("DELETE", "/api/check", None);
    assert_eq!(status, 405);
    assert!(
        error_of(&v).contains("/api/check does not take DELETE"),
        "{v}"
    );

    // Malformed JSON, a body of the wrong shape, a body over the limit.
    let (status, v) = server.request("POST", "/api/sessions", Some(b"{\"toml\": "));
    assert_eq!(status, 400);
    assert!(
        error_of(&v).starts_with("request body: line 1, column 9: not valid JSON"),
        "{v}"
    );
    let (status, v) = server.json("POST", "/api/sessions", json!({ "tom": "x" }));
    assert_eq!(status, 400);
    assert!(error_of(&v).contains("unknown field `tom`"), "{v}");
    let big = vec![b' '; 5 << 20];
    let (status, v) = server.request("POST", "/api/sessions", Some(&big));
    assert_eq!(status, 413);
    assert!(error_of(&v).contains("more than the 4 MiB"), "{v}");

    // Bad specs: the CLI's own message for the same TOML.
    for bad in [
        "inputs = 2\n",
        &WORKED.replace("units = 1", "units = 0"),
        &WORKED.replace("\"sigmoid\"", "\"sigmoidal\""),
        &WORKED.replace("weights = [[0.40, 0.45]]", "weights = [[0.40, 0.45, 0.5]]"),
    ] {
        let (status, v) = server.json("POST", "/api/sessions", json!({ "toml": bad }));
        assert_eq!(status, 400, "{v}");
        let message = error_of(&v);
        let expected = cli_message(bad);
        assert_eq!(message.strip_prefix("spec: ").unwrap_or(&message), expected);
    }
    // A network over the memory limit.
    let huge = "inputs = 100000\nloss = \"mse\"\n[optimizer]\nlearning_rate = 0.1\n[[layers]]\nunits = 100000\nactivation = \"relu\"\n[[layers]]\nunits = 1\nactivation = \"linear\"\n[data]\ninputs = [[1.0]]\ntargets = [[1.0]]\n";
    let (status, v) = server.json("POST", "/api/sessions", json!({ "toml": huge }));
    assert_eq!(status, 422, "{v}");
    assert!(error_of(&v).contains("more than the memory limit"), "{v}");
    // A spec that names a file on the server.
    let file = format!(
        "{}[data]\npath = \"/etc/passwd\"\n",
        WORKED.split("[data]").next().unwrap()
    );
    let (status, v) = server.json("POST", "/api/sessions", json!({ "toml": file }));
    assert_eq!(status, 400);
    assert!(error_of(&v).contains("reads only inline rows"), "{v}");

    // Unknown sessions.
    for (method, path) in [
        ("GET", "/api/sessions/zzz"),
        ("POST", "/api/sessions/zzz/step"),
        ("POST", "/api/sessions/zzz/reset"),
    ] {
        let (status, v) = server.request(method, path, Some(b"{}"));
        assert_eq!(status, 404, "{method} {path}");
        assert!(error_of(&v).contains("no session `zzz`"), "{v}");
    }
    let (status, _) = server.request("DELETE", "/api/sessions/zzz", None);
    assert_eq!(status, 404);

    // A good session: too many steps, a bad parameter, then the true numbers of a step.
    let (status, s) = server.json("POST", "/api/sessions", json!({ "toml": WORKED }));
    assert_eq!(status, 201, "{s}");
    let id = s["id"].as_str().unwrap().to_string();
    let (status, v) = server.json(
        "POST",
        &format!("/api/sessions/{id}/step"),
        json!({ "steps": 10_001 }),
    );
    assert_eq!(status, 400);
    assert!(
        error_of(&v).contains("10001, more than the 10000 one request may take"),
        "{v}"
    );
    let (status, v) = server.json(
        "POST",
        &format!("/api/sessions/{id}/step"),
        json!({ "steps": "many" }),
    );
    assert_eq!(status, 400, "{v}");
    let (status, v) = server.json(
        "PUT",
        &format!("/api/sessions/{id}/parameters/w99"),
        json!({ "value": 1.0 }),
    );
    assert_eq!(status, 400);
    assert!(error_of(&v).contains("no parameter `w99`"), "{v}");
    let (status, v) = server.request(
        "PUT",
        &format!("/api/sessions/{id}/parameters/w1"),
        Some(b"{\"value\": 1e999}"),
    );
    assert_eq!(status, 400, "{v}");
    let (status, v) = server.request(
        "POST",
        "/api/check",
        Some(json!({ "notes": "z = \u{1}0.3" }).to_string().as_bytes()),
    );
    assert_eq!(status, 400);
    assert!(
        error_of(&v).contains("line 1: contains control characters"),
        "{v}"
    );

    // Unknown runs, and no path out of the folder.
    for path in ["/api/runs/nope.jsonl", "/api/runs/../../etc/passwd"] {
        let (status, _) = server.request("GET", path, None);
        assert_eq!(status, 404, "{path}");
    }

    // Too many sessions: the limit is 3, one is open.
    let (status, _) = server.json("POST", "/api/sessions", json!({ "toml": WORKED }));
    assert_eq!(status, 201);
    // As a script asks: no drawing and no echo of the spec.
    let (status, v) = server.json(
        "POST",
        "/api/sessions?draw=false",
        json!({ "toml": WORKED }),
    );
    assert_eq!(status, 201, "{v}");
    assert!(
        v["drawing"].is_null() && v["spec"].is_null() && v["not_drawn"].is_null(),
        "{v}"
    );
    // 2·2 + 2·1 weights and one shared bias per layer.
    assert_eq!(v["parameter_count"], 2 * 2 + 2 + 2);
    let (status, v) = server.json("POST", "/api/sessions", json!({ "toml": WORKED }));
    assert_eq!(status, 429);
    assert!(error_of(&v).contains("3 sessions are open"), "{v}");

    // Still serving, and right: one step of the worked example.
    let (status, s) = server.json(
        "POST",
        &format!("/api/sessions/{id}/step"),
        json!({ "steps": 1 }),
    );
    assert_eq!(status, 200, "{s}");
    let (e_total, w1) = worked_by_hand();
    let loss = s["loss"].as_f64().unwrap();
    assert!((loss - e_total).abs() < 1e-12, "{loss} vs {e_total}");
    let got = s["parameters"][0]["value"].as_f64().unwrap();
    assert_eq!(s["parameters"][0]["name"], "w1");
    assert!((got - w1).abs() < 1e-12, "{got} vs {w1}");
    let svg = s["drawing"]["svg"].as_str().unwrap();
    assert!(
        svg.contains(&format!("w1 = {:.4}", w1)),
        "the drawing shows w1 = {w1:.4}"
    );
    let (status, _) = server.request("DELETE", &format!("/api/sessions/{id}"), None);
    assert_eq!(status, 204);
    let (status, page) = server.request("GET", "/", None);
    assert_eq!(status, 200);
    assert!(page.as_str().unwrap().contains("<script src=\"/app.js\">"));
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut server = Server::start(&[]);
    let (status, _) = server.request("GET", "/api/examples", None);
    assert_eq!(status, 200);
    let pid = server.child.id() as i32;
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut rest = String::new();
    server
        .child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut rest)
        .unwrap();
    assert!(rest.contains("stopped"), "{rest}");
}

/// The masks a session's drawing shows: per sample and hidden unit of the worked example's
/// hidden layer, `s1.m_h1` … as the derivation's JSON gives them (1 kept, 0 dropped).
fn drawn_mask(state: &Value) -> Vec<bool> {
    let quantities = state["drawing"]["derivation"]["quantities"]
        .as_array()
        .unwrap();
    ["s1.m_h1", "s1.m_h2", "s2.m_h1", "s2.m_h2"]
        .iter()
        .map(|name| {
            let q = quantities.iter().find(|q| q["name"] == *name).unwrap();
            q["value"].as_f64().unwrap() == 1.0
        })
        .collect()
}

#[test]
fn a_session_trains_with_the_specs_dropout_and_draws_the_next_steps_mask() {
    let toml = include_str!("../examples/14-worked-example-dropout.toml");
    let spec = backprop::Spec::parse(toml, "spec").unwrap();
    let mut net = spec.network::<f64>().unwrap();
    let mut trainer = backprop::Trainer::new(&net, &spec.trainer_config(), 2);
    spec.apply_dropout(&mut trainer, &net);
    let masks = |step| {
        let d = trainer.dropout.as_ref().unwrap();
        d.kept(step, 2, &[2, 1]).swap_remove(0)
    };
    let (first, second) = (masks(0), masks(1));

    let server = Server::start(&[]);
    let (status, v) = server.json("POST", "/api/sessions", json!({ "toml": toml }));
    assert_eq!(status, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["drawing"]["derivation"]["dropout"]["step"], 1);
    assert_eq!(drawn_mask(&v), first);

    let (status, s) = server.json(
        "POST",
        &format!("/api/sessions/{id}/step"),
        json!({ "steps": 1 }),
    );
    assert_eq!(status, 200, "{s}");
    // The library's step with the spec's dropout (derived by hand in tests/explain_dropout.rs).
    let x = [0.05, 0.10, 0.80, 0.20];
    let t = [0.01, 0.99];
    trainer.step(&mut net, &x, &t, 2).unwrap();
    for (k, p) in s["parameters"].as_array().unwrap().iter().enumerate() {
        let got = p["value"].as_f64().unwrap();
        assert_eq!(got, net.params[k], "{}", p["name"]);
    }
    let (_, w1_without) = worked_by_hand();
    assert!(
        (net.params[0] - w1_without).abs() > 1e-6,
        "dropout changed the step"
    );
    // The drawing is of the next step, with that step's masks.
    assert_eq!(s["drawing"]["derivation"]["dropout"]["step"], 2);
    assert_eq!(drawn_mask(&s), second);
    assert_ne!(
        first, second,
        "seed 12's first two steps draw different masks"
    );
}
