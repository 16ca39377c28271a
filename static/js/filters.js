// The filters' date fields and actor suggestions, made kind to typing. Without this file the form still
// works: the fields are sent when the form is, and suggestions are links.
(function () {
  "use strict";

  // After the last keystroke of a plausible date, wait this long before asking for the view.
  const DATE_PAUSE_MS = 600;
  const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
  const timers = new WeakMap();

  function dateField(target) {
    return target instanceof HTMLInputElement && target.matches("form#filters input[data-date-filter]") ? target : null;
  }

  // The value the page now shows for a field, written by the server on the (never preserved) fieldset.
  function shownValue(field) {
    const fieldset = field.closest("fieldset");
    return fieldset ? fieldset.dataset[field.dataset.dateFilter] || "" : field.defaultValue;
  }

  // Complete and inside the field's min and max: while a year is typed digit by digit, "0002-03-20" is not.
  function plausible(field) {
    const value = field.value;
    if (!ISO_DATE.test(value) || field.validity.badInput) return false;
    return (!field.min || value >= field.min) && (!field.max || value <= field.max);
  }

  function cancel(field) {
    clearTimeout(timers.get(field));
    timers.delete(field);
  }

  function send(field) {
    cancel(field);
    if (field.value !== shownValue(field) && field.form) field.form.requestSubmit();
  }

  // The browser says "change" each time the typed digits make a date; the form hears it only once the
  // date is plausible and the typing has paused, or when the field is left.
  document.addEventListener(
    "change",
    function (event) {
      const field = dateField(event.target);
      if (!field) return;
      event.stopPropagation();
      cancel(field);
      if (plausible(field)) timers.set(field, setTimeout(() => send(field), DATE_PAUSE_MS));
    },
    true,
  );

  document.addEventListener(
    "blur",
    function (event) {
      const field = dateField(event.target);
      if (!field || field.validity.badInput) return;
      if (field.value === "" || plausible(field) || ISO_DATE.test(field.value)) send(field);
    },
    true,
  );

  document.addEventListener("keydown", function (event) {
    const field = dateField(event.target);
    if (field && event.key === "Enter") cancel(field);
  });

  // The date fields survive each swap (hx-preserve); those not being edited take the value the server sent.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("form#filters input[data-date-filter]").forEach(function (field) {
      if (field !== document.activeElement && !timers.has(field)) field.value = shownValue(field);
    });
    syncSuggestions();
  });

  // Actor suggestions as a combobox: arrow keys move through the options, Enter picks the one shown as chosen.
  function options() {
    return Array.from(document.querySelectorAll("#actor-suggestions [role=option]"));
  }

  function choose(input, index) {
    const all = options();
    all.forEach((option, i) => option.setAttribute("aria-selected", i === index ? "true" : "false"));
    if (index >= 0 && all[index]) {
      input.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function syncSuggestions() {
    const input = document.getElementById("actor-search");
    if (!input) return;
    // The suggestions take the place of the browser's own list, whose popup would take the arrow keys.
    input.removeAttribute("list");
    const all = options();
    input.setAttribute("aria-expanded", all.length ? "true" : "false");
    // The chosen actor stays chosen when a later reply lists it again.
    const chosen = input.getAttribute("aria-activedescendant");
    choose(input, chosen ? all.findIndex((option) => option.id === chosen) : -1);
  }

  document.addEventListener("keydown", function (event) {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.id !== "actor-search") return;
    const all = options();
    const current = all.findIndex((option) => option.getAttribute("aria-selected") === "true");
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!all.length) return;
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      choose(input, current < 0 ? (step > 0 ? 0 : all.length - 1) : (current + step + all.length) % all.length);
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();
      all[current].click();
    } else if (event.key === "Escape" && current >= 0) {
      event.preventDefault();
      choose(input, -1);
    }
  });

  document.addEventListener("htmx:afterSwap", syncSuggestions);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", syncSuggestions);
  } else {
    syncSuggestions();
  }
})();
