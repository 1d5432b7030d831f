// The encoding explorer's views of row k, drawn in the browser (mirrors
// timestep_lab/encodings/sinusoidal.py; mounted by timestep_lab/ui/components/encoding_views.py).
//
// Notation (shared NOTATION.md):
//   k        — the timestep encoded, 0 … T−1            (Python: timesteps)
//   T        — number of timesteps                       (num_timesteps)
//   d        — embedding dimension                        (dim)
//   n        — the base of the formula, 10000 by default (base)
//   i        — frequency index, 0 … ⌊d/2⌋−1
//   freqs    — ω_i, angular frequency of pair i          (frequencies)
//   P(k, j)  — timestepEmbedding(...)[k·d + j]           (timestep_embedding(...)[k, j])
//   layout   — "transformer" | "ddpm" | "ldm"            (convention)
//
// Python sends d, n, T, the layout and k once; every frame is computed here, exactly (float64,
// every cell of the T × d matrix). Moving k announces it on the page (`timestep-lab:k`); the
// k bridge (k_sync.js) sends it to Python only when the gesture ends. The toolbar, keys, drag
// and play are views_common.js's (inlined here when the app serves this file).

import {
  el,
  followK,
  kScrubber,
  legend,
  requestDraw,
  showPosition,
  sizeCanvas,
  toolbarView,
} from "./views_common.js";
const MIN_DIM = { transformer: 1, ddpm: 4, ldm: 2 };

// ── the math (same operations, in the same order, as sinusoidal.py) ─────────────────────
export function frequencies(d, { n = 10000, convention = "transformer" } = {}) {
  if (!(convention in MIN_DIM)) throw new RangeError(`convention=${convention} is not known`);
  if (!Number.isInteger(d) || d < MIN_DIM[convention]) {
    throw new RangeError(`d=${d} must be a whole number ≥ ${MIN_DIM[convention]}`);
  }
  if (!Number.isFinite(n) || n <= 1) throw new RangeError(`n=${n} must be a finite number > 1`);
  if (convention === "transformer") {
    const out = new Float64Array(Math.ceil(d / 2));
    for (let i = 0; i < out.length; i++) out[i] = n ** ((-2.0 * i) / d); // ω_i = n^(−2i/d)
    return out;
  }
  const half = Math.floor(d / 2);
  const shift = convention === "ddpm" ? 1.0 : 0.0; // diffusers' downscale_freq_shift
  const out = new Float64Array(half);
  for (let i = 0; i < half; i++) out[i] = Math.exp((-Math.log(n) * i) / (half - shift));
  return out;
}

/** P(k, j) for each k in `timesteps`: a row-major Float64Array of timesteps.length × d. */
export function timestepEmbedding(timesteps, d, { n = 10000, convention = "transformer" } = {}) {
  const freqs = frequencies(d, { n, convention });
  const out = new Float64Array(timesteps.length * d);
  const half = Math.floor(d / 2);
  for (let r = 0; r < timesteps.length; r++) {
    const k = timesteps[r];
    const row = r * d;
    if (convention === "transformer") {
      for (let i = 0; i < freqs.length; i++) {
        const angle = k * freqs[i]; // k·ω_i
        out[row + 2 * i] = Math.sin(angle); // P(k, 2i) = sin(k / n^(2i/d))
        if (2 * i + 1 < d) out[row + 2 * i + 1] = Math.cos(angle); // P(k, 2i+1) = cos(…)
      }
    } else {
      const sinFirst = convention === "ddpm"; // ddpm: [sin | cos]; ldm: [cos | sin]
      for (let i = 0; i < half; i++) {
        const angle = k * freqs[i];
        const s = Math.sin(angle);
        const c = Math.cos(angle);
        out[row + i] = sinFirst ? s : c;
        out[row + half + i] = sinFirst ? c : s;
      }
    } // an odd d keeps its last column at zero (diffusers' pad)
  }
  return out;
}

