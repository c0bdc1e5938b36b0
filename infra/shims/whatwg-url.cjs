// Bundled in place of the `whatwg-url` package (see infra/functions.ts): the MongoDB driver's
// connection-string parser only needs a WHATWG URL, which Node.js has built in, and the package's
// Unicode tables (tr46) would be a fifth of every function's bundle.
module.exports = { URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams };
