//! The victim's latency under each attack of the abuse suite (`tests/abuse.rs`), against the
//! same server idle, in one run: `cargo bench -p pyguide --bench abuse` (as root; the sandbox
//! needs it). PYGUIDE_BENCH_SAMPLES sets the victim's runs per phase (default 60).
//! The target: p99 under each attack at most 3x the idle p99.

#[path = "../tests/support/abuse.rs"]
mod abuse;

use abuse::*;
use std::time::Duration;

/// The victim's hello-world runs, one after another, while `attack` goes on.
async fn victim_latencies(port: u16, samples: usize) -> Vec<Duration> {
    let mut took = Vec::with_capacity(samples);
    for _ in 0..samples {
        let (t, status, v) = victim_hello(port).await;
        assert_eq!(status, 200, "the victim was refused: {v}");
        took.push(t);
    }
    took.sort();
    took
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    if !have_root() {
        eprintln!("the sandbox needs root: run the bench as root");
        return;
    }
    let samples = std::env::var("PYGUIDE_BENCH_SAMPLES").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let server = start(env!("CARGO_BIN_EXE_pyguide"));
    let port = server.port;
    victim_latencies(port, 10).await; // warm-up
    let idle = victim_latencies(port, samples).await;
    let idle_p99 = pct(&idle, 0.99);
    println!("| phase | victim p50 | victim p99 | p99 / idle p99 |");
    println!("| --- | --- | --- | --- |");
    println!("| idle | {:.1} ms | {:.1} ms | 1.0× |", pct(&idle, 0.5), idle_p99);
    macro_rules! phase {
        ($name:expr, $attack:expr) => {{
            let attack = $attack;
            let took = victim_latencies(port, samples).await;
            drop(attack);
            let p99 = pct(&took, 0.99);
            println!("| {} | {:.1} ms | {:.1} ms | {:.1}× |", $name, pct(&took, 0.5), p99, p99 / idle_p99);
            // Let the server settle before the next phase.
            tokio::time::sleep(Duration::from_millis(500)).await;
        }};
    }
    phase!("8 silent input() WebSockets", silent_input_websockets(port).await);
    phase!("16 CPU-spinning runs", spinning_runs(port, &[]).await);
    phase!("spoofed X-Forwarded-For", spinning_runs(port, &[("X-Forwarded-For", "127.0.0.3")]).await);
    phase!("200 idle connections", idle_connections(port).await);
    phase!("slowloris headers", slowloris(port).await);
    phase!("half-sent bodies", half_sent_bodies(port).await);
    phase!("20 non-reading clients", non_readers(port).await);
    phase!("share flood", share_flood(port).await);
    phase!("cross-site POSTs", cross_site_posts(port).await);
    waiting_cost(&server).await;
}

/// What a run waiting for input costs: 20 clients (127.0.0.10-29) each leave a run blocked in
/// `input()`, and the server's processes are counted and measured before and after.
async fn waiting_cost(server: &Server) {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    const N: u8 = 20;
    let pid = server.child.id();
    let before = descendant_pids(pid);
    let (pss_before, procs_before) = (pss_kib(&before), before.len());
    let mut held = Vec::new();
    for i in 0..N {
        let mut s = ws(std::net::Ipv4Addr::new(127, 0, 0, 10 + i), server.port).await.expect("connects");
        s.send(Message::text(r#"{"type": "run", "code": "name = input()"}"#)).await.unwrap();
        let mut v = next_json(&mut s).await;
        while v["type"] == "queued" {
            v = next_json(&mut s).await;
        }
        assert_eq!(v["type"], "started", "{v}");
        held.push(s);
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // every run reaches input()
    let after = descendant_pids(pid);
    let (pss_after, procs_after) = (pss_kib(&after), after.len());
    println!(
        "\nwaiting for input: {N} runs added {} processes and {:.1} MiB PSS in all: {:.1} processes and {:.2} MiB each \
         (the server's processes: {procs_before} before, {procs_after} with them)",
        procs_after as i64 - procs_before as i64,
        (pss_after as f64 - pss_before as f64) / 1024.0,
        (procs_after as f64 - procs_before as f64) / f64::from(N),
        (pss_after as f64 - pss_before as f64) / 1024.0 / f64::from(N),
    );
    drop(held);
}
