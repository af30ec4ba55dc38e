// Small DOM helpers for the lead's pages: build elements, fill a table, format numbers
// the same way everywhere (the browser tests read the numbers back from the screen and
// compare them with the API's, formatted by these rules).

type Child = Node | string | number | null | undefined;

/** An element with attributes (``data-*``, ``class``…) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A cell: a table's row is a list of these (a plain value or a ready element). */
export type Cell = Child | { node: Node } | { text: string; value?: number | null; key?: string };

/** Replaces a table's head and body; ``rows`` empty: one row saying ``empty``. */
export function fillTable(table: HTMLElement, headers: string[], rows: Cell[][], empty = "Nothing yet."): void {
  const head = el("thead", {}, el("tr", {}, ...headers.map((header) => el("th", {}, header))));
  const body = el("tbody");
  if (rows.length === 0) body.append(el("tr", {}, el("td", { colspan: headers.length, class: "dash-muted" }, empty)));
  for (const row of rows) body.append(el("tr", {}, ...row.map((cell) => cellNode(cell))));
  table.replaceChildren(head, body);
}

function cellNode(cell: Cell): HTMLTableCellElement {
  if (cell && typeof cell === "object" && "node" in cell) return el("td", {}, cell.node);
  if (cell && typeof cell === "object" && "text" in cell) {
    const value = cell.value === undefined || cell.value === null ? undefined : String(cell.value);
    return el("td", { "data-value": value, "data-key": cell.key }, cell.text);
  }
  return el("td", {}, cell as Child);
}

/** A ratio (Dice, κ, sensitivity…) to three decimals; "—" when undefined. */
export function ratio(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toFixed(3);
}

/** A distance in µm to one decimal. */
export function micrometres(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${value.toFixed(1)} µm`;
}

/** A fraction as a percentage to one decimal. */
export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)} %`;
}

/** A timestamp in the reader's locale ("—" for none). */
export function when(value: string | null | undefined): string {
  return value ? new Date(value).toLocaleString() : "—";
}
