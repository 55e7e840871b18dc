// Small conveniences only: every page works without this file.
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.requestSubmit());
  const button = select.form.querySelector("button");
  if (button) button.hidden = true;
});
