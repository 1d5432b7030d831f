// The denoiser's step-by-step view: a run's kept frames, scrubbed in the browser (mirrors
// timestep_lab/ui/components/denoise_views.py, the pictures of timestep_lab/figures/denoiser.py
// and the readouts the page used to compute in Python).
//
// Notation (shared NOTATION.md):
//   frame                  — position in the run's kept steps, 0 … frames−1
//   index                  — the sampler step a frame is (0 … S−1; shown as "i + 1 of S")
//   k, kTold               — the true timestep of a step; the timestep the network was told
//   alphaBar[k]            — ᾱ_k, the signal's variance left          (alpha_bar)
//   sqrtAlphaBar           — √ᾱ_k                                      (sqrt_alpha_bar)
//   sqrtOneMinusAlphaBar   — √(1−ᾱ_k)                                  (sqrt_one_minus_alpha_bar)
//   xk, eps, x0            — x_k, ε̂ (drawn over ±3), x̂₀ = (x_k − √(1−ᾱ_k)·ε̂)/√ᾱ_k
//   encoding               — P(kTold), the row the time MLP received; columnKind: sin/cos/pad
//   timesteps              — every k the sampler visits
//
// Python sends every kept frame once, as base64 typed arrays. Digits arrive as the grey
// levels of their PNG (to_uint8 of the value over its range) and are tiled with a white gap
// and upscaled nearest-neighbour as figures.denoiser.image_grid does; points arrive as their
// dots' canvas pixels (figures.denoiser.point_pixels), drawn as points_canvas draws them.
// Moving the frame sends nothing; when a gesture ends the sampler step goes back to Python
// (setStateValue "frame": {index, n}). The toolbar, keys, drag and play are views_common.js's
// (inlined here when the app serves this file).

import {
  decode,
  el,
  fixed,
  formatG,
  imageFigures,
  legend,
  metricCells,
  received,
  requestDraw,
  roundHalfEven,
  scrubber,
  showPosition,
  sizeCanvas,
  toolbarView,
} from "./views_common.js";

export { decode, fixed, formatG, roundHalfEven };

const OUTSIDE = 255; // a point whose dot is off the canvas
const PLAY_MS = 120; // one frame every 120 ms while playing, the pace of the playback above

/** sample_picture's upscale for digits: the largest whole factor that fits `width`. */
export function gridScale(width, columns, tileWidth, gap) {
  return Math.max(1, Math.floor((width + gap) / (columns * (tileWidth + gap))));
}

/** image_grid: `num` tiles of grey levels (height × width, from `offset`) as one picture. */
export function gridPixels(levels, offset, num, height, width, { scale, columns, gap, background }) {
  const rows = Math.ceil(num / columns);
  const th = height * scale, tw = width * scale, g = gap * scale;
  const gridHeight = rows * th + (rows - 1) * g, gridWidth = columns * tw + (columns - 1) * g;
  const pixels = new Uint8Array(gridHeight * gridWidth).fill(background);
  for (let n = 0; n < num; n++) {
    const top = Math.floor(n / columns) * (th + g), left = (n % columns) * (tw + g);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = levels[offset + (n * height + y) * width + x];
        for (let dy = 0; dy < scale; dy++) {
          const start = (top + y * scale + dy) * gridWidth + left + x * scale;
          pixels.fill(v, start, start + scale);
        }
      }
    }
  }
  return { pixels, height: gridHeight, width: gridWidth };
}

/** points_canvas: 2×2 dots (truth first, then the samples) on a size × size RGB canvas. */
export function pointsPixels(dots, offset, num, truth, size, { truthColour, pointColour, background }) {
  const pixels = new Uint8Array(size * size * 3).fill(background);
  const layers = [[truth, 0, truth ? truth.length / 2 : 0, truthColour], [dots, offset, num, pointColour]];
  for (const [coords, start, count, colour] of layers) {
    for (let p = 0; p < count; p++) {
      const col = coords[start + 2 * p], row = coords[start + 2 * p + 1];
      if (col === OUTSIDE) continue;
      for (const [dr, dc] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
        pixels.set(colour, 3 * ((row + dr) * size + col + dc));
      }
    }
  }
  return pixels;
}

/** ‖P(k told)‖ in float64, from the float32 values the network received. */
export function encodingNorm(encoding, offset, d) {
  let sum = 0.0;
  for (let j = 0; j < d; j++) sum += encoding[offset + j] * encoding[offset + j];
  return Math.sqrt(sum);
}

