// markdown.js — page-side half of `src/browser/markdown.rs`: converts the rendered document (and same-origin
// iframes and open shadow roots) to compact Markdown: headings, paragraphs, links, lists, tables, code, form
// controls' values. Hidden subtrees (display:none, visibility:hidden, aria-hidden) are skipped, and so are
// navigation, banners, sidebars and footers outside the main content when the page marks one.
(function () {
  'use strict';
  const SKIP = new Set(['script', 'style', 'noscript', 'template', 'head', 'svg', 'canvas', 'iframe', 'option']);
  const BLOCK = new Set(['p', 'div', 'section', 'article', 'main', 'header', 'footer', 'nav', 'aside', 'form',
    'fieldset', 'figure', 'figcaption', 'blockquote', 'dl', 'dt', 'dd', 'address', 'details', 'summary', 'dialog',
    'legend', 'label']);
  function collapse(s) {
    return s.replace(/\s+/g, ' ');
  }
  function hidden(el) {
    if (el.getAttribute('aria-hidden') === 'true') return true;
    const st = el.ownerDocument.defaultView.getComputedStyle(el);
    return st.display === 'none' || st.visibility === 'hidden';
  }
  function inline(node) {
    let s = '';
    for (let n = node.firstChild; n; n = n.nextSibling) s += part(n, true);
    if (node.shadowRoot) {
      for (let n = node.shadowRoot.firstChild; n; n = n.nextSibling) s += part(n, true);
    }
    return s;
  }
  function cell(el) {
    return collapse(inline(el)).trim().replace(/\|/g, '\\|');
  }
  function table(el) {
    const rows = Array.from(el.rows || []).filter(function (r) { return !hidden(r); });
    if (!rows.length) return '';
    const lines = [];
    rows.forEach(function (r, i) {
      const cells = Array.from(r.cells).map(cell);
      lines.push('| ' + cells.join(' | ') + ' |');
      if (i === 0) lines.push('|' + cells.map(function () { return ' --- '; }).join('|') + '|');
    });
    return '\n\n' + lines.join('\n') + '\n\n';
  }
  function list(el, ordered) {
    let out = '\n';
    let i = 1;
    for (const li of el.children) {
      if (li.localName !== 'li' || hidden(li)) continue;
      const text = collapse(inline(li)).trim();
      if (text) out += (ordered ? (i++) + '. ' : '- ') + text + '\n';
    }
    return out + '\n';
  }
  function part(n, inInline) {
    if (n.nodeType === 3) return collapse(n.data);
    if (n.nodeType !== 1) return '';
    const el = n;
    const tag = el.localName;
    if (SKIP.has(tag) && tag !== 'iframe') return '';
    if (hidden(el)) return '';
    if (tag === 'iframe') return '';
    if (dropBoilerplate && boilerplate(el, tag)) return '';
    if (tag === 'br') return inInline ? ' ' : '\n';
    if (/^h[1-6]$/.test(tag)) {
      const t = collapse(inline(el)).trim();
      return t ? '\n\n' + '#'.repeat(Number(tag[1])) + ' ' + t + '\n\n' : '';
    }
    if (tag === 'a') {
      const t = collapse(inline(el)).trim();
      const href = el.href || '';
      if (!t) return '';
      return href && !href.startsWith('javascript:') ? '[' + t + '](' + href + ')' : t;
    }
    if (tag === 'img') {
      const alt = el.getAttribute('alt');
      return alt ? '[image: ' + collapse(alt).trim() + ']' : '';
    }
    if (tag === 'input' || tag === 'textarea' || tag === 'select') {
      const t = (el.type || '').toLowerCase();
      if (t === 'hidden' || t === 'password') return '';
      if (t === 'checkbox' || t === 'radio') return el.checked ? ' [x] ' : ' [ ] ';
      if (tag === 'select') {
        const o = el.selectedOptions && el.selectedOptions[0];
        return o ? ' [' + collapse(o.textContent).trim() + '] ' : '';
      }
      if (t === 'submit' || t === 'button') return el.value ? ' [' + el.value + '] ' : '';
      return el.value ? ' [' + collapse(el.value) + '] ' : '';
    }
    if (inInline) return inline(el) + (BLOCK.has(tag) || tag === 'li' || tag === 'tr' ? ' ' : '');
    if (tag === 'table') return table(el);
    if (tag === 'ul' || tag === 'ol') return list(el, tag === 'ol');
    if (tag === 'pre') return '\n\n```\n' + el.innerText + '\n```\n\n';
    if (tag === 'hr') return '\n\n---\n\n';
    let inner = '';
    for (let c = el.firstChild; c; c = c.nextSibling) inner += part(c, false);
    if (el.shadowRoot) {
      for (let c = el.shadowRoot.firstChild; c; c = c.nextSibling) inner += part(c, false);
    }
    if (tag === 'li') return '\n- ' + inner.trim() + '\n';
    if (BLOCK.has(tag) || tag === 'body' || tag === 'tr') return '\n\n' + inner + '\n\n';
    return inner;
  }
  // Site navigation, banners, sidebars and footers are left out when the page marks its main content (a <main>,
  // role=main or an <article>) and that content has text; otherwise everything is kept.
  const BOILERPLATE_ROLES = new Set(['navigation', 'banner', 'contentinfo', 'complementary']);
  function boilerplate(el, tag) {
    if (el.closest('main, [role=main], article') && tag !== 'nav') return false;
    return tag === 'nav' || tag === 'header' || tag === 'footer' || tag === 'aside' ||
      BOILERPLATE_ROLES.has(el.getAttribute('role') || '');
  }
  const main = document.querySelector('main, [role=main], article');
  let dropBoilerplate = !!(main && collapse(main.textContent || '').trim());
  let md = '';
  if (document.body) md = part(document.body, false);
  if (dropBoilerplate && !md.trim()) {
    dropBoilerplate = false;
    md = part(document.body, false);
  }
  for (const f of document.querySelectorAll('iframe')) {
    try {
      const d = f.contentDocument;
      if (d && d.body && !hidden(f)) md += '\n\n' + part(d.body, false);
    } catch (e) {
      // cross-origin frame: not readable
    }
  }
  return { title: document.title, url: location.href, markdown: md };
})
