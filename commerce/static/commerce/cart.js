// The cart without page reloads: add-to-cart forms, the header's cart badge, and the cart
// page's forms and Pay button. Every form also works without JavaScript (a POST answered
// with a redirect back), so this file only takes over their submissions and talks JSON.
(function () {
    "use strict";

    var NETWORK_MESSAGE = "Could not reach the store. Please check your connection and try again.";

    function csrfToken(form) {
        var field = (form || document).querySelector("input[name=csrfmiddlewaretoken]");
        if (field) {
            return field.value;
        }
        var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
        return match ? decodeURIComponent(match[1]) : "";
    }

    function formFields(form) {
        var fields = {};
        new FormData(form).forEach(function (value, name) {
            if (name !== "csrfmiddlewaretoken" && name !== "next") {
                fields[name] = value;
            }
        });
        return fields;
    }

    // Pages from the shared cache carry no CSRF token: the cart's JSON sets the cookie
    // (asked for the badge as the page loads), so a change waits for that answer first.
    function tokenReady(form) {
        return csrfToken(form) ? Promise.resolve() : askCart();
    }

    // POST (or another method) JSON; resolves to {ok, status, body}.
    function send(url, fields, form, method) {
        return tokenReady(form).then(function () {
            return sendNow(url, fields, form, method);
        });
    }

    function sendNow(url, fields, form, method) {
        return fetch(url, {
            method: method || "POST",
            credentials: "same-origin",
            headers: {
                "Content-Type": "application/json",
                Accept: "application/json",
                "X-CSRFToken": csrfToken(form)
            },
            body: JSON.stringify(fields || {})
        }).then(function (response) {
            return response.json().then(function (body) {
                return { ok: response.ok, status: response.status, body: body };
            });
        });
    }

    function showCount(cart) {
        document.querySelectorAll("[data-cart-badge]").forEach(function (badge) {
            var count = badge.querySelector("[data-cart-count]");
            count.textContent = String(cart.count);
            count.hidden = !cart.count;
            badge.setAttribute("aria-label", "Cart, " + cart.count + (cart.count === 1 ? " item" : " items"));
        });
    }

    function say(form, message, isError) {
        var box = form.querySelector("[data-cart-status]");
        if (box) {
            box.textContent = message;
            box.classList.toggle("add-to-cart__status--error", Boolean(isError));
        }
    }

    // Item lists, catalogs and item pages: "Add to cart".
    function offerNewCart(form, fields, message) {
        say(form, message, true);
        var button = document.createElement("button");
        button.type = "button";
        button.className = "add-to-cart__new-cart";
        button.textContent = "Start a new cart with this item";
        button.addEventListener("click", function () {
            button.remove();
            fields.replace = true;
            submitAdd(form, fields);
        });
        form.querySelector("[data-cart-status]").after(button);
    }

    function submitAdd(form, fields) {
        var submit = form.querySelector("button[type=submit]");
        submit.disabled = true;
        send(form.action, fields, form)
            .then(function (answer) {
                if (answer.ok) {
                    showCount(answer.body.cart);
                    say(form, "Added to your cart (" + answer.body.quantity + ").");
                } else if (answer.status === 409) {
                    offerNewCart(form, fields, answer.body.error);
                } else {
                    say(form, answer.body.error || "Could not add this item.", true);
                }
            })
            .catch(function () { say(form, NETWORK_MESSAGE, true); })
            .then(function () { submit.disabled = false; });
    }

    document.querySelectorAll("form[data-cart-add]").forEach(function (form) {
        form.addEventListener("submit", function (event) {
            event.preventDefault();
            var stale = form.querySelector(".add-to-cart__new-cart");
            if (stale) {
                stale.remove();
            }
            submitAdd(form, formFields(form));
        });
    });

    // The cart page: its forms change the cart, then the page's cart section is redrawn
    // from the server's HTML, so there is one template for both ways.
    function showCartError(message) {
        var box = document.querySelector("[data-cart-error]");
        box.textContent = message;
        box.hidden = false;
    }

    function redrawCart() {
        return fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
            .then(function (response) { return response.text(); })
            .then(function (html) {
                var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-cart-root]");
                document.querySelector("[data-cart-root]").replaceWith(fresh);
                bindCartPage();
            });
    }

    function bindCartPage() {
        var root = document.querySelector("[data-cart-root]");
        if (!root) {
            return;
        }
        root.querySelectorAll("form[data-cart-form]").forEach(function (form) {
            form.addEventListener("submit", function (event) {
                event.preventDefault();
                form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
                send(form.action, formFields(form), form)
                    .then(function (answer) {
                        if (!answer.ok) {
                            throw new Error(answer.body.error || "Could not change your cart.");
                        }
                        showCount(answer.body.cart);
                        return redrawCart();
                    })
                    .catch(function (error) {
                        showCartError(error instanceof TypeError || error instanceof SyntaxError ? NETWORK_MESSAGE : error.message);
                        form.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
                    });
            });
        });
        // Two ways to pay: Stripe Checkout, or the card form on the store's payment page.
        root.querySelectorAll("form[data-cart-pay]").forEach(function (pay) {
            pay.addEventListener("submit", function (event) {
                event.preventDefault();
                var button = pay.querySelector("button");
                button.disabled = true;
                send(pay.action, {}, pay)
                    .then(function (answer) {
                        if (!answer.ok) {
                            throw new Error(answer.body.error || "Could not place your order.");
                        }
                        if (pay.dataset.payUrl) {
                            return { ok: true, body: { url: pay.dataset.payUrl.replace("order-id", String(answer.body.orderId)) } };
                        }
                        var url = pay.dataset.checkoutUrl.replace("order-id", String(answer.body.orderId));
                        return send(url, {}, pay);
                    })
                    .then(function (answer) {
                        if (!answer.ok || !answer.body.url) {
                            throw new Error(answer.body.error || "Could not start the payment. Please try again.");
                        }
                        window.location.assign(answer.body.url);
                    })
                    .catch(function (error) {
                        showCartError(error instanceof TypeError || error instanceof SyntaxError ? NETWORK_MESSAGE : error.message);
                        button.disabled = false;
                    });
            });
        });
    }

    bindCartPage();

    // The badge is filled here rather than in the page's HTML, so pages stay the same for
    // every shopper (cacheable). Asking also gives a first-time visitor their session, so
    // adds from several tabs land in one cart.
    var cartAnswer = null;
    function askCart() {
        var badge = document.querySelector("[data-cart-badge]");
        if (!cartAnswer) {
            cartAnswer = fetch(badge ? badge.getAttribute("href") : "/v2/cart/", { credentials: "same-origin", headers: { Accept: "application/json" } })
                .then(function (response) { return response.ok ? response.json() : null; })
                .then(function (cart) { if (cart && badge) { showCount(cart); } })
                .catch(function () { /* the badge just stays without a count */ });
        }
        return cartAnswer;
    }
    askCart();
})();
