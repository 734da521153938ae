import { describe, expect, it } from "vitest";
import { isPlatformHeader, upstreamHeaders } from "../../scripts/local-front.mjs";

describe("npm start front proxy headers", () => {
  const raw = [
    "Host",
    "127.0.0.1:8080",
    "MF-CF-Blob",
    '{"tlsClientAuth":{"certPresented":"1","certVerified":"SUCCESS"}}',
    "mf-original-url",
    "http://evil/",
    "CF-Connecting-IP",
    "203.0.113.9",
    "cf-ipcountry",
    "XX",
    "X-Forwarded-For",
    "198.51.100.1",
    "X-Real-IP",
    "198.51.100.2",
    "Forwarded",
    "for=198.51.100.3",
    "True-Client-IP",
    "198.51.100.4",
    "X-Rampart-Local-Front",
    "guessed",
    "Connection",
    "keep-alive, X-Smuggled",
    "X-Smuggled",
    "1",
    "X-Api-Key",
    "k",
    "Accept",
    "a",
    "Accept",
    "b",
  ];

  it("drops every platform header a client sent and sets the peer, an empty cf and the token", () => {
    // X-Forwarded-For / X-Real-IP pass: the Worker weighs them against TRUSTED_PROXIES.
    expect(upstreamHeaders(raw, "127.0.0.1", "tok")).toEqual({
      host: "127.0.0.1:8080",
      "x-forwarded-for": "198.51.100.1",
      "x-real-ip": "198.51.100.2",
      "x-api-key": "k",
      accept: "a, b",
      "accept-encoding": "identity",
      "cf-connecting-ip": "127.0.0.1",
      "mf-cf-blob": '{"tlsClientAuth":{"certPresented":"0"}}',
      "x-rampart-local-front": "tok",
    });
  });

  it("keeps the client's Accept-Encoding", () => {
    const headers = upstreamHeaders(["Accept-Encoding", "gzip"], "127.0.0.1", "tok");
    expect(headers["accept-encoding"]).toBe("gzip");
  });

  it("classifies platform headers case-insensitively", () => {
    for (const name of ["MF-CF-BLOB", "Cf-Connecting-Ip", "X-FORWARDED-HOST", "Forwarded"]) {
      expect(isPlatformHeader(name)).toBe(true);
    }
    for (const name of ["Authorization", "X-Api-Key", "X-Real-IP", "X-Client-Cert"]) {
      expect(isPlatformHeader(name)).toBe(false);
    }
  });
});
