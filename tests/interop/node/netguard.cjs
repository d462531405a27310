// The loopback-only network guard for Node, preloaded with `node --require` by tests/interop/nodesupport.py
// (the Node counterpart of tests/netguard_hook.py). Every TCP connection and every name lookup goes through
// net.Socket.prototype.connect or dns.lookup (https, undici's fetch, msal-node's client, IMDS probes):
// anything but loopback is refused with an error, and a line starting "network guard:" goes to stderr,
// which the Python side turns into a test failure.
"use strict";
const dns = require("node:dns");
const net = require("node:net");

const LOOPBACK_NAMES = new Set(["localhost", "localhost.localdomain", "ip6-localhost"]);

function isLoopback(host) {
  if (host === undefined || host === null || host === "") return true; // Node's default: localhost
  const name = String(host).replace(/^\[|\]$/g, "").split("%")[0].toLowerCase();
  if (LOOPBACK_NAMES.has(name)) return true;
  if (net.isIPv4(name)) return name.startsWith("127.");
  if (net.isIPv6(name)) return name === "::1" || /^::ffff:127\./.test(name);
  return false;
}

function refuse(what, host) {
  const message = `network guard: ${what} to ${JSON.stringify(String(host))} refused (tests may reach only loopback)`;
  process.stderr.write(message + "\n");
  const error = new Error(message);
  error.code = "ECONNREFUSED";
  return error;
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  let options = args[0];
  if (Array.isArray(options)) options = options[0]; // net.createConnection hands over normalised arguments
  let host;
  if (options !== null && typeof options === "object") {
    if (options.path) return connect.apply(this, args); // a Unix socket (net itself tests path this way)
    host = options.host;
  } else if (typeof options === "string" && !/^\d+$/.test(options)) {
    return connect.apply(this, args); // a Unix socket path
  } else {
    host = args[1];
  }
  if (!isLoopback(host)) {
    const error = refuse("connect", host);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, options, callback) {
  if (!isLoopback(hostname)) {
    const done = typeof options === "function" ? options : callback;
    const error = refuse("dns.lookup", hostname);
    process.nextTick(() => done(error));
    return {};
  }
  return lookup.call(this, hostname, options, callback);
};
const promisesLookup = dns.promises.lookup;
dns.promises.lookup = function guardedPromisesLookup(hostname, options) {
  if (!isLoopback(hostname)) return Promise.reject(refuse("dns.promises.lookup", hostname));
  return promisesLookup.call(this, hostname, options);
};
