// Loaded first: records every script error, failed promise, console.error and blocked
// request of the page in window.__problems, which the browser test reads.
window.__problems = [];
window.addEventListener("error", (e) => {
  window.__problems.push("error: " + (e.message || (e.target && (e.target.src || e.target.href)) || "resource"));
}, true);
window.addEventListener("unhandledrejection", (e) => {
  window.__problems.push("unhandled rejection: " + (e.reason && e.reason.message ? e.reason.message : String(e.reason)));
});
window.addEventListener("securitypolicyviolation", (e) => {
  window.__problems.push("blocked: " + e.blockedURI);
});
(function () {
  const original = console.error;
  console.error = function (...args) {
    window.__problems.push("console.error: " + args.map(String).join(" "));
    original.apply(console, args);
  };
})();
