// Exchanges a bearer token for the dashboards' cookie: <form data-token-exchange action=URL>
// POSTs the token in an Authorization header (never in the URL or a body), then follows the
// answer's "location". Errors go to the page's error summary, which is focused and
// announced (WCAG 2.2, 3.3.1 error identification).
(function () {
  "use strict";
  var form = document.querySelector("form[data-token-exchange]");
  if (!form || !window.fetch) { return; }
  var input = form.querySelector("input[name=token]");
  var summary = document.querySelector("[data-sign-in-errors]");
  var message = document.querySelector("[data-sign-in-error]");
  function fail(text) {
    message.textContent = text;
    summary.hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", "error-title");
    summary.focus();
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var token = input.value.trim();
    if (!token) { fail("Enter your access token."); return; }
    fetch(form.getAttribute("action"), {
      method: "POST",
      headers: { "Authorization": "Bearer " + token },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.ok && body.location) { window.location.assign(body.location); return; }
        var detail = body && body.detail;
        var first = Array.isArray(detail) ? detail[0] : detail;
        fail("Your access token was refused: " + ((first && first.rule) || response.status) + ".");
      });
    }).catch(function () { fail("The dashboards could not be reached; try again."); });
  });
}());
