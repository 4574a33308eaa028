// PyGuide page script: runs "Try it yourself" examples through POST /api/run.
// Everything a program prints is inserted with textContent, never as HTML.
(function () {
  "use strict";

  var OUTCOME_TEXT = {
    success: "Finished",
    error: "Exited with an error",
    timeout: "Stopped: the program ran past the time limit",
    memory_limit: "Stopped: the program used more memory than allowed",
    output_limit: "Stopped: the program printed more output than allowed",
    stopped: "Stopped"
  };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function collect(example) {
    var files = {};
    example.querySelectorAll("[data-file]").forEach(function (f) {
      files[f.getAttribute("data-file")] = f.querySelector("code").textContent;
    });
    var body = { code: example.querySelector("[data-code]").textContent, files: files };
    var stdin = example.querySelector("[data-stdin]");
    if (stdin) body.stdin = stdin.value;
    return body;
  }

  function show(example, parts) {
    var out = example.querySelector(".output-body");
    out.replaceChildren.apply(out, parts);
  }

  function run(example, button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    show(example, [el("pre", "output-placeholder", "Running…")]);
    fetch("/api/run", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(collect(example))
    })
      .then(function (res) {
        return res.json().then(function (data) { return { status: res.status, data: data }; });
      })
      .then(function (r) {
        if (r.status !== 200) {
          show(example, [el("pre", "stderr", r.data.error || "The server could not run this example.")]);
          return;
        }
        var d = r.data, parts = [];
        if (d.stdout) parts.push(el("pre", "stdout", d.stdout));
        if (d.stderr) parts.push(el("pre", "stderr", d.stderr));
        if (!d.stdout && !d.stderr) parts.push(el("pre", "output-placeholder", "(no output)"));
        var status = (OUTCOME_TEXT[d.outcome] || d.outcome) +
          (d.exit_code !== null && d.exit_code !== undefined ? " · exit code " + d.exit_code : "") +
          " · " + Math.round(d.duration_ms) + " ms" + (d.truncated ? " · output cut" : "");
        parts.push(el("p", "status status-" + d.outcome, status));
        show(example, parts);
      })
      .catch(function () {
        show(example, [el("pre", "stderr", "Could not reach the server. Check your connection and try again.")]);
      })
      .finally(function () {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      });
  }

  document.addEventListener("click", function (ev) {
    var button = ev.target.closest && ev.target.closest("[data-run]");
    if (!button) return;
    var example = button.closest("[data-example]");
    if (example) run(example, button);
  });
})();
