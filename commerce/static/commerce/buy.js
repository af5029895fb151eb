// The Buy button: ask the store for a Checkout Session, then go to its page.
// Stripe.js redirectToCheckout no longer exists, so the browser follows the session's url.
// Without JavaScript the same button submits its form, and the server answers a redirect.
(function () {
    "use strict";

    function showError(form, message) {
        var box = form.querySelector(".buy-form__error");
        box.textContent = message;
        box.hidden = false;
    }

    function onSubmit(event) {
        var form = event.currentTarget;
        var button = form.querySelector("button[type=submit]");
        event.preventDefault();
        button.disabled = true;
        form.querySelector(".buy-form__error").hidden = true;
        fetch(form.dataset.buyUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
            .then(function (response) {
                return response.json().then(function (body) {
                    if (!response.ok || !body.url) {
                        throw new Error(body.error || "Could not start the payment. Please try again.");
                    }
                    window.location.assign(body.url);
                });
            })
            .catch(function (error) {
                var message = error instanceof SyntaxError || error instanceof TypeError
                    ? "Could not reach the store. Please check your connection and try again."
                    : error.message;
                showError(form, message);
                button.disabled = false;
            });
    }

    document.querySelectorAll("form.buy-form[data-buy-url]").forEach(function (form) {
        form.addEventListener("submit", onSubmit);
    });
})();