/** ᾱ_k, √ᾱ_k and √(1−ᾱ_k) (Ho et al. eq. 4's coefficients). */
export function coefficients(alphaBar, k) {
  return {
    alphaBar: alphaBar[k],
    sqrtAlphaBar: Math.sqrt(alphaBar[k]),
    sqrtOneMinusAlphaBar: Math.sqrt(1.0 - alphaBar[k]),
  };
}

/** The frame whose k is nearest to `k` (the first of equals). */
export function nearestFrame(ks, k) {
  let best = 0;
  for (let f = 1; f < ks.length; f++) if (Math.abs(ks[f] - k) < Math.abs(ks[best] - k)) best = f;
  return best;
}

/** A run's arrays from the data Python sent (decoded once per run). */
export function unpack(data) {
  const run = { data, frames: data.frames, shape: data.xk.shape, d: data.encoding.shape[1] };
  for (const name of ["index", "k", "kTold", "encoding", "timesteps", "alphaBar"]) run[name] = decode(data[name]);
  run.pictures = { xk: decode(data.xk), eps: decode(data.eps), x0: decode(data.x0) };
  run.truth = data.truth ? decode(data.truth) : null;
  run.T = run.alphaBar.length;
  return run;
}

/** Everything the view prints for one frame, each number as the page printed it in Python. */
export function readouts(s, frame) {
  const k = s.k[frame], kTold = s.kTold[frame];
  const c = coefficients(s.alphaBar, k);
  const norm = encodingNorm(s.encoding, frame * s.d, s.d);
  const told = formatG(kTold);
  return {
    ...c,
    k,
    kTold,
    norm,
    index: s.index[frame],
    metrics: {
      step: `${s.index[frame] + 1} of ${s.timesteps.length}`,
      k: String(k),
      told,
      alphaBar: fixed(c.alphaBar, 5),
    },
    xkTitle: `x_k at k = ${k}`,
    caption:
      `At k = ${k}, x_k = ${fixed(c.sqrtAlphaBar, 3)}·x₀ + ${fixed(c.sqrtOneMinusAlphaBar, 3)}·ε. ` +
      `The network received P(${told}): ${s.d} values, ${s.data.convention} layout, as in ` +
      `training; length ${fixed(norm, 3)}. Its time MLP turns them into ${s.data.embDim} numbers.`,
  };
}

const instances = new WeakMap();
const PICTURES = ["xk", "eps", "x0"];
const METRICS = [["step", "Sampler step"], ["k", "Timestep k"], ["told", "k told to the network"], ["alphaBar", "ᾱ_k, signal left"]];

function build(root) {
  const s = { frame: 0 };
  Object.assign(
    s,
    toolbarView({
      label: "the denoiser step by step: x_k, ε̂, x̂₀, P(k told) and ᾱ_k",
      rangeLabel: "sampler step",
    }),
  );
  const metrics = metricCells(METRICS);
  s.cells = metrics.cells;
  const images = imageFigures(PICTURES.map((name) => [name, ""]));
  s.canvases = images.canvases;
  s.titles = images.captions;
  const plots = el("div", "tl-plots");
  s.curve = el("canvas", "tl-canvas");
  s.curve.setAttribute("aria-label", "ᾱ_k against k: drag to pick a step");
  s.bars = el("canvas", "tl-canvas");
  s.bars.setAttribute("aria-label", "P(k told), the vector the network received");
  plots.append(s.curve, s.bars);
  s.out = el("div", "tl-readout");
  s.wrap.append(metrics.row, images.row, plots, s.out);
  root.append(s.wrap);
  s.draw = () => draw(s);

  s.setFrame = (frame) => {
    const next = Math.max(0, Math.min(s.frames - 1, Math.round(frame)));
    if (next !== s.frame) {
      s.frame = next;
      requestDraw(s);
    }
  };
  s.control = scrubber(s, {
    position: () => s.frame,
    last: () => s.frames - 1,
    moveTo: s.setFrame,
    commit: () => send(s),
    target: s.curve,
    at: (event) => {
      const rect = s.curve.getBoundingClientRect();
      const box = s.box(rect.width, rect.height);
      const k = ((event.clientX - rect.left - box.x) / box.w) * (s.T - 1);
      return nearestFrame(s.k, k);
    },
    playMs: PLAY_MS,
    page: 5,
    shift: false,
    rangeKeys: true,
    stopOnInput: true,
  });
  s.box = (w, h) => ({ x: 3.6 * s.font + 10, y: 10, w: w - 3.6 * s.font - 24, h: h - 2.8 * s.font - 12 });
  s.resize = new ResizeObserver(() => requestDraw(s));
  s.resize.observe(s.wrap);
  return s;
}

