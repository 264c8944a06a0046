/** Polaris' EmptyState needs an illustration; the app uses none (a 1×1 transparent SVG). */
export const BLANK_IMAGE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E";
