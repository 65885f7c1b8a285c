// @ts-check
/**
 * A tiny element builder: text children are text nodes (never parsed as HTML), so job data can be shown safely.
 * @param {string} tag
 * @param {Record<string, string | undefined>} [attrs] (undefined values are left out)
 * @param {Array<Node | string> | Node | string} [children]
 * @returns {any}
 */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, v);
  for (const c of Array.isArray(children) ? children : [children]) if (c !== '') node.append(c);
  return node;
}

/** Announces a message to screen readers (the page's aria-live region). @param {string} text */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (region) region.textContent = text;
}

/** @param {unknown} value */
export function json(value) {
  return el('pre', {}, JSON.stringify(value, null, 2));
}

/** @param {string | null | undefined} iso */
export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}
