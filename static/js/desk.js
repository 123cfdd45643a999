// The moderation desk (templates/admin/complaints/complaint/desk.html): keys for the card's
// buttons, and each button's form sent with fetch, the answer (the next card, an HTML
// fragment) swapped in: one request per decision, no page load. Without this script the
// same buttons post the form and the server answers with the desk page again.
(function () {
  "use strict";

  const KEYS = { p: "p", r: "r", s: "s", j: "j", k: "k", u: "u" };
  let busy = false;
  let rejecting = false;

  function main() {
    return document.getElementById("desk-main");
  }

  function status(text) {
    const line = document.getElementById("desk-status");
    if (line && text) {
      line.textContent = text;
    }
  }

  function button(key) {
    const card = main();
    return card && card.querySelector('button[data-key="' + key + '"]:not([disabled])');
  }

  function setRejecting(on) {
    rejecting = on;
    const reasons = document.querySelector(".desk-reasons");
    if (reasons) {
      reasons.classList.toggle("desk-choosing", on);
    }
    const desk = document.getElementById("desk");
    if (on && desk) {
      status(desk.dataset.rejectHint);
    }
  }

  function swap(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const next = template.content.getElementById("desk-main");
    const card = main();
    if (!next || !card) {
      return false;
    }
    card.replaceWith(next);
    prepare();
    // The persistent status line is announced (aria-live); the card takes the focus, so
    // the keys go on working and a screen reader starts at the new report.
    status(next.dataset.message);
    next.focus({ preventScroll: true });
    return true;
  }

  function send(form, submitter) {
    if (busy) {
      return;
    }
    busy = true;
    setRejecting(false);
    const action = submitter.getAttribute("formaction") || form.getAttribute("action");
    fetch(action, {
      method: "POST",
      body: new FormData(form, submitter),
      headers: { "X-Desk": "1" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        // Free before the new card shows: a key pressed the moment it appears counts.
        busy = false;
        if (!swap(html)) {
          window.location.reload();
        }
      })
      .catch(function () {
        busy = false;
        // The session ended or the server failed: the desk page says what to do.
        window.location.reload();
      });
  }

  function onSubmit(event) {
    const form = event.target;
    if (!form.closest || !form.closest("#desk-main")) {
      return;
    }
    event.preventDefault();
    if (event.submitter) {
      send(form, event.submitter);
    }
  }

  function reject(number) {
    const radios = document.querySelectorAll('.desk-reasons input[name="reason"]');
    const radio = number === 0 ? radios[0] : document.querySelector(
      '.desk-reasons input[data-number="' + number + '"]'
    );
    if (!radio) {
      return;
    }
    radio.checked = true;
    const go = button("r");
    if (go) {
      go.click();
    }
  }

  function toggleHelp() {
    const help = document.getElementById("desk-help");
    if (!help) {
      return;
    }
    if (help.open) {
      help.close();
    } else {
      help.showModal();
    }
  }

  function typing(target) {
    if (!target || !target.tagName) {
      return false;
    }
    const tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select") {
      return true;
    }
    return tag === "input" && !["radio", "checkbox", "button", "submit"].includes(target.type);
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) {
      return;
    }
    const help = document.getElementById("desk-help");
    if (typing(event.target)) {
      if (event.key === "Escape") {
        event.preventDefault();
        event.target.blur();
        const card = main();
        if (card) {
          card.focus({ preventScroll: true });
        }
      }
      return;
    }
    if (event.key === "?") {
      event.preventDefault();
      toggleHelp();
      return;
    }
    if (help && help.open) {
      return; // the dialog handles Escape itself
    }
    if (rejecting) {
      event.preventDefault();
      if (event.key === "Escape") {
        setRejecting(false);
        status(" ");
      } else if (event.key === "Enter") {
        reject(0);
      } else if (/^[1-9]$/.test(event.key)) {
        reject(Number(event.key));
      }
      return;
    }
    const key = KEYS[event.key];
    if (!key || busy) {
      return;
    }
    event.preventDefault();
    if (key === "r") {
      if (button("r")) {
        setRejecting(true);
      }
      return;
    }
    const target = button(key);
    if (target) {
      target.click();
    }
  }

  function prepare() {
    const helpButton = document.querySelector(".desk-help-button");
    if (helpButton) {
      helpButton.hidden = false;
      helpButton.addEventListener("click", toggleHelp);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!main()) {
      return;
    }
    prepare();
    document.addEventListener("submit", onSubmit);
    document.addEventListener("keydown", onKey);
    const card = main();
    status(card.dataset.message);
    card.focus({ preventScroll: true });
  });
})();
