// Types shared by the editor's "Under the hood" hook (editor.js) and the panel (inspect.js):
// the host interface the editor gives the panel, and the inspector's JSON (python/INSPECTOR.md).

/** A position in the editor: line (1-based) and column in UTF-16 code units (0-based). */
export type Pos = [line: number, col: number];

/** What the editor offers the panel; the panel never touches CodeMirror itself. */
export interface UthHost {
  /** The example's root element, the panel's element and the button that shows it. */
  readonly root: HTMLElement;
  readonly panel: HTMLElement;
  readonly button: HTMLButtonElement;
  /** A short name of the example, for labels ("Playground editor"). */
  readonly label: string;
  code(): string;
  files(): Record<string, string>;
  stdin(): string | undefined;
  /** Marks ranges of the code (cleared on the next edit); `kind` replaces earlier marks of that kind. */
  mark(kind: string, ranges: { from: Pos; to: Pos }[], cls: string, scroll?: boolean): void;
  /** Marks whole lines. */
  markLines(kind: string, lines: number[], cls: string, scroll?: boolean): void;
  /** The cursor moved (in the editor, by the learner). */
  onCursor(cb: (pos: Pos) => void): void;
  /** The mouse is over a line of the code (null: it left). */
  onHoverLine(cb: (line: number | null) => void): void;
  /** The code was edited. */
  onChange(cb: () => void): void;
}

export interface UthModule {
  mount(host: UthHost): void;
}

declare global {
  interface Window {
    pyguideUnderTheHood?: UthModule;
  }
}

// ---- The inspector's document (schema_version 1).

export type Ref =
  | { value: null | boolean | number | string; type: string }
  | { ref: string }
  | { elided: true; type: string; repr: string };

export interface HeapObject {
  /** The real `id()`, in decimal; the heap's key is the object's small id. */
  id: string;
  type: string;
  kind: string;
  repr?: string;
  refcount: number | null;
  immortal?: boolean;
  len?: number;
  items?: Ref[];
  entries?: [Ref, Ref][];
  attrs?: Record<string, Ref>;
  closure?: Record<string, Ref>;
  /** Functions and classes: the name; functions: the signature, "add(a, b=1)". */
  name?: string;
  signature?: string;
  bases?: string[];
  /** The module an imported object comes from (a module: its own name). */
  module?: string;
  /** A closure: the frame (id) it was made in. */
  parent_frame?: number;
  truncated?: boolean;
}

/** A frame as the trace stores it: what changed since the step before. */
export interface FrameChange {
  func?: string;
  line?: number | null;
  locals?: Record<string, Ref>;
  removed?: string[];
}

export interface Gc {
  collections: number;
  collected: number;
  uncollectable: number;
}

/** One step as the trace stores it (schema 2): the changes since the step before. */
export interface Step {
  event: "call" | "line" | "return" | "exception";
  line: number | null;
  func: string;
  stack: number[];
  stack_omitted?: number;
  closure_frames?: number[];
  frames?: Record<string, FrameChange>;
  heap_changes?: Record<string, HeapObject>;
  heap_removed?: string[];
  return_value?: Ref;
  exception?: string;
  stdout?: string;
  stderr?: string;
  stdin?: string;
  gc?: Gc;
  unreachable?: string[];
}

export interface Token {
  type: string;
  string: string;
  start: [number, number];
  end: [number, number];
  op?: boolean;
}

export interface AstNode {
  _type: string;
  lineno?: number;
  col_offset?: number;
  end_lineno?: number;
  end_col_offset?: number;
  fields: Record<string, unknown>;
  truncated?: boolean;
}

export interface Instruction {
  offset: number;
  opname: string;
  arg: number | null;
  argrepr: string;
  line: number | null;
  starts_line: boolean;
  is_jump_target: boolean;
}

export interface CodeObject {
  name: string;
  qualname: string;
  path: string;
  firstlineno: number;
  flags: string[];
  argcount: number;
  posonlyargcount: number;
  kwonlyargcount: number;
  varnames: string[];
  cellvars: string[];
  freevars: string[];
  names: string[];
  instructions: Instruction[];
  truncated?: boolean;
}

export interface SyntaxErr {
  type: string;
  msg: string;
  lineno: number | null;
  offset: number | null;
  end_lineno: number | null;
  end_offset: number | null;
  text: string | null;
}

export interface Doc {
  schema_version: number;
  python_version: string;
  outcome: "success" | "error" | "step_limit";
  exit_code: number | null;
  exception: { type: string; message: string; lineno: number | null; traceback: string } | null;
  syntax_error: SyntaxErr | null;
  tokens: Token[];
  tokens_error: { type: string; msg: string; lineno: number | null; offset: number | null } | null;
  ast: AstNode | null;
  bytecode: CodeObject[] | null;
  trace: Step[] | null;
  trace_truncated: boolean;
  truncation_reason: null | "max_steps" | "max_trace_bytes" | "timeout" | "max_output";
  stopped_by: null | "max_steps" | "timeout" | "max_output";
  steps: number;
  steps_executed: number;
  stdout: string;
  stderr: string;
  limits: { max_steps: number; [k: string]: number };
  inspector_error?: string;
}

/** What POST /api/inspect answers when the inspector could not finish. */
export interface Failure {
  error: string;
  outcome?: string;
  exit_code?: number | null;
}