/** The gesture ended: the sampler step shown goes to Python (once per new step). */
function send(s) {
  const index = s.index[s.frame];
  if (index === s.committed) return;
  s.committed = index;
  // a new value on every commit (n): a step Python has seen before still reaches it
  s.count = (s.count || 0) + 1;
  s.send("frame", { index, n: `${Date.now()}-${s.count}` });
}

function prepare(canvas, height) {
  const width = canvas.clientWidth || 400;
  return { ctx: sizeCanvas(canvas, width, height), width };
}

function frameBox(s, ctx, box) {
  ctx.strokeStyle = "#bbb";
  ctx.lineWidth = 1;
  ctx.strokeRect(box.x, box.y, box.w, box.h);
  ctx.font = `${s.font}px sans-serif`;
  ctx.fillStyle = "#444";
}

// ᾱ_k against k, the sampler's timesteps as grey dots, this step's k circled (alpha_bar_figure)
function drawCurve(s, r) {
  const { ctx, width } = prepare(s.curve, s.plotHeight);
  const box = s.box(width, s.plotHeight);
  const X = (k) => box.x + (k / Math.max(1, s.T - 1)) * box.w;
  const Y = (v) => box.y + (1 - v) * box.h;
  frameBox(s, ctx, box);
  ctx.strokeStyle = "#009E73";
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (let k = 0; k < s.T; k++) ctx[k ? "lineTo" : "moveTo"](X(k), Y(s.alphaBar[k]));
  ctx.stroke();
  ctx.fillStyle = "#999999";
  for (const k of s.timesteps) {
    ctx.beginPath();
    ctx.arc(X(k), Y(s.alphaBar[k]), 2, 0, 2 * Math.PI);
    ctx.fill();
  }
  if (r.kTold !== r.k) {
    const told = Math.max(0, Math.min(s.T - 1, roundHalfEven(r.kTold)));
    const [x, y] = [X(told), Y(s.alphaBar[told])];
    ctx.strokeStyle = "#D55E00";
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    ctx.moveTo(x - 5, y - 5);
    ctx.lineTo(x + 5, y + 5);
    ctx.moveTo(x + 5, y - 5);
    ctx.lineTo(x - 5, y + 5);
    ctx.stroke();
  }
  ctx.strokeStyle = "#000";
  ctx.lineWidth = 2.5;
  ctx.beginPath();
  ctx.arc(X(r.k), Y(r.alphaBar), 7, 0, 2 * Math.PI);
  ctx.stroke();
  ctx.fillStyle = "#444";
  ctx.textAlign = "center";
  ctx.fillText("timestep k (grey: the sampler's steps; circled: this step)", box.x + box.w / 2, box.y + box.h + 2.3 * s.font);
  ctx.fillText("0", X(0), box.y + box.h + 1.1 * s.font);
  ctx.fillText(String(s.T - 1), X(s.T - 1), box.y + box.h + 1.1 * s.font);
  ctx.textAlign = "right";
  ctx.fillText("ᾱ_k 1", box.x - 4, Y(1) + 0.4 * s.font);
  ctx.fillText("0", box.x - 4, Y(0) + 0.4 * s.font);
}

// P(k told, j) as one bar per column j, coloured sin / cos (encoding_figure's colours)
function drawBars(s, r) {
  const { ctx, width } = prepare(s.bars, s.plotHeight);
  const box = s.box(width, s.plotHeight);
  const offset = s.frame * s.d;
  let low = -1.0, high = 1.0;
  for (let j = 0; j < s.d; j++) {
    low = Math.min(low, s.encoding[offset + j]);
    high = Math.max(high, s.encoding[offset + j]);
  }
  const pad = 0.08 * (high - low);
  low -= pad;
  high += pad;
  const Y = (v) => box.y + ((high - v) / (high - low)) * box.h;
  frameBox(s, ctx, box);
  const step = box.w / s.d;
  for (let j = 0; j < s.d; j++) {
    const v = s.encoding[offset + j];
    ctx.fillStyle = s.data.kindColours[s.data.columnKind[j]] || "#0072B2";
    const [y0, y1] = [Y(0), Y(v)];
    ctx.fillRect(box.x + j * step + 0.1 * step, Math.min(y0, y1), Math.max(1, 0.8 * step), Math.max(1, Math.abs(y1 - y0)));
  }
  ctx.strokeStyle = "#777";
  ctx.beginPath();
  ctx.moveTo(box.x, Y(0));
  ctx.lineTo(box.x + box.w, Y(0));
  ctx.stroke();
  ctx.fillStyle = "#444";
  ctx.textAlign = "center";
  ctx.fillText(`column j of P(${r.metrics.told}, j)`, box.x + box.w / 2, box.y + box.h + 2.3 * s.font);
  ctx.fillText("0", box.x + step / 2, box.y + box.h + 1.1 * s.font);
  ctx.fillText(String(s.d - 1), box.x + box.w - step / 2, box.y + box.h + 1.1 * s.font);
  ctx.textAlign = "right";
  ctx.fillText("1", box.x - 4, Y(1) + 0.4 * s.font);
  ctx.fillText("−1", box.x - 4, Y(-1) + 0.4 * s.font);
  ctx.textAlign = "left";
  legend(ctx, box.x + 8, box.y + 6, Object.entries(s.data.kindColours), s.font);
}

