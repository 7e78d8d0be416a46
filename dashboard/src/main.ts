// RetailHub dashboard: log in with an API key (kept in sessionStorage only),
// discover the role from GET /v1/me, then route views by the URL hash.
import "./style.css";
import { ApiError, get, setUnauthenticatedHandler, storeKey, storedKey, type Me } from "./api";
import { append, clear, h } from "./dom";
import { permissionsFor } from "./permissions";
import { startSampler, stopSampler } from "./sampler";
import { problemBox } from "./ui";
import type { Ctx, Mounted, View } from "./context";
import { overviewView } from "./views/overview";
import { exceptionsView } from "./views/exceptions";
import { customersView } from "./views/customers";
import { ordersView } from "./views/orders";
import { ledgerView } from "./views/ledger";
import { reconcileView } from "./views/reconcile";

const app = document.getElementById("app") as HTMLElement;

const kRoutes: Array<{ path: string; label: string; view: View }> = [
  { path: "overview", label: "Overview", view: overviewView },
  { path: "exceptions", label: "Exceptions & DLQ", view: exceptionsView },
  { path: "customers", label: "Customers", view: customersView },
  { path: "orders", label: "Order timeline", view: ordersView },
  { path: "ledger", label: "Trial balance", view: ledgerView },
  { path: "reconcile", label: "Reconciliation", view: reconcileView },
];

let mounted: Mounted | null = null;

function logout(message?: unknown): void {
  storeKey(null);
  stopSampler();
  mounted?.dispose?.();
  mounted = null;
  renderLogin(message);
}

function renderLogin(message?: unknown): void {
  clear(app);
  const key = h("input", { type: "password", autocomplete: "off", placeholder: "API key", testid: "login-key", "aria-label": "API key", required: true });
  const submit = h("button", { class: "primary", type: "submit", testid: "login-submit" }, "Log in");
  const error = h("div", { testid: "login-error" });
  if (message) error.appendChild(problemBox(message));
  const form = h(
    "form",
    { class: "login card", testid: "login-form" },
    h("h1", {}, "RetailHub"),
    h("p", { class: "muted" }, "Paste your API key. It is kept in this browser tab only and sent as a Bearer token."),
    key,
    submit,
    error,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const value = key.value.trim();
    if (!value) return;
    submit.disabled = true;
    storeKey(value);
    get<Me>("/v1/me")
      .then((me) => startApp(me))
      .catch((e: unknown) => {
        storeKey(null);
        submit.disabled = false;
        clear(error);
        error.appendChild(problemBox(e));
      });
  });
  app.appendChild(form);
  key.focus();
}

function startApp(me: Me): void {
  clear(app);
  const can = permissionsFor(me.role);
  const nav = h("nav", { testid: "nav" });
  for (const r of kRoutes) nav.appendChild(h("a", { href: `#/${r.path}`, testid: `nav-${r.path}` }, r.label));
  const logoutBtn = h("button", { class: "link", testid: "logout" }, "Log out");
  logoutBtn.addEventListener("click", () => logout());
  const header = h(
    "header",
    {},
    h("div", { class: "brand" }, "RetailHub"),
    nav,
    h("div", { class: "who" }, h("span", { testid: "whoami" }, me.label), " ", h("span", { class: "badge", testid: "whoami-role" }, me.role), logoutBtn),
  );
  const flashEl = h("div", { class: "flash", testid: "flash", role: "status", "aria-live": "polite" });
  const main = h("main", { testid: "main" });
  append(app, header, flashEl, main);

  const ctx: Ctx = {
    me,
    can,
    go: (hash: string) => {
      if (location.hash === hash) route();
      else location.hash = hash;
    },
  };
  const route = () => {
    const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
    const found = kRoutes.find((r) => r.path === parts[0]) ?? kRoutes[0];
    for (const a of nav.querySelectorAll("a")) a.classList.toggle("active", a.dataset.testid === `nav-${found.path}`);
    mounted?.dispose?.();
    clear(main);
    clear(flashEl);
    flashEl.className = "flash";
    mounted = found.view(ctx, parts.slice(1).filter(Boolean));
    main.appendChild(mounted.el);
  };
  window.onhashchange = route;
  startSampler();
  route();
}

setUnauthenticatedHandler((err: ApiError) => logout(err));

if (storedKey()) {
  get<Me>("/v1/me")
    .then(startApp)
    .catch((e: unknown) => logout(e));
} else {
  renderLogin();
}
