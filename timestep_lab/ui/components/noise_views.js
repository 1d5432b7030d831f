// The noise page's views of step k, drawn per frame in the browser: the step view (§2: x₀, ε,
// x_k, the ᾱ curve) and the panels of §1, §3, §4 and §5 (the schedule's values at k; x_k beside
// P(k); σ̂ and k̂ read off x_k; v and each target's error gain). Mounted by
// timestep_lab/ui/components/noise_views.py; each function mirrors the library function named
// beside it (timestep_lab/encodings/schedules.py, sinusoidal.py, targets.py;
// timestep_lab/images/noise_level.py, pixels.py).
//
// Notation (shared NOTATION.md):
//   k                      — the timestep, 0 … T−1
//   betas[k]               — β_k, the variance added at step k          (betas)
//   alphaBar[k]            — ᾱ_k = ∏_{s≤k} (1 − β_s)                    (alpha_bar)
//   sqrtAlphaBar           — √ᾱ_k, the signal coefficient                (sqrt_alpha_bar)
//   sqrtOneMinusAlphaBar   — √(1−ᾱ_k) = σ_k, the noise coefficient       (sqrt_one_minus_alpha_bar)
//   snr                    — ᾱ_k / (1 − ᾱ_k); snrDb = 10·log10 snr       (snr, snr_db)
//   x0, noise, xk          — x₀ in [−1, 1], ε ~ N(0, I), x_k = √ᾱ_k·x₀ + √(1−ᾱ_k)·ε (Ho et al. eq. 4)
//   v                      — √ᾱ_k·ε − √(1−ᾱ_k)·x₀ (Salimans & Ho 2022, §4)  (velocity)
//   freqs, d               — ω_i = n^(−2i/d) and the dimension of P(k)   (frequencies, dim)
//   hh, sigmaHat, kHat     — the finest diagonal Haar coefficients HH, σ̂ = median|HH| / 0.6745
//                            and k̂, the step whose σ_k is nearest σ̂    (haar_diagonal, …)
//
// Python sends x₀ (its uint8 pixels: x₀ = p/127.5 − 1 here, as to_signed does), ε (float32), ᾱ
// and β (float64) once per page run, with the step view. The panels are other mounts of this
// component that carry only the arrays' token and read them from `sources` below, so a page
// sends those arrays once however many sections draw from them. The toolbar, keys, drag, play
// and the number formats are views_common.js's (inlined here when the app serves this file).

import {
  decode,
  dragOn,
  el,
  fixed,
  followK,
  formatG,
  imageFigures,
  kScrubber,
  legend,
  metricCells,
  received,
  requestDraw,
  roundHalfEven,
  setK,
  showPosition,
  sizeCanvas,
  toolbarView,
} from "./views_common.js";

export { decode, fixed, formatG, roundHalfEven };

/** x₀ = p / 127.5 − 1 for uint8 pixels p (to_signed). */
export function toSigned(pixels) {
  const x0 = new Float64Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) x0[i] = pixels[i] / 127.5 - 1.0;
  return x0;
}

/** x_k = √ᾱ_k·x₀ + √(1−ᾱ_k)·ε, into `out` (Ho et al. eq. 4; q_sample). */
export function qSample(x0, k, noise, alphaBar, out = new Float64Array(x0.length)) {
  const sqrtAlphaBar = Math.sqrt(alphaBar[k]);
  const sqrtOneMinusAlphaBar = Math.sqrt(1.0 - alphaBar[k]);
  for (let i = 0; i < x0.length; i++) out[i] = sqrtAlphaBar * x0[i] + sqrtOneMinusAlphaBar * noise[i];
  return out;
}

/** The image's share of x_k's energy: ᾱ·E[x₀²] / (ᾱ·E[x₀²] + 1 − ᾱ) (signal_fraction). */
export function signalFraction(alphaBar, meanSquare) {
  const signal = alphaBar * meanSquare;
  return signal / (signal + 1.0 - alphaBar);
}

/** Values in [−1, 1] back to 0 … 255, anything outside clipped (to_uint8), into `out`. */
export function toUint8(x, out = new Uint8Array(x.length)) {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const y = ((v > 1.0 ? 1.0 : v < -1.0 ? -1.0 : v) + 1.0) * 127.5; // np.clip, then the scale
    let r = Math.round(y);
    if (r - y === 0.5 && r % 2 !== 0) r -= 1; // np.round: a tie goes to the even neighbour
    out[i] = r;
  }
  return out;
}

/** v = √ᾱ·ε − √(1−ᾱ)·x₀ at one ᾱ, into `out` (Salimans & Ho 2022, §4; velocity). */
export function velocity(x0, noise, alphaBar, out = new Float64Array(x0.length)) {
  const signal = Math.sqrt(alphaBar);
  const noiseScale = Math.sqrt(1.0 - alphaBar);
  for (let i = 0; i < x0.length; i++) out[i] = signal * noise[i] - noiseScale * x0[i];
  return out;
}

