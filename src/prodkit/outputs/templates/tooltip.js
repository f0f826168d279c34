document.querySelectorAll('svg [role="graphics-symbol"][aria-label]').forEach(function (el) {
  var t = document.createElementNS('http://www.w3.org/2000/svg', 'title');
  t.textContent = el.getAttribute('aria-label');
  el.appendChild(t);
});
