const SVG = "http://www.w3.org/2000/svg";
const HOUR = 3_600_000;

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/**
 * Bars per hour over [since, until] (hours without data are zero), scaled to the highest hour;
 * each bar's title shows its hour and count. The SVG scales to its container's width.
 */
export function hourlyBars(
  label: string,
  points: { hour: string | null; count: number }[],
  since: string,
  until: string,
): HTMLElement {
  const first = Math.floor(Date.parse(since) / HOUR);
  const last = Math.floor(Date.parse(until) / HOUR);
  const n = Math.max(1, last - first + 1);
  const counts = new Array<number>(n).fill(0);
  for (const p of points) {
    if (!p.hour) continue;
    const i = Math.floor(Date.parse(p.hour) / HOUR) - first;
    if (i >= 0 && i < n) counts[i] = (counts[i] ?? 0) + p.count;
  }
  const max = Math.max(1, ...counts);
  const [w, hgt] = [n * 10, 100];
  const root = svg("svg", {
    viewBox: `0 0 ${w} ${hgt}`,
    preserveAspectRatio: "none",
    role: "img",
    "aria-label": label,
    class: "chart",
  });
  counts.forEach((c, i) => {
    const bh = (c / max) * hgt;
    const bar = svg("rect", { x: i * 10 + 1, y: hgt - bh, width: 8, height: Math.max(bh, 0.5) });
    const title = svg("title", {});
    title.textContent = `${new Date((first + i) * HOUR).toISOString().slice(0, 13)}h: ${c}`;
    bar.appendChild(title);
    root.appendChild(bar);
  });
  const figure = document.createElement("figure");
  const caption = document.createElement("figcaption");
  caption.textContent = `${label}: ${counts.reduce((a, b) => a + b, 0)} (highest ${max}/h)`;
  figure.append(caption, root);
  return figure;
}
