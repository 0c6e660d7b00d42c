/*
 * form.js sends the appointment form with fetch and shows the answer in
 * place: problems next to the fields they concern, or the request's
 * reference. Without it the form still works as a plain HTML form post,
 * which the API answers with a redirect to the thank-you page or with its
 * own error page.
 *
 * It needs no build step and no library. It reads the API's URL from the
 * form's action attribute, so the same markup works on any website that
 * the API allows.
 */
(function () {
  "use strict";

  // FIELDS are the names the API accepts. Other inputs a page puts inside
  // the form, such as a content manager's hidden tokens, are left out:
  // the API refuses JSON with unknown fields.
  const FIELDS = [
    "firstName", "lastName", "email", "phone", "service", "location",
    "preferredDays", "preferredTimes", "newPatient", "contactMethod",
    "reason", "consent", "language", "_gotcha",
  ];
  const LIST_FIELDS = ["preferredDays", "preferredTimes"];
  const BOOLEAN_FIELDS = ["newPatient", "consent"];

  // CHALLENGE_FIELD is the hidden input a Cloudflare Turnstile widget puts
  // in the form, holding its token. It is not one of the request's fields,
  // but an API that checks for bots reads it, so it is sent beside them.
  const CHALLENGE_FIELD = "cf-turnstile-response";

  // TIMEOUT_MS bounds one attempt; the Idempotency-Key makes a retry after
  // a timeout safe.
  const TIMEOUT_MS = 30000;

  // MESSAGES are what the script says itself, in English. A page in
  // another language gives its own in the form's data-messages attribute,
  // as JSON with the same names; {reference} stands for the reference.
  const MESSAGES = {
    sending: "Sending…",
    error: "Error: ",
    problem: "There is a problem",
    notSent: "Your request was not sent",
    later: "Please try again later",
    unreachable: "We could not reach the clinic. Please check your internet connection and try again; what you typed is still here.",
    failed: "Something went wrong and your request was not sent. Please try again.",
    thanks: "Thank you, we have your request.",
    reference: " Your reference is {reference}.",
  };

  // messagesOf returns the form's messages: its data-messages over the
  // English ones, so that a page giving only some still says the rest.
  function messagesOf(form) {
    const out = Object.assign({}, MESSAGES);
    const phone = form.dataset.phone || "";
    if (phone) {
      out.unreachable += " You can also call us at " + phone + ".";
      out.failed = "Something went wrong and your request was not sent. Please try again, or call us at " + phone + ".";
    }
    try {
      const given = JSON.parse(form.dataset.messages || "{}");
      Object.keys(given).forEach(function (name) {
        if (typeof given[name] === "string" && Object.prototype.hasOwnProperty.call(MESSAGES, name)) {
          out[name] = given[name];
        }
      });
    } catch (err) {
      // Messages that cannot be read leave the English ones.
    }
    return out;
  }

  function enhance(form) {
    const text = messagesOf(form);
    const summary = form.querySelector("[data-summary]");
    const success = document.getElementById(form.dataset.success || "");
    const button = form.querySelector("button[type=submit], button:not([type])");
    const buttonText = button ? button.textContent : "";
    let sending = false;
    // attempt keeps the Idempotency-Key of the details last sent: sending
    // the same details again (after a lost answer, say) reuses it, so the
    // clinic gets one request however often the patient retries.
    let attempt = null;

    // The API's messages are written for patients and reach screen readers;
    // the browser's own bubbles do neither well. Without this script the
    // browser's checks still run.
    form.noValidate = true;

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (sending) {
        return;
      }
      const data = collect(form);
      // The key follows the details alone, not the widget's token: the
      // widget hands out a new token whenever it refreshes, and a retry of
      // the same details must still reuse the key.
      const details = JSON.stringify(data);
      if (!attempt || attempt.details !== details) {
        attempt = { details: details, key: newKey() };
      }
      const token = challengeToken(form);
      if (token !== null) {
        data[CHALLENGE_FIELD] = token;
      }
      const body = JSON.stringify(data);
      setSending(true);
      let answer;
      try {
        answer = await send(apiURL(form), body, attempt.key);
      } catch (err) {
        setSending(false);
        showSummary(text.notSent, text.unreachable, []);
        return;
      }
      setSending(false);
      const problem = answer.data || {};
      if (answer.ok) {
        attempt = null;
        showSuccess(problem.reference || "");
        return;
      }
      if (problem.code === "idempotency_key_reused") {
        attempt = null;
      }
      if (answer.status === 403 && problem.code === "challenge_failed") {
        resetChallenge(form);
      }
      if (Array.isArray(problem.errors) && problem.errors.length > 0) {
        showFieldErrors(problem);
        return;
      }
      showSummary(titleFor(answer.status), problem.detail || text.failed, []);
    });

    // A field's error goes away as soon as the patient changes it.
    const onChange = function (event) {
      if (event.target && event.target.name) {
        clearError(event.target.name);
      }
    };
    form.addEventListener("input", onChange);
    form.addEventListener("change", onChange);

    if (summary) {
      // A link in the summary moves to its field and shows the field's
      // label or question above it.
      summary.addEventListener("click", function (event) {
        const link = event.target.closest("a[data-field]");
        const control = link && controls(link.dataset.field)[0];
        if (!control) {
          return;
        }
        event.preventDefault();
        const heading = control.closest("fieldset")
          ? control.closest("fieldset").querySelector("legend")
          : form.querySelector("label[for=\"" + CSS.escape(control.id) + "\"]");
        (heading || control).scrollIntoView({ block: "start" });
        control.focus({ preventScroll: true });
      });
    }

    function titleFor(status) {
      switch (status) {
        case 429:
          return text.later;
        case 400:
        case 413:
        case 415:
        case 422:
          return text.problem;
        default:
          return text.notSent;
      }
    }

    function controls(name) {
      return Array.from(form.elements).filter(function (el) {
        return el.name === name && !el.disabled;
      });
    }

    function errorElement(name) {
      return form.querySelector("#" + CSS.escape(name + "-error"));
    }

    function setSending(on) {
      sending = on;
      form.setAttribute("aria-busy", on ? "true" : "false");
      if (button) {
        button.disabled = on;
        button.textContent = on ? text.sending : buttonText;
      }
    }

    function clearErrors() {
      form.querySelectorAll("[aria-invalid]").forEach(function (el) {
        el.removeAttribute("aria-invalid");
      });
      form.querySelectorAll(".appt-error").forEach(function (el) {
        el.textContent = "";
        el.hidden = true;
      });
      if (summary) {
        summary.hidden = true;
      }
    }

    function clearError(name) {
      const slot = errorElement(name);
      if (!slot || slot.hidden) {
        return;
      }
      slot.textContent = "";
      slot.hidden = true;
      controls(name).forEach(function (el) {
        el.removeAttribute("aria-invalid");
      });
      if (!summary) {
        return;
      }
      const list = summary.querySelector("[data-summary-list]");
      list.querySelectorAll("li").forEach(function (item) {
        if (item.dataset.field === name) {
          item.remove();
        }
      });
      if (list.children.length === 0) {
        summary.hidden = true;
      }
    }

    function showFieldErrors(problem) {
      clearErrors();
      const items = [];
      problem.errors.forEach(function (error) {
        const message = String(error.message || "");
        const fieldControls = controls(error.field);
        const slot = errorElement(error.field);
        if (fieldControls.length === 0 || !slot) {
          items.push({ message: message });
          return;
        }
        fieldControls.forEach(function (el) {
          el.setAttribute("aria-invalid", "true");
        });
        const prefix = document.createElement("span");
        prefix.className = "appt-visually-hidden";
        prefix.textContent = text.error;
        slot.replaceChildren(prefix, document.createTextNode(message));
        slot.hidden = false;
        items.push({ message: message, field: error.field, target: fieldControls[0] });
      });
      showSummary(text.problem, problem.detail || "", items);
    }

    function showSummary(title, detail, items) {
      if (!summary) {
        window.alert(title + "\n\n" + detail);
        return;
      }
      summary.querySelector("[data-summary-title]").textContent = title;
      const detailElement = summary.querySelector("[data-summary-detail]");
      detailElement.textContent = detail;
      detailElement.hidden = !detail;
      const list = summary.querySelector("[data-summary-list]");
      list.replaceChildren(...items.map(function (item) {
        const li = document.createElement("li");
        if (item.target) {
          li.dataset.field = item.field;
          const link = document.createElement("a");
          link.href = "#" + item.target.id;
          link.dataset.field = item.field;
          link.textContent = item.message;
          li.append(link);
        } else {
          li.textContent = item.message;
        }
        return li;
      }));
      list.hidden = items.length === 0;
      summary.hidden = false;
      summary.focus();
    }

    function showSuccess(reference) {
      clearErrors();
      if (!success) {
        const message = document.createElement("p");
        message.tabIndex = -1;
        message.textContent = text.thanks + (reference ? text.reference.replace("{reference}", reference) : "");
        form.replaceWith(message);
        message.focus();
        return;
      }
      const slot = success.querySelector("[data-reference]");
      if (slot) {
        slot.textContent = reference;
        slot.hidden = !reference;
      }
      form.hidden = true;
      success.hidden = false;
      success.focus();
    }
  }

  // apiURL is the form's action, resolved against the page as a plain form
  // post would. getAttribute avoids form.action, which a control named
  // "action" would shadow.
  function apiURL(form) {
    return new URL(form.getAttribute("action") || "", document.baseURI).href;
  }

  // challengeToken returns the Turnstile widget's token as text, or null
  // when the form has no widget.
  function challengeToken(form) {
    const input = Array.from(form.elements).find(function (el) {
      return el.name === CHALLENGE_FIELD && !el.disabled;
    });
    return input ? String(input.value) : null;
  }

  // resetChallenge asks the form's Turnstile widget for a new token. A
  // token is spent once the API has had it checked, so after a refusal the
  // patient could not pass without one; resetting spares them reloading
  // the page and typing everything again. The message the API sent is
  // shown as with any other problem.
  function resetChallenge(form) {
    const turnstile = window.turnstile;
    if (!turnstile || typeof turnstile.reset !== "function") {
      return;
    }
    const widget = form.querySelector(".cf-turnstile");
    try {
      if (widget) {
        turnstile.reset(widget);
      } else {
        turnstile.reset();
      }
    } catch (err) {
      // A widget that cannot be reset leaves the page as it is: the
      // message still tells the patient to reload or call.
    }
  }

  function collect(form) {
    const data = {};
    const elements = Array.from(form.elements);
    FIELDS.forEach(function (name) {
      const found = elements.filter(function (el) {
        return el.name === name && !el.disabled;
      });
      if (found.length === 0) {
        return;
      }
      const checked = found.filter(function (el) {
        return el.checked;
      });
      const isChoice = found[0].type === "checkbox" || found[0].type === "radio";
      if (LIST_FIELDS.includes(name)) {
        data[name] = (isChoice ? checked : found).map(function (el) {
          return el.value;
        });
      } else if (BOOLEAN_FIELDS.includes(name)) {
        if (found.length === 1 && found[0].type === "checkbox") {
          data[name] = found[0].checked;
        } else if (checked.length > 0) {
          data[name] = /^(yes|true|on|1)$/i.test(checked[0].value);
        } else if (!isChoice && found[0].value !== "") {
          data[name] = /^(yes|true|on|1)$/i.test(found[0].value);
        }
      } else if (isChoice) {
        if (checked.length > 0) {
          data[name] = checked[0].value;
        }
      } else {
        data[name] = found[0].value;
      }
    });
    return data;
  }

  async function send(url, body, key) {
    const controller = new AbortController();
    const timer = setTimeout(function () {
      controller.abort();
    }, TIMEOUT_MS);
    try {
      const res = await fetch(url, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "Idempotency-Key": key,
        },
        body: body,
        signal: controller.signal,
      });
      let data = null;
      if (/json/i.test(res.headers.get("Content-Type") || "")) {
        try {
          data = await res.json();
        } catch (err) {
          data = null;
        }
      }
      return { ok: res.ok, status: res.status, data: data };
    } finally {
      clearTimeout(timer);
    }
  }

  // newKey returns a random Idempotency-Key. crypto.randomUUID exists only
  // on https pages (and localhost); getRandomValues works everywhere.
  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  document.querySelectorAll("form[data-appointment-form]").forEach(enhance);
})();
