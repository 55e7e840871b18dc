// Small conveniences only: every page works without this file.
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.requestSubmit());
  const button = select.form.querySelector("button");
  if (button) button.hidden = true;
});
// A long upload or import: say that it is under way while the browser waits for the result page.
document.querySelectorAll("form[data-busy]").forEach((form) => {
  form.addEventListener("submit", () => {
    const busy = form.querySelector(".busy");
    if (busy) busy.hidden = false;
  });
});
// A streamed import page ends with a link to its result: open it once the whole page has come.
const result = document.querySelector("a[data-open]");
if (result) location.replace(result.href);
