// actions.js — page-side helpers for `src/browser/actions.rs`: find element N recorded by dom.js, scroll it into view
// and report its centre in top-level viewport coordinates, clear and fill inputs, read and pick <select> options,
// scroll, and find text. Evaluated as `(<this file>)(op, index, arg)`; every call returns a JSON object, with
// `error` set when the element or option cannot be used.
(function (op, index, arg) {
  'use strict';
  function collapse(s) {
    return (s || '').replace(/\s+/g, ' ').trim();
  }
  function lookup(i) {
    const list = window.__bamEls;
    if (!list) {
      return { error: 'no element index on this page (it changed since the last state); use the indexes of the current state' };
    }
    if (!(i >= 0 && i < list.length)) {
      return { error: list.length === 0 ? 'no element with index ' + i + '; the page has no interactive elements'
        : 'no element with index ' + i + '; valid indexes are 0..=' + (list.length - 1) };
    }
    const el = list[i].deref();
    if (!el || !el.isConnected) {
      return { error: 'element ' + i + ' is no longer on the page; use the indexes of the current state' };
    }
    return { el: el };
  }
  function describe(el) {
    const tag = el.localName;
    const text = collapse(el.innerText || el.value || el.getAttribute('aria-label') || el.getAttribute('placeholder') || '');
    return '[' + index + '] ' + tag + (text ? ' "' + text.slice(0, 60) + '"' : '');
  }
  function fire(el, type) {
    const win = el.ownerDocument.defaultView;
    el.dispatchEvent(new win.Event(type, { bubbles: true }));
  }
  function setValue(el, value) {
    const win = el.ownerDocument.defaultView;
    const proto = el.localName === 'textarea' ? win.HTMLTextAreaElement.prototype
      : el.localName === 'select' ? win.HTMLSelectElement.prototype : win.HTMLInputElement.prototype;
    const desc = Object.getOwnPropertyDescriptor(proto, 'value');
    if (desc && desc.set) desc.set.call(el, value); else el.value = value;
  }
  function centre(el) {
    const r0 = el.getBoundingClientRect();
    const win0 = el.ownerDocument.defaultView;
    if (r0.top < 0 || r0.left < 0 || r0.bottom > win0.innerHeight || r0.right > win0.innerWidth) {
      el.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
    }
    const r = el.getBoundingClientRect();
    let x = r.left + r.width / 2;
    let y = r.top + r.height / 2;
    let win = el.ownerDocument.defaultView;
    while (win !== window && win.frameElement) {
      const fe = win.frameElement;
      const fr = fe.getBoundingClientRect();
      x += fr.left + fe.clientLeft;
      y += fr.top + fe.clientTop;
      win = win.parent;
    }
    return { x: x, y: y, w: r.width, h: r.height };
  }
  if (op === 'scroll') {
    const amount = Math.round((arg.px == null ? window.innerHeight * 0.9 : arg.px) * arg.sign);
    const before = window.scrollY;
    window.scrollBy({ top: amount, behavior: 'instant' });
    if (window.scrollY === before) {
      // The document does not scroll: try the largest scrollable element instead.
      let best = null;
      let bestArea = 0;
      for (const el of document.querySelectorAll('*')) {
        if (el.scrollHeight > el.clientHeight + 4) {
          const oy = getComputedStyle(el).overflowY;
          if (oy === 'auto' || oy === 'scroll') {
            const area = el.clientWidth * el.clientHeight;
            if (area > bestArea) { best = el; bestArea = area; }
          }
        }
      }
      if (best) {
        const b = best.scrollTop;
        best.scrollTop = b + amount;
        return { moved: Math.round(best.scrollTop - b), target: best.localName + (best.id ? '#' + best.id : '') };
      }
    }
    return { moved: Math.round(window.scrollY - before), target: 'page' };
  }
  if (op === 'scroll_to_text') {
    const needle = collapse(arg).toLowerCase();
    const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (collapse(n.data).toLowerCase().includes(needle) && n.parentElement) {
        const p = n.parentElement;
        const r = p.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        p.scrollIntoView({ block: 'center', behavior: 'instant' });
        return { found: true, tag: p.localName };
      }
    }
    return { found: false };
  }
  if (op === 'probe') {
    return { url: location.href, ready: document.readyState };
  }
  const found = lookup(index);
  if (found.error) return found;
  const el = found.el;
  if (op === 'point') {
    const c = centre(el);
    return { x: c.x, y: c.y, w: c.w, h: c.h, desc: describe(el), tag: el.localName };
  }
  if (op === 'focus_clear') {
    const tag = el.localName;
    const c = centre(el);
    el.focus();
    if (tag === 'input' || tag === 'textarea') {
      const t = (el.type || '').toLowerCase();
      if (['checkbox', 'radio', 'submit', 'button', 'reset', 'file', 'image', 'range', 'color'].includes(t)) {
        return { error: 'element ' + index + ' is an <input type="' + t + '">, which does not take text; click it instead' };
      }
      if (el.readOnly || el.disabled) return { error: 'element ' + index + ' is read-only or disabled' };
      setValue(el, '');
      fire(el, 'input');
      return { desc: describe(el), kind: 'value', x: c.x, y: c.y };
    }
    if (el.isContentEditable) {
      const sel = el.ownerDocument.getSelection();
      const range = el.ownerDocument.createRange();
      range.selectNodeContents(el);
      sel.removeAllRanges();
      sel.addRange(range);
      el.ownerDocument.execCommand('delete');
      return { desc: describe(el), kind: 'editable', x: c.x, y: c.y };
    }
    return { error: 'element ' + index + ' (<' + tag + '>) is not a text field; use click or pick an input, textarea or contenteditable element' };
  }
  if (op === 'after_input') {
    fire(el, 'change');
    return { value: el.isContentEditable ? el.innerText : el.value };
  }
  if (op === 'options' || op === 'select') {
    let sel = el;
    if (sel.localName !== 'select') {
      sel = el.querySelector('select');
    }
    if (!sel) {
      return { error: 'element ' + index + ' (<' + el.localName + '>) is not a <select> dropdown' };
    }
    const opts = Array.from(sel.options).map(function (o, i) {
      return { i: i, text: collapse(o.textContent), value: o.value, selected: o.selected, disabled: o.disabled };
    });
    if (op === 'options') return { desc: describe(sel), options: opts };
    const want = collapse(arg);
    let pick = opts.find(function (o) { return o.text === want; }) ||
      opts.find(function (o) { return o.text.toLowerCase() === want.toLowerCase(); }) ||
      opts.find(function (o) { return o.value === want; });
    if (!pick) {
      return { error: 'element ' + index + ' has no option "' + want + '"; options are: ' +
        opts.map(function (o) { return JSON.stringify(o.text); }).join(', ') };
    }
    if (pick.disabled) return { error: 'option "' + pick.text + '" is disabled' };
    sel.focus();
    setValue(sel, pick.value);
    sel.selectedIndex = pick.i;
    fire(sel, 'input');
    fire(sel, 'change');
    return { desc: describe(sel), text: pick.text, value: pick.value };
  }
  return { error: 'unknown page operation ' + op };
})
