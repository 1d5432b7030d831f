// The noise page's step view: x_k from x₀, ε and the ᾱ table, drawn per frame in the browser
// (mirrors NoiseSchedule.q_sample in timestep_lab/encodings/schedules.py; mounted by
// timestep_lab/ui/components/noise_views.py).
//
// Notation (shared NOTATION.md):
//   k                      — the timestep, 0 … T−1
//   alphaBar[k]            — ᾱ_k = ∏_{s≤k} (1 − β_s)              (alpha_bar)
//   sqrtAlphaBar           — √ᾱ_k, the signal coefficient          (sqrt_alpha_bar)
//   sqrtOneMinusAlphaBar   — √(1−ᾱ_k), the noise coefficient       (sqrt_one_minus_alpha_bar)
//   snr                    — ᾱ_k / (1 − ᾱ_k); snrDb = 10·log10 snr (snr, snr_db)
//   x0, noise, xk          — x₀ in [−1, 1], ε ~ N(0, I), x_k = √ᾱ_k·x₀ + √(1−ᾱ_k)·ε (Ho et al. eq. 4)
//
// Python sends x₀ (its uint8 pixels: x₀ = p/127.5 − 1 here, as to_signed does), ε (float32) and
// the ᾱ table (float64) once, as base64 typed arrays; every frame is computed here.

export const K_EVENT = "timestep-lab:k";

