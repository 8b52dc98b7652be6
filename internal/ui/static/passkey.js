// Passkeys: a form marked data-passkey="create" or "get" carries the server's WebAuthn options
// (data-options) and a hidden "credential" field. Sending the form first asks the browser for
// the passkey, puts its answer (JSON) in the field and then sends the form. The challenge stays
// on the server; this file only carries bytes between it and the browser.
(function () {
  "use strict";

  function fromB64url(s) {
    var b = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
    var out = new Uint8Array(b.length);
    for (var i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
    return out.buffer;
  }

  function toB64url(buf) {
    var bytes = new Uint8Array(buf), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIDs(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: fromB64url(c.id) }); });
  }

  // creationOptions and requestOptions turn the server's JSON (base64url strings) into what
  // navigator.credentials wants (ArrayBuffers).
  function creationOptions(o) {
    var pk = Object.assign({}, o);
    pk.challenge = fromB64url(o.challenge);
    pk.user = Object.assign({}, o.user, { id: fromB64url(o.user.id) });
    pk.excludeCredentials = withIDs(o.excludeCredentials);
    return pk;
  }

  function requestOptions(o) {
    var pk = Object.assign({}, o);
    pk.challenge = fromB64url(o.challenge);
    pk.allowCredentials = withIDs(o.allowCredentials);
    return pk;
  }

  // credentialJSON is the browser's answer as the server reads it.
  function credentialJSON(c) {
    var r = c.response, resp = { clientDataJSON: toB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      resp.attestationObject = toB64url(r.attestationObject);
      if (r.getTransports) resp.transports = r.getTransports();
    } else {
      resp.authenticatorData = toB64url(r.authenticatorData);
      resp.signature = toB64url(r.signature);
      if (r.userHandle) resp.userHandle = toB64url(r.userHandle);
    }
    return {
      id: c.id, rawId: toB64url(c.rawId), type: c.type, response: resp,
      authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {}
    };
  }

  function say(form, text) {
    var status = form.querySelector("[data-passkey-status]");
    if (status) status.textContent = text;
  }

  function ask(form) {
    var button = form.querySelector("button[type=submit]");
    if (!window.PublicKeyCredential || !navigator.credentials) {
      say(form, "This browser cannot use passkeys. Try an up-to-date browser.");
      return;
    }
    var options = JSON.parse(form.dataset.options).publicKey;
    var creating = form.dataset.passkey === "create";
    if (button) button.disabled = true;
    say(form, "Follow your browser's prompt…");
    var call = creating
      ? navigator.credentials.create({ publicKey: creationOptions(options) })
      : navigator.credentials.get({ publicKey: requestOptions(options) });
    call.then(function (cred) {
      form.elements.credential.value = JSON.stringify(credentialJSON(cred));
      say(form, "Checking…");
      form.submit();
    }, function (err) {
      if (button) button.disabled = false;
      say(form, err && err.name === "NotAllowedError"
        ? "The passkey was not used (cancelled or timed out). Press the button to try again."
        : "The browser could not use the passkey" + (err && err.message ? ": " + err.message : "") + ".");
    });
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.dataset || !form.dataset.passkey || form.elements.credential.value) return;
    e.preventDefault();
    ask(form);
  });

  window.callvaultPasskey = { creationOptions: creationOptions, requestOptions: requestOptions, credentialJSON: credentialJSON };
})();
