// marks.js — run before a vision screenshot (`StateOptions::mark_indexes`): outlines every element the last state
// listed (`window.__bamEls`, in index order) and labels it with its index, in a layer that takes no pointer events.
// Returns how many were drawn. `session.rs` removes the layer (#__bam_marks) right after the screenshot.
(function () {
  const refs = window.__bamEls || [];
  const layer = document.createElement('div');
  layer.id = '__bam_marks';
  layer.style.cssText = 'position:fixed;inset:0;pointer-events:none;z-index:2147483647';
  const colours = ['#d7263d', '#1b998b', '#2e86ab', '#f46036', '#7b2d8b'];
  let drawn = 0;
  for (let i = 0; i < refs.length; i++) {
    const el = refs[i] && refs[i].deref();
    if (!el || el.ownerDocument !== document) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0 || r.bottom < 0 || r.top > innerHeight) continue;
    const c = colours[i % colours.length];
    const box = document.createElement('div');
    box.style.cssText = 'position:fixed;box-sizing:border-box;border:2px solid ' + c + ';left:' + r.left + 'px;top:' +
      r.top + 'px;width:' + r.width + 'px;height:' + r.height + 'px';
    const label = document.createElement('div');
    label.textContent = String(i);
    label.style.cssText = 'position:fixed;background:' + c + ';color:#fff;font:bold 11px/14px sans-serif;' +
      'padding:0 3px;left:' + r.left + 'px;top:' + Math.max(0, r.top - 14) + 'px';
    layer.appendChild(box);
    layer.appendChild(label);
    drawn++;
  }
  document.documentElement.appendChild(layer);
  return drawn;
})()
