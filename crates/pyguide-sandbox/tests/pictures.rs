//! Pictures through the real sandbox, real CPython and real matplotlib, in both interpreters and
//! in the plain runner: a plot arrives as a PNG that decodes, in order with the text printed
//! before and after it (also as streamed events); a figure left open is sent at the end; a run
//! of 50 figures shows 8 and counts 42; a turtle drawing arrives with its SVG; and what a
//! program forges on its picture channel (a bad PNG, a huge drawing, junk, more than the output
//! limit) is refused without failing the run's answer or the next run.
//!
//! The packages must be installed in the project's `data/` folder first (`scripts/test` does
//! it: `pyguide packages`). `harness = false`: this binary is also the sandbox's init.

mod support;

use pyguide_sandbox::linux::{init_main, SandboxRunner, INIT_ARG};
use pyguide_sandbox::{
    Admission, Event, Image, Interpreter, Outcome, ProcessRunner, RunRequest, RunResult, Runner, StartOptions,
};
use std::sync::Arc;

fn main() {
    if std::env::args().nth(1).as_deref() == Some(INIT_ARG) {
        init_main();
    }
    let filter = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let failures = rt.block_on(suite(filter));
    std::process::exit(if failures == 0 { 0 } else { 1 });
}

const PLOT: &str = "print('before')
import matplotlib.pyplot as plt
plt.plot([1, 2, 3], [1, 4, 9])
plt.title('squares')
plt.show()
print('after')
plt.figure()
plt.plot([3, 2, 1])
plt.xlabel('day')
plt.ylabel('rain')
print('end')
";

const FIFTY: &str = "import matplotlib.pyplot as plt
for i in range(50):
    plt.plot([0, i])
    plt.show()
print('done')
";

const TURTLE: &str = "import _pyguide_pictures as p
print('drawing')
p.send_drawing({'width': 200, 'height': 100, 'bgcolor': 'white', 'ops': [
    {'op': 'line', 'from': [0, 0], 'to': [50, 50], 'color': 'red', 'width': 1, 'ms': 10},
    {'op': 'turtle', 'at': [50, 50], 'heading': 45, 'visible': True, 'ms': 0}]}, 'A red line')
print('drawn')
";

/// Forgeries, each followed by a real picture that must still arrive when the channel is open.
const BAD_PNG: &str = "import _pyguide_pictures as p
p.send_png(b'\\x89PNG\\r\\n\\x1a\\n' + b'junk' * 10, 1, 1, 'fake')
p.send_png(b'GIF89a', 1, 1, 'fake')
print('still here')
";

const HUGE_DRAWING: &str = "import _pyguide_pictures as p
dot = {'op': 'dot', 'at': [0, 0], 'size': 1, 'color': 'red', 'ms': 0}
p.send_drawing({'width': 10, 'height': 10, 'bgcolor': 'white', 'ops': [dot] * 10001}, 'too many ops')
p.send_drawing({'width': 10, 'height': 10, 'bgcolor': 'url(#x)', 'ops': []}, 'bad colour')
print('still here')
";

const JUNK: &str = "import os, _pyguide_pictures as p
os.write(p._FD, b'\\xff\\x00 not a message\\n')
p.send_drawing({'width': 10, 'height': 10, 'bgcolor': 'white', 'ops': []}, 'after the junk')
print('still here')
";

const OVER_LIMIT: &str = "import os, _pyguide_pictures as p
p._write(p._line('picture', format='png', width=1, height=1, alt='big', bytes=3 << 20))
p._write(b'x' * (3 << 20))
print('the run is stopped at the limit')
";

async fn suite(filter: Option<String>) -> usize {
    let config = match support::config_with_packages() {
        Ok(config) => config,
        Err(why) => {
            println!("FAIL {why}");
            return 1;
        }
    };
    let exe = std::env::current_exe().expect("own path");
    let sandbox: Arc<dyn Runner> =
        Arc::new(SandboxRunner::new(config.clone(), &exe).expect("the sandbox starts (run as root)"));
    let plain: Arc<dyn Runner> = Arc::new(ProcessRunner::new(config));
    let mut failed = 0;
    for (where_, runner) in [("sandbox", &sandbox), ("plain", &plain)] {
        let r = runner;
        let cases: Vec<(&str, Result<(), String>)> = vec![
            ("plot_in_order", plot_in_order(r).await),
            ("plot_streamed_in_order", plot_streamed(r).await),
            ("fifty_figures_show_eight", fifty(r).await),
            ("turtle_drawing", turtle(r, Interpreter::Standard).await),
            ("turtle_drawing_packages", turtle(r, Interpreter::Packages).await),
            ("forged_bad_png", forged(r, BAD_PNG, Outcome::Success).await),
            ("forged_huge_drawing", forged(r, HUGE_DRAWING, Outcome::Success).await),
            ("forged_junk", forged(r, JUNK, Outcome::Success).await),
            ("forged_over_the_output_limit", forged(r, OVER_LIMIT, Outcome::OutputLimit).await),
            ("no_matplotlib_without_a_plot", no_matplotlib(r).await),
        ];
        let cases = cases.into_iter().map(|(name, result)| (format!("{name} [{where_}]"), result)).collect();
        failed += support::report(cases, filter.as_deref());
    }
    sandbox.shutdown();
    println!("{failed} failed");
    failed
}

async fn run_in(runner: &Arc<dyn Runner>, code: &str, interpreter: Interpreter) -> Result<RunResult, String> {
    let opts = StartOptions { admission: Admission::Wait, interpreter, ..Default::default() };
    runner.start(RunRequest::new(code), opts).map_err(|e| e.to_string())?.finish().await.map_err(|e| e.to_string())
}

