/**
 * Set on <html> once React has hydrated the server-rendered page. Until then the page is only HTML: a click
 * does nothing or submits natively, and a node added to the document (a browser test's screenshot style,
 * appended to <html>) makes React throw a hydration mismatch and render the page again on the client. The
 * browser tests wait for it after every page load.
 */
export const HYDRATED_ATTRIBUTE = "data-hydrated";
