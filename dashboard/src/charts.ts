// Inline SVG charts: a multi-series line chart over time and a horizontal
// bar chart. No library; sized by viewBox so they scale with the card.
const kNs = "http://www.w3.org/2000/svg";
const kPalette = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"];

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const el = document.createElementNS(kNs, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function text(x: number, y: number, content: string, attrs: Record<string, string | number> = {}): SVGTextElement {
  const t = svg("text", { x, y, "font-size": 11, fill: "#4b5563", ...attrs });
  t.textContent = content;
  return t;
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1);
}

export interface Series {
  name: string;
  points: Array<[number, number]>; // [epoch ms, value]
}

// "35 s", "12 min", "1 h 5 min": the span of a chart's time axis.
function span(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const min = Math.round(s / 60);
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ""}`;
}

// A line per series; the svg carries data-points (all points drawn) and any
// `attrs` the caller adds (the overview marks how many came from the hub).
export function lineChart(testid: string, series: Series[], unit: string, attrs: Record<string, string | number> = {}): SVGSVGElement {
  const w = 560, hgt = 180, left = 44, right = 12, top = 12, bottom = 24;
  const all = series.flatMap((s) => s.points);
  const root = svg("svg", { viewBox: `0 0 ${w} ${hgt}`, class: "chart", role: "img", "data-testid": testid, "data-points": all.length, ...attrs });
  if (new Set(all.map((p) => p[0])).size < 2) {
    root.appendChild(text(w / 2, hgt / 2, "Collecting samples (every 5 s)…", { "text-anchor": "middle" }));
    return root;
  }
  const t0 = Math.min(...all.map((p) => p[0]));
  const t1 = Math.max(...all.map((p) => p[0]));
  const vmax = niceMax(Math.max(...all.map((p) => p[1])));
  const x = (t: number) => left + ((t - t0) / Math.max(1, t1 - t0)) * (w - left - right);
  const y = (v: number) => top + (1 - v / vmax) * (hgt - top - bottom);
  for (const frac of [0, 0.5, 1]) {
    const v = vmax * frac;
    root.appendChild(svg("line", { x1: left, x2: w - right, y1: y(v), y2: y(v), stroke: "#e5e7eb" }));
    root.appendChild(text(left - 6, y(v) + 4, fmt(v), { "text-anchor": "end" }));
  }
  root.appendChild(text(left, hgt - 6, `${span(t1 - t0)} ago`));
  root.appendChild(text(w - right, hgt - 6, `now (${unit})`, { "text-anchor": "end" }));
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p, j) => `${j ? "L" : "M"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ");
    const path = svg("path", { d, fill: "none", stroke: kPalette[i % kPalette.length], "stroke-width": 2 });
    const title = svg("title");
    title.textContent = s.name;
    path.appendChild(title);
    root.appendChild(path);
  });
  return root;
}

export function legend(series: Series[]): HTMLElement {
  const ul = document.createElement("ul");
  ul.className = "legend";
  series.forEach((s, i) => {
    const li = document.createElement("li");
    const sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.background = kPalette[i % kPalette.length];
    li.append(sw, document.createTextNode(s.name));
    ul.appendChild(li);
  });
  return ul;
}

export function barChart(testid: string, entries: Array<[string, number]>): SVGSVGElement {
  const w = 560, row = 24, left = 110, right = 50;
  const hgt = Math.max(1, entries.length) * row + 8;
  const root = svg("svg", { viewBox: `0 0 ${w} ${hgt}`, class: "chart", role: "img", "data-testid": testid });
  if (entries.length === 0) {
    root.appendChild(text(w / 2, 18, "No backlog reported", { "text-anchor": "middle" }));
    return root;
  }
  const vmax = niceMax(Math.max(...entries.map((e) => e[1])));
  entries.forEach(([label, v], i) => {
    const yy = 4 + i * row;
    const bw = (v / vmax) * (w - left - right);
    root.appendChild(text(left - 8, yy + 15, label, { "text-anchor": "end" }));
    root.appendChild(svg("rect", { x: left, y: yy + 3, width: Math.max(v > 0 ? 2 : 0, bw), height: row - 8, rx: 3, fill: kPalette[0] }));
    root.appendChild(text(left + bw + 6, yy + 15, fmt(v)));
  });
  return root;
}
