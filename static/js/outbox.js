// The outbox: reports made without a connection, kept on the phone (IndexedDB) and sent
// through POST /report/ (Accept: application/json) when the network is back. Loaded by the
// landing and report pages and, by importScripts, by the service worker (templates/pwa/sw.js);
// the part that draws the list runs only in a page. The server stores a report once per
// client_id, so a report sent twice (two tabs, the worker and a page) is stored once.
(function (scope) {
  "use strict";
  var DB_NAME = "einzelfall";
  var STORE = "outbox";
  var SYNC_TAG = "einzelfall-outbox";
  var LOCK = "einzelfall-outbox";
  // Set by the server or by the queue itself at sending time, not kept with the fields.
  var OWN = { client_id: true, observed_at: true, offline: true, sent_at: true };
  // A sent entry (with its private link) leaves the list by itself after this long: a shared
  // phone does not show it to the next person for ever (the link is in the mail too).
  var SHOWN_FOR = 24 * 60 * 60 * 1000;
  var POST_TIMEOUT = 15000;
  var config = { report: "/report/", token: "/report/token/" };
  var channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel(STORE) : null;
  var listeners = [];

  function uuid() {
    if (scope.crypto && scope.crypto.randomUUID) return scope.crypto.randomUUID();
    var bytes = scope.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return hex.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
  }

  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = scope.indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, { keyPath: "client_id" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function run(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function all() {
    return run("readonly", function (store) { return store.getAll(); }).then(function (items) {
      return items.sort(function (a, b) { return a.created - b.created; });
    });
  }
  function get(id) {
    return run("readonly", function (store) { return store.get(id); });
  }
  function put(item) {
    return run("readwrite", function (store) { store.put(item); }).then(changed);
  }
  function remove(id) {
    return run("readwrite", function (store) { store.delete(id); }).then(changed);
  }

  // Every page of the site (and the worker) redraws when the outbox changes anywhere.
  function changed() {
    if (channel) channel.postMessage("changed");
    listeners.forEach(function (listener) { listener(); });
  }
  if (channel) {
    channel.onmessage = function () {
      listeners.forEach(function (listener) { listener(); });
    };
  }

  function value(fields, name) {
    for (var i = 0; i < fields.length; i++) if (fields[i][0] === name) return fields[i][1];
    return "";
  }
  function values(fields, name) {
    return fields.filter(function (pair) { return pair[0] === name; })
      .map(function (pair) { return pair[1]; });
  }
  function setValue(fields, name, newValue) {
    var rest = fields.filter(function (pair) { return pair[0] !== name; });
    rest.push([name, newValue]);
    return rest;
  }

  // A report kept for sending: its fields as the form had them, the moment it was made (the
  // phone's clock, corrected by the server with sent_at), and what the list shows (what,
  // where; never the email address). `at`: when it was made, if not in the fields.
  function keep(fields, labels, at) {
    var id = value(fields, "client_id") || uuid();
    var observed = value(fields, "observed_at") || at || new Date().toISOString();
    return get(id).then(function (existing) {
      // The same report twice (a double press): kept once; a refused one corrected in the
      // form replaces what was refused.
      if (existing && existing.status !== "refused") return existing;
      var item = {
        client_id: id,
        observed_at: observed,
        created: Date.now(),
        status: "waiting",
        fields: fields.filter(function (pair) { return !OWN[pair[0]]; }),
        summary: {
          problems: values(fields, "problems"),
          labels: labels || null,
          city: value(fields, "city"),
          district: value(fields, "district"),
          postal_code: value(fields, "postal_code"),
        },
        retry_at: 0,
      };
      return put(item).then(function () { return item; });
    });
  }

  function post(item) {
    var body = new URLSearchParams();
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    body.set("client_id", item.client_id);
    body.set("observed_at", item.observed_at);
    body.set("offline", "on");
    // The phone's clock now: the server corrects observed_at by how far this is off.
    body.set("sent_at", new Date().toISOString());
    // Lie-fi that never answers must not hold the queue (and its lock) for ever: the report
    // keeps waiting, and its client_id makes a late arrival harmless.
    return fetch(config.report, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: AbortSignal.timeout ? AbortSignal.timeout(POST_TIMEOUT) : undefined,
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data || {} };
      });
    });
  }

  function freshToken() {
    return fetch(config.token, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    }).then(function (response) {
      return response.ok ? response.json() : {};
    }).then(function (data) { return data.csrf_token || null; });
  }

  function messages(errors) {
    var list = [];
    Object.keys(errors || {}).forEach(function (field) {
      (errors[field] || []).forEach(function (message) {
        list.push(typeof message === "string" ? message : message.message || "");
      });
    });
    return list.filter(Boolean);
  }

  // One report through the intake, every outcome of the contract handled. A fresh stamp
  // and a fresh CSRF token are each tried once; a network failure leaves it waiting.
  function sendOne(item, retried) {
    retried = retried || {};
    return post(item).then(function (answer) {
      var data = answer.data;
      var outcome = data.outcome;
      if (outcome === "stored" || outcome === "duplicate") {
        // Opened in the form and stored from there: it has its own thanks page.
        if (item.reopened) return remove(item.client_id);
        return sent(item, data.private_url || null);
      }
      if (outcome === "received") return sent(item, null);
      if (outcome === "throttled" || outcome === "unchecked") {
        item.retry_at = Date.now() + 1000 * (Number(data.retry_after) || 60);
        return put(item);
      }
      // sent_before (the intake's answer to a post without the offline flag) is not a
      // report stored for this client_id: kept, and shown as refused, to be opened again.
      if (outcome === "sent_before") {
        // The page words it (data-text="sent_before"): the worker has no texts.
        item.status = "refused";
        item.errors = [];
        item.error_fields = [];
        item.refusal = "sent_before";
        return put(item);
      }
      if (outcome === "refused") {
        var general = Object.keys(data.errors || {}).every(function (f) { return f === "__all__"; });
        // Not for a report opened in the form: its stored fields are the uncorrected ones.
        if (data.form_stamp && general && !retried.stamp && !item.reopened) {
          item.fields = setValue(item.fields, "form_stamp", data.form_stamp);
          retried.stamp = true;
          return put(item).then(function () { return sendOne(item, retried); });
        }
        item.status = "refused";
        item.errors = messages(data.errors);
        item.error_fields = Object.keys(data.errors || {});
        if (data.form_stamp) item.fields = setValue(item.fields, "form_stamp", data.form_stamp);
        return put(item);
      }
      if (answer.status === 403 && !retried.token) {
        retried.token = true;
        return freshToken().then(function (token) {
          if (!token) return null;
          item.fields = setValue(item.fields, "csrfmiddlewaretoken", token);
          return put(item).then(function () { return sendOne(item, retried); });
        });
      }
      return null; // a server error or an answer not in the contract: it keeps waiting
    }, function () { return null; });
  }

  // Sent: only what the list shows is kept on the phone, not the fields (the email).
  function sent(item, privateUrl) {
    item.status = "sent";
    item.private_url = privateUrl;
    item.sent_at = new Date().toISOString();
    delete item.fields;
    delete item.errors;
    return put(item);
  }

  function locked(work) {
    var locks = scope.navigator && scope.navigator.locks;
    return locks ? locks.request(LOCK, work) : work();
  }

  // Everything waiting (whose wait after "throttled" is over, unless forced), one by one;
  // under a lock shared by the tabs and the worker, so each is posted by one of them.
  // Sent entries shown longer than SHOWN_FOR are removed (with their private links).
  function forgetOld() {
    return all().then(function (items) {
      var old = items.filter(function (item) {
        var at = Date.parse(item.sent_at);
        return item.status === "sent" && (isNaN(at) || Date.now() - at >= SHOWN_FOR);
      });
      if (!old.length) return items;
      return run("readwrite", function (store) {
        old.forEach(function (item) { store.delete(item.client_id); });
      }).then(changed).then(function () {
        return items.filter(function (item) { return old.indexOf(item) === -1; });
      });
    });
  }

  function sendAll(options) {
    var force = options && options.force;
    return locked(function () {
      return all().then(function (items) {
        // A refused report waits for the person (opened in the form, it leaves the outbox when
        // the form sends it): sent again as it was, it would be refused again.
        var due = items.filter(function (item) {
          return item.status === "waiting" && (force || !item.retry_at || item.retry_at <= Date.now());
        });
        return due.reduce(function (chain, item) {
          return chain.then(function () {
            // Another tab or the worker may have sent it since the list was read.
            return get(item.client_id).then(function (current) {
              if (current && current.status === "waiting") return sendOne(current);
            });
          });
        }, Promise.resolve());
      });
    }).catch(function () { /* IndexedDB refused (private mode): nothing to send */ });
  }

  function askForSync(registration) {
    if (registration && registration.sync) {
      registration.sync.register(SYNC_TAG).catch(function () { /* not allowed here */ });
    }
  }

  scope.EinzelfallOutbox = {
    SYNC_TAG: SYNC_TAG,
    configure: function (options) { Object.assign(config, options); },
    uuid: uuid,
    keep: keep,
    all: all,
    forgetOld: forgetOld,
    SHOWN_FOR: SHOWN_FOR,
    get: get,
    put: put,
    remove: remove,
    post: post,
    sendAll: sendAll,
    askForSync: askForSync,
    onChange: function (listener) { listeners.push(listener); },
  };
})(self);

