// Small element builders: the dashboard has no framework, and builds every node with
// these so that text always goes in as text (never as HTML).

export type Child = Node | string | number | null | undefined | false;
type AttributeValue = string | number | boolean | null | undefined;

export interface ElementProps {
  [attribute: string]: AttributeValue | EventHandlers | undefined;
  on?: EventHandlers;
}

export type EventHandlers = {
  [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void;
};

const SVG_NS = 'http://www.w3.org/2000/svg';

function setAttributes(element: Element, props: ElementProps): void {
  for (const [name, value] of Object.entries(props)) {
    if (name === 'on' || value === undefined || value === null || value === false) continue;
    if (typeof value === 'object') continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  const handlers = props.on ?? {};
  for (const [type, handler] of Object.entries(handlers)) {
    if (handler) element.addEventListener(type, handler as EventListener);
  }
}

function append(parent: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
}

/** An HTML element with attributes, event handlers and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, props);
  append(element, children);
  return element;
}

/** An SVG element (attributes as given, no event handlers needed). */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, AttributeValue> = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

/** Replaces all children of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}
