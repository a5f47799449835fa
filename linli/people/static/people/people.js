// Population registry pages: live ID-number check, newcomer-family member rows, unmask with a reason.
// No inline scripts (CSP); everything is wired by data attributes.
(() => {
  "use strict";

  const csrfToken = (form) => {
    const input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  };

  // --- live ID check -------------------------------------------------------------------------
  const timers = new WeakMap();
  let sequence = 0;

  const liveBox = (input) => {
    const form = input.form;
    return form ? form.querySelector(`[data-live-for="${input.id}"]`) : null;
  };

  const showLive = (input, text, ok) => {
    const box = liveBox(input);
    if (!box) return;
    box.hidden = !text;
    box.textContent = text || "";
    box.classList.toggle("live-ok", ok === true);
    box.classList.toggle("live-error", ok === false);
    input.setAttribute("aria-invalid", ok === false ? "true" : "false");
    if (ok === false) input.setAttribute("aria-describedby", box.id || "");
  };

  const isResidentId = (input) => {
    const select = input.form && input.form.querySelector("select[name=id_type]");
    return !select || select.value === "resident_id";
  };

  const fillDerived = (input, data) => {
    const form = input.form;
    if (!form || input.name !== "id_number") return; // member rows have no sex/birth date fields
    const birth = form.querySelector("input[name=birth_date]");
    const sex = form.querySelector("select[name=sex]");
    if (birth && data.birth_date) birth.value = data.birth_date;
    if (sex && data.sex) sex.value = data.sex;
  };

  const check = async (input) => {
    const form = input.form;
    const url = form && form.getAttribute("data-check-url");
    const value = input.value.trim();
    if (!url || !isResidentId(input)) return showLive(input, "", null);
    if (!value) return showLive(input, "", null);
    const mine = ++sequence;
    input.dataset.checking = "1";
    const body = new FormData();
    body.append("id_number", value);
    try {
      const response = await fetch(url, {
        method: "POST",
        body,
        headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
        credentials: "same-origin",
      });
      const data = await response.json();
      if (mine !== sequence && input.value.trim() !== value) return; // a newer keystroke wins
      showLive(input, data.message, Boolean(data.ok));
      if (data.ok) fillDerived(input, data);
    } catch (error) {
      showLive(input, "", null);
    } finally {
      delete input.dataset.checking;
      input.dataset.checked = value.length ? "1" : "";
    }
  };

  const schedule = (input, delay) => {
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(() => check(input), delay));
  };

  document.addEventListener("input", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-id-check")) return;
    const length = input.value.replace(/[\s-]/g, "").length;
    // Check once the number could be complete (15 old, 18 new); shorter is still being typed.
    if (length >= 15) schedule(input, 250);
    else showLive(input, "", null);
  });

  document.addEventListener(
    "blur",
    (event) => {
      const input = event.target;
      if (input instanceof HTMLInputElement && input.hasAttribute("data-id-check")) schedule(input, 0);
    },
    true,
  );

  document.addEventListener("change", (event) => {
    const select = event.target;
    if (select instanceof HTMLSelectElement && select.name === "id_type" && select.form) {
      const input = select.form.querySelector("input[data-id-check]");
      if (input) schedule(input, 0);
    }
  });

  // --- member rows of the newcomer-family form -------------------------------------------------
  const renumber = (container) => {
    container.querySelectorAll("[data-member-row]").forEach((row, index) => {
      const number = row.querySelector("[data-member-number]");
      if (number) number.textContent = String(index + 1);
    });
  };

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-add-member]") : null;
    if (!button) return;
    const form = button.form;
    const template = document.getElementById("member-template");
    const container = form && form.querySelector("[data-member-rows]");
    const total = form && form.querySelector("input[name$='-TOTAL_FORMS']");
    if (!template || !container || !total) return;
    const index = Number(total.value);
    const max = Number((form.querySelector("input[name$='-MAX_NUM_FORMS']") || {}).value || 1000);
    if (index >= max) return;
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    container.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    renumber(container);
    const first = container.lastElementChild && container.lastElementChild.querySelector("input");
    if (first) first.focus();
  });

  // --- unmask: reason, then the clear value once ----------------------------------------------
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-unmask")) return;
    event.preventDefault();
    const errorBox = form.querySelector("[data-error]");
    const row = form.closest("li");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      const data = await response.json();
      if (data.ok) {
        const value = row && row.querySelector("[data-value]");
        if (value) {
          value.textContent = data.value;
          value.classList.remove("masked");
          value.classList.add("clear-value");
        }
        const details = form.closest("details");
        if (details) details.remove();
      } else if (errorBox) {
        errorBox.textContent = data.message;
        errorBox.hidden = false;
      }
    } catch (error) {
      if (errorBox) {
        errorBox.textContent = form.getAttribute("data-failed") || "网络错误，请重试。";
        errorBox.hidden = false;
      }
    }
  });
})();
