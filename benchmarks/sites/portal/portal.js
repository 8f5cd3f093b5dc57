// Acme Cloud portal: fake session handling (sessionStorage) and shared account data.
(function () {
  var SESSION_KEY = "portal.session", SETTINGS_KEY = "portal.settings";
  var ACCOUNT = {
    username: "demo", fullName: "Dana Morgan", email: "dana.morgan@example.com", accountNumber: "ACC-20417",
    plan: "Team Pro", memberSince: "March 2021", storageUsedGb: 38.2, storageTotalGb: 100, apiCalls: 12480, apiLimit: 50000,
    openTickets: 2, region: "eu-west (Dublin)"
  };
  var DEFAULTS = { displayName: "Dana Morgan", timezone: "UTC", emailNotifications: true, smsAlerts: false, twoFactor: false, weeklyReport: true, darkMode: false };
  var INVOICES = [
    { id: "INV-1047", date: "2024-10-01", description: "Team Pro – October", amount: 58.25, status: "Unpaid" },
    { id: "INV-1046", date: "2024-09-01", description: "Team Pro – September", amount: 71.5, status: "Paid" },
    { id: "INV-1045", date: "2024-08-01", description: "Team Pro – August", amount: 64, status: "Unpaid" },
    { id: "INV-1044", date: "2024-07-01", description: "Team Pro – July", amount: 64, status: "Paid" },
    { id: "INV-1043", date: "2024-06-01", description: "Starter – June", amount: 49, status: "Paid" },
    { id: "INV-1042", date: "2024-05-01", description: "Starter – May", amount: 49, status: "Paid" }
  ];
  var MESSAGES = [
    { id: 1, from: "Security Team", subject: "Your sign-in verification code", date: "Oct 14", unread: true,
      body: ["Hi Dana,", "Someone (hopefully you) asked to sign in to Acme Cloud from a new device.", "Your verification code is 482913. It expires 10 minutes after it was sent.", "If this was not you, change your password and turn on two-factor authentication in Settings."] },
    { id: 2, from: "Billing", subject: "Invoice INV-1047 is ready", date: "Oct 1", unread: true,
      body: ["Hello,", "Your invoice INV-1047 for $58.25 is ready. Payment is due by October 31.", "You can view all invoices on the Billing page."] },
    { id: 3, from: "Support", subject: "Ticket #5521 has been resolved", date: "Sep 22", unread: false,
      body: ["Hi Dana,", "Your ticket #5521 (“Cannot upload files larger than 2 GB”) has been resolved. The upload limit on your plan is now 5 GB per file.", "Reply to this message to reopen the ticket."] },
    { id: 4, from: "Product Updates", subject: "New dashboard widgets", date: "Sep 3", unread: false,
      body: ["Hello,", "The dashboard now shows API usage and storage at a glance. More widgets are coming next quarter."] }
  ];
  function session() { try { return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null"); } catch (e) { return null; } }
  function login(u, p) {
    if (u === "demo" && p === "demo123") { sessionStorage.setItem(SESSION_KEY, JSON.stringify({ user: "demo", since: "session" })); return true; }
    return false;
  }
  function logout() { sessionStorage.removeItem(SESSION_KEY); location.href = "index.html?logged_out=1"; }
  function settings() {
    var s = {}; try { s = JSON.parse(sessionStorage.getItem(SETTINGS_KEY) || "{}") || {}; } catch (e) {}
    var out = {}; Object.keys(DEFAULTS).forEach(function (k) { out[k] = k in s ? s[k] : DEFAULTS[k]; }); return out;
  }
  function saveSettings(s) { sessionStorage.setItem(SETTINGS_KEY, JSON.stringify(s)); }
  // Protected pages call this first: without a session they go to the login page.
  function guard(page) {
    if (!session()) { location.replace("index.html?next=" + encodeURIComponent(page)); return false; }
    if (settings().darkMode) document.body.classList.add("dark");
    var nav = document.getElementById("side-nav");
    if (nav) {
      var links = [["dashboard.html", "Dashboard"], ["messages.html", "Messages"], ["billing.html", "Billing"], ["settings.html", "Settings"]];
      var unread = MESSAGES.filter(function (m) { return m.unread; }).length;
      nav.innerHTML = '<a class="logo" href="dashboard.html">' + LOGO + "Acme Cloud</a>" + links.map(function (l) {
        return '<a href="' + l[0] + '"' + (l[0] === page ? ' aria-current="page"' : "") + ">" + l[1] + (l[0] === "messages.html" ? " (" + unread + ")" : "") + "</a>";
      }).join("") + '<a href="help.html" target="_blank" rel="noopener">Help center ↗</a><span class="spacer"></span>' +
        '<button type="button" id="logout">Log out</button>';
      document.getElementById("logout").addEventListener("click", logout);
    }
    return true;
  }
  var LOGO = '<svg width="28" height="28" viewBox="0 0 28 28" aria-hidden="true"><rect width="28" height="28" rx="7" fill="#0891b2"/><path d="M7 18a5 5 0 0 1 3-9 6 6 0 0 1 11 2 4 4 0 0 1 0 8H9z" fill="#fff"/></svg>';
  function money(n) { return "$" + n.toFixed(2); }
  window.Portal = { ACCOUNT: ACCOUNT, INVOICES: INVOICES, MESSAGES: MESSAGES, session: session, login: login, logout: logout,
    settings: settings, saveSettings: saveSettings, guard: guard, money: money, LOGO: LOGO };
})();
