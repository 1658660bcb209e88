// Copy buttons and inline form validation. The pages work without it.
"use strict";
document.addEventListener("click", (e) => {
  const b = e.target.closest("button.copy");
  if (!b) return;
  navigator.clipboard.writeText(b.dataset.copy).then(() => {
    const t = b.textContent; b.textContent = "Copied"; setTimeout(() => { b.textContent = t; }, 1500);
  });
});
document.addEventListener("input", (e) => {
  const i = e.target;
  if (i.matches("input[data-error]")) i.setCustomValidity(i.validity.patternMismatch ? i.dataset.error : "");
});
