// Exact sums of decimal strings ("-135.00") for table totals. Amounts are
// shown as the API gives them; only totals are computed, with BigInt, never
// with floating point.
const kDecimal = /^(-)?(\d+)(?:\.(\d+))?$/;

export function isDecimal(text: string): boolean {
  return kDecimal.test(text);
}

function scaled(text: string, scale: number): bigint {
  const m = kDecimal.exec(text);
  if (!m) throw new Error(`not a decimal: ${text}`);
  const frac = (m[3] ?? "").padEnd(scale, "0");
  const v = BigInt(m[2] + frac);
  return m[1] ? -v : v;
}

function scaleOf(text: string): number {
  const m = kDecimal.exec(text);
  return m && m[3] ? m[3].length : 0;
}

// Sum of decimal strings at the largest scale among them; empty cells (the
// ledger leaves the other side of a posting "") count as nothing; null when
// any other value is not a plain decimal.
export function sumDecimals(all: string[]): string | null {
  const values = all.filter((v) => v !== "");
  if (!values.every(isDecimal)) return null;
  const scale = Math.max(0, ...values.map(scaleOf));
  let total = 0n;
  for (const v of values) total += scaled(v, scale);
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const frac = scale > 0 ? "." + digits.slice(digits.length - scale) : "";
  return (negative ? "-" : "") + whole + frac;
}