export const TARGETS = ["epsilon", "sample", "v_prediction"];

/** How much an error of 1 in the network's output moves x̂₀ (x0_error_gain): ε: 1/√SNR
 * (infinite at ᾱ = 0), x₀: 1, v: √(1−ᾱ). */
export function x0ErrorGain(target, alphaBar) {
  if (!TARGETS.includes(target)) throw new RangeError(`target=${target} is not one of ${TARGETS.join(", ")}`);
  if (target === "sample") return 1.0;
  const noiseScale = Math.sqrt(1.0 - alphaBar);
  return target === "v_prediction" ? noiseScale : noiseScale / Math.sqrt(alphaBar);
}

/** HH = (a − b − c + d)/2 over each 2 × 2 block of an (H, W, C) image in row-major order
 * (haar_diagonal; an odd last row or column is dropped): (H//2, W//2, C) values. */
export function haarDiagonal(x, height, width, channels, out = null) {
  if (height < 2 || width < 2) throw new RangeError(`an image of ${height} × ${width} needs H, W ≥ 2`);
  const rows = Math.floor(height / 2);
  const columns = Math.floor(width / 2);
  const hh = out || new Float64Array(rows * columns * channels);
  const stride = width * channels;
  let o = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      for (let ch = 0; ch < channels; ch++) {
        const top = 2 * r * stride + 2 * c * channels + ch;
        const a = x[top];
        const b = x[top + channels];
        const cc = x[top + stride];
        const d = x[top + stride + channels];
        hh[o++] = (a - b - cc + d) / 2.0; // orthonormal: i.i.d. noise keeps its σ
      }
    }
  }
  return hh;
}

/** The k-th smallest value of `a` (0-based), reordering `a` so that a[0 … k−1] ≤ a[k]
 * (Hoare's selection: linear time on average, where a sort would be n·log n a frame). */
function select(a, k) {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break; // a[j+1 … i−1] all equal the pivot: a[k] is in place
  }
  return a[k];
}

/** The median of the values (np.median: the mean of the middle two for an even count). `values`
 * is reordered when `inPlace`, copied otherwise. */
export function median(values, inPlace = false) {
  const a = inPlace ? values : Float64Array.from(values);
  const n = a.length;
  const half = Math.floor(n / 2);
  const upper = select(a, half);
  if (n % 2) return upper;
  let lower = a[0]; // the largest of a[0 … half−1], all ≤ a[half] after the selection
  for (let i = 1; i < half; i++) if (a[i] > lower) lower = a[i];
  return (lower + upper) / 2.0;
}

/** The median of |Z| for Z ~ N(0, 1): Φ⁻¹(3/4) (MAD_NORMAL). */
export const MAD_NORMAL = 0.6744897501960817;

/** σ̂ = median(|HH|) / 0.6745 from x_k alone (estimate_sigma; Donoho & Johnstone 1994). */
export function estimateSigma(xk, height, width, channels) {
  const hh = haarDiagonal(xk, height, width, channels);
  for (let i = 0; i < hh.length; i++) {
    if (!Number.isFinite(hh[i])) throw new RangeError("the image holds values that are not finite numbers");
    hh[i] = Math.abs(hh[i]);
  }
  return median(hh, true) / MAD_NORMAL;
}

/** k̂: the timestep whose σ_k = √(1−ᾱ_k) is nearest σ̂, the first of equals (timestep_from_sigma). */
export function timestepFromSigma(sigmaHat, sqrtOneMinusAlphaBar) {
  let best = 0;
  for (let k = 1; k < sqrtOneMinusAlphaBar.length; k++) {
    if (Math.abs(sqrtOneMinusAlphaBar[k] - sigmaHat) < Math.abs(sqrtOneMinusAlphaBar[best] - sigmaHat)) best = k;
  }
  return best;
}

/** √(1−ᾱ_k) for every k (sqrt_one_minus_alpha_bar). */
export function sqrtOneMinusAlphaBar(alphaBar) {
  return Float64Array.from(alphaBar, (a) => Math.sqrt(1.0 - a));
}

/** P(k), transformer layout, from ω_i = n^(−2i/d) (frequencies, sent by Python):
 * P(k, 2i) = sin(k·ω_i), P(k, 2i+1) = cos(k·ω_i) (timestep_embedding; Vaswani et al. §3.5). */
export function timestepEmbedding(k, freqs, d) {
  const out = new Float64Array(d);
  for (let i = 0; i < freqs.length; i++) {
    const angle = k * freqs[i]; // k·ω_i
    out[2 * i] = Math.sin(angle);
    if (2 * i + 1 < d) out[2 * i + 1] = Math.cos(angle);
  }
  return out;
}

