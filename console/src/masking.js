/**
 * Keeps masked values visible in a replay. The redaction stores masked input values as `*`
 * characters or `<ENTITY>` placeholders; replayed as they are, some fields would show nothing:
 * a number, date, time, colour or range input drops a value that is not of its type, and a
 * select shows no option when its value matches none. This rewrites the recorded events so that
 * such fields become text inputs, and such selects get one extra option holding the mask.
 * Pure: the given events are not changed.
 */

// rrweb event types, incremental sources and node types.
const FULL_SNAPSHOT = 2;
const INCREMENTAL = 3;
const MUTATION = 0;
const INPUT = 5;
const ELEMENT = 2;
const TEXT = 3;

// Input types whose value sanitization turns "****" into "".
const SANITIZING_TYPES = new Set([
  'number',
  'date',
  'datetime-local',
  'month',
  'week',
  'time',
  'color',
  'range',
]);
const MASKED = /^(\*+|<[A-Z][A-Z0-9_]*>)$/;

export function isMasked(value) {
  return typeof value === 'string' && MASKED.test(value);
}

/** Returns `{ events, inputs, selects }`: rewritten events and how many fields were changed. */
export function showMaskedValues(events) {
  const masked = maskedValuesById(events);
  let nextId = maxNodeId(events) + 1;
  const changed = { inputs: new Set(), selects: new Set() };

  function fixNode(node) {
    if (!node || typeof node !== 'object') return node;
    let out = node;
    if (node.type === ELEMENT) {
      const tag = String(node.tagName || '').toLowerCase();
      const attrs = node.attributes || {};
      const values = masked.get(node.id);
      const value = typeof attrs.value === 'string' ? attrs.value : null;
      if (
        tag === 'input' &&
        SANITIZING_TYPES.has(String(attrs.type || '').toLowerCase()) &&
        (values || isMasked(value))
      ) {
        out = { ...node, attributes: { ...attrs, type: 'text', 'data-masked-type': attrs.type } };
        changed.inputs.add(node.id);
      } else if (tag === 'select' && (values || isMasked(value))) {
        const mask = [...(values || []), value].find(isMasked);
        const option = {
          type: ELEMENT,
          tagName: 'option',
          attributes: { value: mask, selected: true },
          childNodes: [{ type: TEXT, textContent: mask, id: nextId + 1 }],
          id: nextId,
        };
        nextId += 2;
        const children = (node.childNodes || []).map((child) => stripSelected(child));
        out = { ...node, childNodes: [...children, option] };
        changed.selects.add(node.id);
      }
    }
    if (Array.isArray(out.childNodes)) {
      const children = out.childNodes.map(fixNode);
      if (children.some((c, i) => c !== out.childNodes[i])) out = { ...out, childNodes: children };
    }
    return out;
  }

  const result = events.map((event) => {
    if (event.type === FULL_SNAPSHOT && event.data?.node) {
      return { ...event, data: { ...event.data, node: fixNode(event.data.node) } };
    }
    if (event.type === INCREMENTAL && event.data?.source === MUTATION) {
      const adds = (event.data.adds || []).map((add) => ({ ...add, node: fixNode(add.node) }));
      // A later attribute change must not turn a rewritten input back into a number input.
      const attributes = (event.data.attributes || []).map((item) =>
        changed.inputs.has(item.id) && item.attributes && 'type' in item.attributes
          ? { ...item, attributes: { ...item.attributes, type: 'text' } }
          : item,
      );
      return { ...event, data: { ...event.data, adds, attributes } };
    }
    return event;
  });
  return { events: result, inputs: changed.inputs.size, selects: changed.selects.size };
}

function stripSelected(child) {
  if (child?.type !== ELEMENT || !child.attributes || !('selected' in child.attributes))
    return child;
  const { selected, ...attributes } = child.attributes;
  return { ...child, attributes };
}

/** Node id → masked values it was given by Input events or attribute mutations. */
function maskedValuesById(events) {
  const found = new Map();
  const note = (id, value) => {
    if (!isMasked(value)) return;
    if (!found.has(id)) found.set(id, []);
    found.get(id).push(value);
  };
  for (const event of events) {
    if (event.type !== INCREMENTAL) continue;
    const data = event.data || {};
    if (data.source === INPUT) note(data.id, data.text);
    if (data.source === MUTATION) {
      for (const item of data.attributes || []) note(item.id, item.attributes?.value);
    }
  }
  return found;
}

function maxNodeId(events) {
  let max = 0;
  const visit = (node) => {
    if (!node || typeof node !== 'object') return;
    if (typeof node.id === 'number' && node.id > max) max = node.id;
    (node.childNodes || []).forEach(visit);
  };
  for (const event of events) {
    if (event.type === FULL_SNAPSHOT) visit(event.data?.node);
    if (event.type === INCREMENTAL && event.data?.source === MUTATION) {
      (event.data.adds || []).forEach((add) => visit(add.node));
    }
  }
  // Far above the recorder's own ids, so later snapshots of the page cannot collide.
  return max + 1_000_000;
}
