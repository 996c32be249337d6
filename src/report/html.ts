// The load graph as one self-contained HTML page: no network, no external file (a Content-Security-Policy
// that forbids both). The page carries the facts as JSON and a small script lays the graph out in layers
// (breadth-first depth from the program), draws it as SVG, marks objects that run their own code at load
// time, and shows for a clicked object why it is loaded, what each edge into it is used for, its load-time
// code and hardening. A search box marks objects by name. Pure: the result document in, the page out.
import type { AnalysisResult } from '../analyses/result.js';
import { runtimeWhy } from '../analyses/why.js';
import { displayName, programOf, shortestPaths } from '../graph/traverse.js';
import { esc } from './html-table.js';
import { knownBadIds, loadTimeById, loadTimeFooter, runtimeSummary } from './tree.js';

interface PageNode {
  id: number; name: string; path: string | null; kind: string; runtime: boolean; ctor: number; ifunc: number; bad: boolean;
  why: string[]; whyAtStart: boolean; facts: string[];
}
interface PageEdge { from: number; to: number; runtime: boolean; again: boolean; label: string; used: string[] }

/** The page's data: every object with why it is loaded (by name), every edge with what it is used for. */
function pageData(g: AnalysisResult) {
  const rt = g.runtime;
  const all = [...g.objects, ...(rt?.objects ?? [])].filter((o) => o.kind !== 'vdso');
  const runtimeIds = new Set((rt?.objects ?? []).map((o) => o.id));
  const code = loadTimeById(g);
  const bad = knownBadIds(g);
  const name = (id: number) => { const o = all.find((x) => x.id === id); return o ? displayName(g, o) : String(id); };
  const paths = shortestPaths(g);
  const nodes: PageNode[] = all.map((o) => {
    const start = paths.get(o.id);
    const later = start === undefined && o.kind !== 'program' ? runtimeWhy(g, displayName(g, o))?.path : undefined;
    const chain = start !== undefined ? [name(programOf(g).id), ...start.map((i) => name(g.edges[i]!.to!))]
      : later ? [name(later[0]!.from), ...later.map((h) => name(h.to))] : [];
    const lt = code.get(o.id);
    const s = o.summary;
    return {
      id: o.id, name: o.kind === 'missing' ? `${o.name} (not found)` : displayName(g, o), path: o.path, kind: o.kind, runtime: runtimeIds.has(o.id),
      ctor: lt?.realConstructors ?? 0, ifunc: lt?.ifuncAtLoad ?? 0, bad: bad.has(o.id), why: chain, whyAtStart: start !== undefined,
      facts: s ? [`RELRO ${s.relro}`, `BIND_NOW ${s.bindNow ? 'yes' : 'no'}`, `TEXTREL ${s.textrel ? 'yes' : 'no'}`, `executable stack ${s.execStack ? 'yes' : 'no'}`,
        ...(s.package ? [`package ${s.package}`] : []), ...(o.diagnostics ?? [])] : [],
    };
  });
  const present = new Set(nodes.map((n) => n.id));
  const use = new Map((g.edgeUse ?? []).map((u) => [u.edge, u.symbols.map((x) => x.name)]));
  const edges: PageEdge[] = [
    ...g.edges.map((e, i) => ({ e, i, runtime: false })),
    ...(rt?.edges ?? []).map((e) => ({ e, i: -1, runtime: true })),
  ].filter(({ e }) => e.to !== null && present.has(e.to) && present.has(e.from))
    .map(({ e, i, runtime }) => ({ from: e.from, to: e.to!, runtime, again: e.reason.kind === 'already-loaded', label: runtime ? e.kind : e.reason.kind, used: use.get(i) ?? [] }));
  const summary = [loadTimeFooter(g), runtimeSummary(g), ...(g.fatal ? [`cannot start: ${g.fatal.message}`] : [])].filter((x): x is string => !!x);
  return { program: g.program, nodes, edges, summary, suggestions: (g.suggestions ?? []).map((s) => `${s.rule}: ${name(s.from)} → ${name(s.to)}: ${s.advice}`) };
}

