// Civic Club multi-step registration: validation per step, review, submit to the benchmark backend.
(function () {
  var form = document.getElementById("registration");
  var current = 1;
  function $(id) { return document.getElementById(id); }
  function val(id) { return $(id).value.trim(); }
  function radio(name) { var r = form.querySelector('input[name="' + name + '"]:checked'); return r ? r.value : ""; }
  function interests() { return Array.prototype.map.call(form.querySelectorAll('input[name="interests"]:checked'), function (c) { return c.value; }); }
  function setErr(id, msg, target) {
    $(id + "-error").textContent = msg || "";
    var t = $(target || id);
    if (msg) t.setAttribute("aria-invalid", "true"); else t.removeAttribute("aria-invalid");
    return msg ? 1 : 0;
  }
  function validDate(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    if (!m) return "Enter the date as YYYY-MM-DD.";
    var y = +m[1], mo = +m[2], d = +m[3];
    var dt = new Date(Date.UTC(y, mo - 1, d));
    if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return "Enter a real calendar date.";
    if (s < "1900-01-01" || s > "2007-12-31") return "Members must be born between 1900-01-01 and 2007-12-31.";
    return "";
  }
  var validators = {
    1: function () {
      var n = 0;
      n += setErr("first-name", val("first-name") ? "" : "First name is required.");
      n += setErr("last-name", val("last-name") ? "" : "Last name is required.");
      n += setErr("email", !val("email") ? "Email address is required." : /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(val("email")) ? "" : "Please enter a valid email address.");
      n += setErr("birth-date", !val("birth-date") ? "Date of birth is required." : validDate(val("birth-date")));
      n += setErr("phone", !val("phone") || /^\+?[0-9 ]{6,18}$/.test(val("phone")) ? "" : "Please enter a valid phone number.");
      return n;
    },
    2: function () {
      var n = 0;
      n += setErr("street", val("street") ? "" : "Street and house number are required.");
      n += setErr("city", val("city") ? "" : "City is required.");
      n += setErr("postcode", !val("postcode") ? "Postcode is required." : /^\d{5}$/.test(val("postcode")) ? "" : "Postcode must be exactly 5 digits.");
      n += setErr("country", val("country") ? "" : "Please select a country.");
      return n;
    },
    3: function () {
      var n = 0;
      n += setErr("contact-method", radio("contact_method") ? "" : "Choose how we should contact you.");
      n += setErr("interests", interests().length ? "" : "Select at least one interest.");
      n += setErr("terms", $("terms").checked ? "" : "You must accept the membership terms.");
      return n;
    }
  };
  function show(step) {
    current = step;
    for (var i = 1; i <= 4; i++) $("step-" + i).hidden = i !== step;
    Array.prototype.forEach.call(document.querySelectorAll("#steps li"), function (li) {
      var s = +li.getAttribute("data-step");
      if (s === step) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
      li.className = s < step ? "done" : "";
    });
    $("error-summary").hidden = true;
    if (step === 4) renderReview();
    sessionStorage.setItem("forms.step", String(step));
    window.scrollTo(0, 0);
  }
  function summary(n) {
    var box = $("error-summary");
    box.hidden = n === 0;
    box.textContent = n ? "Please fix " + n + (n === 1 ? " problem" : " problems") + " before continuing." : "";
    var firstBad = $("step-" + current).querySelector("[aria-invalid=true]");
    if (firstBad) (firstBad.tagName === "FIELDSET" ? firstBad.querySelector("input") : firstBad).focus();
  }
  function dl(id, rows) {
    $(id).innerHTML = rows.map(function (r) {
      var d = document.createElement("dd"); d.textContent = r[1] || "—";
      return "<dt>" + r[0] + "</dt>" + d.outerHTML;
    }).join("");
  }
  var CONTACT = { email: "Email", phone: "Phone", post: "Post" };
  function data() {
    return {
      first_name: val("first-name"), last_name: val("last-name"), email: val("email"), birth_date: val("birth-date"), phone: val("phone"),
      street: val("street"), city: val("city"), postcode: val("postcode"), country: val("country"),
      contact_method: radio("contact_method"), interests: interests().join(", "), language: val("language"),
      newsletter: $("newsletter").checked ? "yes" : "no", comments: val("comments")
    };
  }
  function renderReview() {
    var d = data();
    dl("review-1", [["Name", d.first_name + " " + d.last_name], ["Email", d.email], ["Date of birth", d.birth_date], ["Phone", d.phone]]);
    dl("review-2", [["Street", d.street], ["City", d.city], ["Postcode", d.postcode], ["Country", d.country]]);
    dl("review-3", [["Contact by", CONTACT[d.contact_method]], ["Interests", d.interests], ["Language", d.language], ["Newsletter", d.newsletter === "yes" ? "Yes" : "No"], ["Comments", d.comments]]);
  }
  form.addEventListener("click", function (e) {
    var t = e.target;
    if (t.classList.contains("next")) {
      var n = validators[current]();
      if (n) summary(n); else show(current + 1);
    } else if (t.classList.contains("back")) {
      show(current - 1);
    } else if (t.hasAttribute("data-goto")) {
      show(+t.getAttribute("data-goto"));
    }
  });
  // Pressing Enter inside a field behaves like the Next button of the current step.
  form.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.tagName === "INPUT" && current < 4) {
      e.preventDefault();
      $("next-" + current).click();
    }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (current !== 4) return;
    for (var s = 1; s <= 3; s++) { if (validators[s]()) { show(s); summary(validators[s]()); return; } }
    var btn = $("submit-registration"), fields = data();
    btn.disabled = true; btn.textContent = "Submitting…";
    fetch("/__backend/submit", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ site: "forms", form: "registration", fields: fields }) })
      .then(function (r) { return r.json(); })
      .then(function (res) {
        if (!res || !res.ok) throw new Error("rejected");
        form.hidden = true; $("steps").hidden = true;
        $("done").hidden = false;
        $("done-name").textContent = fields.first_name;
        $("done-email").textContent = fields.email;
        $("reference-id").textContent = res.id;
        sessionStorage.setItem("forms.step", "done");
      })
      .catch(function () {
        btn.disabled = false; btn.textContent = "Submit registration";
        var box = $("error-summary"); box.hidden = false; box.textContent = "The registration could not be submitted. Please try again.";
      });
  });
  show(1);
})();
