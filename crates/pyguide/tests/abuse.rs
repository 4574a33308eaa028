//! The abuse suite: a real `pyguide serve`, an attacker and a victim on different loopback
//! addresses (127.0.0.2 and 127.0.0.3). Under each attack the victim's hello-world is answered
//! correctly and never refused. Every loop is bounded in count and time. After the suite the
//! server's memory is back near where it was, and no run, cgroup or connection is left.
//! (`PYGUIDE_ABUSE_BIN=path` runs it against another build.)

#[path = "support/abuse.rs"]
mod abuse;

use abuse::*;
use futures_util::SinkExt;
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Generous: this is a test of who gets served, not a benchmark.
const VICTIM_BOUND: Duration = Duration::from_secs(20);

/// The victim's hello-world: answered, correctly, within the bound, never refused.
async fn victim_is_served(port: u16, during: &str) {
    let answer = tokio::time::timeout(VICTIM_BOUND, victim_hello(port)).await;
    let (took, status, v) = answer.unwrap_or_else(|_| panic!("{during}: the victim waited over {VICTIM_BOUND:?}"));
    assert_eq!(status, 200, "{during}: the victim was refused: {v}");
    assert_eq!(v["stdout"], "hello\n", "{during}: {v}");
    eprintln!("{during}: the victim was served in {took:?}");
}

/// The victim's own interactive run, typed into.
async fn victim_types(port: u16) {
    let mut s = ws(VICTIM, port).await.expect("the victim connects");
    s.send(Message::text(json!({"type": "run", "code": "print(input()[::-1])"}).to_string())).await.unwrap();
    assert_eq!(next_json(&mut s).await["type"], "started");
    s.send(Message::text(json!({"type": "stdin", "data": "olleh\n"}).to_string())).await.unwrap();
    let mut stdout = String::new();
    loop {
        let v = next_json(&mut s).await;
        match v["type"].as_str() {
            Some("stdout") => stdout.push_str(v["data"].as_str().unwrap()),
            Some("exit") => break assert_eq!(v["outcome"], "success", "{v}"),
            _ => panic!("unexpected {v}"),
        }
    }
    assert_eq!(stdout, "hello\n");
}

fn eventually(what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_client_takes_the_site_away_from_another() {
    if !have_root() || !Path::new("/sys/fs/cgroup").exists() {
        eprintln!("the sandbox needs root and cgroups: skipping the abuse suite");
        return;
    }
    let server = start(env!("CARGO_BIN_EXE_pyguide"));
    let (port, pid) = (server.port, server.child.id());
    // Warm up: what a server holds after its first requests is its baseline.
    for _ in 0..5 {
        victim_is_served(port, "warm-up").await;
    }
    // The pools are full (their spare cgroups all made) once the count holds still.
    let mut cgroups_before = run_cgroups(pid);
    let (mut still, deadline) = (0, Instant::now() + Duration::from_secs(30));
    while still < 10 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        let now = run_cgroups(pid);
        still = if now == cgroups_before { still + 1 } else { 0 };
        cgroups_before = cgroups_before.max(now);
    }
    let processes_before = descendants(pid);
    let rss_before = rss_kib(pid);

    let attack = silent_input_websockets(port).await;
    victim_is_served(port, "8 silent input() WebSockets").await;
    victim_types(port).await;
    let answers = attack.answers();
    // Two running and one waiting for input (it gave its slot back) at most; the rest 429.
    assert!(answers.iter().filter(|s| **s == 200).count() <= 3, "{answers:?}");
    assert!(answers.iter().all(|s| *s == 200 || *s == 429), "{answers:?}");
    drop(attack);

    for (headers, during) in [
        (&[][..], "16 CPU-spinning runs from one client"),
        (&[("X-Forwarded-For", "127.0.0.3")][..], "a spoofed X-Forwarded-For (naming the victim)"),
    ] {
        let attack = spinning_runs(port, headers).await;
        victim_is_served(port, during).await;
        let answers = attack.answers();
        assert!(answers.contains(&429), "{during}: the attacker over its share is told 429: {answers:?}");
        assert!(answers.iter().all(|s| *s == 200 || *s == 429), "{during}: {answers:?}");
    }

    let attack = idle_connections(port).await;
    victim_is_served(port, "200 idle connections").await;
    drop(attack);
    let attack = slowloris(port).await;
    victim_is_served(port, "slowloris headers").await;
    drop(attack);
    let attack = half_sent_bodies(port).await;
    victim_is_served(port, "half-sent bodies").await;
    drop(attack);
    let attack = non_readers(port).await;
    victim_is_served(port, "20 clients that never read").await;
    drop(attack);

    let attack = share_flood(port).await;
    let answers = attack.answers();
    drop(attack);
    assert!(answers.iter().filter(|s| **s == 201).count() <= 10, "{answers:?}");
    assert_eq!(answers.last(), Some(&429), "{answers:?}");
    let (status, _, body) = http(VICTIM, port, "POST", "/api/share", &[], "{\"code\": \"print(1)\"}").await;
    assert_eq!(status, 201, "the victim still shares: {body}");
    victim_is_served(port, "a share flood").await;

    let attack = cross_site_posts(port).await;
    victim_is_served(port, "cross-site POSTs").await;
    let answers = attack.answers();
    assert!(answers.iter().all(|s| *s == 403), "{answers:?}");

    drop(attack);
    eventually("connections are left open on the server", || connections_to(port) == 0);
    eventually("runs are left behind", || descendants(pid) <= processes_before);
    eventually("run cgroups are left behind", || run_cgroups(pid) <= cgroups_before);
    let rss_after = rss_kib(pid);
    eprintln!("server RSS: {rss_before} KiB before the suite, {rss_after} KiB after");
    assert!(
        (rss_after as f64) <= rss_before as f64 * 1.2,
        "the server's memory grew from {rss_before} to {rss_after} KiB"
    );
}
