// Small enhancements only; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so screen reader users hear what went wrong.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
  // Submit the unit switcher on change; the button stays for keyboard and no-JS users.
  document.querySelectorAll("[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form.submit());
  });
});