// The page: a client_id for the form, the moment a report is made, the report kept when
// the phone is offline, and the list of what waits and what was sent.
(function () {
  "use strict";
  if (typeof document === "undefined" || !self.indexedDB) return;
  var Outbox = self.EinzelfallOutbox;
  var root = document.querySelector("[data-outbox]");
  var form = document.querySelector("form[data-suggest-url]");
  if (!root) return;
  Outbox.configure({ report: root.getAttribute("data-report-url"),
    token: root.getAttribute("data-token-url") });
  var list = root.querySelector("[data-outbox-list]");
  var status = root.querySelector("[data-outbox-status]");
  var sendButton = root.querySelector("[data-outbox-send]");
  var texts = {};
  root.querySelectorAll("[data-text]").forEach(function (element) {
    texts[element.getAttribute("data-text")] = element.textContent.trim();
  });
  var language = document.documentElement.lang || "de";
  var timer = null;

  function field(name) {
    return form && form.querySelector("input[name='" + name + "']");
  }

  function newClientId() {
    var input = field("client_id");
    if (input) input.value = Outbox.uuid();
  }
  // Made at page load and kept until the report is stored: a form shown again after a
  // mistake keeps the one the server echoes.
  if (field("client_id") && !field("client_id").value) newClientId();

  function problemLabels() {
    if (!form) return null;
    return Array.prototype.map.call(form.querySelectorAll("input[name=problems]:checked"),
      function (input) {
        var label = form.querySelector("label[for='" + input.id + "']");
        return label ? label.textContent.trim() : input.value;
      });
  }

  function labelsFor(slugs) {
    if (!form) return null;
    return slugs.map(function (slug) {
      var input = form.querySelector("input[name=problems][value='" + CSS.escape(slug) + "']");
      var label = input && form.querySelector("label[for='" + input.id + "']");
      return label ? label.textContent.trim() : slug;
    });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      // observed_at only for a report made earlier on the phone (kept offline, or a refused
      // one opened again), with sent_at, the phone's clock now, for the server to correct
      // it; a report sent online is made when it arrives, whatever the phone's clock says.
      var observed = field("observed_at");
      var sentAt = field("sent_at");
      var earlier = form.getAttribute("data-observed-at");
      if (observed) observed.value = earlier || "";
      if (sentAt) sentAt.value = earlier ? new Date().toISOString() : "";
      if (navigator.onLine && editing) {
        // A refused report opened here is now sent by the form: out of the outbox first
        // (the form shown again keeps its fields and client_id if the site refuses it
        // again; the worker keeps it again if the network fails).
        event.preventDefault();
        var reopened = editing;
        editing = null;
        // (The form's button is named "submit": it shadows form.submit.)
        var submit = function () { HTMLFormElement.prototype.submit.call(form); };
        Outbox.remove(reopened).then(submit, submit);
        return;
      }
      if (navigator.onLine) return; // sent as ever; the worker keeps it if the network fails
      event.preventDefault();
      if (observed && !earlier) observed.value = new Date().toISOString();
      var offline = field("offline");
      if (offline) offline.value = "on";
      var fields = [];
      new FormData(form).forEach(function (value, name) {
        if (typeof value === "string") fields.push([name, value]);
      });
      Outbox.keep(fields, problemLabels()).then(function () {
        form.reset();
        form.removeAttribute("data-observed-at");
        editing = null;
        newClientId();
        if (navigator.serviceWorker) navigator.serviceWorker.ready.then(Outbox.askForSync);
        return draw();
      }).then(function () {
        root.scrollIntoView();
        status.focus();
      }, function () {
        // IndexedDB refused (a private window): the browser's own offline page instead.
        form.submit();
      });
    });
  }

  function when(iso) {
    try {
      return new Date(iso).toLocaleString(language, { dateStyle: "medium", timeStyle: "short" });
    } catch (error) {
      return iso;
    }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function button(text, className, action) {
    var node = element("button", "btn btn-sm " + className, text);
    node.type = "button";
    node.addEventListener("click", action);
    return node;
  }

  function describe(item) {
    var summary = item.summary || {};
    var what = summary.labels && summary.labels.length ? summary.labels : labelsFor(summary.problems || []);
    if (what && !summary.labels && item.status === "waiting") {
      summary.labels = what;
      Outbox.put(item);
    }
    var where = [summary.postal_code, summary.city, summary.district].filter(Boolean).join(" ");
    return { what: (what || summary.problems || []).join(", "), where: where };
  }

  function entry(item) {
    var li = element("li", "outbox-item");
    li.setAttribute("data-testid", "outbox-item");
    li.setAttribute("data-status", item.status);
    var about = describe(item);
    li.appendChild(element("p", "outbox-what fw-semibold mb-1", about.what || "–"));
    li.appendChild(element("p", "outbox-when mb-1",
      [about.where, texts.made + " " + when(item.observed_at)].filter(Boolean).join(" · ")));
    var state = element("p", "outbox-state mb-2");
    state.setAttribute("data-testid", "outbox-state");
    li.appendChild(state);
    var actions = element("div", "d-flex flex-wrap gap-2");
    if (item.status === "sent") {
      state.textContent = texts.sent + " " + texts.shown;
      if (item.private_url) {
        var link = element("a", "outbox-link", texts.link);
        link.href = item.private_url;
        link.setAttribute("data-testid", "outbox-link");
        state.appendChild(document.createTextNode(" "));
        state.appendChild(link);
      }
      actions.appendChild(button(texts.dismiss, "btn-outline-secondary", function () {
        Outbox.remove(item.client_id);
      }));
    } else if (item.status === "refused") {
      state.textContent = texts.refused;
      var reasons = element("ul", "outbox-errors mb-2");
      var why = (item.errors || []).concat(item.refusal === "sent_before" ? [texts.sent_before] : []);
      why.forEach(function (message) { reasons.appendChild(element("li", "", message)); });
      li.appendChild(reasons);
      actions.appendChild(openButton(item));
      actions.appendChild(button(texts.discard, "btn-outline-danger", function () {
        Outbox.remove(item.client_id);
      }));
    } else {
      state.textContent = item.retry_at > Date.now() ? texts.later : texts.waiting;
      actions.appendChild(button(texts.discard, "btn-outline-danger", function () {
        Outbox.remove(item.client_id);
      }));
    }
    li.appendChild(actions);
    return li;
  }

  function openButton(item) {
    if (!form) {
      var link = element("a", "btn btn-sm btn-outline-primary", texts.open);
      link.href = root.getAttribute("data-report-url") + "#outbox-" + item.client_id;
      return link;
    }
    return button(texts.open, "btn-outline-primary", function () { openInForm(item); });
  }

  // A refused report back in the form, to be corrected and sent as any report; its
  // client_id, the moment it was made and the offline flag go along. It stays in the outbox
  // (hidden on this page) until it is stored: leaving the page does not lose it.
  var editing = null;
  function openInForm(item) {
    form.reset();
    var choices = {};
    (item.fields || []).forEach(function (pair) {
      var name = pair[0];
      if (name === "csrfmiddlewaretoken" || name === "form_stamp") return;
      var inputs = form.querySelectorAll("[name='" + CSS.escape(name) + "']");
      if (!inputs.length) return;
      var first = inputs[0];
      if (first.type === "checkbox" || first.type === "radio") {
        (choices[name] = choices[name] || []).push(pair[1]);
      } else {
        first.value = pair[1];
      }
    });
    Object.keys(choices).forEach(function (name) {
      form.querySelectorAll("[name='" + CSS.escape(name) + "']").forEach(function (input) {
        input.checked = choices[name].indexOf(input.value) !== -1;
      });
    });
    field("client_id").value = item.client_id;
    if (field("offline")) field("offline").value = "on";
    // The moment it was made goes along, unless that moment was what the site refused.
    if ((item.error_fields || []).indexOf("observed_at") === -1) {
      form.setAttribute("data-observed-at", item.observed_at);
    }
    editing = item.client_id;
    item.reopened = true;
    Outbox.put(item).then(function () {
      var first = form.querySelector("input:not([type=hidden])");
      form.scrollIntoView();
      if (first) first.focus({ preventScroll: true });
    });
  }

  function draw() {
    return Outbox.forgetOld().then(function (items) {
      items = items.filter(function (item) { return item.client_id !== editing; });
      list.textContent = "";
      items.forEach(function (item) { list.appendChild(entry(item)); });
      var waiting = items.filter(function (item) { return item.status === "waiting"; });
      root.hidden = items.length === 0;
      status.textContent = waiting.length ? texts.saved : "";
      sendButton.hidden = waiting.length === 0;
      schedule(waiting);
      if (form && location.hash.indexOf("#outbox-") === 0) {
        var wanted = location.hash.slice(8);
        history.replaceState(null, "", location.pathname + location.search);
        items.forEach(function (item) {
          if (item.client_id === wanted && item.status === "refused") openInForm(item);
        });
      }
    });
  }

  // "Try again in n seconds" (throttled, unchecked): sent then while the page is open.
  function schedule(waiting) {
    clearTimeout(timer);
    var next = waiting.map(function (item) { return item.retry_at || 0; })
      .filter(function (at) { return at > Date.now(); });
    if (!next.length) return;
    timer = setTimeout(send, Math.min.apply(null, next) - Date.now() + 50);
  }

  function send(options) {
    if (!navigator.onLine && !(options && options.force)) return Promise.resolve();
    return Outbox.sendAll(options).then(draw);
  }

  Outbox.onChange(function () { draw(); });
  sendButton.addEventListener("click", function () { send({ force: true }); });
  window.addEventListener("online", function () { send(); });
  draw().then(function () { return send(); });
})();
