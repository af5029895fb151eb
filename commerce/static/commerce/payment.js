// The payment page: asks the store for the order's PaymentIntent, mounts Stripe's Payment
// Element with it, and confirms the payment; Stripe then sends the shopper to the status
// page (`return_url`). A decline is shown here and the shopper can try another card.
(function () {
    "use strict";

    var NETWORK_MESSAGE = "Could not reach the store. Please check your connection and try again.";
    var form = document.querySelector("form[data-payment-form]");
    if (!form || typeof window.Stripe !== "function") {
        return;
    }
    var submit = form.querySelector("[data-payment-submit]");
    var errorBox = form.querySelector("[data-payment-error]");
    var stripe = null;
    var elements = null;

    function showError(message) {
        errorBox.textContent = message;
        errorBox.hidden = !message;
    }

    function csrfToken() {
        var field = form.querySelector("input[name=csrfmiddlewaretoken]");
        return field ? field.value : "";
    }

    function startIntent() {
        return fetch(form.dataset.intentUrl, {
            method: "POST",
            credentials: "same-origin",
            headers: {
                "Content-Type": "application/json",
                Accept: "application/json",
                "X-CSRFToken": csrfToken()
            },
            body: "{}"
        }).then(function (response) {
            return response.json().then(function (body) {
                if (!response.ok) {
                    throw new Error(body.error || "Could not start the payment. Please try again.");
                }
                return body;
            });
        });
    }

    startIntent()
        .then(function (intent) {
            stripe = window.Stripe(intent.publishableKey);
            elements = stripe.elements({ clientSecret: intent.clientSecret });
            var element = elements.create("payment");
            element.on("ready", function () { submit.disabled = false; });
            element.mount(form.querySelector("[data-payment-element]"));
        })
        .catch(function (error) {
            showError(error instanceof TypeError || error instanceof SyntaxError ? NETWORK_MESSAGE : error.message);
        });

    form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (!stripe || !elements) {
            return;
        }
        var email = form.querySelector("[data-receipt-email]");
        if (email && !email.checkValidity()) {
            email.reportValidity();
            return;
        }
        submit.disabled = true;
        showError("");
        var confirmParams = { return_url: form.dataset.returnUrl };
        if (email) {
            // Stripe keeps it on the intent; the store reads it back when the order is paid.
            confirmParams.receipt_email = email.value;
        }
        stripe.confirmPayment({ elements: elements, confirmParams: confirmParams })
            .then(function (result) {
                // Only reached when the payment could not be confirmed (a redirect otherwise).
                if (result && result.error) {
                    showError(result.error.message || "Your payment did not go through. Please try again.");
                }
                submit.disabled = false;
            })
            .catch(function () {
                showError(NETWORK_MESSAGE);
                submit.disabled = false;
            });
    });
})();
