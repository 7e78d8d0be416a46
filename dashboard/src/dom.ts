// Tiny DOM helpers: elements are built with textContent only (never
// innerHTML), so data from the API can never inject markup.
export type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined | ((ev: Event) => void);
export type Attrs = Record<string, AttrValue>;

// h("button", {testid: "x", class: "primary", onclick: fn}, "Label")
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === "function") {
      el.addEventListener(name.replace(/^on/, ""), value);
    } else if (name === "testid") {
      el.dataset.testid = String(value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

// A test id from a server id: keeps [A-Za-z0-9_.:-], so ids stay readable.
export function tid(prefix: string, id: string): string {
  return `${prefix}-${id.replace(/[^A-Za-z0-9_.:-]/g, "_")}`;
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = { [k: string]: Json };

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// The first present, non-empty field among `keys`, as text ("" if none).
export function field(o: Obj, ...keys: string[]): string {
  for (const k of keys) {
    const v = o[k];
    if (v === undefined || v === null || v === "") continue;
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  }
  return "";
}

// "2024-05-01T10:00:00Z" → "2024-05-01 10:00:00 UTC"; other text unchanged.
export function when(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(text);
  return m ? `${m[1]} ${m[2]} UTC` : text;
}
