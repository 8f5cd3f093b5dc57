// Findr search logic: deterministic ranking over window.DOCS.
(function () {
  var STOP = ["a", "an", "and", "the", "of", "to", "in", "on", "for", "by", "with", "is", "how", "what", "why"];
  function tokens(s) {
    return (s || "").toLowerCase().split(/[^a-z0-9]+/).filter(function (t) { return t && STOP.indexOf(t) < 0; });
  }
  function countPrefix(words, term) {
    var n = 0;
    for (var i = 0; i < words.length; i++) if (words[i].indexOf(term) === 0) n++;
    return n;
  }
  // Every query term must match (prefix match on words of title, tags or body).
  // Score = 5 x title hits + 3 x tag hits + body hits; ties broken by id.
  function search(q) {
    var terms = tokens(q);
    if (!terms.length) return [];
    var out = [];
    window.DOCS.forEach(function (d) {
      var tw = tokens(d.title), gw = tokens(d.tags.join(" ")), bw = tokens(d.body);
      var score = 0, ok = true;
      terms.forEach(function (t) {
        var s = 5 * countPrefix(tw, t) + 3 * countPrefix(gw, t) + countPrefix(bw, t);
        if (s === 0) ok = false;
        score += s;
      });
      if (ok) out.push({ doc: d, score: score });
    });
    out.sort(function (a, b) { return b.score - a.score || a.doc.id - b.doc.id; });
    return out.map(function (r) { return r.doc; });
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function highlight(text, q) {
    var html = esc(text);
    tokens(q).forEach(function (t) {
      html = html.replace(new RegExp("\\b(" + t.replace(/[^a-z0-9]/g, "") + "[a-z0-9]*)", "gi"), "<mark>$1</mark>");
    });
    return html;
  }
  function snippet(d) {
    var b = d.body;
    if (b.length <= 150) return b;
    var cut = b.lastIndexOf(" ", 150);
    return b.slice(0, cut) + " …";
  }
  window.Findr = { search: search, esc: esc, highlight: highlight, snippet: snippet, tokens: tokens };
})();
