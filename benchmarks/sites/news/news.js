// The Daily Meridian: shared rendering helpers.
(function () {
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; }); }
  function cat(id) { return window.CATEGORIES.filter(function (c) { return c.id === id; })[0] || { id: id, name: id }; }
  function byId(id) { return window.ARTICLES.filter(function (a) { return a.id === id; })[0] || null; }
  function nav(current) {
    var el = document.getElementById("cats");
    el.innerHTML = '<a href="index.html"' + (current === "home" ? ' aria-current="page"' : "") + ">Front page</a>" +
      window.CATEGORIES.map(function (c) {
        return '<a href="category.html?c=' + c.id + '"' + (current === c.id ? ' aria-current="page"' : "") + ">" + c.name + "</a>";
      }).join("");
  }
  var PALETTE = { environment: ["#14532d", "#4ade80"], science: ["#1e1b4b", "#a5b4fc"], travel: ["#0c4a6e", "#7dd3fc"], culture: ["#7c2d12", "#fdba74"], technology: ["#3f3f46", "#d4d4d8"] };
  // A simple generated illustration (inline SVG) so pages need no image files.
  function hero(a, cls, h) {
    var c = PALETTE[a.category] || ["#444", "#ccc"], n = a.title.length;
    var hills = "";
    for (var i = 0; i < 4; i++) {
      var y = 60 + i * 10 + (n * (i + 3)) % 12;
      hills += '<path d="M0 ' + (y + 20) + " Q 25 " + (y - 10 + i * 3) + " 50 " + (y + 8) + " T 100 " + (y + 2) + ' L100 100 L0 100 Z" fill="' + c[1] + '" opacity="' + (0.25 + i * 0.2) + '"/>';
    }
    return '<svg class="' + cls + '" viewBox="0 0 100 100" preserveAspectRatio="none" role="img" aria-label="Illustration for ' + esc(a.title) + '"' + (h ? ' height="' + h + '" width="100%"' : "") + ">" +
      '<rect width="100" height="100" fill="' + c[0] + '"/><circle cx="' + (20 + n % 60) + '" cy="28" r="9" fill="' + c[1] + '" opacity=".9"/>' + hills + "</svg>";
  }
  function card(a, lead) {
    return '<article class="card' + (lead ? " lead-story" : "") + '" data-article-id="' + a.id + '">' +
      (lead ? hero(a, "", 260) : "") + "<div>" +
      '<a class="cat" href="category.html?c=' + a.category + '">' + cat(a.category).name + "</a>" +
      '<h2><a href="article.html?id=' + a.id + '">' + esc(a.title) + "</a></h2>" +
      "<p>" + esc(a.summary) + "</p>" +
      '<div class="meta">By <span class="author">' + esc(a.author) + "</span> · " + a.date + " · " + a.minutes + " min read</div></div></article>";
  }
  window.News = { esc: esc, cat: cat, byId: byId, nav: nav, hero: hero, card: card };
})();
