// Small helpers for building DOM nodes. User data always goes in as text
// (text nodes or textContent), never as HTML.

// h('a', {class: 'x', href: '#/', on: {click}}, 'text', child, [more]) builds an element.
// Props: class, text, dataset, attrs (set as attributes), on (listeners);
// any other prop is assigned as a property (value, type, hidden, disabled, …).
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false && name !== 'value') continue;
    if (name === 'class') element.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (name === 'text') element.textContent = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name === 'attrs') {
      for (const [attr, attrValue] of Object.entries(value)) {
        if (attrValue !== undefined && attrValue !== null && attrValue !== false) {
          element.setAttribute(attr, attrValue === true ? '' : String(attrValue));
        }
      }
    } else if (name === 'on') {
      for (const [event, listener] of Object.entries(value)) element.addEventListener(event, listener);
    } else element[name] = value;
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

// Replace the contents of `element` with `children`.
export function replace(element, ...children) {
  element.replaceChildren();
  return append(element, children);
}