/** For each column j: its frequency index i (−1 for the pad) and "sin" | "cos" | "pad". */
export function columnRoles(d, convention) {
  const index = new Int32Array(d);
  const kind = new Array(d);
  const half = Math.floor(d / 2);
  for (let j = 0; j < d; j++) {
    if (convention === "transformer") {
      index[j] = Math.floor(j / 2);
      kind[j] = j % 2 === 0 ? "sin" : "cos";
    } else if (j >= 2 * half) {
      index[j] = -1;
      kind[j] = "pad";
    } else {
      index[j] = j % half;
      const first = j < half;
      kind[j] = (convention === "ddpm") === first ? "sin" : "cos";
    }
  }
  return { index, kind };
}

// One matrix per setting, shared by every view on the page (heatmap, vector, similarity).
const matrices = new Map();
function matrixFor(d, n, T, convention) {
  const key = `${d}|${n}|${T}|${convention}`;
  let entry = matrices.get(key);
  if (!entry) {
    const ks = new Float64Array(T);
    for (let k = 0; k < T; k++) ks[k] = k;
    const P = timestepEmbedding(ks, d, { n, convention });
    const norms = new Float64Array(T);
    for (let k = 0; k < T; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += P[k * d + j] ** 2;
      norms[k] = Math.sqrt(s) || 1;
    }
    entry = { P, norms, image: null };
    matrices.clear(); // one setting at a time: a T × d float64 matrix can be 32 MB
    matrices.set(key, entry);
  }
  return entry;
}

/** Cosine similarity of every row P(a) with P(k), a = 0 … T−1 (row_similarity in Python). */
export function rowSimilarity(P, norms, d, T, k) {
  const out = new Float64Array(T);
  for (let a = 0; a < T; a++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += P[a * d + j] * P[k * d + j];
    out[a] = s / (norms[a] * norms[k]);
  }
  return out;
}

// ── drawing helpers ──────────────────────────────────────────────────────────────────────
const BLUE = "#0072B2";
const ORANGE = "#E69F00";
const VERMILLION = "#D55E00";
const GREEN = "#009E73";
const PURPLE = "#CC79A7";
const GREY = "#999999";

function diverging(value) {
  // RdBu-like: −1 blue, 0 white, +1 red
  const t = Math.max(-1, Math.min(1, value));
  if (t >= 0) return [255, Math.round(255 * (1 - 0.75 * t)), Math.round(255 * (1 - 0.8 * t))];
  return [Math.round(255 * (1 + 0.8 * t)), Math.round(255 * (1 + 0.55 * t)), 255];
}

function fmt(x, digits = 4) {
  if (!Number.isFinite(x)) return String(x);
  return Number(x.toPrecision(digits)).toString().replace("-", "−");
}

function signed(x, digits = 6) {
  return (x < 0 ? "−" : "+") + Math.abs(x).toFixed(digits);
}

