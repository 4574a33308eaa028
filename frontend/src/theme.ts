// Loaded blocking in <head> (an external file: the CSP forbids inline script), so the saved
// theme applies before the first paint and a dark-mode reader sees no flash of light.
try {
  const saved = localStorage.getItem("pyguide-theme");
  if (saved === "light" || saved === "dark") document.documentElement.setAttribute("data-theme", saved);
} catch {
  // Storage can be disabled; the system preference then applies.
}
