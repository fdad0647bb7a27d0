// Live preview of an article's Markdown in the admin: the server renders and sanitises it
// exactly as shoppers will see it, so the preview never trusts the browser with raw HTML.
(function () {
  "use strict";
  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function start() {
    var body = document.getElementById("id_body");
    var preview = document.querySelector(".kb-preview[data-preview-url]");
    if (!body || !preview) return;
    var timer = null;
    var sent = 0;
    body.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var ticket = ++sent;
        var form = new FormData();
        form.append("body", body.value);
        fetch(preview.dataset.previewUrl, {
          method: "POST",
          body: form,
          headers: { "X-CSRFToken": csrfToken() },
          credentials: "same-origin",
        })
          .then(function (response) { return response.json(); })
          .then(function (data) {
            if (ticket !== sent) return; // a newer keystroke already asked again
            if (data.html !== undefined) preview.innerHTML = data.html;
            else if (data.error) preview.textContent = data.error.message;
          })
          .catch(function () { /* keep the last good preview */ });
      }, 300);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
