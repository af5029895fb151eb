// The status page of a payment still processing: asks the store (which asks Stripe) every
// few seconds, for a bounded time, and shows the page again once the answer changes.
(function () {
    "use strict";

    var root = document.querySelector("[data-check-url]");
    if (!root) {
        return;
    }
    var tries = 0;
    var MAX_TRIES = 30;

    function check() {
        tries += 1;
        fetch(root.dataset.checkUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
            .then(function (response) { return response.ok ? response.json() : null; })
            .then(function (answer) {
                if (answer && (answer.paid || answer.status !== "processing")) {
                    window.location.reload();
                } else if (tries < MAX_TRIES) {
                    window.setTimeout(check, 3000);
                }
            })
            .catch(function () {
                if (tries < MAX_TRIES) {
                    window.setTimeout(check, 3000);
                }
            });
    }

    window.setTimeout(check, 2000);
})();
