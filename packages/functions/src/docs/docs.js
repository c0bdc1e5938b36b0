// Swagger UI on this API's own OpenAPI document. A file rather than an inline script, so the
// page's Content-Security-Policy can allow scripts from this origin only.
window.ui = SwaggerUIBundle({
  // Relative: the document sits next to /docs wherever the API is mounted.
  url: new URL("openapi.json", document.baseURI).href,
  dom_id: "#swagger-ui",
  deepLinking: true,
  // The token typed into "Authorize" lives as long as the tab, not in localStorage.
  persistAuthorization: false,
  tryItOutEnabled: true,
  displayRequestDuration: true,
  // No third-party calls: Swagger UI would otherwise send the document to validator.swagger.io.
  validatorUrl: null,
});
