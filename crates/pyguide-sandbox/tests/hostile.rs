//! smoke
use pyguide_sandbox::linux::{init_main, SandboxRunner, INIT_ARG};
use pyguide_sandbox::{discover_python, Admission, RunRequest, Runner, RunnerConfig};
use std::sync::Arc;

fn main() {
    if std::env::args().nth(1).as_deref() == Some(INIT_ARG) {
        init_main();
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let python = discover_python(None).unwrap();
        let runner: Arc<dyn Runner> = Arc::new(SandboxRunner::new(RunnerConfig::new(python), &std::env::current_exe().unwrap()).unwrap());
        for code in ["import os; os.write(1, b'x'); os.write(2, b'y'); os._exit(4)", "print('hi', input())", "exit(3)", "import sys; print(sys.path, sorted(sys.modules)[:5], len(sys.modules))", "1/0"] {
            let t = std::time::Instant::now();
            let r = runner.run(RunRequest::new(code), Admission::Wait).await;
            println!("{:?} {:?}", r, t.elapsed());
        }
        let mut v = vec![];
        for _ in 0..50 {
            let t = std::time::Instant::now();
            let _ = runner.run(RunRequest::new("print('hi')"), Admission::Wait).await;
            v.push(t.elapsed().as_secs_f64()*1000.0);
        }
        v.sort_by(|a,b| a.partial_cmp(b).unwrap());
        println!("p50 {:.2} p90 {:.2}", v[25], v[45]);
    });
}
