// A canvas to draw 2D training points (mirrors timestep_lab/ui/components/point_canvas.py).
//
// Notation (shared NOTATION.md; timestep_lab/models/labdata.py):
//   x_0     — one training point (x, y) in [−box, box]², the data the lab trains on
//   box     — half the side of the drawing square (DRAW_BOX, 1.5)
//   maxNum  — the most points a drawing may hold (MAX_DRAWN)
//
// Press and drag to lay points along the stroke (one every `spacing` in data units); a click
// lays one point. When a stroke ends the whole drawing goes to Python (setStateValue
// "points": a flat [x0, y0, x1, y1, …] list, rounded to 1e-3). "Clear" empties it.
// The canvas repaints from one array; no framework, no HTML built from data.

const instances = new WeakMap();
const SIZE = 300; // CSS pixels of the square canvas
const SPACING = 0.04; // data units between two points of a stroke

export function toData(px, py, size, box) {
  // canvas pixels (y down) → data coordinates (y up)
  return [(px / size) * 2 * box - box, box - (py / size) * 2 * box];
}

export function toPixels(x, y, size, box) {
  return [((x + box) / (2 * box)) * size, ((box - y) / (2 * box)) * size];
}

export function rounded(points) {
  return points.map((v) => Math.round(v * 1000) / 1000);
}

function paint(state) {
  const { ctx, box, points } = state;
  const scale = state.canvas.width / SIZE;
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  ctx.clearRect(0, 0, SIZE, SIZE);
  ctx.strokeStyle = "#dddddd";
  ctx.lineWidth = 1;
  for (const v of [-1, 0, 1]) {
    const [gx, gy] = toPixels(v, v, SIZE, box);
    ctx.beginPath();
    ctx.moveTo(gx, 0);
    ctx.lineTo(gx, SIZE);
    ctx.moveTo(0, gy);
    ctx.lineTo(SIZE, gy);
    ctx.stroke();
  }
  ctx.fillStyle = "#0072B2";
  for (let j = 0; j < points.length; j += 2) {
    const [px, py] = toPixels(points[j], points[j + 1], SIZE, box);
    ctx.beginPath();
    ctx.arc(px, py, 2.5, 0, 2 * Math.PI);
    ctx.fill();
  }
  state.count.textContent = `${points.length / 2} point${points.length === 2 ? "" : "s"} (at most ${state.maxNum})`;
  state.canvas.setAttribute("data-points", String(points.length / 2));
}

function add(state, event) {
  const rect = state.canvas.getBoundingClientRect();
  const px = ((event.clientX - rect.left) / rect.width) * SIZE;
  const py = ((event.clientY - rect.top) / rect.height) * SIZE;
  const [x, y] = toData(px, py, SIZE, state.box);
  if (Math.abs(x) > state.box || Math.abs(y) > state.box) return;
  if (state.points.length / 2 >= state.maxNum) return;
  const n = state.points.length;
  if (state.last && Math.hypot(x - state.last[0], y - state.last[1]) < SPACING) return;
  state.points.push(x, y);
  state.last = [x, y];
  if (n !== state.points.length) paint(state);
}

function build(parentElement, data, setStateValue) {
  const wrap = document.createElement("div");
  wrap.className = "point-canvas";
  const canvas = document.createElement("canvas");
  const ratio = window.devicePixelRatio || 1;
  canvas.width = SIZE * ratio;
  canvas.height = SIZE * ratio;
  canvas.style.width = `${SIZE}px`;
  canvas.style.height = `${SIZE}px`;
  canvas.setAttribute("aria-label", "Draw training points: press and drag");
  canvas.setAttribute("role", "img");
  const row = document.createElement("div");
  row.className = "point-canvas-row";
  const clear = document.createElement("button");
  clear.type = "button";
  clear.textContent = "Clear";
  const count = document.createElement("span");
  row.append(clear, count);
  wrap.append(canvas, row);
  parentElement.append(wrap);
  const state = {
    canvas,
    ctx: canvas.getContext("2d"),
    count,
    box: data.box,
    maxNum: data.max,
    points: [...(data.points || [])],
    send: setStateValue,
    drawing: false,
    last: null,
  };
  const commit = () => state.send("points", rounded(state.points));
  const down = (event) => {
    state.drawing = true;
    state.last = null;
    canvas.setPointerCapture?.(event.pointerId);
    add(state, event);
  };
  const move = (event) => {
    if (state.drawing) add(state, event);
  };
  const up = () => {
    if (!state.drawing) return;
    state.drawing = false;
    commit();
  };
  canvas.addEventListener("pointerdown", down);
  canvas.addEventListener("pointermove", move);
  canvas.addEventListener("pointerup", up);
  canvas.addEventListener("pointerleave", up);
  clear.addEventListener("click", () => {
    state.points = [];
    paint(state);
    commit();
  });
  state.teardown = () => {
    canvas.removeEventListener("pointerdown", down);
    canvas.removeEventListener("pointermove", move);
    canvas.removeEventListener("pointerup", up);
    canvas.removeEventListener("pointerleave", up);
    wrap.remove();
  };
  return state;
}

export default function ({ data, parentElement, setStateValue }) {
  let state = instances.get(parentElement);
  if (!state) {
    state = build(parentElement, data, setStateValue);
    instances.set(parentElement, state);
  } else if (!state.drawing) {
    state.points = [...(data.points || [])]; // Python's copy wins between strokes
  }
  state.send = setStateValue;
  paint(state);
  return () => {
    state.teardown();
    instances.delete(parentElement);
  };
}