async fn run(runner: &Arc<dyn Runner>, code: &str) -> Result<RunResult, String> {
    run_in(runner, code, Interpreter::Standard).await
}

/// Decodes a PNG with the `png` crate: its size.
fn decode_png(bytes: &[u8]) -> Result<(u32, u32), String> {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().map_err(|e| format!("not a PNG: {e}"))?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(|e| format!("the PNG does not decode: {e}"))?;
    Ok((info.width, info.height))
}

fn summary(r: &RunResult) -> String {
    format!(
        "outcome {:?}, stdout {:?}, stderr {:?}, pictures {:?}, dropped {}",
        r.outcome,
        r.stdout,
        r.stderr,
        r.pictures.iter().map(|p| (&p.alt, p.after_stdout)).collect::<Vec<_>>(),
        r.pictures_dropped
    )
}

/// plt.show() sends the figure after "before" and before "after"; the figure left open comes
/// at the end, described by its axis labels.
async fn plot_in_order(runner: &Arc<dyn Runner>) -> Result<(), String> {
    let r = run(runner, PLOT).await?;
    let ok = r.outcome == Outcome::Success
        && r.stdout == "before\nafter\nend\n"
        && r.stderr.is_empty()
        && r.pictures.len() == 2
        && r.pictures_dropped == 0;
    if !ok {
        return Err(summary(&r));
    }
    let (first, second) = (&r.pictures[0], &r.pictures[1]);
    for p in [first, second] {
        let Image::Png(bytes) = &p.image else { return Err("not a PNG".into()) };
        if decode_png(bytes)? != (p.width, p.height) || (p.width, p.height) != (640, 480) {
            return Err(format!("size {}x{}", p.width, p.height));
        }
    }
    let places = (first.after_stdout, second.after_stdout);
    if first.alt != "Figure 1: squares" || second.alt != "Figure 2: rain against day" || places != (7, 17) {
        return Err(summary(&r));
    }
    Ok(())
}

/// Streamed, the picture comes between the text printed before and after it.
async fn plot_streamed(runner: &Arc<dyn Runner>) -> Result<(), String> {
    let opts = StartOptions { admission: Admission::Wait, stream: true, ..Default::default() };
    let mut handle = runner.start(RunRequest::new(PLOT), opts).map_err(|e| e.to_string())?;
    let mut seen = Vec::new();
    while let Some(ev) = handle.events.recv().await {
        match ev {
            Event::Stdout(s) => seen.push(s),
            Event::Stderr(s) => seen.push(format!("stderr: {s}")),
            Event::Picture(p) => seen.push(format!("[{}]", p.alt)),
        }
    }
    let _ = handle.finish().await;
    let text = seen.concat();
    if text != "before\n[Figure 1: squares]after\nend\n[Figure 2: rain against day]" {
        return Err(format!("events {seen:?}"));
    }
    Ok(())
}

async fn fifty(runner: &Arc<dyn Runner>) -> Result<(), String> {
    let r = run(runner, FIFTY).await?;
    let alts: Vec<&str> = r.pictures.iter().map(|p| p.alt.as_str()).collect();
    if r.outcome != Outcome::Success
        || r.stdout != "done\n"
        || !r.stderr.is_empty()
        || r.pictures.len() != 8
        || r.pictures_dropped != 42
        || alts[7] != "Figure 8"
    {
        return Err(summary(&r));
    }
    let v = serde_json::to_value(&r).map_err(|e| e.to_string())?;
    if v["images"].as_array().map(Vec::len) != Some(8) || v["images_dropped"] != 42 {
        return Err("the answer lacks images or images_dropped".into());
    }
    Ok(())
}

async fn turtle(runner: &Arc<dyn Runner>, interpreter: Interpreter) -> Result<(), String> {
    let r = run_in(runner, TURTLE, interpreter).await?;
    if r.outcome != Outcome::Success || r.stdout != "drawing\ndrawn\n" || r.pictures.len() != 1 {
        return Err(summary(&r));
    }
    let p = &r.pictures[0];
    let Image::Drawing { svg, drawing } = &p.image else { return Err("not a drawing".into()) };
    let want = r#"<line x1="0" y1="0" x2="50" y2="-50" stroke="red""#;
    if (p.width, p.height, p.after_stdout) != (200, 100, 8) || drawing.ops.len() != 2 || !svg.contains(want) {
        return Err(format!("{svg} {}", summary(&r)));
    }
    Ok(())
}

/// A forgery is refused, the run answers as `outcome`, and the next run is whole.
async fn forged(runner: &Arc<dyn Runner>, code: &str, outcome: Outcome) -> Result<(), String> {
    let r = run(runner, code).await?;
    let printed_ok = outcome != Outcome::Success || r.stdout == "still here\n";
    // After junk the channel is closed: the picture after it does not arrive either.
    if r.outcome != outcome || !printed_ok || !r.pictures.is_empty() {
        return Err(summary(&r));
    }
    let next = run(runner, PLOT).await?;
    if next.outcome != Outcome::Success || next.pictures.len() != 2 {
        return Err(format!("the next run: {}", summary(&next)));
    }
    Ok(())
}

/// A program that draws nothing does not import matplotlib (nor json) to send pictures.
async fn no_matplotlib(runner: &Arc<dyn Runner>) -> Result<(), String> {
    // (Spelt in pieces: a string that is a package's name sends a run to the packages
    // interpreter, which has matplotlib imported.)
    let code = "import sys\nprint([m for m in ('matplot' + 'lib', 'json') if m in sys.modules])\n";
    let r = run(runner, code).await?;
    if r.stdout != "[]\n" {
        return Err(summary(&r));
    }
    Ok(())
}