/** JSON that cannot end the script element it sits in, whatever the file names say. */
const embed = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/** `select`: an object whose panel and why-path the page opens with (`why --format html`). */
export function renderHtml(g: AnalysisResult, opts: { select?: number } = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>loadgraph: ${esc(g.program)}</title>
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:0;display:flex;height:100vh}
#main{flex:1;overflow:auto;position:relative}#side{width:360px;border-left:1px solid #ccc;padding:8px 12px;overflow:auto}
header{padding:6px 10px;border-bottom:1px solid #ddd}input{width:260px}
.node rect{fill:#fff;stroke:#555}.node.code rect{fill:#ffe0b2}.node.bad rect{fill:#ff8a80}.node.runtime rect{stroke-dasharray:4 3}
.node.missing rect{stroke:#d00;stroke-dasharray:2 2}.node.match rect{stroke:#06c;stroke-width:3}.node.sel rect{stroke:#d00;stroke-width:3}
.node text{font:11px monospace;pointer-events:none}.node{cursor:pointer}
.edge{stroke:#888;fill:none}.edge.runtime{stroke-dasharray:5 4}.edge.again{stroke:#ddd}.edge.hot{stroke:#d00;stroke-width:2.5}
.dim{opacity:.25}code{font-size:12px}li{margin:2px 0}
</style></head><body>
<div id="main"><header><b>${esc(g.program)}</b> <input id="q" type="search" placeholder="find an object by name"> <span id="count"></span></header><svg id="g"></svg><div id="summary"></div></div>
<div id="side"><p>Click an object to see why it is loaded.</p></div>
<script type="application/json" id="data">${embed({ ...pageData(g), select: opts.select ?? null })}</script>
<script>
const D=JSON.parse(document.getElementById('data').textContent);
const NS='http://www.w3.org/2000/svg',el=(t,a,p)=>{const e=document.createElementNS(NS,t);for(const k in a)e.setAttribute(k,a[k]);if(p)p.appendChild(e);return e;};
const byId=new Map(D.nodes.map(n=>[n.id,n]));const depth=new Map();const prog=D.nodes.find(n=>n.kind==='program');
if(prog){depth.set(prog.id,0);const q=[prog.id];for(let i=0;i<q.length;i++){for(const e of D.edges)if(e.from===q[i]&&!depth.has(e.to)){depth.set(e.to,depth.get(q[i])+1);q.push(e.to);}}}
for(const n of D.nodes)if(!depth.has(n.id))depth.set(n.id,1);
const cols=[];for(const n of D.nodes){const d=depth.get(n.id);(cols[d]=cols[d]||[]).push(n);}
const W=200,H=34,GX=60,GY=12,pos=new Map();
cols.forEach((c,x)=>c.forEach((n,y)=>pos.set(n.id,{x:10+x*(W+GX),y:10+y*(H+GY)})));
const svg=document.getElementById('g');svg.setAttribute('width',10+cols.length*(W+GX));svg.setAttribute('height',20+Math.max(...cols.map(c=>c.length))*(H+GY));
const edgeEls=D.edges.map(e=>{const a=pos.get(e.from),b=pos.get(e.to);const p=el('path',{class:'edge'+(e.runtime?' runtime':'')+(e.again?' again':''),d:'M'+(a.x+W)+' '+(a.y+H/2)+' C'+(a.x+W+GX/2)+' '+(a.y+H/2)+' '+(b.x-GX/2)+' '+(b.y+H/2)+' '+b.x+' '+(b.y+H/2)},svg);el('title',{},p).textContent=e.label;return {e,p};});
const nodeEls=new Map();
for(const n of D.nodes){const p=pos.get(n.id);const g=el('g',{class:'node'+(n.ctor||n.ifunc?' code':'')+(n.bad?' bad':'')+(n.runtime?' runtime':'')+(n.kind==='missing'?' missing':''),transform:'translate('+p.x+','+p.y+')','data-id':n.id,'data-name':n.name},svg);
el('rect',{width:W,height:H,rx:4},g);el('text',{x:6,y:14},g).textContent=n.name.length>28?n.name.slice(0,27)+'…':n.name;
el('text',{x:6,y:28},g).textContent=[n.ifunc?'ifunc:'+n.ifunc:'',n.ctor?'ctor:'+n.ctor:'',n.bad?'known-bad code':'',n.runtime?'run time':''].filter(Boolean).join(' ');
g.addEventListener('click',()=>show(n));nodeEls.set(n.id,g);}
const side=document.getElementById('side');const li=(t)=>{const e=document.createElement('li');e.textContent=t;return e;};
function show(n){for(const g of nodeEls.values())g.classList.remove('sel');nodeEls.get(n.id).classList.add('sel');
const onPath=new Set();for(let i=0;i+1<n.why.length;i++)onPath.add(n.why[i]+'>'+n.why[i+1]);
for(const {e,p} of edgeEls)p.classList.toggle('hot',onPath.has(byId.get(e.from).name+'>'+byId.get(e.to).name));
side.replaceChildren();const h=document.createElement('h3');h.textContent=n.name;side.append(h);
const why=document.createElement('p');why.id='why';why.textContent=n.kind==='program'?'the program':n.why.length?(n.whyAtStart?'loaded at start: ':'not at start; may be loaded at run time: ')+n.why.join(' → '):'not reached';side.append(why);
if(n.path){const p=document.createElement('p');p.append('path: ');const c=document.createElement('code');c.textContent=n.path;p.append(c);side.append(p);}
const code=document.createElement('p');code.textContent=n.ctor||n.ifunc?'runs its own code at load time: '+[n.ctor?n.ctor+' real constructor(s)':'',n.ifunc?n.ifunc+' IFUNC resolver call(s)':''].filter(Boolean).join(', '):'runs no code of its own at load time';side.append(code);
const into=D.edges.filter(e=>e.to===n.id);if(into.length){const u=document.createElement('ul');for(const e of into)u.append(li(byId.get(e.from).name+' → '+n.name+' ['+e.label+']'+(e.used.length?': uses '+e.used.slice(0,12).join(', ')+(e.used.length>12?', … '+(e.used.length-12)+' more':''):'')));side.append(u);}
if(n.facts.length){const u=document.createElement('ul');for(const f of n.facts)u.append(li(f));side.append(u);}}
document.getElementById('q').addEventListener('input',ev=>{const q=ev.target.value.trim().toLowerCase();let k=0;
for(const [id,g] of nodeEls){const m=!!q&&byId.get(id).name.toLowerCase().includes(q);g.classList.toggle('match',m);g.classList.toggle('dim',!!q&&!m);if(m)k++;}
document.getElementById('count').textContent=q?k+' found':'';});
const s=document.getElementById('summary');for(const t of [...D.summary,...D.suggestions]){const p=document.createElement('p');p.textContent=t;s.append(p);}
if(D.select!==null&&byId.has(D.select))show(byId.get(D.select));
</script></body></html>
`;
}
