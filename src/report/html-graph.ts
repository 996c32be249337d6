// The page every graph drawing shares (the load graph, why, the diff of two graphs): self-contained, no
// network (a Content-Security-Policy that forbids it), the data in a JSON element, names set as text. Its
// script lays the nodes out in layers (breadth-first depth from the program), draws them as SVG, marks
// objects whose name matches the search box, and on a click calls the page's own `show(n)`, which fills the
// side panel and calls `pick(n, chains)` to draw the chosen why-paths. Pure.
import { esc } from './html-table.js';

/** A node as drawn: `cls` adds classes to its `g.node`, `note` is its second line. */
export interface DrawnNode { readonly id: number; readonly name: string; readonly kind: string; readonly cls: string; readonly note: string }
export interface DrawnEdge { readonly from: number; readonly to: number; readonly cls: string; readonly label: string }

export interface GraphPage<N extends DrawnNode, E extends DrawnEdge> {
  readonly title: string;
  /** HTML before the search box. */
  readonly heading: string;
  /** Swatches: [CSS of the swatch, what it means]. */
  readonly legend: ReadonlyArray<readonly [string, string]>;
  readonly nodes: readonly N[];
  readonly edges: readonly E[];
  /** The node whose panel the page opens with. */
  readonly select: number | null;
  /** The page's own classes for nodes and edges. */
  readonly css: string;
  /** The page's script: defines `function show(n)`, and whatever else the page needs. */
  readonly script: string;
  /** HTML below the drawing. */
  readonly below: string;
}

/** JSON that cannot end the script element it sits in, whatever the file names say. */
const embed = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

export function graphPage<N extends DrawnNode, E extends DrawnEdge>(p: GraphPage<N, E>): string {
  const legend = p.legend.map(([css, text]) => `<span class="key"><i style="${esc(css)}"></i>${esc(text)}</span>`).join(' ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>loadgraph: ${esc(p.title)}</title>
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:0;display:flex;height:100vh}
#main{flex:1;overflow:auto;position:relative}#side{width:360px;border-left:1px solid #ccc;padding:8px 12px;overflow:auto}
header{padding:6px 10px;border-bottom:1px solid #ddd}input{width:260px}#legend{margin-top:4px;color:#444}
.key{margin-right:12px;white-space:nowrap}.key i{display:inline-block;width:18px;height:10px;margin-right:4px;vertical-align:middle;border:1px solid #555;background:#fff}
.node rect{fill:#fff;stroke:#555}.node.match rect{stroke:#06c;stroke-width:3}.node.sel rect{stroke:#000;stroke-width:3}
.node text{font:11px monospace;pointer-events:none}.node{cursor:pointer}.edge{stroke:#888;fill:none}
.dim{opacity:.25}code{font-size:12px}li{margin:2px 0}#below{padding:0 10px}
${p.css}
</style></head><body>
<div id="main"><header>${p.heading} <input id="q" type="search" placeholder="find an object by name"> <span id="count"></span><div id="legend">${legend}</div></header><svg id="g"></svg><div id="below">${p.below}</div></div>
<div id="side"><p>Click an object to see why it is loaded.</p></div>
<script type="application/json" id="data">${embed({ nodes: p.nodes, edges: p.edges, select: p.select })}</script>
<script>
const D=JSON.parse(document.getElementById('data').textContent);
const NS='http://www.w3.org/2000/svg',el=(t,a,p)=>{const e=document.createElementNS(NS,t);for(const k in a)e.setAttribute(k,a[k]);if(p)p.appendChild(e);return e;};
const byId=new Map(D.nodes.map(n=>[n.id,n]));const nameOf=(id)=>byId.has(id)?byId.get(id).name:String(id);
const depth=new Map();const prog=D.nodes.find(n=>n.kind==='program');
if(prog){depth.set(prog.id,0);const q=[prog.id];for(let i=0;i<q.length;i++){for(const e of D.edges)if(e.from===q[i]&&!depth.has(e.to)){depth.set(e.to,depth.get(q[i])+1);q.push(e.to);}}}
for(const n of D.nodes)if(!depth.has(n.id))depth.set(n.id,1);
const cols=[];for(const n of D.nodes){const d=depth.get(n.id);(cols[d]=cols[d]||[]).push(n);}
const W=200,H=34,GX=60,GY=12,pos=new Map();
cols.forEach((c,x)=>c.forEach((n,y)=>pos.set(n.id,{x:10+x*(W+GX),y:10+y*(H+GY)})));
const svg=document.getElementById('g');svg.setAttribute('width',10+cols.length*(W+GX));svg.setAttribute('height',20+Math.max(0,...cols.map(c=>c.length))*(H+GY));
const edgeEls=D.edges.map(e=>{const a=pos.get(e.from),b=pos.get(e.to);const p=el('path',{class:('edge '+e.cls).trim(),d:'M'+(a.x+W)+' '+(a.y+H/2)+' C'+(a.x+W+GX/2)+' '+(a.y+H/2)+' '+(b.x-GX/2)+' '+(b.y+H/2)+' '+b.x+' '+(b.y+H/2)},svg);el('title',{},p).textContent=e.label;return {e,p};});
const nodeEls=new Map();
for(const n of D.nodes){const p=pos.get(n.id);const g=el('g',{class:('node '+n.cls).trim(),transform:'translate('+p.x+','+p.y+')','data-id':n.id,'data-name':n.name},svg);
el('rect',{width:W,height:H,rx:4},g);el('text',{x:6,y:14,class:'name'},g).textContent=n.name.length>28?n.name.slice(0,27)+'…':n.name;
el('text',{x:6,y:28},g).textContent=n.note;g.addEventListener('click',()=>show(n));nodeEls.set(n.id,g);}
const side=document.getElementById('side');
const li=(t)=>{const e=document.createElement('li');e.textContent=t;return e;};
const para=(t,id)=>{const e=document.createElement('p');if(id)e.id=id;e.textContent=t;side.append(e);return e;};
const list=(ts)=>{if(ts.length){const u=document.createElement('ul');for(const t of ts)u.append(li(t));side.append(u);}};
const pathOf=(path)=>{if(path){const p=para('path: ');const c=document.createElement('code');c.textContent=path;p.append(c);}};
/** Selects n, draws the edges along each chain of ids, and starts its panel with its name. */
function pick(n,chains){for(const g of nodeEls.values())g.classList.remove('sel');nodeEls.get(n.id).classList.add('sel');
const on=new Set();for(const c of chains)for(let i=0;i+1<c.length;i++)on.add(c[i]+'>'+c[i+1]);
for(const {e,p} of edgeEls)p.classList.toggle('hot',on.has(e.from+'>'+e.to));
side.replaceChildren();const h=document.createElement('h3');h.textContent=n.name;side.append(h);}
document.getElementById('q').addEventListener('input',ev=>{const q=ev.target.value.trim().toLowerCase();let k=0;
for(const [id,g] of nodeEls){const m=!!q&&byId.get(id).name.toLowerCase().includes(q);g.classList.toggle('match',m);g.classList.toggle('dim',!!q&&!m);if(m)k++;}
document.getElementById('count').textContent=q?k+' found':'';});
${p.script}
if(D.select!==null&&byId.has(D.select))show(byId.get(D.select));
</script></body></html>
`;
}
