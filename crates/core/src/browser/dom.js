// dom.js — the page-side half of `src/browser/dom.rs`: collects the interactive, visible, top-most elements of the
// viewport (recursing into open shadow roots and same-origin iframes), the short visible text between them, and the
// scroll position. With `opts.mark` it records the index -> element map in `window.__bamEls` (WeakRefs) so actions
// can find element N again. The file is a function expression: `dom.rs` installs it once per document as a
// non-enumerable property of `window` (so V8 keeps its optimised code between steps; a fresh copy per call runs cold
// in the interpreter and is more than twice as slow) and calls it with `{mark: true|false}`. With `opts.prof`
// (benchmarks only) the result also carries `prof`, the milliseconds spent in each phase.
//
// It runs on every agent step, so it is written for speed. Measured in Chromium, the cost is the number of style and
// layout reads per element (each computed-style property read and each getBoundingClientRect re-validates style and
// serialises a value), so the walk makes as few as the decision needs:
// - one `checkVisibility({opacityProperty, visibilityProperty})` answers "rendered, not transparent, not hidden" in
//   one call; only when it says no are `display` / `opacity` / `visibility` read to tell a hidden subtree (skipped)
//   from a hidden element whose children may still show (`visibility: visible` inside `visibility: hidden`);
// - `cursor` is read only where the cursor heuristic can still list something (outside a listed element, for an
//   element not already listed by tag, role, tabindex, click handler or contenteditable);
// - `position` / `z-index` (does it paint over others?) only for visible, sized elements, and `z-index` only where it
//   has an effect (relatively positioned elements, flex and grid items);
// - contenteditable from the attribute, not `isContentEditable` (a style read) on every element;
// - each element's attributes read in one pass, `el.labels` only in trees that contain a <label>, hit-testing only
//   for elements whose centre lies under a positioned element;
// - the result is ONE compact JSON string (text items are strings, elements are arrays) that the Rust side parses in
//   one go — CDP's by-value transfer of a thousand nested objects costs more than the whole walk.
(function (opts) {
  'use strict';
  const prof = opts && opts.prof ? { t0: performance.now() } : null;
  const TAGS = new Set(['a', 'button', 'input', 'select', 'textarea', 'summary', 'details']);
  const ROLES = new Set(['button', 'link', 'checkbox', 'radio', 'tab', 'menuitem', 'menuitemcheckbox',
    'menuitemradio', 'option', 'switch', 'combobox', 'textbox', 'searchbox', 'slider', 'spinbutton', 'treeitem']);
  const SKIP = new Set(['script', 'style', 'noscript', 'template', 'head', 'meta', 'link', 'title', 'option',
    'optgroup', 'datalist']);
  const ATTRS = new Set(['id', 'name', 'type', 'placeholder', 'aria-label', 'title', 'alt', 'role', 'aria-checked',
    'aria-expanded', 'aria-selected']);
  const FLEX = new Set(['flex', 'inline-flex', 'grid', 'inline-grid']);
  const SEEN = { opacityProperty: true, visibilityProperty: true };
  const TEXT_MAX = 150;
  const GAP_MAX = 1000;
  const vw = window.innerWidth;
  const vh = window.innerHeight;
  const items = [];
  let gap = '';

  function collapse(s) {
    return s.replace(/\s+/g, ' ');
  }

  function flushGap() {
    const t = collapse(gap).trim();
    // A cut says how much is left out, so a reader knows to scroll or extract for the rest.
    if (t) items.push(t.length > GAP_MAX ? t.slice(0, GAP_MAX) + '… (text cut; extract reads all of it)' : t);
    gap = '';
  }

  function implicitRole(el, tag) {
    switch (tag) {
      case 'a': return el.hasAttribute('href') ? 'link' : null;
      case 'button': case 'summary': return 'button';
      case 'select': return el.multiple ? 'listbox' : 'combobox';
      case 'textarea': return 'textbox';
      case 'input': {
        const t = (el.type || 'text').toLowerCase();
        if (t === 'checkbox' || t === 'radio') return t;
        if (t === 'submit' || t === 'button' || t === 'reset' || t === 'image') return 'button';
        if (t === 'range') return 'slider';
        if (t === 'number') return 'spinbutton';
        if (t === 'search') return 'searchbox';
        return 'textbox';
      }
      default: return null;
    }
  }

  // Documents in design mode make every element editable, so there the attribute is not enough.
  const designMode = new Map();
  function editableRoot(el, hasAttr) {
    let dm = designMode.get(el.ownerDocument);
    if (dm === undefined) {
      dm = el.ownerDocument.designMode === 'on';
      designMode.set(el.ownerDocument, dm);
    }
    if (!hasAttr && !dm) return false;
    return el.isContentEditable && !(el.parentElement && el.parentElement.isContentEditable);
  }

  // 2 = interactive by tag, role, tabindex, click handler or contenteditable, 0 = not (the cursor heuristic, level 1,
  // is applied by the caller, which reads `cursor` only when it can matter).
  function interactivity(el, tag, role, tabindex, onclick, href, ce) {
    if (TAGS.has(tag)) {
      if (tag === 'a') return href || onclick || tabindex !== null ? 2 : 0;
      if (tag === 'input') return (el.type || '').toLowerCase() !== 'hidden' ? 2 : 0;
      if (tag === 'details') return el.querySelector(':scope > summary') ? 0 : 2;
      return 2;
    }
    if (role !== null && ROLES.has(role)) return 2;
    if (tabindex !== null && parseInt(tabindex, 10) >= 0) return 2;
    if (onclick || typeof el.onclick === 'function') return 2;
    if (editableRoot(el, ce)) return 2;
    return 0;
  }

  // Whether labels can exist for elements of this tree (document or shadow root): `el.labels` walks the tree.
  const labelled = new Map();
  function labelsOf(el) {
    const root = el.getRootNode();
    let has = labelled.get(root);
    if (has === undefined) {
      has = !!(root.querySelector && root.querySelector('label'));
      labelled.set(root, has);
    }
    return has && el.labels ? el.labels : null;
  }

  function topMost(el, r, lw, lh) {
    const x = (Math.max(r.left, 0) + Math.min(r.right, lw)) / 2;
    const y = (Math.max(r.top, 0) + Math.min(r.bottom, lh)) / 2;
    const root = el.getRootNode();
    const hit = root.elementFromPoint ? root.elementFromPoint(x, y) : null;
    if (!hit) return false;
    if (hit === el || el.contains(hit)) return true;
    if (el.shadowRoot && el.shadowRoot.contains(hit)) return true;
    const labels = labelsOf(el);
    if (labels) {
      for (const label of labels) {
        if (label === hit || label.contains(hit)) return true;
      }
    }
    return false;
  }

  function frameName(f) {
    if (f.id) return 'iframe#' + f.id;
    if (f.name) return 'iframe[name=' + f.name + ']';
    const src = f.getAttribute('src');
    return src ? 'iframe[src=' + src + ']' : 'iframe';
  }

  // The element's shown attributes as a flat [name, value, …] list.
  function attrsOf(el, tag, text, ce) {
    const flat = [];
    let ariaDisabled = false;
    const list = el.attributes;
    for (let i = 0; i < list.length; i++) {
      const at = list[i];
      const name = at.name;
      if (ATTRS.has(name)) {
        const v = at.value;
        if (v === '') continue;
        const shown = collapse(v).trim().slice(0, 80);
        // A label or title that only repeats the text is not worth showing.
        if ((name === 'aria-label' || name === 'title') && shown !== '' && shown === text) continue;
        flat.push(name, shown);
      } else if (name === 'href') {
        if (tag === 'a') flat.push('href', at.value.slice(0, 120));
      } else if (name === 'aria-disabled') {
        ariaDisabled = at.value === 'true';
      }
    }
    if (tag === 'input' || tag === 'textarea' || tag === 'select') {
      const t = (el.type || '').toLowerCase();
      if (t === 'checkbox' || t === 'radio') {
        flat.push('checked', String(el.checked));
        if (el.value && el.value !== 'on') flat.push('value', el.value.slice(0, 80));
      } else if (t === 'password') {
        flat.push('value', '•'.repeat(Math.min(el.value.length, 20)));
      } else if (t !== 'submit' && t !== 'button' && t !== 'reset') {
        flat.push('value', collapse(el.value || '').slice(0, 80));
      } else if (el.value && !text) {
        flat.push('value', el.value.slice(0, 80));
      }
      const labels = labelsOf(el);
      if (labels && labels.length) {
        const l = collapse(labels[0].textContent || '').trim().slice(0, 80);
        if (l && l !== text) flat.push('label', l);
      }
    }
    if (el.disabled || ariaDisabled) flat.push('disabled', 'true');
    if (tag === 'option' && el.selected) flat.push('selected', 'true');
    if (editableRoot(el, ce)) flat.push('contenteditable', 'true');
    return flat;
  }

  // Elements that may paint over others (absolute/fixed/sticky, or with an effective z-index), per document.
  const positioned = new Map();

  // Hit-testing every element is slow (~0.1 ms each), so only elements whose centre lies under a positioned element
  // that is not their ancestor or descendant are hit-tested; a modal <dialog> makes every element suspect.
  function isTopMost(el, r, lw, lh) {
    const doc = el.ownerDocument;
    if (!modal.has(doc)) {
      const list = positioned.get(doc);
      if (!list) return true;
      const x = (Math.max(r.left, 0) + Math.min(r.right, lw)) / 2;
      const y = (Math.max(r.top, 0) + Math.min(r.bottom, lh)) / 2;
      let suspect = false;
      for (const p of list) {
        const pr = p.r;
        if (x >= pr.left && x <= pr.right && y >= pr.top && y <= pr.bottom && p.el !== el &&
            !p.el.contains(el) && !el.contains(p.el) && !(p.el.shadowRoot && p.el.shadowRoot.contains(el))) {
          suspect = true;
          break;
        }
      }
      if (!suspect) return true;
    }
    return topMost(el, r, lw, lh);
  }
  const modal = new Set();
  function noteModal(doc) {
    try {
      if (doc.querySelector('dialog:modal')) modal.add(doc);
    } catch (e) {
      // :modal unsupported: no modal handling
    }
  }

  // One frame (document) being walked: its window, its offset in the top viewport and its own viewport size.
  // `flex`: the parent element lays its children out as flex or grid items (so their z-index takes effect).
  // ctx: {f, shadow, rec, textOk, pointer, flex}; rec = the listed element whose text is being gathered.
  function visitChildren(parent, ctx) {
    for (let n = parent.firstChild; n; n = n.nextSibling) visit(n, ctx);
  }

  function visit(node, ctx) {
    const type = node.nodeType;
    if (type === 3) {
      if (!ctx.textOk) return;
      const rec = ctx.rec;
      if (rec) {
        if (rec.text.length < TEXT_MAX * 2) rec.text += node.data;
      } else if (gap.length < GAP_MAX * 8) {
        gap += ' ' + collapse(node.data);
      }
      return;
    }
    if (type !== 1) return;
    const el = node;
    const tag = el.localName;
    if (SKIP.has(tag)) return;
    // The attributes the walk decides on, from one pass over `el.attributes`.
    let role = null, tabindex = null, onclick = false, href = false, ce = false;
    const list = el.attributes;
    for (let i = 0; i < list.length; i++) {
      const at = list[i];
      switch (at.name) {
        case 'aria-hidden': if (at.value === 'true') return; break;
        case 'inert': return;
        case 'role': role = at.value; break;
        case 'tabindex': tabindex = at.value; break;
        case 'onclick': onclick = true; break;
        case 'href': href = true; break;
        case 'contenteditable': ce = at.value !== 'false'; break;
        default: break;
      }
    }
    const f = ctx.f;
    const win = f.win;
    let st = null;
    let visible;
    if (el.checkVisibility && el.checkVisibility(SEEN)) {
      visible = true;
    } else {
      st = win.getComputedStyle(el);
      if (st.display === 'none' || st.opacity === '0') return;
      visible = st.visibility === 'visible';
    }
    const r = el.getBoundingClientRect();
    const sized = r.width > 0 && r.height > 0;
    const inView = sized && r.bottom > 0 && r.right > 0 && r.top < f.lh && r.left < f.lw &&
      r.bottom + f.oy > 0 && r.top + f.oy < vh && r.right + f.ox > 0 && r.left + f.ox < vw;
    if (visible && sized) {
      if (!st) st = win.getComputedStyle(el);
      const position = st.position;
      if ((position !== 'static' && position !== 'relative') ||
          ((position === 'relative' || ctx.flex) && st.zIndex !== 'auto')) {
        let pl = positioned.get(el.ownerDocument);
        if (!pl) { pl = []; positioned.set(el.ownerDocument, pl); }
        pl.push({ el: el, r: r });
      }
    }
    const level = interactivity(el, tag, role, tabindex, onclick, href, ce);
    const listed = level === 2 && visible && inView;
    // `cursor` matters only where the cursor heuristic can still list this element or one below it.
    let pointer = false;
    if (!ctx.rec && !listed) {
      if (!st) st = win.getComputedStyle(el);
      pointer = st.cursor === 'pointer';
    }
    // Children are flex or grid items when this element is a flex or grid container (the children of a
    // `display: contents` element are laid out by its parent; those of a shadow host wherever they are slotted).
    let flex = false;
    if (el.shadowRoot) {
      flex = true;
    } else if (el.firstElementChild) {
      if (!st) st = win.getComputedStyle(el);
      const d = st.display;
      flex = d === 'contents' ? ctx.flex : FLEX.has(d);
    }
    // Listed by the cursor heuristic alone: a pointer cursor that its parent does not already have.
    const byCursor = pointer && !ctx.pointer && level === 0 && tag !== 'label' && tag !== 'html' && tag !== 'body';
    let childCtx;
    if (listed || (byCursor && visible && inView)) {
      // Whether it is top-most is decided after the walk, when every overlay of its document is known.
      flushGap();
      const rec = { tag: tag, role: role || implicitRole(el, tag), text: '', ce: ce,
        shadow: ctx.shadow, frame: f.path, el: el, r: r, lw: f.lw, lh: f.lh };
      items.push(rec);
      if (tag === 'select') {
        const o = el.selectedOptions && el.selectedOptions[0];
        rec.text = o ? o.textContent : '';
      }
      const textOk = tag !== 'select' && tag !== 'input' && tag !== 'textarea';
      childCtx = { f: f, shadow: ctx.shadow, rec: rec, textOk: textOk, pointer: pointer, flex: flex };
    } else if (level !== 0 || byCursor) {
      childCtx = { f: f, shadow: ctx.shadow, rec: ctx.rec, textOk: false, pointer: pointer, flex: flex };
    } else {
      const textOk = ctx.textOk && visible && (inView || !sized);
      childCtx = { f: f, shadow: ctx.shadow, rec: ctx.rec, textOk: textOk, pointer: pointer, flex: flex };
    }
    if (el.shadowRoot) {
      visitChildren(el.shadowRoot, { f: f, shadow: true, rec: childCtx.rec, textOk: childCtx.textOk,
        pointer: childCtx.pointer, flex: childCtx.flex });
    }
    if (tag === 'iframe' || tag === 'frame') {
      let doc = null;
      try { doc = el.contentDocument; } catch (e) { doc = null; }
      if (doc && doc.documentElement && visible && inView) {
        const fwin = doc.defaultView;
        const inner = { win: fwin, ox: f.ox + r.left + el.clientLeft, oy: f.oy + r.top + el.clientTop,
          lw: fwin.innerWidth, lh: fwin.innerHeight, path: f.path.concat([frameName(el)]) };
        flushGap();
        noteModal(doc);
        visitChildren(doc.documentElement, { f: inner, shadow: false, rec: null, textOk: true, pointer: false,
          flex: false });
        flushGap();
      }
      return;
    }
    visitChildren(el, childCtx);
  }

  const root = document.documentElement;
  noteModal(document);
  if (root) {
    const top = { win: window, ox: 0, oy: 0, lw: vw, lh: vh, path: [] };
    let flex = false;
    const rs = window.getComputedStyle(root);
    if (rs) flex = FLEX.has(rs.display);
    visitChildren(root, { f: top, shadow: false, rec: null, textOk: true, pointer: false, flex: flex });
  }
  flushGap();
  if (prof) prof.walk = performance.now();
  // Items: a string for text between elements, [tag, role, text, [name, value, …], inShadowRoot 0|1, framePath] for
  // an element, where a trailing `0` / `[]` is left out.
  const out = [];
  const marks = [];
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (typeof it === 'string') {
      out.push(it);
      continue;
    }
    if (!isTopMost(it.el, it.r, it.lw, it.lh)) continue;
    marks.push(it.el);
    const text = collapse(it.text).trim();
    const short = text.length > TEXT_MAX ? text.slice(0, TEXT_MAX - 1) + '…' : text;
    const row = [it.tag, it.role, short, attrsOf(it.el, it.tag, short, it.ce)];
    // The usual case (top document, not in a shadow root) leaves the two trailing fields out.
    if (it.shadow || it.frame.length) {
      row.push(it.shadow ? 1 : 0);
      if (it.frame.length) row.push(it.frame);
    }
    out.push(row);
  }
  if (prof) prof.output = performance.now();
  if (opts && opts.mark) {
    const refs = new Array(marks.length);
    for (let i = 0; i < marks.length; i++) refs[i] = new WeakRef(marks[i]);
    window.__bamEls = refs;
  }
  if (prof) prof.mark = performance.now();
  const se = document.scrollingElement || document.documentElement;
  const sh = se ? se.scrollHeight : 0;
  const sy = window.scrollY || 0;
  const result = {
    url: location.href, title: document.title, items: out,
    above: Math.round(sy), below: Math.max(0, Math.round(sh - sy - vh)),
  };
  const json = JSON.stringify(result);
  if (!prof) return json;
  // Benchmarks only: the phases in ms, appended to the finished JSON so that the stringify is counted too.
  const end = performance.now();
  return json.slice(0, -1) + ',"prof":' + JSON.stringify({ walk: prof.walk - prof.t0,
    output: prof.output - prof.walk, mark: prof.mark - prof.output, total: end - prof.t0 }) + '}';
})
