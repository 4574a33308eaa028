// The page's shared state on `window.pyguide`, between app.js, editor.js and exercise.js (each
// a separate bundle: they meet only through this object).
export {};

declare global {
  /** An editor made by editor.js for exercise.js (CodeMirror stays inside editor.js). */
  interface PyGuideEditor {
    code(): string;
    /** Replaces the whole code (an undoable edit). */
    setCode(code: string): void;
    /** Highlights a line of the code until the next edit (null clears). */
    markLine(line: number | null): void;
    focus(): void;
  }

  /** What the error that ended a run means (the `explanation` of the run's result). */
  interface PyGuideExplanation {
    kind: string;
    title: string;
    text: string;
    line: number | null;
    fix: string;
    learn_more: string | null;
  }

  /** One op of a turtle drawing (PyGuide's pictures contract; turtle coordinates, y up). */
  type PyGuideTurtleOp =
    | { op: "line"; from: [number, number]; to: [number, number]; color: string; width: number; ms: number }
    | { op: "fill"; points: [number, number][]; color: string; ms: number }
    | { op: "dot"; at: [number, number]; size: number; color: string; ms: number }
    | { op: "text"; at: [number, number]; text: string; color: string; size: number; align: string; ms: number }
    | { op: "turtle"; at: [number, number]; heading: number; visible: boolean; ms: number };

  interface PyGuideDrawing {
    width: number;
    height: number;
    bgcolor: string;
    ops: PyGuideTurtleOp[];
  }

  /** A picture a run showed (the WebSocket's `image` message). */
  interface PyGuidePicture {
    mime: string;
    data: string;
    width: number;
    height: number;
    alt: string;
    drawing?: PyGuideDrawing;
  }

  interface PyGuideState {
    /** An example whose Run was clicked before the editor loaded (run once it mounts). */
    pendingRun?: HTMLElement | null;
    editorLoaded?: boolean;
    /** Set by app.js's "Skip to the first editor" before the editor loaded: focus it on mount. */
    focusFirst?: boolean;
    /** Set by editor.js: makes an editor in place of `pre` (the server-rendered code). */
    makeEditor?: (
      pre: HTMLElement,
      opts: { doc: string; label: string; describedBy: string; run: () => void; change: () => void },
    ) => PyGuideEditor;
    /** Set by app.js: shows the "What this means" box after `after`, loading explain.js first. */
    explain?: (after: HTMLElement, e: PyGuideExplanation) => void;
    /** Set by explain.js: the box itself. */
    showExplanation?: (after: HTMLElement, e: PyGuideExplanation) => void;
    /** Set by app.js: shows picture `p` in place of `slot`, loading pictures.js first. */
    picture?: (slot: HTMLElement, p: PyGuidePicture) => void;
    /** Set by pictures.js: the picture itself. */
    showPicture?: (slot: HTMLElement, p: PyGuidePicture) => void;
    /** Set by app.js: remembers a passed exercise and repaints the progress marks. */
    markDone?: (id: string) => void;
  }

  interface Window {
    pyguide?: PyGuideState;
  }
}
