// Tables as one self-contained HTML page (scan, check, the diff of two roots): each section a table whose
// columns sort on a click (numbers as numbers), a filter box over every row, no network (the same Content-
// Security-Policy as the graph page). The diff page of one program puts its table below the drawing. Pure.

export interface TableSection {
  readonly heading: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | number>>;
}

/** Text as HTML: the four characters that could start markup or end an attribute. */
export const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** One section: its heading, and a table whose rows sort on a click (with SORT_SCRIPT). */
export const tableHtml = (s: TableSection) => `<h2>${esc(s.heading)} <small>(${s.rows.length})</small></h2>
<table><thead><tr>${s.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>
${s.rows.map((r) => `<tr>${r.map((v) => (typeof v === 'number' ? `<td class="n" data-v="${v}">${v}</td>` : `<td>${esc(v)}</td>`)).join('')}</tr>`).join('\n')}
</tbody></table>`;

export const TABLE_CSS = `table{border-collapse:collapse;margin-bottom:18px}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}th{background:#f3f3f3;cursor:pointer;user-select:none}
td.n{text-align:right}th.asc::after{content:" ▲"}th.desc::after{content:" ▼"}tr.hide{display:none}`;

export const SORT_SCRIPT = `for(const th of document.querySelectorAll('th'))th.addEventListener('click',()=>{
const tb=th.closest('table').tBodies[0],i=[...th.parentNode.children].indexOf(th),dir=th.classList.contains('asc')?-1:1;
for(const h of th.parentNode.children)h.classList.remove('asc','desc');th.classList.add(dir>0?'asc':'desc');
const key=(tr)=>{const c=tr.children[i];return c.dataset.v!==undefined?Number(c.dataset.v):c.textContent;};
const rows=[...tb.rows].sort((a,b)=>{const x=key(a),y=key(b);return (typeof x==='number'&&typeof y==='number'?x-y:String(x).localeCompare(String(y)))*dir;});
tb.append(...rows);});`;

export function renderTablePage(title: string, sections: readonly TableSection[], notes: readonly string[] = []): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>loadgraph: ${esc(title)}</title>
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:12px}
${TABLE_CSS}
</style></head><body>
<h1>${esc(title)}</h1>
<p><input id="q" type="search" placeholder="filter rows"> <span id="count"></span></p>
${notes.map((n) => `<p>${esc(n)}</p>`).join('\n')}
${sections.map(tableHtml).join('\n')}
<script>
${SORT_SCRIPT}
document.getElementById('q').addEventListener('input',ev=>{const q=ev.target.value.trim().toLowerCase();let k=0;
for(const tr of document.querySelectorAll('tbody tr')){const m=!q||tr.textContent.toLowerCase().includes(q);tr.classList.toggle('hide',!m);if(m)k++;}
document.getElementById('count').textContent=q?k+' rows':'';});
</script></body></html>
`;
}
