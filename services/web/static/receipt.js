// Checks a receipt (a compact JWS) in the browser with WebCrypto, against the registry's
// public keys from this site's own /.well-known/jwks.json. Nothing leaves the browser.
"use strict";

(function () {
  const form = document.getElementById("receipt-form");
  const result = document.getElementById("receipt-result");
  const words = result.dataset;

  function bytes(base64url) {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "===".slice((base64.length + 3) % 4);
    const text = atob(padded);
    return Uint8Array.from(text, (c) => c.charCodeAt(0));
  }

  function decoded(part) {
    return JSON.parse(new TextDecoder().decode(bytes(part)));
  }

  async function publicKey(jwk, alg) {
    if (alg === "ES256" && jwk.kty === "EC" && jwk.crv === "P-256") {
      const key = { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y };
      return [await crypto.subtle.importKey("jwk", key, { name: "ECDSA", namedCurve: "P-256" },
        false, ["verify"]), { name: "ECDSA", hash: "SHA-256" }];
    }
    if (alg === "EdDSA" && jwk.kty === "OKP" && jwk.crv === "Ed25519") {
      const key = { kty: "OKP", crv: "Ed25519", x: jwk.x };
      return [await crypto.subtle.importKey("jwk", key, { name: "Ed25519" }, false, ["verify"]),
        { name: "Ed25519" }];
    }
    return [null, null];
  }

  function show(message, claims) {
    result.replaceChildren();
    const line = document.createElement("p");
    line.textContent = message;
    result.appendChild(line);
    if (!claims) return;
    const list = document.createElement("dl");
    const recruiter = claims.recruiter || {};
    const facts = [
      [words.verdict, words["verdict" + (claims.verdict || "").replace(/^./, (c) => c.toUpperCase())] || claims.verdict],
      [words.recruiter, (recruiter.legal_name || "") + " (" + (claims.sub || "") + ")"],
      [words.asOf, claims.as_of],
      [words.expires, new Date(claims.exp * 1000).toLocaleString(document.documentElement.lang)],
    ];
    for (const [name, value] of facts) {
      const term = document.createElement("dt");
      term.textContent = name;
      const detail = document.createElement("dd");
      detail.textContent = value || "—";
      list.append(term, detail);
    }
    result.appendChild(list);
  }

  async function check(receipt) {
    const parts = receipt.trim().split(".");
    let header, claims;
    try {
      if (parts.length !== 3) throw new Error("not a compact JWS");
      header = decoded(parts[0]);
      claims = decoded(parts[1]);
    } catch (error) {
      return show(words.unreadable);
    }
    const answer = await fetch(form.dataset.keys, { credentials: "omit" });
    const keys = (await answer.json()).keys || [];
    const jwk = keys.find((key) => key.kid === header.kid);
    if (!jwk) return show(words.invalid);
    let key, algorithm;
    try {
      [key, algorithm] = await publicKey(jwk, header.alg);
    } catch (error) {
      return show(words.unsupported);
    }
    if (!key) return show(words.invalid);
    let valid = false;
    try {
      const signed = new TextEncoder().encode(parts[0] + "." + parts[1]);
      valid = await crypto.subtle.verify(algorithm, key, bytes(parts[2]), signed);
    } catch (error) {
      valid = false;
    }
    if (!valid) return show(words.invalid);
    if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) {
      return show(words.expired, claims);
    }
    return show(words.valid, claims);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    check(document.getElementById("receipt").value).catch(() => show(words.invalid));
  });
})();
