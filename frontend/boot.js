// Evently's browser start (islands mode). `scripts/build-site.sh` fills in the bundle's
// hashed names and writes this file as pkg/boot.<hash>.js; every page loads it as a module
// (no inline script, so the page's CSP allows scripts from this site only).
//
// A page without islands never downloads the wasm. A page with islands loads the bundle
// (already fetched in parallel when the page asked with <link rel=modulepreload/preload>),
// hydrates each <leptos-island> in document order, then marks <body data-hydrated="true">.
// The traversal follows Leptos 0.8's own island script (leptos/src/hydration/island_script.js,
// MIT), which the page cannot use as it is inline.
const JS = '__EVENTLY_JS__';
const WASM = '__EVENTLY_WASM__';

async function hydrateIslands(root, mod) {
  const childrenCallbacks = [];
  async function hydrateIsland(el) {
    const islandFn = mod[el.dataset.component];
    if (!islandFn) {
      console.warn(`No wasm function for the island ${el.dataset.component}.`);
      return;
    }
    const onChildren = childrenCallbacks[childrenCallbacks.length - 1];
    if (onChildren) onChildren();
    const res = islandFn(el);
    if (res && res.then) await res;
  }
  async function traverse(node) {
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const tag = node.tagName.toLowerCase();
    if (tag === 'leptos-island') {
      await hydrateIsland(node);
      for (const child of node.children) await traverse(child);
    } else if (tag === 'leptos-children') {
      childrenCallbacks.push(node.$$on_hydrate);
      for (const child of node.children) await traverse(child);
      childrenCallbacks.pop();
    } else {
      for (const child of node.children) await traverse(child);
    }
  }
  await traverse(root);
}

async function start() {
  if (document.querySelector('leptos-island')) {
    const mod = await import(JS);
    await mod.default({ module_or_path: WASM });
    mod.hydrate();
    await hydrateIslands(document.body, mod);
  }
  document.body.dataset.hydrated = 'true';
}

start().catch((e) => console.error('Evently could not start its interactive parts:', e));
