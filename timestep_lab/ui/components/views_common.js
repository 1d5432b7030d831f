// What the timestep views share (encoding_views.js, noise_views.js, denoise_views.js): the
// view's element and toolbar (play, a range, a label), keys, drag and touch, play, one draw
// per animation frame, and small helpers for the DOM, canvases, the arrays Python sends and
// numbers printed as Python prints them.
//
// Not a component of its own: a component file imports from it with one line,
//   import { el, scrubber } from "./views_common.js";
// and the app serves the component with this file's text in place of that line
// (timestep_lab/ui/components/__init__.py, module_source: no build step, nothing fetched):
// the declarations the imported names use, without this file's whole-line comments. So that
// the inlined text means what an ES import means, this file imports nothing, only declares at
// its left margin (const, function, class: everything else is indented) and exports only
// `export const|function|class NAME`; module_source refuses anything else. Each component
// gets its own copy: keep no state here that two components must share.
//
// Notation (shared NOTATION.md):
//   k         — the timestep a view shows, 0 … T−1 (s.k, s.T)
//   position  — what a view's toolbar moves: k, or a run's kept frame; 0 … last
//   s         — one view's instance: its elements (wrap, play, range, label) and state

/** The event a view announces k with, on window: {k, source, commit} (see k_sync.js). */
export const K_EVENT = "timestep-lab:k";

const PLAY = "▶ Play";
const PAUSE = "❚❚ Pause";

/** An element with a class and text (textContent: never HTML built from data). */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A view's data as Python sends it (components/__init__.py json_bytes): the bytes of its JSON
 * text, which Streamlit hands over as a Uint8Array; an object is taken as it is. */
export function received(data) {
  return data instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(data)) : data;
}