export function decode({ dtype, b64 }) {
  const raw = atob(b64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  const types = { float64: Float64Array, float32: Float32Array, uint8: Uint8Array, int32: Int32Array };
  return new types[dtype](bytes.buffer);
}

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

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// to_uint8: clip to [−1, 1], then back to 0 … 255
function paint(ctx, x, width, height, channels, image) {
  const data = image.data;
  for (let p = 0, n = width * height; p < n; p++) {
    for (let c = 0; c < 3; c++) {
      const v = x[p * channels + (channels === 3 ? c : 0)];
      data[4 * p + c] = Math.round((Math.min(1, Math.max(-1, v)) + 1.0) * 127.5);
    }
    data[4 * p + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

const instances = new WeakMap();

function build(root, data) {
  const s = { k: data.k, dataK: data.k, playing: false };
  const wrap = el("div", `tl-view${data.presenter ? " presenter" : ""}`);
  wrap.tabIndex = 0;
  wrap.setAttribute("role", "group");
  wrap.setAttribute("aria-label", "x_k at timestep k");
  const bar = el("div", "tl-bar");
  s.play = el("button", "tl-play", "▶ Play");
  s.play.type = "button";
  s.range = el("input", "tl-range");
  s.range.type = "range";
  s.range.min = "0";
  s.range.setAttribute("aria-label", "move k in the noise view");
  s.label = el("span", "tl-k");
  bar.append(s.play, s.range, s.label);
  const row = el("div", "tl-images");
  s.canvases = {};
  for (const [name, title] of [["x0", "x₀, the clean image"], ["noise", "ε, the noise"], ["xk", "x_k"]]) {
    const figure = el("figure", "tl-figure");
    const canvas = el("canvas", "tl-image");
    s.canvases[name] = canvas;
    const caption = el("figcaption", "", title);
    if (name === "xk") s.xkTitle = caption;
    figure.append(canvas, caption);
    row.append(figure);
  }
  s.schedule = el("canvas", "tl-canvas");
  s.metrics = el("div", "tl-metrics");
  s.cells = {};
  for (const [name, label] of [["signal", "√ᾱ_k, signal kept"], ["noise", "√(1−ᾱ_k), noise added"], ["snr", "SNR_k, nominal"]]) {
    const cell = el("div", "tl-metric");
    cell.append(el("div", "tl-metric-label", label));
    s.cells[name] = el("div", "tl-metric-value");
    cell.append(s.cells[name]);
    s.metrics.append(cell);
  }
  s.out = el("div", "tl-readout");
  wrap.append(bar, row, s.metrics, s.schedule, s.out);
  root.append(wrap);
  s.wrap = wrap;

  const setK = (k, commit) => {
    const next = Math.max(0, Math.min(s.T - 1, Math.round(k)));
    if (next !== s.k) {
      s.k = next;
      request(s);
    }
    window.dispatchEvent(new CustomEvent(K_EVENT, { detail: { k: next, source: s, commit } }));
  };
  s.setK = setK;
  const commitSoon = (delay) => {
    clearTimeout(s.timer);
    s.timer = setTimeout(() => setK(s.k, true), delay);
  };
  s.range.addEventListener("input", () => setK(Number(s.range.value), false));
  s.range.addEventListener("change", () => commitSoon(250));
  s.play.addEventListener("click", () => (s.playing ? stop(s) : start(s)));
  wrap.addEventListener("keydown", (event) => {
    const steps = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, PageUp: 10, PageDown: -10 };
    let k = null;
    if (event.key in steps) k = s.k + steps[event.key] * (event.shiftKey ? 10 : 1);
    else if (event.key === "Home") k = 0;
    else if (event.key === "End") k = s.T - 1;
    if (k === null) return;
    event.preventDefault();
    if (s.playing) stop(s, false);
    setK(k, false);
    commitSoon(350);
  });
  let dragging = false;
  const kAt = (event) => {
    const rect = s.schedule.getBoundingClientRect();
    const box = s.box(rect.width, rect.height);
    return ((event.clientX - rect.left - box.x) / box.w) * (s.T - 1);
  };
  s.schedule.addEventListener("pointerdown", (event) => {
    dragging = true;
    s.schedule.setPointerCapture(event.pointerId);
    if (s.playing) stop(s, false);
    setK(kAt(event), false);
  });
  s.schedule.addEventListener("pointermove", (event) => dragging && setK(kAt(event), false));
  const release = () => {
    if (dragging) setK(s.k, true);
    dragging = false;
  };
  s.schedule.addEventListener("pointerup", release);
  s.schedule.addEventListener("pointercancel", release);
  s.listener = (event) => {
    const { k, source } = event.detail;
    if (source === s || !Number.isInteger(k) || k === s.k || k < 0 || k >= s.T) return;
    if (s.playing && source !== "python") stop(s, false);
    s.k = k;
    request(s);
  };
  window.addEventListener(K_EVENT, s.listener);
  s.box = (w, h) => ({ x: 4 * s.font + 10, y: 8, w: w - 4 * s.font - 24, h: h - 2.6 * s.font - 10 });
  s.resize = new ResizeObserver(() => request(s));
  s.resize.observe(wrap);
  return s;
}

function start(s) {
  if (s.k >= s.T - 1) s.setK(0, false);
  s.playing = true;
  s.play.textContent = "❚❚ Pause";
  const step = Math.max(1, Math.round(s.T / 400));
  let last = 0;
  const tick = (now) => {
    if (!s.playing) return;
    if (now - last >= 12) {
      last = now;
      s.setK(s.k + step, false);
      if (s.k >= s.T - 1) return stop(s);
    }
    s.frame = requestAnimationFrame(tick);
  };
  s.frame = requestAnimationFrame(tick);
}

function stop(s, commit = true) {
  s.playing = false;
  cancelAnimationFrame(s.frame);
  s.play.textContent = "▶ Play";
  if (commit) s.setK(s.k, true);
}

function request(s) {
  if (s.pending) return;
  s.pending = requestAnimationFrame(() => {
    s.pending = 0;
    draw(s);
  });
}

function drawSchedule(s) {
  const canvas = s.schedule;
  const width = canvas.clientWidth || 600;
  const height = s.data.presenter ? 230 : 180;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const box = s.box(width, height);
  const X = (k) => box.x + (k / Math.max(1, s.T - 1)) * box.w;
  const Y = (v) => box.y + (1 - v) * box.h;
  ctx.strokeStyle = "#888";
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
  ctx.textAlign = "left";
  let x = box.x + box.w - 250;
  for (const [name, colour] of curves) {
    ctx.fillStyle = colour;
    ctx.fillRect(x, box.y + 6, 12, 12);
    ctx.fillStyle = "#333";
    ctx.fillText(name, x + 16, box.y + 6 + 0.85 * s.font);
    x += 30 + ctx.measureText(name).width;
  }
}

function draw(s) {
  const { height, width, channels } = s.data;
  s.range.max = String(s.T - 1);
  s.range.value = String(s.k);
  s.label.textContent = `k = ${s.k}`;
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

export default function ({ data, parentElement }) {
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
    s.x0 = toSigned(decode(data.pixels));
    s.noise = decode(data.noise);
    s.alphaBar = decode(data.alphaBar);
    s.T = s.alphaBar.length;
    s.xk = new Float64Array(s.x0.length);
    s.image = new ImageData(data.width, data.height);
    s.painted = false;
  }
  if (data.k !== s.dataK || s.k >= s.T) {
    s.dataK = data.k;
    s.k = Math.min(data.k, s.T - 1);
  }
  request(s);
  return cleanup(s, parentElement);
}

function cleanup(s, parentElement) {
  return () => {
    stop(s, false);
    clearTimeout(s.timer);
    window.removeEventListener(K_EVENT, s.listener);
    s.resize.disconnect();
    instances.delete(parentElement);
  };
}
