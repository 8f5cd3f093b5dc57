// dom.js — the page-side half of `src/browser/dom.rs`: collects the interactive, visible, top-most elements of the
// viewport (recursing into open shadow roots and same-origin iframes), the short visible text between them, and the
// scroll position. With `opts.mark` it records the index -> element map in `window.__bamEls` (WeakRefs) so actions
// can find element N again. Evaluated as an expression: `(<this file>)({mark: true})`.
//
// It runs on every agent step, so it is written for speed: one computed-style object per element with the cheap
// reads first, each element's attributes read in one pass over `el.attributes` (not a getAttribute per name),
// `el.labels` only in documents that have a <label>, hit-testing only for elements an overlay may cover, and the
// result returned as ONE compact JSON string (text items are strings, elements are arrays) that the Rust side parses
// in one go — CDP's by-value transfer of a thousand nested objects costs more than the whole walk.
(function (opts) {
  'use strict';
  const TAGS = new Set(['a', 'button', 'input', 'select', 'textarea', 'summary', 'details']);
  const ROLES = new Set(['button', 'link', 'checkbox', 'radio', 'tab', 'menuitem', 'menuitemcheckbox',
    'menuitemradio', 'option', 'switch', 'combobox', 'textbox', 'searchbox', 'slider', 'spinbutton', 'treeitem']);
  const SKIP = new Set(['script', 'style', 'noscript', 'template', 'head', 'meta', 'link', 'title', 'option',
    'optgroup', 'datalist']);
  const ATTRS = new Set(['id', 'name', 'type', 'placeholder', 'aria-label', 'title', 'alt', 'role', 'aria-checked',
    'aria-expanded', 'aria-selected']);
  const TEXT_MAX = 100;
  const GAP_MAX = 120;
  const vw = window.innerWidth;
  const vh = window.innerHeight;
  const items = [];
  const marks = [];
  let gap = '';

  function collapse(s) {
    return s.replace(/\s+/g, ' ');
  }

  function flushGap() {
    const t = collapse(gap).trim();
    if (t) {
      items.push({ k: 't', t: t.length > GAP_MAX ? t.slice(0, GAP_MAX - 1) + '…' : t });
    }
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

  // The attributes the walk decides on, from one pass over `el.attributes`.
  function scan(el) {
    const s = { hidden: false, inert: false, role: null, tabindex: null, onclick: false, href: false };
    const list = el.attributes;
    for (let i = 0; i < list.length; i++) {
      const at = list[i];
      switch (at.name) {
        case 'aria-hidden': s.hidden = at.value === 'true'; break;
        case 'inert': s.inert = true; break;
        case 'role': s.role = at.value; break;
        case 'tabindex': s.tabindex = at.value; break;
        case 'onclick': s.onclick = true; break;
        case 'href': s.href = true; break;
        default: break;
      }
    }
    return s;
  }

  // 2 = interactive by tag, role, tabindex, click handler or contenteditable; 1 = only by the cursor heuristic.
  function interactivity(el, tag, s, pointer, parentPointer) {
    if (TAGS.has(tag)) {
      if (tag === 'a') return s.href || s.onclick || s.tabindex !== null ? 2 : 0;
      if (tag === 'input') return (el.type || '').toLowerCase() !== 'hidden' ? 2 : 0;
      if (tag === 'details') return el.querySelector(':scope > summary') ? 0 : 2;
      return 2;
    }
    if (s.role && ROLES.has(s.role)) return 2;
    if (s.tabindex !== null && parseInt(s.tabindex, 10) >= 0) return 2;
    if (s.onclick || typeof el.onclick === 'function') return 2;
    if (el.isContentEditable && !(el.parentElement && el.parentElement.isContentEditable)) return 2;
    return pointer && !parentPointer && tag !== 'label' && tag !== 'html' && tag !== 'body' ? 1 : 0;
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
  function attrsOf(el, tag, text) {
    const a = {};
    let ariaDisabled = false;
    const list = el.attributes;
    for (let i = 0; i < list.length; i++) {
      const at = list[i];
      const name = at.name;
      if (ATTRS.has(name)) {
        const v = at.value;
        if (v !== '') a[name] = collapse(v).trim().slice(0, 80);
      } else if (name === 'href') {
        if (tag === 'a') a.href = at.value.slice(0, 120);
      } else if (name === 'aria-disabled') {
        ariaDisabled = at.value === 'true';
      }
    }
    if (tag === 'input' || tag === 'textarea' || tag === 'select') {
      const t = (el.type || '').toLowerCase();
      if (t === 'checkbox' || t === 'radio') {
        a.checked = String(el.checked);
        if (el.value && el.value !== 'on') a.value = el.value.slice(0, 80);
      } else if (t === 'password') {
        a.value = '•'.repeat(Math.min(el.value.length, 20));
      } else if (t !== 'submit' && t !== 'button' && t !== 'reset') {
        a.value = collapse(el.value || '').slice(0, 80);
      } else if (el.value && !text) {
        a.value = el.value.slice(0, 80);
      }
      const labels = labelsOf(el);
      if (labels && labels.length) {
        const l = collapse(labels[0].textContent || '').trim().slice(0, 80);
        if (l && l !== text) a.label = l;
      }
    }
    if (el.disabled || ariaDisabled) a.disabled = 'true';
    if (tag === 'option' && el.selected) a.selected = 'true';
    if (el.isContentEditable && !(el.parentElement && el.parentElement.isContentEditable)) a.contenteditable = 'true';
    if (a['aria-label'] && a['aria-label'] === text) delete a['aria-label'];
    if (a.title && a.title === text) delete a.title;
    const flat = [];
    for (const k in a) flat.push(k, a[k]);
    return flat;
  }

  // Elements that may paint over others (absolute/fixed/sticky or with a z-index), per document.
  const positioned = new Map();
  function positionedIn(doc) {
    let list = positioned.get(doc);
    if (!list) { list = []; positioned.set(doc, list); }
    return list;
  }

  // Hit-testing every element is slow (~0.1 ms each), so only elements whose centre lies under a positioned element
  // that is not their ancestor or descendant are hit-tested; a modal <dialog> makes every element suspect.
  function isTopMost(rec) {
    const el = rec.el;
    const r = rec.r;
    const doc = el.ownerDocument;
    if (!modal.has(doc)) {
      const list = positioned.get(doc);
      if (!list) return true;
      const x = (Math.max(r.left, 0) + Math.min(r.right, rec.lw)) / 2;
      const y = (Math.max(r.top, 0) + Math.min(r.bottom, rec.lh)) / 2;
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
    return topMost(el, r, rec.lw, rec.lh);
  }
  const modal = new Set();
  function noteModal(doc) {
    try {
      if (doc.querySelector('dialog:modal')) modal.add(doc);
    } catch (e) {
      // :modal unsupported: no modal handling
    }
  }

  // ctx: {win, ox, oy, lw, lh, shadow, frame, rec, textOk, pointer}
  function visitChildren(parent, ctx) {
    for (let n = parent.firstChild; n; n = n.nextSibling) visit(n, ctx);
  }

  function visit(node, ctx) {
    if (node.nodeType === 3) {
      if (!ctx.textOk) return;
      if (ctx.rec) {
        if (ctx.rec.text.length < TEXT_MAX * 2) ctx.rec.text += node.data;
      } else if (gap.length < GAP_MAX * 2) {
        gap += ' ' + collapse(node.data);
      }
      return;
    }
    if (node.nodeType !== 1) return;
    const el = node;
    const tag = el.localName;
    if (SKIP.has(tag)) return;
    const s = scan(el);
    if (s.hidden || s.inert) return;
    const st = ctx.win.getComputedStyle(el);
    if (st.display === 'none' || st.opacity === '0') return;
    const r = el.getBoundingClientRect();
    const sized = r.width > 0 && r.height > 0;
    const inView = sized && r.bottom > 0 && r.right > 0 && r.top < ctx.lh && r.left < ctx.lw &&
      r.bottom + ctx.oy > 0 && r.top + ctx.oy < vh && r.right + ctx.ox > 0 && r.left + ctx.ox < vw;
    const visible = st.visibility === 'visible';
    const pointer = st.cursor === 'pointer';
    const position = st.position;
    if ((position !== 'static' && position !== 'relative') || st.zIndex !== 'auto') {
      if (visible && sized) positionedIn(el.ownerDocument).push({ el: el, r: r });
    }
    const level = interactivity(el, tag, s, pointer, ctx.pointer);
    let childCtx = ctx;
    if (level === 2 || (level === 1 && !ctx.rec)) {
      if (visible && inView) {
        // Whether it is top-most is decided after the walk, when every overlay of its document is known.
        flushGap();
        const rec = { k: 'e', tag: tag, role: s.role || implicitRole(el, tag), text: '',
          shadow: ctx.shadow, frame: ctx.frame, el: el, r: r, lw: ctx.lw, lh: ctx.lh };
        items.push(rec);
        const textOk = tag !== 'select' && tag !== 'input' && tag !== 'textarea';
        if (tag === 'select') {
          const o = el.selectedOptions && el.selectedOptions[0];
          rec.text = o ? o.textContent : '';
        }
        childCtx = Object.assign({}, ctx, { rec: rec, textOk: textOk, pointer: pointer });
      } else {
        childCtx = Object.assign({}, ctx, { textOk: false, pointer: pointer });
      }
    } else {
      const textOk = ctx.textOk && visible && (inView || !sized);
      if (ctx.pointer !== pointer || ctx.textOk !== textOk) {
        childCtx = Object.assign({}, ctx, { pointer: pointer, textOk: textOk });
      }
    }
    if (el.shadowRoot) {
      visitChildren(el.shadowRoot, Object.assign({}, childCtx, { shadow: true }));
    }
    if (tag === 'iframe' || tag === 'frame') {
      let doc = null;
      try { doc = el.contentDocument; } catch (e) { doc = null; }
      if (doc && doc.documentElement && visible && inView) {
        const win = doc.defaultView;
        const fr = Object.assign({}, childCtx, {
          win: win, ox: ctx.ox + r.left + el.clientLeft, oy: ctx.oy + r.top + el.clientTop,
          lw: win.innerWidth, lh: win.innerHeight, frame: ctx.frame.concat([frameName(el)]), shadow: false,
          rec: null, textOk: true, pointer: false,
        });
        flushGap();
        noteModal(doc);
        visitChildren(doc.documentElement, fr);
        flushGap();
      }
      return;
    }
    visitChildren(el, childCtx);
  }

  const root = document.documentElement;
  noteModal(document);
  if (root) {
    visitChildren(root, { win: window, ox: 0, oy: 0, lw: vw, lh: vh, shadow: false, frame: [], rec: null,
      textOk: true, pointer: false });
  }
  flushGap();
  // Items: a string for text between elements, [tag, role, text, [name, value, …], inShadowRoot 0|1, framePath] for
  // an element.
  const out = [];
  for (const it of items) {
    if (it.k === 'e') {
      if (!isTopMost(it)) continue;
      marks.push(it.el);
      const text = collapse(it.text).trim();
      const short = text.length > TEXT_MAX ? text.slice(0, TEXT_MAX - 1) + '…' : text;
      out.push([it.tag, it.role, short, attrsOf(it.el, it.tag, short), it.shadow ? 1 : 0, it.frame]);
    } else {
      out.push(it.t);
    }
  }
  if (opts && opts.mark) {
    window.__bamEls = marks.map(function (e) { return new WeakRef(e); });
  }
  const se = document.scrollingElement || document.documentElement;
  const sh = se ? se.scrollHeight : 0;
  const sy = window.scrollY || 0;
  return JSON.stringify({
    url: location.href, title: document.title, items: out,
    above: Math.round(sy), below: Math.max(0, Math.round(sh - sy - vh)),
  });
})