function paintPicture(s, name) {
  const canvas = s.canvases[name];
  const data = s.data;
  let image;
  if (data.kind === "digits") {
    const [, num, height, width] = s.shape;
    const scale = gridScale(data.width, data.columns, width, data.gap);
    const grid = gridPixels(s.pictures[name], s.frame * num * height * width, num, height, width, {
      scale,
      columns: data.columns,
      gap: data.gap,
      background: data.background,
    });
    image = new ImageData(grid.width, grid.height);
    for (let p = 0; p < grid.pixels.length; p++) {
      image.data.fill(grid.pixels[p], 4 * p, 4 * p + 3);
      image.data[4 * p + 3] = 255;
    }
  } else {
    const num = s.shape[1], size = data.width;
    const truth = name === "eps" ? null : s.truth; // as the page drew ε̂: without the shape
    const rgb = pointsPixels(s.pictures[name], s.frame * num * 2, num, truth, size, data);
    image = new ImageData(size, size);
    for (let p = 0; p < size * size; p++) {
      image.data.set(rgb.subarray(3 * p, 3 * p + 3), 4 * p);
      image.data[4 * p + 3] = 255;
    }
  }
  if (canvas.width !== image.width || canvas.height !== image.height) {
    canvas.width = image.width;
    canvas.height = image.height;
  }
  canvas.style.width = `${Math.round(image.width * (data.presenter ? 1.4 : 1))}px`;
  canvas.getContext("2d").putImageData(image, 0, 0);
}

function draw(s) {
  const started = performance.now();
  const r = readouts(s, s.frame);
  showPosition(s, s.frame, s.frames - 1, `step ${r.index + 1} (k = ${r.k})`);
  for (const [name] of METRICS) s.cells[name].textContent = r.metrics[name];
  for (const name of PICTURES) paintPicture(s, name);
  s.titles.xk.textContent = r.xkTitle;
  s.titles.eps.textContent = s.data.titles.eps;
  s.titles.x0.textContent = s.data.titles.x0;
  drawCurve(s, r);
  drawBars(s, r);
  s.out.textContent = r.caption;
  s.wrap.dataset.frame = String(s.frame);
  s.wrap.dataset.index = String(r.index);
  s.wrap.dataset.k = String(r.k);
  s.wrap.dataset.paintMs = (performance.now() - started).toFixed(2);
  s.wrap.dataset.painted = String(performance.now());
}

export default function ({ data: sent, parentElement, setStateValue }) {
  const data = received(sent);
  let s = instances.get(parentElement);
  if (!s) {
    s = build(parentElement);
    instances.set(parentElement, s);
  }
  s.send = setStateValue;
  const fresh = !s.data || s.data.token !== data.token;
  const moved = !s.data || s.data.frame !== data.frame;
  s.data = data;
  s.font = data.presenter ? 17 : 13;
  s.plotHeight = data.presenter ? 280 : 220;
  s.wrap.classList.toggle("presenter", Boolean(data.presenter));
  if (fresh) {
    if (s.control.playing) s.control.stop(false);
    Object.assign(s, unpack(data));
  }
  if (fresh || moved) {
    // Python's frame: the step it drew last (a new run starts at its first step)
    s.frame = Math.max(0, Math.min(s.frames - 1, data.frame));
    s.committed = s.index[s.frame];
  }
  requestDraw(s);
  return () => {
    s.control.dispose();
    s.resize.disconnect();
    instances.delete(parentElement);
  };
}