// ── the views ───────────────────────────────────────────────────────────────────────────
const VIEWS = {
  heatmap: {
    height: 420,
    draw(s, ctx, w, h) {
      const { d, n, T, layout } = s.data;
      const m = matrixFor(d, n, T, layout);
      if (!m.image) {
        const img = new ImageData(d, T); // one pixel per cell P(k, j): nothing averaged
        for (let idx = 0; idx < T * d; idx++) {
          const [r, g, b] = diverging(m.P[idx]);
          img.data[4 * idx] = r;
          img.data[4 * idx + 1] = g;
          img.data[4 * idx + 2] = b;
          img.data[4 * idx + 3] = 255;
        }
        const canvas = document.createElement("canvas");
        canvas.width = d;
        canvas.height = T;
        canvas.getContext("2d").putImageData(img, 0, 0);
        m.image = canvas;
      }
      const box = s.box(w, h);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(m.image, box.x, box.y, box.w, box.h);
      const rowH = Math.max(2, box.h / T);
      const y = box.y + (s.k / T) * box.h;
      ctx.strokeStyle = "#111";
      ctx.lineWidth = 2;
      ctx.strokeRect(box.x - 1, y - 1, box.w + 2, rowH + 2);
      s.axes(ctx, box, "column j", "timestep k", [0, d - 1], [0, T - 1], true);
      const j = s.hoverColumn;
      s.readout(
        j === null
          ? `Row k = ${s.k} is outlined: P(${s.k}) has ${d} cells, all computed here.`
          : `P(${s.k}, ${j}) = ${signed(m.P[s.k * d + j])}  (column ${j}: ${s.roles.kind[j]}` +
              (s.roles.index[j] >= 0 ? `, i = ${s.roles.index[j]})` : ")"),
      );
    },
    pick(s, x, y, w, h) {
      const box = s.box(w, h);
      const { T, d } = s.data;
      const k = Math.floor(((y - box.y) / box.h) * T);
      const j = Math.floor(((x - box.x) / box.w) * d);
      s.hoverColumn = j >= 0 && j < d ? j : null;
      return k;
    },
  },
  vector: {
    height: 260,
    draw(s, ctx, w, h) {
      const { d, n, T, layout } = s.data;
      const m = matrixFor(d, n, T, layout);
      const box = s.box(w, h);
      const zero = box.y + box.h / 2;
      const bar = box.w / d;
      let lo = Infinity;
      let hi = -Infinity;
      let sq = 0;
      for (let j = 0; j < d; j++) {
        const v = m.P[s.k * d + j];
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
        sq += v * v;
        const kind = s.roles.kind[j];
        ctx.fillStyle = kind === "sin" ? BLUE : kind === "cos" ? ORANGE : GREY;
        const top = zero - (v * box.h) / 2;
        ctx.fillRect(box.x + j * bar, Math.min(top, zero), Math.max(1, bar * 0.8), Math.abs(zero - top) || 1);
      }
      s.axes(ctx, box, "column j", `P(${s.k}, j)`, [0, d - 1], [-1, 1], false);
      s.legend(ctx, box, [["sin", BLUE], ["cos", ORANGE]].concat(d % 2 && layout !== "transformer" ? [["pad", GREY]] : []));
      s.readout(
        `P(${s.k}) has ${d} values between ${fmt(lo)} and ${fmt(hi)}; its length is ` +
          `${Math.sqrt(sq).toFixed(4)} (√(d/2) = ${Math.sqrt(Math.floor(d / 2)).toFixed(4)}).`,
      );
    },
    pick(s, x, y, w, h) {
      return null;
    },
  },
  shift: {
    height: 300,
    draw(s, ctx, w, h) {
      const { d, n, T, layout } = s.data;
      const m = matrixFor(d, n, T, layout);
      const box = s.box(w, h);
      const X = (delta) => box.x + ((delta + (T - 1)) / (2 * (T - 1) || 1)) * box.w;
      const Y = (v) => box.y + ((1.05 - v) / 2.1) * box.h;
      if (!m.fromZero) m.fromZero = rowSimilarity(m.P, m.norms, d, T, 0);
      ctx.setLineDash([5, 4]);
      ctx.strokeStyle = GREY;
      ctx.lineWidth = 2;
      ctx.beginPath();
      for (let a = 0; a < T; a++) ctx[a ? "lineTo" : "moveTo"](X(a), Y(m.fromZero[a]));
      ctx.stroke();
      ctx.setLineDash([]);
      const sim = rowSimilarity(m.P, m.norms, d, T, s.k);
      ctx.strokeStyle = BLUE;
      ctx.beginPath();
      for (let a = 0; a < T; a++) ctx[a ? "lineTo" : "moveTo"](X(a - s.k), Y(sim[a]));
      ctx.stroke();
      s.axes(ctx, box, "shift Δ", "cos∠(P(k), P(k+Δ))", [-(T - 1), T - 1], [-1, 1], false);
      s.legend(ctx, box, [[`P(${s.k})·P(${s.k}+Δ)`, BLUE], ["P(0)·P(Δ)", GREY]]);
      const next = s.k + 1 < T ? sim[s.k + 1] : sim[s.k - 1];
      s.readout(
        `From k = ${s.k} the blue curve covers Δ = ${-s.k} … ${T - 1 - s.k}; ` +
          `its neighbour one step away has similarity ${next.toFixed(4)}.`,
      );
    },
    pick(s, x, y, w, h) {
      return null;
    },
  },
  phase: {
    height: 380,
    draw(s, ctx, w, h) {
      const { d, n, T, layout, i, delta } = s.data;
      const omega = frequencies(d, { n, convention: layout })[i];
      const size = Math.min(w, h) - 60;
      const cx = w / 2;
      const cy = h / 2;
      const R = size / 2.7;
      ctx.strokeStyle = "#ccc";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(cx, cy, R, 0, 2 * Math.PI);
      ctx.stroke();
      const starts = [s.k, (s.k + Math.floor(T / 3)) % T, (s.k + Math.floor((2 * T) / 3)) % T];
      const colours = [BLUE, VERMILLION, GREEN];
      const P = (a) => [cx + R * Math.cos(a * omega), cy - R * Math.sin(a * omega)]; // (cos, sin)
      ctx.font = `${s.font}px sans-serif`;
      starts.forEach((start, c) => {
        ctx.strokeStyle = colours[c];
        ctx.fillStyle = colours[c];
        ctx.lineWidth = 3;
        ctx.beginPath();
        for (let t = 0; t <= 40; t++) {
          const [x, y] = P(start + (delta * t) / 40);
          ctx[t ? "lineTo" : "moveTo"](x, y);
        }
        ctx.stroke();
        for (const [a, r] of [[start, 4], [start + delta, 7]]) {
          const [x, y] = P(a);
          ctx.beginPath();
          ctx.arc(x, y, r, 0, 2 * Math.PI);
          ctx.fill();
          ctx.fillText(`k=${a}`, x + 8, y - 8);
        }
      });
      ctx.fillStyle = "#555";
      ctx.fillText(`cos(ω_${i}·k) →`, cx + R * 0.55, cy + R + 24);
      ctx.fillText(`sin(ω_${i}·k) ↑`, cx - R - 30, cy - R - 10);
      const turn = (((omega * delta * 180) / Math.PI) % 360 + 360) % 360;
      s.readout(
        `Pair i = ${i} turns by ω_${i}·Δ = ${fmt(omega)} × ${delta} rad ≡ ${turn.toFixed(2)}° (mod 360°) ` +
          `for each of the three starting timesteps ${starts.join(", ")}.`,
      );
    },
    pick() {
      return null;
    },
  },
  formula: {
    height: 0,
    draw(s) {
      const { d, n, layout, i } = s.data;
      const omega = frequencies(d, { n, convention: layout })[i];
      const angle = s.k * omega;
      const exponent =
        layout === "transformer" ? `2·${i}/${d}` : layout === "ddpm" ? `${i}/(${Math.floor(d / 2)}−1)` : `${i}/${Math.floor(d / 2)}`;
      const half = Math.floor(d / 2);
      const columns =
        layout === "transformer" ? (2 * i + 1 < d ? [2 * i, 2 * i + 1] : [2 * i]) : [i, i + half];
      const row = timestepEmbedding([s.k], d, { n, convention: layout });
      s.lines[0].textContent = `k·ω_${i} = ${s.k} / ${fmt(n, 12)}^(${exponent}) = ${fmt(angle, 6)}`;
      s.lines[1].textContent = columns
        .map((j) => `P(${s.k}, ${j}) = ${s.roles.kind[j]}(${fmt(angle, 6)}) = ${signed(row[j])}`)
        .join(",   ");
    },
    pick() {
      return null;
    },
  },
};

