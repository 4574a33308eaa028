// Pictures in the Output pane: a plot's PNG (or an SVG) as an image, and a turtle drawing as an
// SVG drawn move by move at the turtle's speed, with a "Skip to the end" button. Loaded by
// app.js on a run's first picture, so a page pays nothing for it until then. The SVG is built
// with createElementNS and presentation attributes (stroke, fill): the page's CSP refuses style
// attributes, and no text from the server is ever parsed as markup.

export {};

const state = (window.pyguide = window.pyguide || {});
const SVG = "http://www.w3.org/2000/svg";
const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;

type Point = [number, number];

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  return e;
}

// Turtle coordinates have y up; the SVG's go down.
const x = (p: Point) => p[0];
const y = (p: Point) => -p[1];
const ANCHOR: Record<string, string> = { left: "start", center: "middle", right: "end" };

/** The element an op draws (a line drawn in full), or null for one that draws nothing. */
function element(op: PyGuideTurtleOp): SVGElement | null {
  switch (op.op) {
    case "line":
      return svg("line", {
        x1: x(op.from), y1: y(op.from), x2: x(op.to), y2: y(op.to),
        stroke: op.color, "stroke-width": op.width || 1, "stroke-linecap": "round",
      });
    case "fill":
      // Even-odd, as Tk fills a polygon (a star's middle stays empty).
      return svg("polygon", { points: op.points.map((p) => `${x(p)},${y(p)}`).join(" "), fill: op.color, "fill-rule": "evenodd" });
    case "dot":
      return svg("circle", { cx: x(op.at), cy: y(op.at), r: op.size / 2, fill: op.color });
    case "text": {
      // The standard module puts the text's bottom at the turtle: its baseline sits a little above.
      const t = svg("text", {
        x: x(op.at), y: y(op.at) - op.size * 0.25, fill: op.color, "font-size": op.size,
        "font-family": "sans-serif", "text-anchor": ANCHOR[op.align] || "start",
      });
      t.textContent = op.text;
      return t;
    }
    default:
      return null;
  }
}

/** The turtle: the standard module's "classic" arrow, tip at the origin, pointing along x. */
function arrow(): SVGPolygonElement {
  return svg("polygon", { points: "0,0 -9,5 -7,0 -9,-5", fill: "black", stroke: "white", "stroke-width": 1 });
}

function place(turtle: SVGElement, at: Point, heading: number) {
  turtle.setAttribute("transform", `translate(${x(at)} ${y(at)}) rotate(${-heading})`);
}

/** A turtle drawing as an SVG, drawn op by op over each op's "ms" (at once when the learner
 * prefers reduced motion), with a button that skips to the end while it draws. */
function drawing(fig: HTMLElement, d: PyGuideDrawing, alt: string) {
  const root = svg("svg", { viewBox: `${-d.width / 2} ${-d.height / 2} ${d.width} ${d.height}`, width: d.width, height: d.height, role: "img", "aria-label": alt });
  const title = svg("title", {});
  title.textContent = alt;
  root.append(title, svg("rect", { x: -d.width / 2, y: -d.height / 2, width: d.width, height: d.height, fill: d.bgcolor }));
  const layer = svg("g", {});
  const turtle = arrow();
  root.append(layer, turtle);
  fig.append(root);

  const ops = d.ops.filter((op) => op.op !== "turtle");
  const ends = d.ops.filter((op): op is Extract<PyGuideTurtleOp, { op: "turtle" }> => op.op === "turtle");
  let next = 0; // the first op not yet drawn in full
  let partial: SVGLineElement | null = null; // the line being drawn, when one is
  let startedAt = 0; // when the op `next` started (ms, the animation's clock)
  let frame = 0;

  const finish = () => {
    cancelAnimationFrame(frame);
    partial?.remove();
    const rest = document.createDocumentFragment();
    for (; next < ops.length; next++) {
      const e = element(ops[next]);
      if (e) rest.append(e);
    }
    layer.append(rest);
    // Where the turtles end: the first one shown, or none when every turtle is hidden.
    const end = ends.find((t) => t.visible);
    if (end) place(turtle, end.at, end.heading);
    else turtle.remove();
    const hadFocus = document.activeElement === skip;
    skip.remove();
    fig.dataset.drawn = "true";
    if (hadFocus) fig.focus();
  };

  const skip = document.createElement("button");
  skip.type = "button";
  skip.className = "picture-skip";
  skip.textContent = "Skip to the end";
  skip.addEventListener("click", finish);

  const total = ops.reduce((sum, op) => sum + op.ms, 0);
  if (!total || reducedMotion()) {
    finish();
    return;
  }
  fig.append(skip);
  place(turtle, [0, 0], 0);
  const tick = (now: number) => {
    if (!root.isConnected) return; // a new run replaced the pane
    if (!startedAt) startedAt = now;
    while (next < ops.length) {
      const op = ops[next];
      const done = op.ms ? (now - startedAt) / op.ms : 1;
      if (op.op === "line") {
        const dx = op.to[0] - op.from[0];
        const dy = op.to[1] - op.from[1];
        const heading = (Math.atan2(dy, dx) * 180) / Math.PI;
        if (done < 1) {
          const tip: Point = [op.from[0] + dx * done, op.from[1] + dy * done];
          if (!partial) layer.append((partial = element(op) as SVGLineElement));
          partial.setAttribute("x2", String(x(tip)));
          partial.setAttribute("y2", String(y(tip)));
          place(turtle, tip, heading);
          break;
        }
        place(turtle, op.to, heading);
      } else if (done < 1) {
        break; // a dot or a text appears when its time is over
      }
      partial?.remove();
      partial = null;
      const e = element(op);
      if (e) layer.append(e);
      startedAt += op.ms;
      next++;
    }
    if (next < ops.length) frame = requestAnimationFrame(tick);
    else finish();
  };
  frame = requestAnimationFrame(tick);
}

/** Shows picture `p` in `slot`, the place in the Output pane where it arrived among the text. */
function show(slot: HTMLElement, p: PyGuidePicture) {
  const fig = document.createElement("figure");
  fig.className = "picture";
  fig.tabIndex = -1; // the focus lands here when "Skip to the end" goes away
  if (p.drawing) {
    drawing(fig, p.drawing, p.alt);
  } else {
    const img = document.createElement("img");
    img.src = `data:${p.mime === "image/svg+xml" ? "image/svg+xml" : "image/png"};base64,${p.data}`;
    img.alt = p.alt;
    img.width = p.width;
    img.height = p.height;
    fig.append(img);
  }
  slot.replaceWith(fig);
}

state.showPicture = show;
