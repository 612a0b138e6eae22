// DOM building for the page. Every piece of data is set with textContent (never parsed as markup), and
// class names come from fixed tables, never from data: an account id like `<img src=x onerror=...>`
// shows as those characters. The Content-Security-Policy's Trusted Types rule makes any markup sink
// throw, so a slip here would fail loudly rather than run.

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined && className !== '') node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`page is missing #${id}`);
  return node as T;
}

export function setText(id: string, text: string): void {
  const node = byId(id);
  if (node.textContent !== text) node.textContent = text;
}

export type Cell = string | { text: string; className: string; title?: string };

// Replaces the rows of a table body; cells are text, optionally with a class from the caller's tables.
// explicitRoles: for a table whose CSS changes the rows' display, which can cost them their implicit
// row and cell roles.
export function fillTable(tbody: HTMLTableSectionElement, rows: Cell[][], emptyText: string, columns: number, explicitRoles = false): void {
  const fragment = document.createDocumentFragment();
  const row = () => {
    const tr = el('tr');
    if (explicitRoles) tr.setAttribute('role', 'row');
    return tr;
  };
  const cellOf = (className: string, text: string) => {
    const td = el('td', className, text);
    if (explicitRoles) td.setAttribute('role', 'cell');
    return td;
  };
  if (rows.length === 0) {
    const tr = row();
    tr.className = 'empty';
    const td = cellOf('', emptyText);
    td.colSpan = columns;
    tr.append(td);
    fragment.append(tr);
  }
  for (const cells of rows) {
    const tr = row();
    for (const cell of cells) {
      const td = typeof cell === 'string' ? cellOf('', cell) : cellOf(cell.className, cell.text);
      if (typeof cell !== 'string' && cell.title !== undefined) td.title = cell.title;
      tr.append(td);
    }
    fragment.append(tr);
  }
  tbody.replaceChildren(fragment);
}
