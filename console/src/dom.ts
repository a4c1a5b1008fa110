/** Builds elements from text and nodes only: user data never goes through innerHTML. */
export type Child = Node | string | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string | boolean> = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false) continue;
    node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== undefined && c !== false) node.append(c);
  return node;
}

export function button(label: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLButtonElement {
  const b = el('button', { type: 'button', ...attrs }, label);
  b.addEventListener('click', onClick);
  return b;
}

export function replace(target: Element, ...children: Child[]): void {
  target.replaceChildren(...children.filter((c): c is Node | string => c !== undefined && c !== false));
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** A form field with its label; `name` becomes the input's name and data-field for tests and scripts. */
export function field(label: string, name: string, attrs: Record<string, string> = {}): { row: HTMLLabelElement; input: HTMLInputElement } {
  const input = el('input', { name, 'data-field': name, ...attrs });
  return { row: el('label', {}, el('span', {}, label), input), input };
}

/** Shows a message in the page's status line (errors in red). */
export function status(message: string, isError = false): void {
  const line = document.getElementById('status');
  if (!line) return;
  line.textContent = message;
  line.className = isError ? 'error' : 'info';
}
