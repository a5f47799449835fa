// 考核指标: editing a date picks the custom period (the radio would otherwise keep "this month").
document.addEventListener("change", (event) => {
  const el = event.target;
  if (!(el instanceof HTMLInputElement) || el.type !== "date") return;
  const custom = el.form && el.form.querySelector('input[name="period"][value="custom"]');
  if (custom) custom.checked = true;
});
