// The REST API v1 client: bearer key from sessionStorage, JSON in and out,
// RFC 9457 problems turned into ApiError with their title and detail.
import type { Json, Obj } from "./dom";

const kKeyStorage = "retailhub.api_key";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly requestId: string = "",
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

export interface Me {
  key_id: string;
  label: string;
  role: string;
}

export interface Page<T = Obj> {
  items: T[];
  next_cursor?: string | null;
}

export function storedKey(): string | null {
  return sessionStorage.getItem(kKeyStorage);
}

export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(kKeyStorage);
  else sessionStorage.setItem(kKeyStorage, key);
}

// Called when the server answers 401 to a logged-in session (key revoked).
let onUnauthenticated: (err: ApiError) => void = () => {};
export function setUnauthenticatedHandler(fn: (err: ApiError) => void): void {
  onUnauthenticated = fn;
}

async function toError(res: Response): Promise<ApiError> {
  const type = res.headers.get("content-type") ?? "";
  const requestId = res.headers.get("x-request-id") ?? "";
  if (type.includes("json")) {
    try {
      const p = (await res.json()) as Obj;
      const title = typeof p.title === "string" ? p.title : res.statusText || `HTTP ${res.status}`;
      const detail = typeof p.detail === "string" ? p.detail : "";
      const rid = typeof p.request_id === "string" && p.request_id ? p.request_id : requestId;
      return new ApiError(res.status, title, detail, rid);
    } catch {
      // fall through: a broken body still gets a clear message below
    }
  }
  return new ApiError(res.status, res.statusText || `HTTP ${res.status}`, "", requestId);
}

export async function request(method: string, path: string, body?: Json, accept = "application/json", extra: Record<string, string> = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept, ...extra };
  const key = storedKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, "Hub unreachable", e instanceof Error ? e.message : String(e));
  }
  if (!res.ok) {
    const err = await toError(res);
    if (res.status === 401 && key) onUnauthenticated(err);
    throw err;
  }
  return res;
}

async function bodyOf<T>(res: Response): Promise<T> {
  if (res.status === 204) return {} as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : {}) as T;
}

export async function api<T = Obj>(method: string, path: string, body?: Json, headers: Record<string, string> = {}): Promise<T> {
  return bodyOf<T>(await request(method, path, body, "application/json", headers));
}

export const get = <T = Obj>(path: string) => api<T>("GET", path);
export const post = <T = Obj>(path: string, body: Json = {}, headers: Record<string, string> = {}) => api<T>("POST", path, body, headers);

// A fresh Idempotency-Key for one user action (a POST that creates): a
// retried request with the same key is answered from the hub's record.
export function idempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return `dash-${crypto.randomUUID()}`;
  const b = crypto.getRandomValues(new Uint8Array(16));
  return `dash-${Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")}`;
}

// POST that creates (Idempotency-Key required by the hub).
export const create = <T = Obj>(path: string, body: Json = {}) => post<T>(path, body, { "Idempotency-Key": idempotencyKey() });

// GET of a resource with its ETag (for If-Match on the change that follows).
export async function getWithEtag<T = Obj>(path: string): Promise<{ value: T; etag: string }> {
  const res = await request("GET", path);
  const etag = res.headers.get("etag") ?? "";
  return { value: await bodyOf<T>(res), etag };
}

// POST guarded by If-Match: reads the resource for its ETag, then changes it;
// a 412 (changed since read) surfaces as the server's problem.
export async function postIfMatch<T = Obj>(resourcePath: string, actionPath: string, body: Json = {}): Promise<T> {
  const { etag } = await getWithEtag(resourcePath);
  if (!etag) throw new ApiError(0, "No ETag", `GET ${resourcePath} returned no ETag to send as If-Match`);
  return post<T>(actionPath, body, { "If-Match": etag });
}

// Encodes one path segment ("a/b" stays one segment).
export const seg = (s: string) => encodeURIComponent(s);

// "/v1/x" + {q: "a b", cursor: ""} → "/v1/x?q=a%20b" (empty values dropped).
export function withQuery(path: string, params: Record<string, string | undefined>): string {
  const qs = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v as string)}`)
    .join("&");
  return qs ? `${path}?${qs}` : path;
}