// ── the sentences a panel reads out at k (the Python captions they replace, same formats) ──
/** §1: the selected schedule's values at k. */
export function scheduleReadout(k, name, betas, alphaBar) {
  const a = alphaBar[k];
  return (
    `At k = ${k}, ${name} has β_k = ${formatG(betas[k], 4)}, ᾱ_k = ${fixed(a, 4)}, ` +
    `√ᾱ_k = ${fixed(Math.sqrt(a), 4)}, √(1−ᾱ_k) = ${fixed(Math.sqrt(1.0 - a), 4)}.`
  );
}

/** §3: P(k) and what this k means under this schedule. */
export function toldReadout(k, { d, nText, schedule, T }, alphaBar) {
  return (
    `P(${k}) with d = ${d}, n = ${nText}, transformer layout: ${d} values in [−1, 1]. Under ` +
    `${schedule} with T = ${T}, this k means ᾱ_k = ${fixed(alphaBar[k], 4)}.`
  );
}

/** §4: σ_k, σ̂ read off x_k and the k̂ it points to. */
export function levelReadout(k, sigma, sigmaHat, kHat) {
  return `At k = ${k}: σ_k = ${fixed(sigma, 4)}, σ̂ from x_k alone = ${fixed(sigmaHat, 4)}, pointing to k̂ = ${kHat}.`;
}

/** §5: v's coefficients and each target's error gain at k ("∞" where there is no x̂₀). */
export function targetsReadout(k, alphaBar, names) {
  const a = alphaBar[k];
  const gains = TARGETS.map((t) => {
    const gain = x0ErrorGain(t, a);
    return `${names[t]} ${Number.isFinite(gain) ? formatG(gain, 3) : "∞ (no x̂₀ at all)"}`;
  });
  return (
    `v here is ${fixed(Math.sqrt(a), 3)}·ε − ${fixed(Math.sqrt(1 - a), 3)}·x₀. ` +
    `Error gain at k = ${k}: ${gains.join("; ")}.`
  );
}

