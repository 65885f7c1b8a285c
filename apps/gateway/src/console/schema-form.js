// @ts-check
/**
 * A form built from a job type's params JSON Schema (from /openapi.json): enum → select, boolean → checkbox,
 * number/integer → number input with min/max, string → text, array of scalars → comma-separated list; anything else
 * (objects, unions such as split's modes) → a JSON textarea. Empty optional fields are left out so the gateway applies
 * its defaults; the gateway validates again and its message is shown as is.
 */
import { el } from './dom.js';

let uid = 0;

/**
 * @param {any} schema the params schema
 * @param {string} prefix id prefix (one form per job type)
 * @returns {{ element: HTMLElement, read: () => Record<string, unknown> }}
 */
export function paramsForm(schema, prefix) {
  const box = el('div', { class: 'params' });
  if (schema.type !== 'object' || !schema.properties) {
    const { element, read } = jsonField('params', 'Params (JSON)', schema, `${prefix}-params`, true);
    box.append(element);
    return { element: box, read: () => /** @type {Record<string, unknown>} */ (read() ?? {}) };
  }
  const required = new Set(schema.required ?? []);
  /** @type {Array<[string, () => unknown]>} */
  const readers = [];
  for (const [name, prop] of Object.entries(schema.properties)) {
    const id = `${prefix}-${name}-${++uid}`;
    const field = fieldFor(name, /** @type {any} */ (prop), id, required.has(name));
    box.append(field.element);
    readers.push([name, field.read]);
  }
  if (readers.length === 0) box.append(el('p', { class: 'hint' }, 'This job type takes no parameters.'));
  return {
    element: box,
    read() {
      /** @type {Record<string, unknown>} */
      const out = {};
      for (const [name, read] of readers) {
        const v = read();
        if (v !== undefined) out[name] = v;
      }
      return out;
    },
  };
}

/** @param {string} name @param {any} prop @param {string} id @param {boolean} required */
function fieldFor(name, prop, id, required) {
  const label = `${name}${required ? ' (required)' : ''}`;
  const hintText = hint(prop);
  const hintId = `${id}-hint`;
  const described = hintText ? { 'aria-describedby': hintId } : {};
  const hintEl = hintText ? el('span', { class: 'hint', id: hintId }, hintText) : '';
  if (Array.isArray(prop.enum)) {
    const select = el('select', { id, name, ...described, ...(required ? { required: '' } : {}) }, [
      ...(required && prop.default === undefined ? [] : [el('option', { value: '' }, '(default)')]),
      ...prop.enum.map((/** @type {unknown} */ v) => el('option', { value: String(v) }, String(v))),
    ]);
    return {
      element: el('div', { class: 'field' }, [el('label', { for: id }, label), select, hintEl]),
      read: () => (select.value === '' ? undefined : select.value),
    };
  }
  if (prop.type === 'boolean') {
    const box = el('input', { id, name, type: 'checkbox', ...described });
    if (prop.default === true) box.checked = true;
    return {
      element: el('div', { class: 'field check' }, [box, el('label', { for: id }, name), hintEl]),
      read: () => box.checked,
    };
  }
  if (prop.type === 'number' || prop.type === 'integer') {
    const input = el('input', {
      id,
      name,
      type: 'number',
      inputmode: prop.type === 'integer' ? 'numeric' : 'decimal',
      step: prop.type === 'integer' ? '1' : 'any',
      ...(prop.minimum !== undefined ? { min: String(prop.minimum) } : {}),
      ...(prop.maximum !== undefined ? { max: String(prop.maximum) } : {}),
      ...(prop.default !== undefined ? { placeholder: String(prop.default) } : {}),
      ...(required ? { required: '' } : {}),
      ...described,
    });
    return {
      element: el('div', { class: 'field' }, [el('label', { for: id }, label), input, hintEl]),
      read: () => (input.value === '' ? undefined : Number(input.value)),
    };
  }
  if (prop.type === 'string') {
    const input = el('input', {
      id,
      name,
      type: 'text',
      ...(prop.maxLength ? { maxlength: String(prop.maxLength) } : {}),
      ...(required ? { required: '' } : {}),
      ...described,
    });
    return {
      element: el('div', { class: 'field' }, [el('label', { for: id }, label), input, hintEl]),
      read: () => (input.value.trim() === '' ? undefined : input.value.trim()),
    };
  }
  const items = prop.items;
  if (
    prop.type === 'array' &&
    items &&
    !Array.isArray(items) &&
    ['string', 'number', 'integer'].includes(items.type)
  ) {
    const input = el('input', {
      id,
      name,
      type: 'text',
      ...(required ? { required: '' } : {}),
      ...described,
    });
    return {
      element: el('div', { class: 'field' }, [
        el('label', { for: id }, `${label}, comma-separated`),
        input,
        hintEl,
      ]),
      read: () => {
        const parts = /** @type {string} */ (input.value)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (parts.length === 0) return undefined;
        return items.type === 'string' ? parts : parts.map(Number);
      },
    };
  }
  return jsonField(name, `${label} (JSON)`, prop, id, required);
}

/** @param {string} name @param {string} label @param {any} schema @param {string} id @param {boolean} required */
function jsonField(name, label, schema, id, required) {
  const hintId = `${id}-hint`;
  const area = el('textarea', {
    id,
    name,
    'aria-describedby': hintId,
    spellcheck: 'false',
    ...(required ? { required: '' } : {}),
  });
  const example = schema.anyOf ? 'one of several shapes, e.g. {"mode":"pages"}' : 'JSON';
  return {
    element: el('div', { class: 'field' }, [
      el('label', { for: id }, label),
      area,
      el('span', { class: 'hint', id: hintId }, `${example}; see /docs for the schema`),
    ]),
    read: () => {
      if (area.value.trim() === '') return undefined;
      try {
        return JSON.parse(area.value);
      } catch {
        throw new Error(`${name}: not valid JSON`);
      }
    },
  };
}

/** @param {any} prop */
function hint(prop) {
  const parts = [];
  if (prop.default !== undefined) parts.push(`default ${JSON.stringify(prop.default)}`);
  if (prop.minimum !== undefined || prop.maximum !== undefined)
    parts.push(`${prop.minimum ?? '…'}–${prop.maximum ?? '…'}`);
  if (prop.type === 'array' && prop.items?.enum) parts.push(`any of ${prop.items.enum.join(', ')}`);
  if (prop.format === 'uuid') parts.push('a job id');
  return parts.join('; ');
}