/** The typed array Python's typed_array sent: base64 of little-endian bytes, by dtype. */
export function decode({ dtype, b64 }) {
  const raw = atob(b64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  const types = { float64: Float64Array, float32: Float32Array, uint8: Uint8Array, int32: Int32Array };
  return new types[dtype](bytes.buffer);
}

// ── numbers as Python prints them (the views' readouts replace Python's f-strings) ──────────
/** Python's np.round: to the nearest whole number, ties to even (Math.round sends ties up). */
export function roundHalfEven(x) {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Python's f"{x:.{digits}f}": the exact decimal value rounded, ties to even (toFixed sends them up). */
export function fixed(x, digits) {
  if (Object.is(x, -0)) return `-${(0).toFixed(digits)}`;
  const text = x.toFixed(digits);
  if (!Number.isFinite(x) || Math.abs(x) >= 1e20) return text;
  const exact = Math.abs(x).toFixed(100); // every digit of a double of this size
  const rest = exact.slice(exact.indexOf(".") + 1 + digits);
  if (!/^50*$/.test(rest)) return text;
  const truncated = (x < 0 ? "-" : "") + exact.slice(0, exact.indexOf(".") + (digits ? 1 + digits : 0));
  const last = Number(truncated[truncated.length - 1]);
  return last % 2 === 0 ? truncated : text; // a tie: keep the even last digit
}

/** The significant digits of |x|, exactly (100 of them: every digit of a double above 1e-20),
 * and the decimal exponent of the first. */
function exactDigits(x) {
  const [body, exp] = Math.abs(x).toPrecision(100).split("e");
  const point = body.indexOf(".");
  const whole = point < 0 ? body : body.slice(0, point);
  const all = whole + (point < 0 ? "" : body.slice(point + 1));
  const lead = all.search(/[1-9]/);
  return { digits: all.slice(lead), exponent: whole.length - 1 - lead + (exp ? Number(exp) : 0) };
}

/** Python's f"{x:.{precision}g}": significant digits rounded half to even on the exact value,
 * trailing zeros dropped, e-notation below 1e-4 or from 10^precision on. */
export function formatG(x, precision = 6) {
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  const [mantissa, exponentText] = x.toExponential(precision - 1).split("e");
  let digits = mantissa.replace("-", "").replace(".", "");
  let exponent = Number(exponentText);
  if (Math.abs(x) >= 1e-20) {
    const exact = exactDigits(x); // toExponential sends an exact tie up; Python keeps it even
    if (/^50*$/.test(exact.digits.slice(precision)) && Number(exact.digits[precision - 1]) % 2 === 0) {
      digits = exact.digits.slice(0, precision);
      exponent = exact.exponent;
    }
  }
  const strip = (s) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  const sign = x < 0 ? "-" : "";
  if (exponent < -4 || exponent >= precision) {
    const e = `${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
    return `${sign}${strip(`${digits[0]}.${digits.slice(1)}`)}e${e}`;
  }
  if (exponent < 0) return sign + strip(`0.${"0".repeat(-exponent - 1)}${digits}`);
  return sign + strip(`${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`);
}

// ── canvases and the DOM ─────────────────────────────────────────────────────────────────
/** A canvas cssWidth × cssHeight CSS pixels at the screen's pixel ratio, cleared; its context
 * draws in CSS pixels. The backing store is reallocated only when its size changes (a canvas
 * kept keeps its context's settings: set what a drawing needs); a reallocated one is clear. */
export function sizeCanvas(canvas, cssWidth, cssHeight) {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(cssWidth * ratio));
  const h = Math.max(1, Math.round(cssHeight * ratio));
  const resized = canvas.width !== w || canvas.height !== h;
  if (resized) {
    canvas.width = w; // clears the canvas and resets its context
    canvas.height = h;
  }
  canvas.style.height = `${cssHeight}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  if (!resized) ctx.clearRect(0, 0, cssWidth, cssHeight);
  return ctx;
}

/** Swatches and names from (x, y), the top of the first swatch: items [name, colour]; in a
 * row with `gap` px after each name, or one under the other (`vertical`); each name's
 * baseline `baseline` fonts below its swatch's top. */
export function legend(ctx, x, y, items, font, { gap = 30, vertical = false, baseline = 0.85 } = {}) {
  ctx.font = `${font}px sans-serif`;
  ctx.textAlign = "left";
  for (const [name, colour] of items) {
    ctx.fillStyle = colour;
    ctx.fillRect(x, y, 12, 12);
    ctx.fillStyle = "#333";
    ctx.fillText(name, x + 16, y + baseline * font);
    if (vertical) y += 1.5 * font;
    else x += gap + ctx.measureText(name).width;
  }
}

/** Big-number readouts: items [name, label]; returns the row and each value's cell by name. */
export function metricCells(items) {
  const row = el("div", "tl-metrics");
  const cells = {};
  for (const [name, label] of items) {
    const cell = el("div", "tl-metric");
    cell.append(el("div", "tl-metric-label", label));
    cells[name] = el("div", "tl-metric-value");
    cell.append(cells[name]);
    row.append(cell);
  }
  return { row, cells };
}

/** Pictures side by side: items [name, title]; returns the row, each canvas and caption. */
export function imageFigures(items) {
  const row = el("div", "tl-images");
  const canvases = {};
  const captions = {};
  for (const [name, title] of items) {
    const figure = el("figure", "tl-figure");
    canvases[name] = el("canvas", "tl-image");
    canvases[name].dataset.picture = name;
    captions[name] = el("figcaption", "", title);
    figure.append(canvases[name], captions[name]);
    row.append(figure);
  }
  return { row, canvases, captions };
}

/** A view's element (focusable, labelled `label`) with its toolbar: play, a range, a label. */
export function toolbarView({ label, rangeLabel, presenter = false }) {
  const wrap = el("div", `tl-view${presenter ? " presenter" : ""}`);
  wrap.tabIndex = 0;
  wrap.setAttribute("role", "group");
  wrap.setAttribute("aria-label", label);
  const bar = el("div", "tl-bar");
  const play = el("button", "tl-play", PLAY);
  play.type = "button";
  const range = el("input", "tl-range");
  range.type = "range";
  range.min = "0";
  range.step = "1";
  range.setAttribute("aria-label", rangeLabel);
  const text = el("span", "tl-k");
  bar.append(play, range, text);
  wrap.append(bar);
  return { wrap, play, range, label: text };
}

/** The toolbar shows `position` of 0 … last, and `text` beside it. */
export function showPosition(s, position, last, text) {
  s.range.max = String(last);
  s.range.value = String(position);
  s.label.textContent = text;
}

/** Draw `s` (its s.draw()) once, at the next animation frame, however often asked before. */
export function requestDraw(s) {
  if (s.pending) return;
  s.pending = requestAnimationFrame(() => {
    s.pending = 0;
    s.draw();
  });
}

/**
 * Let a hand move a view's position: the toolbar's range and play button, keys on the view,
 * a drag on a canvas (dragOn). Returns the control:
 * {playing, start(), stop(commit = true), dispose()}; dispose stops play without committing.
 *
 * s: the view (toolbarView's wrap, play and range). how:
 *   position(), last()  where the view is; the largest position
 *   moveTo(p)           show p (rounds, clamps, redraws; sends nothing)
 *   commit()            a gesture ended (pointer up, keys or range idle, play stopped)
 *   target, at(event)   the canvas dragged on; the position under a pointer (null: no drag)
 *   hover(event)        the pointer moved over `target` and moved nothing (after at(event))
 *   step                positions per play tick (a number or a function; 1)
 *   playMs              ms between play ticks (12: as fast as the screen, with a floor)
 *   page                PageUp/PageDown move by this much (10)
 *   shift               Shift multiplies a key's move by 10 (true)
 *   space               Space plays and pauses (false)
 *   rangeKeys           the focused range moves itself on keys (false: the view's keys do)
 *   stopOnInput         moving the range stops play (false)
 */
export function scrubber(s, how) {
  const { position, last, moveTo, commit } = how;
  const { page = 10, shift = true, space = false, rangeKeys = false, stopOnInput = false } = how;
  const playMs = how.playMs ?? 12;
  const control = { playing: false };
  let timer = 0;
  let frame = 0;
  const commitNow = () => {
    clearTimeout(timer);
    commit();
  };
  const commitSoon = (delay) => {
    clearTimeout(timer);
    timer = setTimeout(commitNow, delay);
  };

  control.start = () => {
    if (position() >= last()) moveTo(0);
    control.playing = true;
    s.play.textContent = PAUSE;
    const step = typeof how.step === "function" ? how.step() : how.step ?? 1;
    let before = performance.now();
    const tick = (now) => {
      if (!control.playing) return;
      if (now - before >= playMs) {
        before = now;
        moveTo(position() + step);
        if (position() >= last()) return control.stop();
      }
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
  };
  control.stop = (andCommit = true) => {
    control.playing = false;
    cancelAnimationFrame(frame);
    s.play.textContent = PLAY;
    if (andCommit) commitNow();
  };
  const toggle = () => (control.playing ? control.stop() : control.start());

  s.play.addEventListener("click", toggle);
  s.range.addEventListener("input", () => {
    if (stopOnInput && control.playing) control.stop(false);
    moveTo(Number(s.range.value));
  });
  s.range.addEventListener("change", () => commitSoon(250));
  s.wrap.addEventListener("keydown", (event) => {
    const steps = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, PageUp: page, PageDown: -page };
    let p = null;
    if (event.key in steps) p = position() + steps[event.key] * (shift && event.shiftKey ? 10 : 1);
    else if (event.key === "Home") p = 0;
    else if (event.key === "End") p = last();
    else if (space && event.key === " " && event.target !== s.play) {
      event.preventDefault();
      toggle();
      return;
    }
    if (p === null || (rangeKeys && event.target === s.range)) return;
    event.preventDefault();
    if (control.playing) control.stop(false);
    moveTo(p);
    commitSoon(350);
  });

  if (how.target) {
    dragOn(how.target, {
      at: how.at,
      begin: () => control.playing && control.stop(false),
      moveTo,
      end: commitNow,
      hover: how.hover,
    });
  }
  control.dispose = () => {
    control.stop(false);
    clearTimeout(timer);
  };
  return control;
}

/** A drag on `target` (mouse, pen or touch: pointer events, the pointer captured): at(event)
 * is the position under the pointer (null: none, no drag starts); begin() when a drag starts,
 * moveTo(p) as it moves, end() when it is released; hover(event) for a move that moved nothing. */
export function dragOn(target, { at, begin, moveTo, end, hover }) {
  let dragging = false;
  target.addEventListener("pointerdown", (event) => {
    const p = at(event);
    if (p === null) return;
    dragging = true;
    target.setPointerCapture(event.pointerId);
    begin?.();
    moveTo(p);
  });
  target.addEventListener("pointermove", (event) => {
    const p = at(event);
    if (dragging && p !== null) moveTo(p);
    else hover?.(event);
  });
  const release = () => {
    if (!dragging) return;
    dragging = false;
    end();
  };
  target.addEventListener("pointerup", release);
  target.addEventListener("pointercancel", release);
}

/** Move a k view to k (rounded, clamped to 0 … T−1, redrawn if it moved) and announce it on
 * the page; `commit`: a gesture ended, so the k bridge sends it to Python. */
export function setK(s, k, commit) {
  const next = Math.max(0, Math.min(s.T - 1, Math.round(k)));
  if (next !== s.k) {
    s.k = next;
    requestDraw(s);
  }
  window.dispatchEvent(new CustomEvent(K_EVENT, { detail: { k: next, source: s, commit } }));
}

/** A k view's scrubber: its position is k, a commit announces k (the k bridge sends it). */
export function kScrubber(s, how = {}) {
  return scrubber(s, {
    position: () => s.k,
    last: () => s.T - 1,
    moveTo: (k) => setK(s, k, false),
    commit: () => setK(s, s.k, true),
    step: () => Math.max(1, Math.round(s.T / 400)), // a sweep of T takes ~400 ticks
    ...how,
  });
}

/** Follow the k the page's other views and Python announce (a view's own are skipped; a hand
 * elsewhere stops this view's play). Returns the function that stops following. */
export function followK(s) {
  const listener = (event) => {
    const { k, source } = event.detail;
    if (source === s || !Number.isInteger(k) || k === s.k || k < 0 || k >= s.T) return;
    if (s.control?.playing && source !== "python") s.control.stop(false);
    s.k = k;
    requestDraw(s);
  };
  window.addEventListener(K_EVENT, listener);
  return () => window.removeEventListener(K_EVENT, listener);
}