// x (H, W, C) as a picture: to_uint8's grey levels, one canvas pixel per image pixel
function paint(ctx, x, width, height, channels, image) {
  const data = image.data;
  const levels = toUint8(x);
  for (let p = 0, n = width * height; p < n; p++) {
    for (let c = 0; c < 3; c++) data[4 * p + c] = levels[p * channels + (channels === 3 ? c : 0)];
    data[4 * p + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

const instances = new WeakMap();

function build(root, data) {
  const s = { k: data.k, dataK: data.k };
  Object.assign(
    s,
    toolbarView({ label: "x_k at timestep k", rangeLabel: "move k in the noise view", presenter: data.presenter }),
  );
  const images = imageFigures([["x0", "x₀, the clean image"], ["noise", "ε, the noise"], ["xk", "x_k"]]);
  s.canvases = images.canvases;
  s.xkTitle = images.captions.xk;
  s.schedule = el("canvas", "tl-canvas");
  const metrics = metricCells([["signal", "√ᾱ_k, signal kept"], ["noise", "√(1−ᾱ_k), noise added"], ["snr", "SNR_k, nominal"]]);
  s.cells = metrics.cells;
  s.out = el("div", "tl-readout");
  s.wrap.append(images.row, metrics.row, s.schedule, s.out);
  root.append(s.wrap);
  s.draw = () => draw(s);

  s.control = kScrubber(s, {
    target: s.schedule,
    at: (event) => {
      const rect = s.schedule.getBoundingClientRect();
      const box = s.box(rect.width, rect.height);
      return ((event.clientX - rect.left - box.x) / box.w) * (s.T - 1);
    },
  });
  s.unfollow = followK(s);
  s.box = (w, h) => ({ x: 4 * s.font + 10, y: 8, w: w - 4 * s.font - 24, h: h - 2.6 * s.font - 10 });
  s.resize = new ResizeObserver(() => requestDraw(s));
  s.resize.observe(s.wrap);
  return s;
}

function drawSchedule(s) {
  const width = s.schedule.clientWidth || 600;
  const height = s.data.presenter ? 230 : 180;
  const ctx = sizeCanvas(s.schedule, width, height);
  const box = s.box(width, height);
  const X = (k) => box.x + (k / Math.max(1, s.T - 1)) * box.w;
  const Y = (v) => box.y + (1 - v) * box.h;
  ctx.strokeStyle = "#888";
  ctx.lineWidth = 1; // the canvas keeps its state from the last frame (sizeCanvas)
  ctx.strokeRect(box.x, box.y, box.w, box.h);
  const curves = [
    ["ᾱ_k", "#0072B2", (a) => a, []],
    ["√ᾱ_k", "#009E73", (a) => Math.sqrt(a), []],
    ["√(1−ᾱ_k)", "#D55E00", (a) => Math.sqrt(1.0 - a), [5, 4]],
  ];
  ctx.lineWidth = 2;
  for (const [, colour, f, dash] of curves) {
    ctx.strokeStyle = colour;
    ctx.setLineDash(dash);
    ctx.beginPath();
    const stride = Math.max(1, Math.floor(s.T / box.w));
    for (let k = 0; k < s.T; k += stride) ctx[k ? "lineTo" : "moveTo"](X(k), Y(f(s.alphaBar[k])));
    ctx.lineTo(X(s.T - 1), Y(f(s.alphaBar[s.T - 1])));
    ctx.stroke();
  }
  ctx.setLineDash([3, 3]);
  ctx.strokeStyle = "#333";
  ctx.beginPath();
  ctx.moveTo(X(s.k), box.y);
  ctx.lineTo(X(s.k), box.y + box.h);
  ctx.stroke();
  ctx.setLineDash([]);
  for (const [, colour, f] of curves) {
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.arc(X(s.k), Y(f(s.alphaBar[s.k])), 5, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.font = `${s.font}px sans-serif`;
  ctx.fillStyle = "#444";
  ctx.textAlign = "center";
  ctx.fillText(`timestep k (${s.data.schedule} schedule)`, box.x + box.w / 2, box.y + box.h + 2.2 * s.font);
  ctx.fillText("0", box.x, box.y + box.h + 1.1 * s.font);
  ctx.fillText(String(s.T - 1), box.x + box.w, box.y + box.h + 1.1 * s.font);
  ctx.textAlign = "right";
  ctx.fillText("1", box.x - 4, box.y + s.font);
  ctx.fillText("0", box.x - 4, box.y + box.h);
  legend(ctx, box.x + box.w - 250, box.y + 6, curves, s.font);
}

function draw(s) {
  const { height, width, channels } = s.data;
  showPosition(s, s.k, s.T - 1, `k = ${s.k}`);
  const scale = (s.data.presenter ? 2.4 : 1.8) * Math.min(1, 128 / Math.max(width, height));
  for (const name of ["x0", "noise", "xk"]) {
    const canvas = s.canvases[name];
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    canvas.style.width = `${Math.round(width * scale)}px`;
  }
  if (!s.painted) {
    paint(s.canvases.x0.getContext("2d"), s.x0, width, height, channels, s.image);
    paint(s.canvases.noise.getContext("2d"), s.noise, width, height, channels, s.image);
    s.painted = true;
  }
  qSample(s.x0, s.k, s.noise, s.alphaBar, s.xk);
  paint(s.canvases.xk.getContext("2d"), s.xk, width, height, channels, s.image);
  s.xkTitle.textContent = `x_k at k = ${s.k}`;
  const alphaBar = s.alphaBar[s.k];
  const snrDb = 10.0 * Math.log10(alphaBar / (1.0 - alphaBar));
  s.cells.signal.textContent = Math.sqrt(alphaBar).toFixed(3);
  s.cells.noise.textContent = Math.sqrt(1.0 - alphaBar).toFixed(3);
  s.cells.snr.textContent = Number.isFinite(snrDb)
    ? `${snrDb >= 0 ? "+" : "−"}${Math.abs(snrDb).toFixed(1)} dB`
    : "−∞ dB (pure noise)";
  drawSchedule(s);
  if (alphaBar === 0) {
    s.out.textContent = `At k = ${s.k} the sample is pure noise: ᾱ_k = 0, no trace of x₀ is left.`;
  } else {
    const share = signalFraction(alphaBar, s.data.meanSquare);
    s.out.textContent =
      `At k = ${s.k}, x_k is ${Math.sqrt(alphaBar).toFixed(3)} × x₀ + ` +
      `${Math.sqrt(1.0 - alphaBar).toFixed(3)} × ε; ᾱ_k = ${alphaBar.toFixed(4)}. This image ` +
      `(E[x₀²] = ${s.data.meanSquare.toFixed(2)}) makes up ${(100 * share).toFixed(1)}% of x_k's ` +
      `energy and the noise ${(100 * (1 - share)).toFixed(1)}%. Values outside [−1, 1] are shown clipped.`;
  }
  s.wrap.dataset.k = String(s.k);
  s.wrap.dataset.painted = String(performance.now());
}

// ── the arrays of a page run, sent once (with the step view) and read by every panel ─────
const sources = new Map(); // token → {x0, noise, alphaBar, betas, height, width, channels}
const waiting = new Map(); // token → the panels mounted before their arrays arrived

function unpack(data) {
  return {
    x0: toSigned(decode(data.pixels)),
    noise: decode(data.noise),
    alphaBar: decode(data.alphaBar),
    betas: decode(data.betas),
    height: data.height,
    width: data.width,
    channels: data.channels,
  };
}

function publish(token, source) {
  sources.delete(token);
  sources.set(token, source);
  while (sources.size > 2) sources.delete(sources.keys().next().value); // this run's and the last
  for (const panel of waiting.get(token) || []) {
    panel.source = source;
    prepare(panel);
    requestDraw(panel);
  }
  waiting.delete(token);
}

function stepView(data, parentElement) {
  let s = instances.get(parentElement);
  if (!s) {
    s = build(parentElement, data);
    instances.set(parentElement, s);
  }
  if (s.data !== undefined && s.data.token === data.token && s.data.k === data.k) return cleanup(s, parentElement);
  const fresh = !s.data || s.data.token !== data.token;
  s.data = data;
  s.font = data.presenter ? 17 : 13;
  if (fresh) {
    const source = unpack(data);
    s.x0 = source.x0;
    s.noise = source.noise;
    s.alphaBar = source.alphaBar;
    s.T = s.alphaBar.length;
    s.xk = new Float64Array(s.x0.length);
    s.image = new ImageData(data.width, data.height);
    s.painted = false;
    publish(data.token, source);
  }
  if (data.k !== s.dataK || s.k >= s.T) {
    s.dataK = data.k;
    s.k = Math.min(data.k, s.T - 1);
  }
  requestDraw(s);
  return cleanup(s, parentElement);
}

function cleanup(s, parentElement) {
  return () => {
    s.control.dispose();
    s.unfollow();
    s.resize.disconnect();
    instances.delete(parentElement);
  };
}

// ── the panels: §1, §3, §4 and §5, following the page's k ──────────────────────────────────
const COLOURS = { blue: "#0072B2", vermillion: "#D55E00", green: "#009E73", grey: "#999999", dark: "#555555" };

// a panel's canvas: the width of its column, `cssHeight` tall (views_common's sizeCanvas)
function panelCanvas(canvas, cssHeight) {
  const width = canvas.clientWidth || 600;
  return { ctx: sizeCanvas(canvas, width, cssHeight), width };
}

function picture(title, cssWidth) {
  const figure = el("figure", "tl-figure");
  const canvas = el("canvas", "tl-image");
  canvas.style.width = `${cssWidth}px`;
  const caption = el("figcaption", "", title);
  figure.append(canvas, caption);
  return { figure, canvas, caption };
}

function paintPicture(p, canvas, x) {
  const { width, height, channels } = p.source;
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  paint(canvas.getContext("2d"), x, width, height, channels, p.image);
}

const decades = (lo, hi) => {
  const out = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
};

/** A chart of k against values: axes, lines and points, a dotted line at k (plotly-like, small). */
function chart(p, ctx, box, { title, xLabel, yLabel, log, lo, hi, lines, dots, xMax }) {
  const font = p.font;
  const [a, b] = log ? [Math.log10(lo), Math.log10(hi)] : [lo, hi];
  const X = (k) => box.x + (k / Math.max(1, xMax)) * box.w;
  const Y = (v) => box.y + (1 - ((log ? Math.log10(v) : v) - a) / (b - a || 1)) * box.h;
  const inside = (v) => Number.isFinite(v) && (!log || v > 0);
  ctx.strokeStyle = "#bbb";
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.strokeRect(box.x, box.y, box.w, box.h);
  ctx.font = `${font}px sans-serif`;
  ctx.fillStyle = "#444";
  ctx.textAlign = "right";
  const ticks = log ? decades(lo, hi).filter((t) => t >= lo * 0.999 && t <= hi * 1.001) : [lo, (lo + hi) / 2, hi];
  for (const t of ticks) ctx.fillText(formatG(t, 3), box.x - 4, Y(t) + 0.35 * font);
  ctx.textAlign = "center";
  ctx.fillText("0", box.x, box.y + box.h + 1.1 * font);
  ctx.fillText(String(xMax), box.x + box.w, box.y + box.h + 1.1 * font);
  ctx.fillText(xLabel, box.x + box.w / 2, box.y + box.h + 2.3 * font);
  ctx.font = `bold ${font}px sans-serif`;
  ctx.fillText(title, box.x + box.w / 2, box.y - 0.6 * font);
  ctx.font = `${font}px sans-serif`;
  ctx.save();
  ctx.translate(box.x - 3.6 * font, box.y + box.h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(yLabel, 0, 0);
  ctx.restore();
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.x, box.y, box.w, box.h);
  ctx.clip();
  for (const { xs, ys, colour, width = 2, dash = [], marks = false } of lines) {
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = width;
    ctx.setLineDash(dash);
    ctx.beginPath();
    let open = false;
    for (let i = 0; i < xs.length; i++) {
      if (!inside(ys[i])) {
        open = false;
        continue;
      }
      if (marks) ctx.fillRect(X(xs[i]) - 2, Y(ys[i]) - 2, 4, 4);
      else ctx[open ? "lineTo" : "moveTo"](X(xs[i]), Y(ys[i]));
      open = true;
    }
    if (!marks) ctx.stroke();
  }
  ctx.setLineDash([3, 3]);
  ctx.strokeStyle = COLOURS.dark;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(X(p.k), box.y);
  ctx.lineTo(X(p.k), box.y + box.h);
  ctx.stroke();
  ctx.setLineDash([]);
  for (const [value, colour] of dots) {
    if (!inside(value)) continue;
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.arc(X(p.k), Y(value), 5, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.restore();
}

const PANEL_LEGEND = { baseline: 0.95 }; // the panels' names sit a little lower than the views'

const chartBox = (p, left, width, height) => ({
  x: left + 4.6 * p.font,
  y: 2.2 * p.font,
  w: width - 6.6 * p.font, // room on the right for the last tick label, T − 1
  h: height - 5.4 * p.font,
});

const PANELS = {
  // §1: the selected schedule's β_k, ᾱ_k, √ᾱ_k and √(1−ᾱ_k), as text
  schedule: {
    build() {},
    draw(p) {
      const { betas, alphaBar } = p.source;
      p.out.textContent = scheduleReadout(p.k, p.data.schedule, betas, alphaBar);
      return true;
    },
  },
  // §3: x_k beside the vector P(k) the network is told
  told: {
    build(p) {
      const row = el("div", "tl-images");
      p.xk = picture("x_k", p.data.presenter ? 220 : 160);
      p.bars = el("canvas", "tl-canvas tl-grow");
      row.append(p.xk.figure, p.bars);
      p.wrap.insertBefore(row, p.out);
    },
    prepare(p) {
      p.freqs = decode(p.data.freqs);
      p.values = new Float64Array(p.source.x0.length);
    },
    draw(p) {
      const { x0, noise, alphaBar } = p.source;
      p.out.textContent = toldReadout(p.k, p.data, alphaBar);
      if (!p.visible) return false;
      paintPicture(p, p.xk.canvas, qSample(x0, p.k, noise, alphaBar, p.values));
      p.xk.caption.textContent = `x_k, k = ${p.k}`;
      const { d, kindColours } = p.data;
      const row = timestepEmbedding(p.k, p.freqs, d);
      const height = p.data.presenter ? 280 : 220;
      const { ctx, width } = panelCanvas(p.bars, height);
      const box = chartBox(p, 0, width, height);
      box.y = 1.4 * p.font;
      box.h = height - 4.6 * p.font;
      const X = (j) => box.x + ((j + 0.5) / d) * box.w;
      const Y = (v) => box.y + ((1.1 - v) / 2.2) * box.h;
      ctx.strokeStyle = "#bbb";
      ctx.strokeRect(box.x, box.y, box.w, box.h);
      ctx.beginPath();
      ctx.moveTo(box.x, Y(0));
      ctx.lineTo(box.x + box.w, Y(0));
      ctx.stroke();
      for (let j = 0; j < d; j++) {
        ctx.fillStyle = kindColours[j % 2 === 0 ? "sin" : "cos"];
        ctx.beginPath();
        ctx.arc(X(j), Y(row[j]), 2.5, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.font = `${p.font}px sans-serif`;
      ctx.fillStyle = "#444";
      ctx.textAlign = "right";
      for (const t of [-1, 0, 1]) ctx.fillText(String(t).replace("-", "−"), box.x - 4, Y(t) + 0.35 * p.font);
      ctx.textAlign = "center";
      ctx.fillText("0", X(0), box.y + box.h + 1.1 * p.font);
      ctx.fillText(String(d - 1), X(d - 1), box.y + box.h + 1.1 * p.font);
      ctx.fillText(`column j of P(${p.k}, j)`, box.x + box.w / 2, box.y + box.h + 2.3 * p.font);
      const items = [["sin", kindColours.sin], ["cos", kindColours.cos]];
      legend(ctx, box.x + 8, box.y + 0.35 * p.font, items, p.font, PANEL_LEGEND);
      return true;
    },
  },
  // §4: σ̂ and k̂ read off x_k alone, over the sweep Python sent (k-free) with k marked
  level: {
    build(p) {
      p.plot = el("canvas", "tl-canvas");
      p.wrap.insertBefore(p.plot, p.out);
      p.kAt = true;
    },
    prepare(p) {
      const sweep = p.data.sweep;
      p.sweep = {
        timesteps: decode(sweep.timesteps),
        sigma: decode(sweep.sigma),
        sigmaHat: decode(sweep.sigmaHat),
        kHat: decode(sweep.kHat),
      };
      p.sigmaTable = sqrtOneMinusAlphaBar(p.source.alphaBar);
      p.values = new Float64Array(p.source.x0.length);
      const positive = [...p.sweep.sigma, ...p.sweep.sigmaHat].filter((v) => v > 0);
      p.range = [Math.min(...positive), Math.max(...positive)];
    },
    draw(p) {
      const { x0, noise, alphaBar, height, width: w, channels } = p.source;
      const xk = qSample(x0, p.k, noise, alphaBar, p.values);
      const sigmaHat = estimateSigma(xk, height, w, channels);
      const kHat = timestepFromSigma(sigmaHat, p.sigmaTable);
      const sigma = p.sigmaTable[p.k];
      p.out.textContent = levelReadout(p.k, sigma, sigmaHat, kHat);
      if (!p.visible) return false;
      const plotHeight = p.data.presenter ? 400 : 330;
      const { ctx, width } = panelCanvas(p.plot, plotHeight);
      const half = width / 2;
      const T = alphaBar.length;
      const { timesteps, sigmaHat: sweepHat, kHat: sweepK } = p.sweep;
      const lo = Math.min(p.range[0], sigmaHat > 0 ? sigmaHat : Infinity);
      const hi = Math.max(p.range[1], sigmaHat);
      p.boxes = [chartBox(p, 0, half, plotHeight), chartBox(p, half, half, plotHeight)];
      chart(p, ctx, p.boxes[0], {
        title: "noise level σ: true and read off x_k",
        xLabel: "timestep k",
        yLabel: "σ",
        log: true,
        lo,
        hi,
        xMax: T - 1,
        lines: [
          { xs: timesteps, ys: p.sweep.sigma, colour: COLOURS.grey, width: 3 },
          { xs: timesteps, ys: sweepHat, colour: COLOURS.blue },
        ],
        dots: [[sigma, COLOURS.grey], [sigmaHat, COLOURS.vermillion]],
      });
      chart(p, ctx, p.boxes[1], {
        title: "timestep read off x_k",
        xLabel: "true timestep k",
        yLabel: "k̂ from x_k alone",
        log: false,
        lo: 0,
        hi: T - 1,
        xMax: T - 1,
        lines: [
          { xs: [0, T - 1], ys: [0, T - 1], colour: COLOURS.grey, width: 1, dash: [2, 3] },
          { xs: timesteps, ys: sweepK, colour: COLOURS.vermillion, marks: true },
        ],
        dots: [[kHat, COLOURS.dark]],
      });
      const left = p.boxes[0]; // σ is near 1 over most of k: the lower right is free
      const items = [
        ["true σ_k = √(1−ᾱ_k)", COLOURS.grey],
        ["σ̂ = median|HH| / 0.6745", COLOURS.blue],
        ["σ̂ at k", COLOURS.vermillion],
      ];
      legend(ctx, left.x + 0.4 * left.w, left.y + left.h - 4.35 * p.font, items, p.font, { ...PANEL_LEGEND, vertical: true });
      return true;
    },
  },
  // §5: x₀, ε and v at k; each target's error gain into x̂₀ across k, read at k
  targets: {
    build(p) {
      const row = el("div", "tl-images");
      const size = p.data.presenter ? 200 : 150;
      p.pictures = {
        x0: picture("x₀, the clean image", size),
        noise: picture("ε, the noise", size),
        v: picture("v", size),
      };
      for (const each of Object.values(p.pictures)) row.append(each.figure);
      p.plot = el("canvas", "tl-canvas");
      p.wrap.insertBefore(row, p.out);
      p.wrap.insertBefore(p.plot, p.out);
      p.kAt = true;
    },
    prepare(p) {
      const { x0, noise, alphaBar } = p.source;
      paintPicture(p, p.pictures.x0.canvas, x0);
      paintPicture(p, p.pictures.noise.canvas, noise);
      p.values = new Float64Array(x0.length);
      p.ks = Float64Array.from(alphaBar, (_, k) => k);
      p.gains = Object.fromEntries(TARGETS.map((t) => [t, Float64Array.from(alphaBar, (a) => x0ErrorGain(t, a))]));
      const finite = TARGETS.flatMap((t) => [...p.gains[t]]).filter((g) => Number.isFinite(g) && g > 0);
      p.range = [Math.min(...finite), Math.max(...finite)];
    },
    draw(p) {
      const { x0, noise, alphaBar } = p.source;
      const a = alphaBar[p.k];
      p.out.textContent = targetsReadout(p.k, alphaBar, p.data.names);
      if (!p.visible) return false;
      paintPicture(p, p.pictures.v.canvas, velocity(x0, noise, a, p.values));
      p.pictures.v.caption.textContent = `v at k = ${p.k}`;
      const plotHeight = p.data.presenter ? 360 : 300;
      const { ctx, width } = panelCanvas(p.plot, plotHeight);
      p.boxes = [chartBox(p, 0, width, plotHeight)];
      const { names, colours } = p.data;
      chart(p, ctx, p.boxes[0], {
        title: "",
        xLabel: "timestep k",
        yLabel: "error in x̂₀ per unit error",
        log: true,
        lo: p.range[0],
        hi: p.range[1],
        xMax: alphaBar.length - 1,
        lines: TARGETS.map((t) => ({ xs: p.ks, ys: p.gains[t], colour: colours[t] })),
        dots: TARGETS.map((t) => [p.gains[t][p.k], colours[t]]),
      });
      const items = TARGETS.map((t) => [names[t], colours[t]]);
      legend(ctx, p.boxes[0].x + 8, p.boxes[0].y + 0.45 * p.font, items, p.font, PANEL_LEGEND);
      return true;
    },
  },
};

function buildPanel(root, data) {
  const kind = PANELS[data.panel];
  const p = { kind, k: data.k, dataK: data.k, boxes: [] };
  p.wrap = el("div", `tl-panel${data.presenter ? " presenter" : ""}`);
  p.wrap.setAttribute("role", "group");
  p.wrap.setAttribute("aria-label", `${data.panel} at timestep k`);
  p.out = el("div", "tl-readout");
  p.wrap.append(p.out);
  root.append(p.wrap);
  p.data = data;
  p.font = data.presenter ? 17 : 13;
  kind.build(p);
  p.draw = () => drawPanel(p);
  // a chart of k: a drag on it moves k for the whole page, like the step view's curve
  const kAt = (event) => {
    if (!p.source) return null;
    const rect = event.currentTarget.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const box = p.boxes.find((b) => x >= b.x - 8 && x <= b.x + b.w + 8);
    if (!box) return null;
    return Math.max(0, Math.min(p.T - 1, Math.round(((x - box.x) / box.w) * (p.T - 1))));
  };
  if (p.kAt) dragOn(p.plot, { at: kAt, moveTo: (k) => setK(p, k, false), end: () => setK(p, p.k, true) });
  p.unfollow = followK(p);
  p.resize = new ResizeObserver(() => requestDraw(p));
  p.resize.observe(p.wrap);
  p.visible = true; // until the observer first says otherwise
  p.sight = new IntersectionObserver(
    (entries) => {
      p.visible = entries[entries.length - 1].isIntersecting;
      if (p.visible && p.stale) requestDraw(p);
    },
    { rootMargin: "200px" },
  );
  p.sight.observe(p.wrap);
  return p;
}

function prepare(p) {
  p.T = p.source.alphaBar.length;
  p.k = Math.min(p.k, p.T - 1);
  p.image = new ImageData(p.source.width, p.source.height);
  p.kind.prepare?.(p);
}

// A panel out of sight updates its readout only; its pictures and chart wait until it
// scrolls into view (a drag in §2 then costs the frames of what the learner can see).
function drawPanel(p) {
  if (!p.source) return;
  const drawn = p.kind.draw(p);
  p.stale = !drawn;
  if (drawn) p.wrap.dataset.drawn = String(p.k);
  p.wrap.dataset.k = String(p.k);
  p.wrap.dataset.painted = String(performance.now());
}

function panelView(data, parentElement) {
  let p = instances.get(parentElement);
  if (!p) {
    p = buildPanel(parentElement, data);
    instances.set(parentElement, p);
  } else if (p.data.token === data.token && p.data.k === data.k) {
    return panelCleanup(p, parentElement);
  }
  const fresh = p.data.token !== data.token || !p.source;
  p.data = data;
  if (data.k !== p.dataK) {
    p.dataK = data.k;
    p.k = data.k;
  }
  if (fresh) {
    p.source = sources.get(data.token);
    if (p.source) prepare(p);
    else {
      if (!waiting.has(data.token)) waiting.set(data.token, new Set());
      waiting.get(data.token).add(p);
    }
  }
  requestDraw(p);
  return panelCleanup(p, parentElement);
}

function panelCleanup(p, parentElement) {
  return () => {
    p.unfollow();
    p.resize.disconnect();
    p.sight.disconnect();
    waiting.get(p.data.token)?.delete(p);
    instances.delete(parentElement);
  };
}

export default function ({ data, parentElement }) {
  const view = received(data);
  return view.panel ? panelView(view, parentElement) : stepView(view, parentElement);
}
