/*
 * Stripe.js stand-in served by the Stripe emulator (development and tests only).
 *
 * It implements the small part of Stripe.js a Payment Element integration uses:
 * Stripe(pk) -> elements({clientSecret}) -> create('payment') -> mount() -> confirmPayment(),
 * plus retrievePaymentIntent() and redirectToCheckout(). Card details typed into the element
 * become a PaymentMethod (POST /v1/payment_methods) that confirms the PaymentIntent with the
 * publishable key and client secret, exactly the calls real Stripe.js makes.
 *
 * The API base is the origin this script was loaded from, so any emulator port works.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var API_BASE = script ? new URL(script.src).origin : window.location.origin;

  function formEncode(data, prefix, pairs) {
    pairs = pairs || [];
    Object.keys(data).forEach(function (key) {
      var value = data[key];
      var name = prefix ? prefix + "[" + key + "]" : key;
      if (value === undefined || value === null) {
        return;
      }
      if (typeof value === "object") {
        formEncode(value, name, pairs);
      } else {
        pairs.push(encodeURIComponent(name) + "=" + encodeURIComponent(String(value)));
      }
    });
    return pairs.join("&");
  }

  function intentIdFromSecret(clientSecret) {
    return String(clientSecret || "").split("_secret_")[0];
  }

  function withQuery(url, params) {
    var target = new URL(url, window.location.href);
    Object.keys(params).forEach(function (key) {
      target.searchParams.append(key, params[key]);
    });
    return target.toString();
  }

  function parseExpiry(text) {
    var match = /^\s*(\d{1,2})\s*\/?\s*(\d{2}|\d{4})\s*$/.exec(text || "");
    if (!match) {
      return null;
    }
    var year = parseInt(match[2], 10);
    return { month: parseInt(match[1], 10), year: year < 100 ? 2000 + year : year };
  }

  function StripeEmulator(publishableKey) {
    if (!(this instanceof StripeEmulator)) {
      return new StripeEmulator(publishableKey);
    }
    if (!/^pk_test_/.test(publishableKey || "")) {
      throw new Error("Stripe(): a test publishable key (pk_test_...) is required.");
    }
    this._key = publishableKey;
  }

  StripeEmulator.prototype._request = function (method, path, params) {
    var body = params ? formEncode(params) : "";
    var url = API_BASE + path;
    var init = {
      method: method,
      headers: { Authorization: "Bearer " + this._key },
    };
    if (method === "GET") {
      url += body ? "?" + body : "";
    } else {
      init.headers["Content-Type"] = "application/x-www-form-urlencoded";
      init.body = body;
    }
    return fetch(url, init).then(function (response) {
      return response.json().then(function (json) {
        return { ok: response.ok, body: json };
      });
    }, function () {
      return {
        ok: false,
        body: { error: { type: "api_connection_error", message: "Could not reach the API." } },
      };
    });
  };

  StripeEmulator.prototype.elements = function (options) {
    return new Elements(this, options || {});
  };

  StripeEmulator.prototype.retrievePaymentIntent = function (clientSecret) {
    var path = "/v1/payment_intents/" + encodeURIComponent(intentIdFromSecret(clientSecret));
    return this._request("GET", path, { client_secret: clientSecret }).then(function (answer) {
      return answer.ok ? { paymentIntent: answer.body } : { error: answer.body.error };
    });
  };

  StripeEmulator.prototype.redirectToCheckout = function (options) {
    var sessionId = options && options.sessionId;
    if (!sessionId) {
      return Promise.resolve({
        error: { type: "invalid_request_error", message: "sessionId is required." },
      });
    }
    window.location.assign(API_BASE + "/c/pay/" + encodeURIComponent(sessionId));
    return new Promise(function () {});
  };

  StripeEmulator.prototype.confirmPayment = function (options) {
    var self = this;
    options = options || {};
    var elements = options.elements;
    var confirmParams = options.confirmParams || {};
    var redirect = options.redirect || "always";
    var clientSecret = options.clientSecret || (elements && elements._clientSecret);
    var element = elements && elements._paymentElement;
    if (!element) {
      return Promise.reject(new Error("confirmPayment(): mount a Payment Element first."));
    }
    if (redirect !== "if_required" && !confirmParams.return_url) {
      return Promise.reject(new Error(
        "stripe.confirmPayment(): the `confirmParams.return_url` argument is required " +
        "unless passing `redirect: 'if_required'`"
      ));
    }
    var invalid = element._validate();
    if (invalid) {
      element._showError(invalid.message);
      return Promise.resolve({ error: invalid });
    }
    element._showError("");
    var card = element._cardDetails();
    var methodParams = {
      type: "card",
      card: card,
      billing_details: (confirmParams.payment_method_data || {}).billing_details,
    };
    return self._request("POST", "/v1/payment_methods", methodParams).then(function (created) {
      if (!created.ok) {
        element._showError(created.body.error.message);
        return { error: created.body.error };
      }
      var path = "/v1/payment_intents/" + encodeURIComponent(intentIdFromSecret(clientSecret)) +
        "/confirm";
      var params = {
        client_secret: clientSecret,
        payment_method: created.body.id,
        return_url: confirmParams.return_url,
        receipt_email: confirmParams.receipt_email,
      };
      return self._request("POST", path, params).then(function (answer) {
        if (!answer.ok) {
          element._showError(answer.body.error.message);
          return { error: answer.body.error };
        }
        var intent = answer.body;
        if (intent.status === "requires_action" && intent.next_action &&
            intent.next_action.redirect_to_url) {
          window.location.assign(intent.next_action.redirect_to_url.url);
          return new Promise(function () {});
        }
        if (redirect === "if_required") {
          return { paymentIntent: intent };
        }
        window.location.assign(withQuery(confirmParams.return_url, {
          payment_intent: intent.id,
          payment_intent_client_secret: clientSecret,
          redirect_status: intent.status === "succeeded" ? "succeeded" : intent.status,
        }));
        return new Promise(function () {});
      });
    });
  };

  function Elements(stripe, options) {
    this._stripe = stripe;
    this._clientSecret = options.clientSecret;
    this._appearance = options.appearance || {};
    this._paymentElement = null;
  }

  Elements.prototype.create = function (type, options) {
    if (type !== "payment") {
      throw new Error("elements.create(): only the 'payment' element is emulated.");
    }
    if (this._paymentElement) {
      throw new Error("Only one Payment Element can be created per Elements group.");
    }
    this._paymentElement = new PaymentElement(this, options || {});
    return this._paymentElement;
  };

  Elements.prototype.getElement = function (type) {
    return type === "payment" ? this._paymentElement : null;
  };

  Elements.prototype.fetchUpdates = function () {
    var self = this;
    if (!self._clientSecret) {
      return Promise.resolve({});
    }
    return self._stripe.retrievePaymentIntent(self._clientSecret).then(function (result) {
      return result.error ? { error: result.error } : {};
    });
  };

  Elements.prototype.submit = function () {
    var element = this._paymentElement;
    var invalid = element ? element._validate() : null;
    if (invalid) {
      element._showError(invalid.message);
    }
    return Promise.resolve(invalid ? { error: invalid } : {});
  };

  Elements.prototype.update = function (options) {
    if (options && options.appearance) {
      this._appearance = options.appearance;
    }
  };

  function PaymentElement(elements, options) {
    this._elements = elements;
    this._options = options;
    this._handlers = {};
    this._root = null;
  }

  PaymentElement.prototype.on = function (event, handler) {
    (this._handlers[event] = this._handlers[event] || []).push(handler);
    return this;
  };

  PaymentElement.prototype.off = function (event, handler) {
    this._handlers[event] = (this._handlers[event] || []).filter(function (h) {
      return h !== handler;
    });
    return this;
  };

  PaymentElement.prototype._emit = function (event, payload) {
    (this._handlers[event] || []).forEach(function (handler) {
      handler(payload);
    });
  };

  PaymentElement.prototype._input = function (name, id, label, placeholder, autocomplete) {
    var wrapper = document.createElement("label");
    wrapper.style.cssText = "display:block;margin:8px 0;font:14px system-ui,sans-serif";
    wrapper.textContent = label;
    var input = document.createElement("input");
    input.name = name;
    input.id = id;
    input.placeholder = placeholder;
    input.autocomplete = autocomplete;
    input.setAttribute("inputmode", "numeric");
    input.style.cssText = "display:block;width:100%;box-sizing:border-box;padding:10px;" +
      "border:1px solid #cfd7df;border-radius:6px;font-size:16px";
    wrapper.appendChild(input);
    return { wrapper: wrapper, input: input };
  };

  PaymentElement.prototype.mount = function (target) {
    var container = typeof target === "string" ? document.querySelector(target) : target;
    if (!container) {
      throw new Error("element.mount(): no element matches " + target);
    }
    var self = this;
    var root = document.createElement("div");
    root.className = "EmulatedPaymentElement";
    root.setAttribute("data-testid", "payment-element");
    var number = self._input("number", "payment-element-card-number", "Card number",
      "1234 1234 1234 1234", "cc-number");
    var expiry = self._input("expiry", "payment-element-card-expiry", "Expiration",
      "MM / YY", "cc-exp");
    var cvc = self._input("cvc", "payment-element-card-cvc", "CVC", "CVC", "cc-csc");
    var error = document.createElement("div");
    error.id = "payment-element-error";
    error.setAttribute("role", "alert");
    error.style.cssText = "color:#df1b41;min-height:1.2em;font:14px system-ui,sans-serif";
    [number, expiry, cvc].forEach(function (field) {
      root.appendChild(field.wrapper);
      field.input.addEventListener("input", function () {
        self._emit("change", {
          elementType: "payment",
          empty: !self._number.value && !self._expiry.value && !self._cvc.value,
          complete: !self._validate(),
          value: { type: "card" },
        });
      });
    });
    root.appendChild(error);
    container.innerHTML = "";
    container.appendChild(root);
    self._root = root;
    self._number = number.input;
    self._expiry = expiry.input;
    self._cvc = cvc.input;
    self._error = error;
    setTimeout(function () {
      self._emit("ready", { elementType: "payment" });
    }, 0);
  };

  PaymentElement.prototype.unmount = function () {
    if (this._root && this._root.parentNode) {
      this._root.parentNode.removeChild(this._root);
    }
  };

  PaymentElement.prototype.destroy = function () {
    this.unmount();
    this._elements._paymentElement = null;
  };

  PaymentElement.prototype.focus = function () {
    if (this._number) {
      this._number.focus();
    }
  };

  PaymentElement.prototype.update = function () {};

  PaymentElement.prototype._showError = function (message) {
    if (this._error) {
      this._error.textContent = message || "";
    }
  };

  PaymentElement.prototype._validate = function () {
    var digits = (this._number ? this._number.value : "").replace(/\D/g, "");
    if (digits.length < 12) {
      return { type: "validation_error", code: "incomplete_number",
        message: "Your card number is incomplete." };
    }
    if (!parseExpiry(this._expiry.value)) {
      return { type: "validation_error", code: "incomplete_expiry",
        message: "Your card's expiration date is incomplete." };
    }
    if (!/^\d{3,4}$/.test(this._cvc.value.trim())) {
      return { type: "validation_error", code: "incomplete_cvc",
        message: "Your card's security code is incomplete." };
    }
    return null;
  };

  PaymentElement.prototype._cardDetails = function () {
    var expiry = parseExpiry(this._expiry.value);
    return {
      number: this._number.value.replace(/\D/g, ""),
      exp_month: expiry.month,
      exp_year: expiry.year,
      cvc: this._cvc.value.trim(),
    };
  };

  window.Stripe = StripeEmulator;
})();
