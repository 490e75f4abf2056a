// Placeholder: the SDK and page build lands here (npm run build).
export {};
