// Shared header for the dynamic-content lab.
(function () {
  var PAGES = [["index.html", "Overview"], ["modal.html", "Modal"], ["iframe.html", "Iframe"], ["delayed.html", "Delayed content"],
    ["tabs.html", "New tabs"], ["shadow.html", "Shadow DOM"], ["visibility.html", "Hidden & covered"], ["feed.html", "Infinite feed"]];
  document.addEventListener("DOMContentLoaded", function () {
    var here = location.pathname.split("/").pop() || "index.html";
    var h = document.getElementById("top");
    if (!h) return;
    h.innerHTML = '<a class="brand" href="index.html">Dynamic Lab</a><nav aria-label="Lab pages">' + PAGES.map(function (p) {
      return '<a href="' + p[0] + '"' + (p[0] === here ? ' aria-current="page"' : "") + ">" + p[1] + "</a>";
    }).join("") + "</nav>";
  });
})();
