// Northwind Outfitters: shared helpers (cart in sessionStorage under "cart").
(function () {
  var CART_KEY = "cart";
  function byId(id) { return window.PRODUCTS.filter(function (p) { return p.id === id; })[0] || null; }
  function catName(id) { var c = window.CATEGORIES.filter(function (c) { return c.id === id; })[0]; return c ? c.name : id; }
  function money(n) { return "$" + n.toFixed(2); }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function getCart() {
    try { var c = JSON.parse(sessionStorage.getItem(CART_KEY) || "[]"); return Array.isArray(c) ? c : []; }
    catch (e) { return []; }
  }
  function saveCart(c) { sessionStorage.setItem(CART_KEY, JSON.stringify(c)); renderCount(); }
  function addToCart(id, qty) {
    var p = byId(id); if (!p || p.stock <= 0) return false;
    var c = getCart(), line = c.filter(function (l) { return l.id === id; })[0];
    if (line) line.qty = Math.min(p.stock, line.qty + qty); else c.push({ id: id, qty: Math.min(p.stock, qty) });
    saveCart(c); return true;
  }
  function setQty(id, qty) {
    var p = byId(id), c = getCart();
    c = c.map(function (l) { if (l.id === id) l.qty = Math.max(1, Math.min(p ? p.stock : 99, qty)); return l; });
    saveCart(c);
  }
  function removeFromCart(id) { saveCart(getCart().filter(function (l) { return l.id !== id; })); }
  function itemCount() { return getCart().reduce(function (n, l) { return n + l.qty; }, 0); }
  function subtotal() {
    return Math.round(getCart().reduce(function (s, l) { var p = byId(l.id); return s + (p ? p.price * l.qty : 0); }, 0) * 100) / 100;
  }
  function shippingCost(method, sub) {
    var s = window.SHIPPING[method] || window.SHIPPING.standard;
    if (s.freeFrom && sub >= s.freeFrom) return 0;
    return sub > 0 ? s.price : 0;
  }
  function renderCount() {
    var el = document.getElementById("cart-count");
    if (el) el.textContent = String(itemCount());
  }
  function stars(r) {
    var full = Math.round(r);
    return '<span class="stars" aria-label="Rated ' + r.toFixed(1) + ' out of 5">' +
      "★★★★★".slice(0, full) + '<span class="off">' + "★★★★★".slice(full) + "</span></span>";
  }
  // Small generated product picture (inline SVG, no external images).
  function picture(p, size) {
    var shapes = {
      shoes: '<path d="M20 70 L20 45 Q35 45 45 55 L70 62 Q88 66 88 76 L20 78 Z" fill="COL"/><rect x="18" y="76" width="72" height="6" rx="3" fill="#343a40"/>',
      clothing: '<path d="M35 25 L50 32 L65 25 L82 38 L74 48 L68 44 L68 82 L32 82 L32 44 L26 48 L18 38 Z" fill="COL"/>',
      kitchen: '<rect x="28" y="32" width="36" height="44" rx="6" fill="COL"/><path d="M64 42 Q80 42 80 54 Q80 66 64 66" stroke="COL" stroke-width="6" fill="none"/>',
      electronics: '<rect x="22" y="28" width="56" height="44" rx="6" fill="COL"/><rect x="28" y="34" width="44" height="32" rx="3" fill="#e9ecef"/><rect x="40" y="74" width="20" height="6" rx="2" fill="COL"/>',
      outdoor: '<path d="M50 20 L84 78 L16 78 Z" fill="COL"/><path d="M50 44 L62 78 L38 78 Z" fill="#f8f9fa"/>',
      books: '<rect x="28" y="20" width="44" height="60" rx="3" fill="COL"/><rect x="34" y="30" width="32" height="4" fill="#f8f9fa"/><rect x="34" y="38" width="24" height="3" fill="#f8f9fa"/>'
    };
    return '<svg class="pic" width="' + size + '" height="' + size + '" viewBox="0 0 100 100" role="img" aria-label="' + esc(p.name) + '">' +
      '<rect width="100" height="100" fill="#f1f3f5"/>' + (shapes[p.category] || "").replace(/COL/g, p.color) + "</svg>";
  }
  function stockText(p) {
    if (p.stock <= 0) return '<span class="stock out">Out of stock</span>';
    if (p.stock <= 5) return '<span class="stock low">Only ' + p.stock + " left</span>";
    return '<span class="stock in">In stock</span>';
  }
  function toast(msg) {
    var t = document.getElementById("toast");
    if (!t) { t = document.createElement("div"); t.id = "toast"; t.setAttribute("role", "status"); document.body.appendChild(t); }
    t.textContent = msg; t.className = "show";
    clearTimeout(toast._h); toast._h = setTimeout(function () { t.className = ""; }, 2500);
  }
  window.Shop = { byId: byId, catName: catName, money: money, esc: esc, getCart: getCart, saveCart: saveCart,
    addToCart: addToCart, setQty: setQty, removeFromCart: removeFromCart, itemCount: itemCount, subtotal: subtotal,
    shippingCost: shippingCost, renderCount: renderCount, stars: stars, picture: picture, stockText: stockText, toast: toast };
  document.addEventListener("DOMContentLoaded", renderCount);
})();
