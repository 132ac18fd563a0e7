// Behaviour of the demo city pages, including the deliberately broken parts that the
// Stuckpoint detectors should find. Nothing here sends data anywhere.
(function () {
  "use strict";

  // Multi-step permit form: Next/Back show one fieldset at a time.
  var permit = document.getElementById("permit-form");
  if (permit) {
    var steps = permit.querySelectorAll("fieldset[data-step]");
    var progress = document.getElementById("permit-progress");
    var show = function (n) {
      steps.forEach(function (step) {
        step.hidden = step.getAttribute("data-step") !== n;
      });
      progress.textContent = "Step " + n + " of " + steps.length;
      if (n === "3") fillReview();
      var first = permit.querySelector(
        'fieldset[data-step="' +
          n +
          '"] input, fieldset[data-step="' +
          n +
          '"] button',
      );
      if (first) first.focus();
    };
    var fillReview = function () {
      var review = document.getElementById("permit-review");
      review.textContent = "";
      [
        "name",
        "email",
        "phone",
        "ssn",
        "street",
        "city",
        "zip",
        "type",
      ].forEach(function (name) {
        var field = permit.elements[name];
        var dt = document.createElement("dt");
        dt.textContent = permit
          .querySelector('label[for="' + field.id + '"]')
          .firstChild.textContent.trim();
        var dd = document.createElement("dd");
        dd.textContent = field.value || "—";
        review.appendChild(dt);
        review.appendChild(dd);
      });
    };
    permit.addEventListener("click", function (e) {
      var next = e.target.closest("[data-next]");
      if (next) show(next.getAttribute("data-next"));
    });
    permit.addEventListener("submit", function (e) {
      e.preventDefault();
      document.getElementById("permit-result").textContent =
        "Thank you. Your application was received.";
    });
  }

  // Water bill: the account number check rejects every input, valid or not (deliberate bug).
  var water = document.getElementById("water-form");
  if (water) {
    water.addEventListener("submit", function (e) {
      e.preventDefault();
      var account = document.getElementById("account-number");
      account.setAttribute("aria-invalid", "true");
      document.getElementById("account-error").textContent =
        "This account number is not valid. Check your bill and try again.";
      account.focus();
    });
  }

  // Pothole report: a working stepper (negative control) and a submit that throws (deliberate bug).
  var value = document.getElementById("stepper-value");
  if (value) {
    var set = function (n) {
      value.textContent = String(Math.max(1, Math.min(20, n)));
    };
    document
      .getElementById("stepper-minus")
      .addEventListener("click", function () {
        set(Number(value.textContent) - 1);
      });
    document
      .getElementById("stepper-plus")
      .addEventListener("click", function () {
        set(Number(value.textContent) + 1);
      });
  }
  var pothole = document.getElementById("pothole-form");
  if (pothole) {
    pothole.addEventListener("submit", function (e) {
      e.preventDefault();
      throw new Error(
        "Pothole report could not be sent: routing service missing",
      );
    });
  }
})();