// ── one instance: a toolbar (play, slider, k) above a view ────────────────────────────────
const instances = new WeakMap();

function createInstance(root, data) {
  const s = { data, k: data.k, dataK: data.k, T: data.T, hoverColumn: null };
  Object.assign(
    s,
    toolbarView({
      label: `${data.view} of P, timestep k`,
      rangeLabel: `move k in the ${data.view} view`,
      presenter: data.presenter,
    }),
  );
  if (data.view === "formula") {
    s.lines = [el("div", "tl-formula"), el("div", "tl-formula")];
    s.wrap.append(...s.lines);
  } else {
    s.canvas = el("canvas", "tl-canvas");
    s.wrap.append(s.canvas);
  }
  s.out = el("div", "tl-readout");
  s.wrap.append(s.out);
  root.append(s.wrap);

  s.readout = (text) => {
    s.out.textContent = text;
  };
  s.box = (w, h) => {
    const left = 14 + 4 * s.font;
    return { x: left, y: 10, w: Math.max(10, w - left - 12), h: Math.max(10, h - 34 - 1.6 * s.font) };
  };
  s.axes = (ctx, box, xTitle, yTitle, xr, yr, flipY) => {
    ctx.fillStyle = "#444";
    ctx.strokeStyle = "#888";
    ctx.lineWidth = 1;
    ctx.strokeRect(box.x, box.y, box.w, box.h);
    ctx.font = `${s.font}px sans-serif`;
    ctx.textAlign = "center";
    ctx.fillText(xTitle, box.x + box.w / 2, box.y + box.h + 2.4 * s.font);
    ctx.fillText(String(xr[0]).replace("-", "−"), box.x, box.y + box.h + 1.2 * s.font);
    ctx.fillText(String(xr[1]), box.x + box.w, box.y + box.h + 1.2 * s.font);
    ctx.textAlign = "right";
    const [top, bottom] = flipY ? [yr[0], yr[1]] : [yr[1], yr[0]];
    ctx.fillText(String(top).replace("-", "−"), box.x - 4, box.y + s.font);
    ctx.fillText(String(bottom).replace("-", "−"), box.x - 4, box.y + box.h);
    ctx.save();
    ctx.translate(box.x - 3.2 * s.font, box.y + box.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.fillText(yTitle, 0, 0);
    ctx.restore();
    ctx.textAlign = "left";
  };
  s.legend = (ctx, box, items) => legend(ctx, box.x + 8, box.y + 6, items, s.font, { gap: 28 });
  s.draw = () => draw(s);

  const at = (event) => {
    const rect = s.canvas.getBoundingClientRect();
    return VIEWS[s.data.view].pick(s, event.clientX - rect.left, event.clientY - rect.top, rect.width, rect.height);
  };
  s.control = kScrubber(s, {
    space: true,
    target: s.canvas,
    at,
    hover: () => s.data.view === "heatmap" && requestDraw(s),
  });
  if (s.canvas) {
    s.canvas.addEventListener("pointerleave", () => {
      s.hoverColumn = null;
      requestDraw(s);
    });
  }
  s.unfollow = followK(s);
  s.resize = new ResizeObserver(() => requestDraw(s));
  s.resize.observe(s.wrap);
  return s;
}

function draw(s) {
  const view = VIEWS[s.data.view];
  showPosition(s, s.k, s.data.T - 1, `k = ${s.k}`);
  if (s.canvas) {
    const width = s.canvas.clientWidth || s.wrap.clientWidth || 600;
    const height = view.height * (s.data.presenter ? 1.3 : 1);
    view.draw(s, sizeCanvas(s.canvas, width, height), width, height);
  } else {
    view.draw(s);
  }
  // For tests and benchmarks: which k is on screen, and when it was painted.
  s.wrap.dataset.k = String(s.k);
  s.wrap.dataset.painted = String(performance.now());
}

export default function ({ data, parentElement }) {
  let s = instances.get(parentElement);
  if (!s) {
    s = createInstance(parentElement, data);
    instances.set(parentElement, s);
  }
  const sameSetting = ["d", "n", "T", "layout"].every((key) => s.data[key] === data[key]);
  s.data = data;
  s.T = data.T;
  s.font = data.presenter ? 17 : 13;
  s.roles = columnRoles(data.d, data.layout);
  if (!sameSetting) s.hoverColumn = null;
  // Follow Python's k only when Python changed it: a redraw with the same data must not
  // undo a move made in the browser since.
  if (data.k !== s.dataK || s.k >= data.T) {
    s.dataK = data.k;
    s.k = Math.min(data.k, data.T - 1);
  }
  requestDraw(s);
  return () => {
    s.control.dispose();
    s.unfollow();
    s.resize.disconnect();
    instances.delete(parentElement);
  };
}
